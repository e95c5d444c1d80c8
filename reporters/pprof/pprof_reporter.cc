#include "reporters/pprof/pprof_reporter.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/registry.h"
#include "reporters/common/stack_order.h"
#include "reporters/common/text.h"
#include "reporters/pprof/gzip.h"
#include "reporters/pprof/protobuf_writer.h"

namespace tidemark {
namespace {

// Field numbers of profile.proto (github.com/google/pprof/proto).
namespace field {
constexpr int kProfileSampleType = 1;
constexpr int kProfileSample = 2;
constexpr int kProfileMapping = 3;
constexpr int kProfileLocation = 4;
constexpr int kProfileFunction = 5;
constexpr int kProfileStringTable = 6;
constexpr int kProfileDurationNanos = 10;
constexpr int kProfilePeriodType = 11;
constexpr int kProfilePeriod = 12;
constexpr int kProfileComment = 13;
constexpr int kProfileDefaultSampleType = 14;
constexpr int kValueTypeType = 1;
constexpr int kValueTypeUnit = 2;
constexpr int kSampleLocationId = 1;
constexpr int kSampleValue = 2;
constexpr int kMappingId = 1;
constexpr int kMappingFilename = 5;
constexpr int kMappingHasFunctions = 7;
constexpr int kLocationId = 1;
constexpr int kLocationMappingId = 2;
constexpr int kLocationLine = 4;
constexpr int kLineFunctionId = 1;
constexpr int kLineLine = 2;
constexpr int kFunctionId = 1;
constexpr int kFunctionName = 2;
constexpr int kFunctionFilename = 4;
}  // namespace field

// A stack's frame indices, hashed to find it among the end's stacks.
struct FramesHash {
  size_t operator()(const std::vector<int>& frames) const {
    uint64_t hash = 0x9E3779B97F4A7C15ULL;
    for (int index : frames) {
      hash = (hash ^ static_cast<uint64_t>(static_cast<uint32_t>(index))) *
             0xFF51AFD7ED558CCDULL;
    }
    return static_cast<size_t>(hash ^ (hash >> 29));
  }
};

// `text` as PrintableText makes it, without a copy when it is printable
// ASCII already (nearly every name): *scratch holds the text otherwise.
std::string_view Printable(std::string_view text, std::string* scratch) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
      *scratch = PrintableText(text);
      return *scratch;
    }
  }
  return text;
}

// profile.proto's string table: index 0 is "", each string stored once.
class StringTable {
 public:
  StringTable() { Index(""); }
  int64_t Index(std::string_view text) {
    auto it = index_.find(text);
    if (it != index_.end()) return it->second;
    // A deque never moves its strings: the map's keys view them.
    strings_.emplace_back(text);
    const auto index = static_cast<int64_t>(strings_.size() - 1);
    index_.emplace(strings_.back(), index);
    return index;
  }
  const std::deque<std::string>& strings() const { return strings_; }

 private:
  std::unordered_map<std::string_view, int64_t> index_;
  std::deque<std::string> strings_;
};

// Builds the Function, Location and Mapping messages as stacks need them,
// so ids follow first use (deterministic) and unused frames cost nothing.
class Tables {
 public:
  explicit Tables(const Profile& profile) : profile_(profile) {
    location_of_frame_.assign(profile.frames.size(), 0);
  }

  // The Location id of frame `index` (kNoFrame: the empty stack's).
  static constexpr int kNoFrame = -1;
  uint64_t LocationOf(int index) {
    const ProfileFrame* frame =
        index == kNoFrame ? nullptr : FrameAt(profile_, index);
    uint64_t* slot = nullptr;
    if (frame != nullptr) {
      slot = &location_of_frame_[static_cast<size_t>(index)];
    } else {
      slot = index == kNoFrame ? &no_stack_location_ : &unknown_location_;
    }
    if (*slot != 0) return *slot;
    *slot = ++location_count_;

    uint64_t function = 0;
    int line_number = 0;
    if (frame != nullptr) {
      function = FunctionOf(frame->kind, frame->function, frame->file);
      line_number = frame->line;
    } else {
      function =
          FunctionOf(FrameKind::kNative,
                     index == kNoFrame ? kNoPythonStack : kUnknownFrame, "");
    }
    line_.Clear();
    line_.Varint(field::kLineFunctionId, function);
    if (line_number > 0) line_.Int64(field::kLineLine, line_number);

    location_.Clear();
    location_.Varint(field::kLocationId, *slot);
    if (frame != nullptr && frame->kind == FrameKind::kNative) {
      // The object: a native frame named from debug information has its
      // source file in `file` and the object in `module`.
      location_.Varint(
          field::kLocationMappingId,
          MappingOf(frame->module.empty() ? frame->file : frame->module));
    }
    location_.Message(field::kLocationLine, line_);
    out_locations_.Message(field::kProfileLocation, location_);
    return *slot;
  }

  StringTable& strings() { return strings_; }
  const std::string& functions() const { return out_functions_.str(); }
  const std::string& locations() const { return out_locations_.str(); }
  const std::string& mappings() const { return out_mappings_.str(); }

 private:
  uint64_t FunctionOf(FrameKind kind, std::string_view function,
                      std::string_view file) {
    const int64_t name = strings_.Index(
        function.empty() ? kUnknownFrame : Printable(function, &scratch_));
    const int64_t file_name =
        file.empty() ? 0 : strings_.Index(Printable(file, &scratch_));
    // String indices stay far below 2^31 (a profile's frames are fewer).
    const uint64_t key = (static_cast<uint64_t>(name) << 33) |
                         (static_cast<uint64_t>(file_name) << 1) |
                         (kind == FrameKind::kNative ? 1 : 0);
    const uint64_t id = function_ids_.size() + 1;
    const auto [it, added] = function_ids_.emplace(key, id);
    if (!added) return it->second;
    function_.Clear();
    function_.Varint(field::kFunctionId, id);
    // Only the name: with a system_name equal to it, pprof "demangles" it
    // and drops anything in <...> as C++ template arguments ("<module>"
    // would become "<unknown>"). Python's names are not mangled.
    function_.Int64(field::kFunctionName, name);
    if (file_name != 0) function_.Int64(field::kFunctionFilename, file_name);
    out_functions_.Message(field::kProfileFunction, function_);
    return id;
  }

  uint64_t MappingOf(const std::string& object) {
    const int64_t name = strings_.Index(Printable(object, &scratch_));
    const uint64_t id = mapping_ids_.size() + 1;
    const auto [it, added] = mapping_ids_.emplace(name, id);
    if (!added) return it->second;
    ProtobufWriter mapping;
    mapping.Varint(field::kMappingId, id);
    mapping.Int64(field::kMappingFilename, name);
    // The frames are named already: pprof must not look for symbols.
    mapping.Bool(field::kMappingHasFunctions, true);
    out_mappings_.Message(field::kProfileMapping, mapping);
    return id;
  }

  const Profile& profile_;
  StringTable strings_;
  std::string scratch_;
  std::vector<uint64_t> location_of_frame_;
  uint64_t no_stack_location_ = 0;
  uint64_t unknown_location_ = 0;
  uint64_t location_count_ = 0;
  // By (name, file, kind) as string indices.
  std::unordered_map<uint64_t, uint64_t> function_ids_;
  std::unordered_map<int64_t, uint64_t> mapping_ids_;  // by file name
  // Reused for each message: their buffers keep their capacity.
  ProtobufWriter line_;
  ProtobufWriter location_;
  ProtobufWriter function_;
  ProtobufWriter out_functions_;
  ProtobufWriter out_locations_;
  ProtobufWriter out_mappings_;
};

std::string ValueType(StringTable* strings, std::string_view type,
                      std::string_view unit) {
  ProtobufWriter value_type;
  value_type.Int64(field::kValueTypeType, strings->Index(type));
  value_type.Int64(field::kValueTypeUnit, strings->Index(unit));
  return value_type.Take();
}

std::vector<std::string> Comments(const Profile& profile) {
  std::vector<std::string> comments;
  std::string facts = "tidemark: " + std::to_string(profile.peak_bytes) +
                      " bytes tracked at the peak";
  if (profile.peak_seconds >= 0) {
    char when[64];
    snprintf(when, sizeof(when), " (%.3f s after the start)",
             profile.peak_seconds);
    facts += when;
  }
  comments.push_back(facts);
  if (profile.mode == "sample") {
    comments.push_back("mode: sample, one sample per " +
                       std::to_string(profile.sample_interval_bytes) +
                       " bytes on average: values are scaled estimates");
  } else {
    comments.push_back("mode: " + PrintableText(profile.mode));
  }
  comments.push_back("live when the report was made (inuse_space): " +
                     std::to_string(profile.current_bytes) + " bytes");
  if (!profile.reason.empty()) {
    comments.push_back("report: " + PrintableText(profile.reason));
  }
  if (!profile.ended.empty()) {
    comments.push_back("ended: " + PrintableText(profile.ended));
  }
  if (!profile.command.empty()) {
    std::string command = "command:";
    for (const std::string& arg : profile.command) {
      command += ' ';
      command += PrintableText(arg);
    }
    comments.push_back(command);
  }
  return comments;
}

}  // namespace

std::string RenderPprofProto(const Profile& profile) {
  Tables tables(profile);
  StringTable& strings = tables.strings();
  ProtobufWriter out;
  out.Bytes(field::kProfileSampleType,
            ValueType(&strings, "peak_space", "bytes"));
  out.Bytes(field::kProfileSampleType,
            ValueType(&strings, "peak_objects", "count"));
  out.Bytes(field::kProfileSampleType,
            ValueType(&strings, "inuse_space", "bytes"));
  out.Bytes(field::kProfileSampleType,
            ValueType(&strings, "inuse_objects", "count"));

  // A stack live both at the peak and at the end is one sample with all
  // four values; its frames (indices into profile.frames) identify it.
  std::unordered_map<std::vector<int>, const ProfileStack*, FramesHash> at_end;
  at_end.reserve(profile.end_stacks.size());
  for (const ProfileStack& stack : profile.end_stacks) {
    at_end.emplace(stack.frames, &stack);
  }
  std::vector<uint64_t> locations;
  ProtobufWriter sample;  // reused: its buffer keeps its capacity
  auto add_sample = [&](const ProfileStack& stack, const ProfileStack* peak,
                        const ProfileStack* end) {
    locations.clear();
    // profile.proto wants the leaf first, as stacks are stored.
    for (int index : stack.frames) {
      locations.push_back(tables.LocationOf(index));
    }
    if (locations.empty()) {
      locations.push_back(tables.LocationOf(Tables::kNoFrame));
    }
    const uint64_t values[] = {
        static_cast<uint64_t>(peak == nullptr ? 0 : peak->bytes),
        static_cast<uint64_t>(peak == nullptr ? 0 : peak->allocations),
        static_cast<uint64_t>(end == nullptr ? 0 : end->bytes),
        static_cast<uint64_t>(end == nullptr ? 0 : end->allocations)};
    sample.Clear();
    sample.PackedVarints(field::kSampleLocationId, locations);
    sample.PackedVarints(field::kSampleValue, values, 4);
    out.Message(field::kProfileSample, sample);
  };
  for (const ProfileStack* stack : StacksByBytes(profile)) {
    const ProfileStack* end = nullptr;
    auto found = at_end.find(stack->frames);
    if (found != at_end.end()) {
      end = found->second;
      at_end.erase(found);
    }
    add_sample(*stack, stack, end);
  }
  // Then those live at the end only, in the order they are stored.
  for (const ProfileStack& stack : profile.end_stacks) {
    if (stack.bytes > 0 && at_end.count(stack.frames) != 0) {
      add_sample(stack, nullptr, &stack);
    }
  }
  std::string result = out.Take();
  result += tables.mappings();
  result += tables.locations();
  result += tables.functions();

  ProtobufWriter tail;
  if (profile.wall_seconds > 0) {
    tail.Int64(field::kProfileDurationNanos,
               static_cast<int64_t>(std::llround(profile.wall_seconds * 1e9)));
  }
  tail.Bytes(field::kProfilePeriodType, ValueType(&strings, "space", "bytes"));
  tail.Int64(field::kProfilePeriod, profile.sample_interval_bytes > 0
                                        ? profile.sample_interval_bytes
                                        : 1);
  for (const std::string& comment : Comments(profile)) {
    tail.Int64(field::kProfileComment, strings.Index(comment));
  }
  tail.Int64(field::kProfileDefaultSampleType, strings.Index("peak_space"));
  // Last: every string above is in the table by now.
  for (const std::string& text : strings.strings()) {
    tail.Bytes(field::kProfileStringTable, text);
  }
  result += tail.str();
  return result;
}

bool PprofReporter::Write(const Profile& profile,
                          const ReportDirectory& directory,
                          std::string* error) {
  std::string compressed;
  if (!GzipCompress(RenderPprofProto(profile), &compressed, error)) {
    *error = std::string(kPprofFileName) + ": " + *error;
    return false;
  }
  return WriteFileAtomically(directory, kPprofFileName, compressed, error);
}

TIDEMARK_REGISTER_REPORTER("pprof", PprofReporter)

}  // namespace tidemark
