#ifndef TIDEMARK_REPORTERS_PPROF_PROTOBUF_READER_H_
#define TIDEMARK_REPORTERS_PPROF_PROTOBUF_READER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark {
namespace protobuf_testing {

// A minimal protocol buffer decoder for tests, written apart from
// ProtobufWriter so that a mistake in one is not repeated in the other:
// it knows wire types 0 (varint) and 2 (length-delimited) only, which is
// all profile.proto uses, and rejects anything else.
struct Field {
  int number = 0;
  int wire_type = 0;
  uint64_t varint = 0;  // wire type 0
  std::string bytes;    // wire type 2
};

// Splits `data` into its fields, in order. False on malformed input (a
// truncated varint or length, an unknown wire type), with *error set.
bool DecodeMessage(std::string_view data, std::vector<Field>* fields,
                   std::string* error);

// The varints of a packed repeated field's bytes.
bool DecodePacked(std::string_view data, std::vector<uint64_t>* values,
                  std::string* error);

// Undoes gzip (zlib's inflate with gzip detection).
bool Gunzip(std::string_view data, std::string* out, std::string* error);

// profile.proto, decoded into plain structures (only what tests check).
struct PprofProfile {
  struct Sample {
    std::vector<uint64_t> location_ids;
    std::vector<int64_t> values;
  };
  struct Line {
    uint64_t function_id = 0;
    int64_t line = 0;
  };
  struct Location {
    uint64_t mapping_id = 0;
    std::vector<Line> lines;
  };
  struct Function {
    int64_t name = 0;
    int64_t system_name = 0;
    int64_t filename = 0;
  };
  struct Mapping {
    int64_t filename = 0;
    bool has_functions = false;
  };
  std::vector<std::pair<int64_t, int64_t>> sample_types;  // (type, unit)
  std::vector<Sample> samples;
  std::map<uint64_t, Mapping> mappings;
  std::map<uint64_t, Location> locations;
  std::map<uint64_t, Function> functions;
  std::vector<std::string> strings;
  std::vector<int64_t> comments;
  int64_t default_sample_type = 0;
  int64_t period = 0;
  std::pair<int64_t, int64_t> period_type;

  // strings[index], or "<bad string index N>".
  std::string String(int64_t index) const;
};

bool DecodePprof(std::string_view data, PprofProfile* profile,
                 std::string* error);

}  // namespace protobuf_testing
}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_PPROF_PROTOBUF_READER_H_
