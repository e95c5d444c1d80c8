#include "reporters/pprof/protobuf_writer.h"

namespace tidemark {

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void ProtobufWriter::RawVarint(uint64_t value) { AppendVarint(value, &out_); }

void ProtobufWriter::Tag(int field, int wire_type) {
  RawVarint((static_cast<uint64_t>(field) << 3) |
            static_cast<uint64_t>(wire_type));
}

void ProtobufWriter::Varint(int field, uint64_t value) {
  Tag(field, 0);
  RawVarint(value);
}

void ProtobufWriter::Bytes(int field, std::string_view bytes) {
  Tag(field, 2);
  RawVarint(bytes.size());
  out_.append(bytes.data(), bytes.size());
}

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void ProtobufWriter::PackedVarints(int field, const uint64_t* values,
                                   size_t count) {
  if (count == 0) return;
  size_t length = 0;
  for (size_t i = 0; i < count; ++i) length += VarintSize(values[i]);
  Tag(field, 2);
  RawVarint(length);
  for (size_t i = 0; i < count; ++i) RawVarint(values[i]);
}

}  // namespace tidemark
