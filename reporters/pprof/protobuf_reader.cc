#include "reporters/pprof/protobuf_reader.h"

#include <zlib.h>

namespace tidemark {
namespace protobuf_testing {
namespace {

// Reads one varint at data[*pos], advancing *pos.
bool ReadVarint(std::string_view data, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= data.size()) return false;
    const auto byte = static_cast<unsigned char>(data[(*pos)++]);
    *value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;  // more than ten bytes
}

bool Fail(std::string* error, const std::string& why) {
  *error = why;
  return false;
}

}  // namespace

bool DecodeMessage(std::string_view data, std::vector<Field>* fields,
                   std::string* error) {
  fields->clear();
  size_t pos = 0;
  while (pos < data.size()) {
    uint64_t key = 0;
    if (!ReadVarint(data, &pos, &key)) return Fail(error, "truncated key");
    Field field;
    field.number = static_cast<int>(key >> 3);
    field.wire_type = static_cast<int>(key & 7);
    if (field.number == 0) return Fail(error, "field number 0");
    if (field.wire_type == 0) {
      if (!ReadVarint(data, &pos, &field.varint)) {
        return Fail(error, "truncated varint");
      }
    } else if (field.wire_type == 2) {
      uint64_t length = 0;
      if (!ReadVarint(data, &pos, &length) || length > data.size() - pos) {
        return Fail(error, "truncated length-delimited field " +
                               std::to_string(field.number));
      }
      field.bytes = std::string(data.substr(pos, length));
      pos += length;
    } else {
      return Fail(error,
                  "unexpected wire type " + std::to_string(field.wire_type));
    }
    fields->push_back(std::move(field));
  }
  return true;
}

bool DecodePacked(std::string_view data, std::vector<uint64_t>* values,
                  std::string* error) {
  size_t pos = 0;
  while (pos < data.size()) {
    uint64_t value = 0;
    if (!ReadVarint(data, &pos, &value)) return Fail(error, "truncated packed");
    values->push_back(value);
  }
  return true;
}

bool Gunzip(std::string_view data, std::string* out, std::string* error) {
  z_stream stream{};
  // 15 window bits + 32: detect the gzip wrapper.
  if (inflateInit2(&stream, 15 + 32) != Z_OK) {
    return Fail(error, "inflateInit2");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  out->clear();
  char buffer[65536];
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    status = inflate(&stream, Z_NO_FLUSH);
    out->append(buffer, sizeof(buffer) - stream.avail_out);
  }
  const bool whole = status == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  return whole ? true : Fail(error, "not one whole gzip member");
}

std::string PprofProfile::String(int64_t index) const {
  if (index < 0 || static_cast<size_t>(index) >= strings.size()) {
    return "<bad string index " + std::to_string(index) + ">";
  }
  return strings[static_cast<size_t>(index)];
}

namespace {

// A field's values: packed (wire type 2) or one varint (wire type 0).
bool Values(const Field& field, std::vector<uint64_t>* values,
            std::string* error) {
  if (field.wire_type == 0) {
    values->push_back(field.varint);
    return true;
  }
  return DecodePacked(field.bytes, values, error);
}

}  // namespace

bool DecodePprof(std::string_view data, PprofProfile* profile,
                 std::string* error) {
  std::vector<Field> fields;
  if (!DecodeMessage(data, &fields, error)) return false;
  std::vector<Field> inner;
  for (const Field& f : fields) {
    const bool message = f.number <= 5 || f.number == 11;
    if (f.wire_type == 2 && message) {
      if (!DecodeMessage(f.bytes, &inner, error)) return false;
    } else if (message) {
      return Fail(error,
                  "field " + std::to_string(f.number) + " is not a message");
    } else {
      inner.clear();
    }
    switch (f.number) {
      case 1:     // sample_type
      case 11: {  // period_type
        std::pair<int64_t, int64_t> type;
        for (const Field& g : inner) {
          if (g.number == 1) type.first = static_cast<int64_t>(g.varint);
          if (g.number == 2) type.second = static_cast<int64_t>(g.varint);
        }
        if (f.number == 1) {
          profile->sample_types.push_back(type);
        } else {
          profile->period_type = type;
        }
        break;
      }
      case 2: {
        PprofProfile::Sample sample;
        for (const Field& g : inner) {
          std::vector<uint64_t> values;
          if (!Values(g, &values, error)) return false;
          if (g.number == 1) sample.location_ids = values;
          if (g.number == 2) {
            for (uint64_t v : values) {
              sample.values.push_back(static_cast<int64_t>(v));
            }
          }
        }
        profile->samples.push_back(sample);
        break;
      }
      case 3: {
        uint64_t id = 0;
        PprofProfile::Mapping mapping;
        for (const Field& g : inner) {
          if (g.number == 1) id = g.varint;
          if (g.number == 5) mapping.filename = static_cast<int64_t>(g.varint);
          if (g.number == 7) mapping.has_functions = g.varint != 0;
        }
        if (id == 0 || profile->mappings.count(id)) {
          return Fail(error, "mapping id 0 or repeated");
        }
        profile->mappings[id] = mapping;
        break;
      }
      case 4: {
        uint64_t id = 0;
        PprofProfile::Location location;
        for (const Field& g : inner) {
          if (g.number == 1) id = g.varint;
          if (g.number == 2) location.mapping_id = g.varint;
          if (g.number == 4) {
            std::vector<Field> line_fields;
            if (!DecodeMessage(g.bytes, &line_fields, error)) return false;
            PprofProfile::Line line;
            for (const Field& h : line_fields) {
              if (h.number == 1) line.function_id = h.varint;
              if (h.number == 2) line.line = static_cast<int64_t>(h.varint);
            }
            location.lines.push_back(line);
          }
        }
        if (id == 0 || profile->locations.count(id)) {
          return Fail(error, "location id 0 or repeated");
        }
        profile->locations[id] = location;
        break;
      }
      case 5: {
        uint64_t id = 0;
        PprofProfile::Function function;
        for (const Field& g : inner) {
          if (g.number == 1) id = g.varint;
          if (g.number == 2) function.name = static_cast<int64_t>(g.varint);
          if (g.number == 3) {
            function.system_name = static_cast<int64_t>(g.varint);
          }
          if (g.number == 4) function.filename = static_cast<int64_t>(g.varint);
        }
        if (id == 0 || profile->functions.count(id)) {
          return Fail(error, "function id 0 or repeated");
        }
        profile->functions[id] = function;
        break;
      }
      case 6:
        if (f.wire_type != 2) return Fail(error, "string_table not bytes");
        profile->strings.push_back(f.bytes);
        break;
      case 12:
        profile->period = static_cast<int64_t>(f.varint);
        break;
      case 13: {
        std::vector<uint64_t> values;
        if (!Values(f, &values, error)) return false;
        for (uint64_t v : values) {
          profile->comments.push_back(static_cast<int64_t>(v));
        }
        break;
      }
      case 14:
        profile->default_sample_type = static_cast<int64_t>(f.varint);
        break;
      default:
        break;
    }
  }
  if (profile->strings.empty() || !profile->strings[0].empty()) {
    return Fail(error, "string_table must start with \"\"");
  }
  return true;
}

}  // namespace protobuf_testing
}  // namespace tidemark
