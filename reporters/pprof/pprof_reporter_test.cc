#include "reporters/pprof/pprof_reporter.h"

#include <memory>

#include "core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/pprof/gzip.h"
#include "reporters/pprof/protobuf_reader.h"
#include "reporters/pprof/protobuf_writer.h"
#include "reporters/testing/profile_parts.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using protobuf_testing::DecodeMessage;
using protobuf_testing::DecodePprof;
using protobuf_testing::Field;
using protobuf_testing::Gunzip;
using protobuf_testing::PprofProfile;
using reporter_testing::NativeFrame;
using reporter_testing::PythonFrame;
using reporter_testing::Stack;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// main -> load -> ones (numpy) -> a native frame, and main -> parse.
Profile SmallProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.peak_bytes = 3948;
  profile.current_bytes = 512;
  profile.peak_seconds = 1.25;
  profile.wall_seconds = 2.5;
  profile.reason = "exit";
  profile.command = {"python3", "app.py"};
  profile.frames = {
      PythonFrame("<module>", "app.py", 30),                          // 0
      PythonFrame("main", "app.py", 23),                              // 1
      PythonFrame("load", "app.py", 7),                               // 2
      PythonFrame("ones", "/usr/lib/python3/numpy/numeric.py", 205),  // 3
      PythonFrame("parse", "app.py", 12),                             // 4
      NativeFrame("PyArray_Zeros", "_multiarray_umath.so"),           // 5
  };
  profile.stacks = {
      Stack({4, 1, 0}, 300, 3), Stack({3, 2, 1, 0}, 2048, 2),
      Stack({}, 100, 1),        Stack({5, 3, 2, 1, 0}, 1500, 5),
      Stack({4, 1, 0}, 0, 0),  // none live at the peak: skipped
  };
  // At the end: one peak stack still partly live, one new, and one with
  // nothing live (skipped, as at the peak).
  profile.end_stacks = {Stack({3, 2, 1, 0}, 400, 1), Stack({2, 1, 0}, 112, 7),
                        Stack({4, 0}, 0, 0)};
  return profile;
}

PprofProfile Decode(const std::string& bytes) {
  PprofProfile decoded;
  std::string error;
  EXPECT_TRUE(DecodePprof(bytes, &decoded, &error)) << error;
  return decoded;
}

// A sample as text: "leaf;...;root = v1 v2", each frame "name file:line"
// (native: "name [mapping file]"; no file at all: "name").
std::vector<std::string> SampleTexts(const PprofProfile& p) {
  std::vector<std::string> out;
  for (const auto& sample : p.samples) {
    std::string text;
    for (uint64_t id : sample.location_ids) {
      if (!text.empty()) text += ';';
      auto location = p.locations.find(id);
      if (location == p.locations.end() || location->second.lines.size() != 1) {
        text += "<bad location>";
        continue;
      }
      const auto& line = location->second.lines[0];
      const auto function = p.functions.find(line.function_id);
      if (function == p.functions.end()) {
        text += "<bad function>";
        continue;
      }
      text += p.String(function->second.name);
      if (location->second.mapping_id != 0) {
        const auto mapping = p.mappings.find(location->second.mapping_id);
        text += mapping == p.mappings.end()
                    ? " <bad mapping>"
                    : " [" + p.String(mapping->second.filename) + "]";
      } else if (function->second.filename != 0) {
        text += " " + p.String(function->second.filename) + ":" +
                std::to_string(line.line);
      }
    }
    text += " =";
    for (int64_t v : sample.values) text += " " + std::to_string(v);
    out.push_back(text);
  }
  return out;
}

TEST(ProtobufWriterTest, EncodesVarintsAsTheWireFormatSays) {
  // protobuf's own examples: 150 in field 1 is 08 96 01; "testing" in
  // field 2 is 12 07 74 65 73 74 69 6e 67.
  ProtobufWriter writer;
  writer.Varint(1, 150);
  writer.Bytes(2, "testing");
  writer.Int64(3, -1);  // ten bytes, two's complement
  writer.PackedVarints(4, {3, 270, 86942});
  writer.PackedVarints(5, {});  // omitted
  EXPECT_EQ(writer.str(),
            std::string("\x08\x96\x01"
                        "\x12\x07testing"
                        "\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
                        "\x22\x06\x03\x8e\x02\x9e\xa7\x05",
                        31));
  std::vector<Field> fields;
  std::string error;
  ASSERT_TRUE(DecodeMessage(writer.str(), &fields, &error)) << error;
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[2].varint, ~uint64_t{0});
}

TEST(RenderPprofTest, SamplesAreStacksLeafFirstWithBytesAndAllocations) {
  const PprofProfile p = Decode(RenderPprofProto(SmallProfile()));
  ASSERT_EQ(p.sample_types.size(), 4u);
  EXPECT_EQ(p.String(p.sample_types[0].first), "peak_space");
  EXPECT_EQ(p.String(p.sample_types[0].second), "bytes");
  EXPECT_EQ(p.String(p.sample_types[1].first), "peak_objects");
  EXPECT_EQ(p.String(p.sample_types[1].second), "count");
  EXPECT_EQ(p.String(p.sample_types[2].first), "inuse_space");
  EXPECT_EQ(p.String(p.sample_types[2].second), "bytes");
  EXPECT_EQ(p.String(p.sample_types[3].first), "inuse_objects");
  EXPECT_EQ(p.String(p.sample_types[3].second), "count");
  EXPECT_EQ(p.String(p.default_sample_type), "peak_space");
  // The peak's stacks largest first, each with what is live of it at the
  // end; then the stacks live at the end only.
  EXPECT_THAT(
      SampleTexts(p),
      ElementsAre("ones /usr/lib/python3/numpy/numeric.py:205;load app.py:7;"
                  "main app.py:23;<module> app.py:30 = 2048 2 400 1",
                  "PyArray_Zeros [_multiarray_umath.so];"
                  "ones /usr/lib/python3/numpy/numeric.py:205;load app.py:7;"
                  "main app.py:23;<module> app.py:30 = 1500 5 0 0",
                  "parse app.py:12;main app.py:23;<module> app.py:30 = 300 3 "
                  "0 0",
                  "[no Python stack] = 100 1 0 0",
                  "load app.py:7;main app.py:23;<module> app.py:30 = 0 0 112 "
                  "7"));
}

TEST(RenderPprofTest, NativeFramesHaveAMappingThatNeedsNoSymbols) {
  const PprofProfile p = Decode(RenderPprofProto(SmallProfile()));
  ASSERT_EQ(p.mappings.size(), 1u);
  EXPECT_EQ(p.String(p.mappings.begin()->second.filename),
            "_multiarray_umath.so");
  EXPECT_TRUE(p.mappings.begin()->second.has_functions);
  // Each frame once: 6 frames and the empty stack's location.
  EXPECT_EQ(p.locations.size(), 7u);
  EXPECT_EQ(p.functions.size(), 7u);
  // No system_name: pprof would take it for a mangled C++ name and cut
  // "<module>" down to nothing.
  for (const auto& [id, function] : p.functions) {
    EXPECT_EQ(function.system_name, 0) << p.String(function.name);
  }
}

TEST(RenderPprofTest, CommentsSayThePeakAndTheEnd) {
  const PprofProfile p = Decode(RenderPprofProto(SmallProfile()));
  std::vector<std::string> comments;
  for (int64_t index : p.comments) comments.push_back(p.String(index));
  EXPECT_THAT(comments,
              ElementsAre("tidemark: 3948 bytes tracked at the peak (1.250 s "
                          "after the start)",
                          "mode: exact",
                          "live when the report was made (inuse_space): 512 "
                          "bytes",
                          "report: exit", "command: python3 app.py"));
  EXPECT_EQ(p.period, 1);
  EXPECT_EQ(p.String(p.period_type.first), "space");
}

TEST(RenderPprofTest, SampleModeValuesAreTheScaledEstimates) {
  Profile profile = SmallProfile();
  profile.mode = "sample";
  profile.sample_interval_bytes = 65536;
  profile.stacks = {Stack({2, 1, 0}, 3 * 65536 + 17, 4)};
  const PprofProfile p = Decode(RenderPprofProto(profile));
  EXPECT_THAT(SampleTexts(p),
              ElementsAre("load app.py:7;main app.py:23;<module> app.py:30 = "
                          "196625 4 112 7",
                          "ones /usr/lib/python3/numpy/numeric.py:205;load "
                          "app.py:7;main app.py:23;<module> app.py:30 = 0 0 "
                          "400 1"));
  EXPECT_EQ(p.period, 65536);
}

TEST(RenderPprofTest, HostileNamesArePrintableAndOutOfRangeFramesNamed) {
  Profile profile;
  profile.frames = {PythonFrame("a\nb<script>\"", "x;\x1b[2Jy.py", 1)};
  profile.stacks = {Stack({0, 9}, 10)};
  const PprofProfile p = Decode(RenderPprofProto(profile));
  EXPECT_THAT(SampleTexts(p),
              ElementsAre("a b<script>\" x; [2Jy.py:1;??? = 10 1 0 0"));
}

TEST(RenderPprofTest, IsDeterministicAndEmptyProfilesAreValid) {
  EXPECT_EQ(RenderPprofProto(SmallProfile()), RenderPprofProto(SmallProfile()));
  const PprofProfile p = Decode(RenderPprofProto(Profile()));
  EXPECT_TRUE(p.samples.empty());
  EXPECT_EQ(p.sample_types.size(), 4u);
}

TEST(GzipTest, RoundTripsAndIsDeterministic) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += std::to_string(i * 7919 % 1000);
  std::string a;
  std::string b;
  std::string error;
  ASSERT_TRUE(GzipCompress(data, &a, &error)) << error;
  ASSERT_TRUE(GzipCompress(data, &b, &error)) << error;
  EXPECT_EQ(a, b);
  EXPECT_LT(a.size(), data.size());
  // gzip magic, deflate, no flags, time stamp 0.
  EXPECT_EQ(a.substr(0, 8), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8));
  std::string back;
  ASSERT_TRUE(Gunzip(a, &back, &error)) << error;
  EXPECT_EQ(back, data);
  std::string empty;
  ASSERT_TRUE(GzipCompress("", &empty, &error)) << error;
  ASSERT_TRUE(Gunzip(empty, &back, &error)) << error;
  EXPECT_EQ(back, "");
}

TEST(PprofReporterTest, WritesProfilePbGz) {
  const std::string dir = MakeTestDirectory("pprof_write");
  PprofReporter reporter;
  std::string error;
  ASSERT_TRUE(reporter.Write(SmallProfile(), OpenTestDirectory(dir), &error))
      << error;
  EXPECT_THAT(ListDirectory(dir), ElementsAre("profile.pb.gz"));
  EXPECT_THAT(reporter.FileNames(), ElementsAre("profile.pb.gz"));
  std::string proto;
  ASSERT_TRUE(Gunzip(ReadFileOrMissing(dir + "/profile.pb.gz"), &proto, &error))
      << error;
  EXPECT_EQ(proto, RenderPprofProto(SmallProfile()));
}

TEST(PprofReporterTest, ReportsAMissingDirectory) {
  PprofReporter reporter;
  std::string error;
  EXPECT_FALSE(reporter.Write(
      SmallProfile(), OpenTestDirectory("/nonexistent/tidemark"), &error));
  EXPECT_THAT(error, HasSubstr("profile.pb.gz"));
}

TEST(PprofReporterTest, IsRegisteredAsPprof) {
  std::unique_ptr<Reporter> reporter(ReporterRegistry::Create("pprof"));
  ASSERT_NE(reporter, nullptr);
  EXPECT_NE(dynamic_cast<PprofReporter*>(reporter.get()), nullptr);
}

}  // namespace
}  // namespace tidemark
