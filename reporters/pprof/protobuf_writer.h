#ifndef TIDEMARK_REPORTERS_PPROF_PROTOBUF_WRITER_H_
#define TIDEMARK_REPORTERS_PPROF_PROTOBUF_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark {

// The few pieces of the protocol buffer wire format that profile.proto
// needs, written by hand: Tidemark links no protobuf library (the preloaded
// library stays small and cannot clash with a program's own copy). Fields
// are appended to one string; a nested message is written into its own
// ProtobufWriter first and then added as bytes, because its length prefix
// must precede it.
class ProtobufWriter {
 public:
  // Wire type 0: an unsigned varint. Negative int64 values are written as
  // their two's complement (ten bytes), as protobuf does for int64 fields.
  void Varint(int field, uint64_t value);
  void Int64(int field, int64_t value) {
    Varint(field, static_cast<uint64_t>(value));
  }
  void Bool(int field, bool value) { Varint(field, value ? 1 : 0); }
  // Wire type 2: a length-delimited string, bytes or nested message.
  void Bytes(int field, std::string_view bytes);
  // A packed repeated varint field (wire type 2 holding the varints); an
  // empty list writes nothing, as protobuf omits empty packed fields.
  void PackedVarints(int field, const std::vector<uint64_t>& values) {
    PackedVarints(field, values.data(), values.size());
  }
  // The same from an array; written in place (its length is computed
  // first), so large profiles cost no temporary string per field.
  void PackedVarints(int field, const uint64_t* values, size_t count);
  // A nested message held in another writer.
  void Message(int field, const ProtobufWriter& message) {
    Bytes(field, message.str());
  }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  void Clear() { out_.clear(); }

 private:
  void Tag(int field, int wire_type);
  void RawVarint(uint64_t value);

  std::string out_;
};

// The base-128 varint encoding of `value` appended to `out`.
void AppendVarint(uint64_t value, std::string* out);

// How many bytes AppendVarint writes for `value` (1 to 10).
size_t VarintSize(uint64_t value);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_PPROF_PROTOBUF_WRITER_H_
