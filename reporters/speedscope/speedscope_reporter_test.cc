#include "reporters/speedscope/speedscope_reporter.h"

#include <memory>

#include "core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/testing/profile_parts.h"
#include "reporters/testing/python_json.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using reporter_testing::NativeFrame;
using reporter_testing::PythonFrame;
using reporter_testing::Stack;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// main -> load (2048) and main -> parse (300), a native frame below load,
// and an allocation with no Python frame.
Profile SmallProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.command = {"python3", "app.py"};
  profile.frames = {
      PythonFrame("main", "app.py", 23),                     // 0
      PythonFrame("load", "app.py", 7),                      // 1
      PythonFrame("parse", "app.py", 12),                    // 2
      NativeFrame("PyArray_Zeros", "_multiarray_umath.so"),  // 3
  };
  profile.stacks = {
      Stack({2, 0}, 300),     Stack({1, 0}, 2048), Stack({}, 100),
      Stack({3, 1, 0}, 1500), Stack({2, 0}, 0),  // none live at the peak:
                                                 // skipped
  };
  return profile;
}

// Python's strict parser reads the file back; it prints the canonical form.
std::string Canonical(const Profile& profile, const std::string& name) {
  const std::string dir = MakeTestDirectory(name);
  SpeedscopeReporter reporter;
  std::string error;
  EXPECT_TRUE(reporter.Write(profile, OpenTestDirectory(dir), &error)) << error;
  std::string output;
  EXPECT_TRUE(RunPythonOnJson(dir + "/peak.speedscope.json",
                              kPrintCanonicalJson, &output))
      << output;
  return output;
}

TEST(RenderSpeedscopeTest, SampledProfileOfRootFirstStacksInBytes) {
  ASSERT_TRUE(PythonAvailable()) << "/usr/bin/python3 is needed";
  EXPECT_EQ(
      Canonical(SmallProfile(), "speedscope_small"),
      "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
      "\"activeProfileIndex\":0,\"exporter\":\"tidemark\","
      "\"name\":\"peak memory: python3 app.py (exact mode)\","
      "\"profiles\":[{\"endValue\":3948,"
      "\"name\":\"peak memory: python3 app.py (exact mode)\","
      "\"samples\":[[0,1],[0,1,2],[0,3],[4]],\"startValue\":0,"
      "\"type\":\"sampled\",\"unit\":\"bytes\","
      "\"weights\":[2048,1500,300,100]}],"
      "\"shared\":{\"frames\":["
      "{\"file\":\"app.py\",\"line\":23,\"name\":\"main\"},"
      "{\"file\":\"app.py\",\"line\":7,\"name\":\"load\"},"
      "{\"file\":\"_multiarray_umath.so\",\"name\":\"PyArray_Zeros\"},"
      "{\"file\":\"app.py\",\"line\":12,\"name\":\"parse\"},"
      "{\"name\":\"[no Python stack]\"}]}}");
}

TEST(RenderSpeedscopeTest, HostileNamesStayStringsAndOutOfRangeIsNamed) {
  ASSERT_TRUE(PythonAvailable()) << "/usr/bin/python3 is needed";
  Profile profile;
  profile.frames = {
      PythonFrame("</script><script>alert(\"x\")</script>", "a;b\nc.py", 1),
      PythonFrame("bad\xFF\xFE", "\"quoted\"\\.py", 2),
      PythonFrame("line\u2028sep", "d.py", 3),
  };
  profile.stacks = {Stack({0, 1, 2, 7}, 10)};
  const std::string text = RenderSpeedscope(profile);
  // Nothing raw: no line break inside, no unescaped quote breaking out.
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  EXPECT_EQ(text.find("\xE2\x80\xA8"), std::string::npos);
  EXPECT_EQ(
      Canonical(profile, "speedscope_hostile"),
      "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
      "\"activeProfileIndex\":0,\"exporter\":\"tidemark\","
      "\"name\":\"peak memory\",\"profiles\":[{\"endValue\":10,"
      "\"name\":\"peak memory\",\"samples\":[[0,1,2,3]],\"startValue\":0,"
      "\"type\":\"sampled\",\"unit\":\"bytes\",\"weights\":[10]}],"
      "\"shared\":{\"frames\":[{\"name\":\"???\"},"
      "{\"file\":\"d.py\",\"line\":3,\"name\":\"line\\u2028sep\"},"
      "{\"file\":\"\\\"quoted\\\"\\\\.py\",\"line\":2,"
      "\"name\":\"bad\\ufffd\\ufffd\"},"
      "{\"file\":\"a;b\\nc.py\",\"line\":1,"
      "\"name\":\"</script><script>alert(\\\"x\\\")</script>\"}]}}");
}

TEST(RenderSpeedscopeTest, EmptyProfileIsAValidEmptyProfile) {
  ASSERT_TRUE(PythonAvailable()) << "/usr/bin/python3 is needed";
  EXPECT_THAT(Canonical(Profile(), "speedscope_empty"),
              HasSubstr("\"endValue\":0,\"name\":\"peak memory\","
                        "\"samples\":[],"));
}

TEST(SpeedscopeReporterTest, WritesPeakSpeedscopeJson) {
  const std::string dir = MakeTestDirectory("speedscope_write");
  SpeedscopeReporter reporter;
  std::string error;
  ASSERT_TRUE(reporter.Write(SmallProfile(), OpenTestDirectory(dir), &error))
      << error;
  EXPECT_THAT(ListDirectory(dir), ElementsAre("peak.speedscope.json"));
  EXPECT_THAT(reporter.FileNames(), ElementsAre("peak.speedscope.json"));
  EXPECT_EQ(ReadFileOrMissing(dir + "/peak.speedscope.json"),
            RenderSpeedscope(SmallProfile()));
}

TEST(SpeedscopeReporterTest, IsRegisteredAsSpeedscope) {
  std::unique_ptr<Reporter> reporter(ReporterRegistry::Create("speedscope"));
  ASSERT_NE(reporter, nullptr);
  EXPECT_NE(dynamic_cast<SpeedscopeReporter*>(reporter.get()), nullptr);
}

}  // namespace
}  // namespace tidemark
