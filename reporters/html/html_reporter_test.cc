#include "reporters/html/html_reporter.h"

#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/common/sampling_bound.h"
#include "reporters/html/html_data.h"
#include "reporters/html/script_json.h"
#include "reporters/testing/profile_parts.h"
#include "reporters/testing/python_json.h"
#include "reporters/testing/synthetic_profile.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using reporter_testing::PythonFrame;
using reporter_testing::Stack;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kMiB = int64_t{1} << 20;

// A job in a working directory: job.py's line 4 calls numpy twice (7 MiB
// and 2 MiB), line 9 allocates 3 MiB itself, an import of a module
// allocates 1 MiB at its top level (through the frozen import machinery),
// and 1 MiB has no Python stack. Frame 7 repeats frame 1's name: one entry.
Profile JobProfile(const std::string& working_directory) {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.ended = "exit code 0";
  profile.command = {"python3", "job.py"};
  profile.working_directory = working_directory;
  profile.frames = {
      PythonFrame("<module>", working_directory + "/job.py", 12),  // 0
      PythonFrame("main", working_directory + "/job.py", 4),       // 1
      PythonFrame("stack", "/usr/lib/python3/dist-packages/numpy/shape.py",
                  449),  // 2
      PythonFrame("zeros", "/usr/lib/python3/dist-packages/numpy/core.py",
                  20),                                        // 3
      PythonFrame("main", working_directory + "/job.py", 9),  // 4
      PythonFrame("_find_and_load", "<frozen importlib._bootstrap>",
                  1176),                                             // 5
      PythonFrame("<module>", working_directory + "/helper.py", 2),  // 6
      PythonFrame("main", working_directory + "/job.py", 4),         // 7
  };
  profile.stacks = {
      Stack({2, 1, 0}, 7 * kMiB, 7),  // numpy.stack under main:4
      Stack({4, 0}, 3 * kMiB, 3),     // main:9 itself
      Stack({3, 7, 0}, 2 * kMiB, 2),  // numpy.zeros under main:4 (frame 7)
      Stack({6, 5, 0}, 1 * kMiB, 1),  // helper.py's top level, imported
      Stack({}, 1 * kMiB, 1),         // no Python stack
  };
  profile.peak_bytes = 14 * kMiB;
  return profile;
}

class HtmlDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTestDirectory("html_data");
    WriteFile(dir_ + "/job.py",
              "import helper\n\ndef main():\n    a = np.stack(parts)\n"
              "\n\n\n\n    b = [0] * n\n\n\nmain()\n");
    WriteFile(dir_ + "/helper.py", "\ntable = list(range(1 << 17))\n");
  }
  std::string dir_;
};

TEST_F(HtmlDataTest, StacksAreOutermostFirstWithMergedFramesAndBytes) {
  const Profile profile = JobProfile(dir_);
  const HtmlData data = BuildHtmlData(profile, /*read_sources=*/true);

  // 7 distinct frames: "main (job.py:4)" is one entry though listed twice.
  ASSERT_EQ(data.frames.size(), 7u);
  ASSERT_EQ(data.stacks.size(), 5u);  // all kept: fewer than kHtmlMinStacks
  std::vector<std::vector<std::string>> names;
  std::vector<int64_t> bytes;
  for (const HtmlStack& stack : data.stacks) {
    std::vector<std::string> path;
    for (int id : stack.frames) {
      const HtmlFrame& f = data.frames[static_cast<size_t>(id)];
      path.push_back(f.function + " " + f.file + ":" + std::to_string(f.line));
    }
    names.push_back(path);
    bytes.push_back(stack.bytes);
  }
  EXPECT_THAT(bytes, ElementsAre(7 * kMiB, 3 * kMiB, 2 * kMiB, kMiB, kMiB));
  EXPECT_THAT(names[0], ElementsAre("<module> job.py:12", "main job.py:4",
                                    "stack numpy/shape.py:449"));
  EXPECT_THAT(names[2], ElementsAre("<module> job.py:12", "main job.py:4",
                                    "zeros numpy/core.py:20"));
  EXPECT_EQ(data.stacks[0].frames[1], data.stacks[2].frames[1]);
  EXPECT_TRUE(data.stacks[4].frames.empty());
  EXPECT_EQ(data.stack_bytes, 14 * kMiB);
  EXPECT_EQ(data.total_stacks, 5);
  EXPECT_EQ(data.folded_stacks, 0);
  EXPECT_EQ(data.folded_bytes, 0);

  // Origins, import machinery and source text.
  const HtmlFrame& main4 =
      data.frames[static_cast<size_t>(data.stacks[0].frames[1])];
  EXPECT_EQ(main4.origin, CodeOrigin::kUser);
  EXPECT_EQ(main4.source, "a = np.stack(parts)");
  const HtmlFrame& numpy =
      data.frames[static_cast<size_t>(data.stacks[0].frames[2])];
  EXPECT_EQ(numpy.origin, CodeOrigin::kLibrary);
  EXPECT_EQ(numpy.source, "");  // no such file
  const HtmlFrame& bootstrap =
      data.frames[static_cast<size_t>(data.stacks[3].frames[1])];
  EXPECT_TRUE(bootstrap.import_machinery);
  EXPECT_EQ(bootstrap.origin, CodeOrigin::kFrozen);
  EXPECT_FALSE(main4.import_machinery);
  EXPECT_EQ(data.frames[static_cast<size_t>(data.stacks[3].frames[2])].source,
            "table = list(range(1 << 17))");
}

TEST_F(HtmlDataTest, TopLinesGroupByUserLineWithTheirLibraryCall) {
  const Profile profile = JobProfile(dir_);
  const HtmlData data = BuildHtmlData(profile, /*read_sources=*/true);
  std::vector<std::string> rows;
  for (const HtmlLine& line : data.top_lines) {
    const HtmlFrame& f = data.frames[static_cast<size_t>(line.frame)];
    std::string row = f.function + " " + f.file + ":" + std::to_string(f.line) +
                      " " + std::to_string(line.bytes / kMiB) + " MiB " +
                      std::to_string(line.allocations) + " [" + f.source + "]";
    if (line.context >= 0) {
      row += " -> " + data.frames[static_cast<size_t>(line.context)].function;
    }
    rows.push_back(row);
    EXPECT_EQ(line.bound, 0);  // exact mode
  }
  // main:4 gets numpy's 7 + 2 MiB; the import's 1 MiB is helper.py's line;
  // the frameless stack has no user line.
  EXPECT_THAT(
      rows, ElementsAre("main job.py:4 9 MiB 9 [a = np.stack(parts)] -> stack",
                        "main job.py:9 3 MiB 3 [b = [0] * n]",
                        "<module> helper.py:2 1 MiB 1 "
                        "[table = list(range(1 << 17))]"));
}

TEST_F(HtmlDataTest, SampleModeLinesCarryTheirBound) {
  Profile profile = JobProfile(dir_);
  profile.mode = "sample";
  profile.sample_interval_bytes = int64_t{512} * 1024;
  const HtmlData data = BuildHtmlData(profile, /*read_sources=*/false);
  ASSERT_FALSE(data.top_lines.empty());
  EXPECT_EQ(data.top_lines[0].bound,
            SamplingBound(9 * kMiB, 9, int64_t{512} * 1024));
  EXPECT_GT(data.top_lines[0].bound, 0);
  EXPECT_EQ(data.frames[0].source, "");  // not read
}

TEST(StacksToKeepTest, CoversNinetyNinePercentWithinTheBounds) {
  // 1000 equal stacks: 990 reach 99%.
  EXPECT_EQ(StacksToKeep(std::vector<int64_t>(1000, 5)), 990);
  // One stack holds nearly everything: still at least kHtmlMinStacks.
  std::vector<int64_t> skewed(1000, 1);
  skewed[0] = 1000000;
  EXPECT_EQ(StacksToKeep(skewed), kHtmlMinStacks);
  // Fewer stacks than the minimum: all of them.
  EXPECT_EQ(StacksToKeep(std::vector<int64_t>(40, 3)), 40);
  // Many equal stacks: never more than kHtmlMaxStacks.
  EXPECT_EQ(StacksToKeep(std::vector<int64_t>(50000, 2)), kHtmlMaxStacks);
  // 400 stacks of 100 and 600 of 1: 99% of 40600 is 40194, reached by the
  // 400 large ones (40000) plus 194 small ones.
  std::vector<int64_t> mixed(400, 100);
  mixed.resize(1000, 1);
  EXPECT_EQ(StacksToKeep(mixed), 594);
  EXPECT_EQ(StacksToKeep({}), 0);
}

TEST(HtmlDataLargeTest, HundredThousandStacksFoldAllButTheLargest) {
  const Profile profile = MakeSyntheticProfile(100000, 20);
  const HtmlData data = BuildHtmlData(profile, /*read_sources=*/false);
  ASSERT_EQ(data.stacks.size(), static_cast<size_t>(kHtmlMaxStacks));
  EXPECT_EQ(data.total_stacks, 100000);
  EXPECT_EQ(data.folded_stacks, 100000 - kHtmlMaxStacks);
  int64_t kept = 0, folded = 0;
  for (size_t i = 0; i < profile.stacks.size(); ++i) {
    (i < static_cast<size_t>(kHtmlMaxStacks) ? kept : folded) +=
        profile.stacks[i].bytes;
  }
  EXPECT_EQ(data.folded_bytes, folded);
  EXPECT_EQ(data.stack_bytes, profile.peak_bytes);
  EXPECT_EQ(data.stacks.front().bytes, profile.stacks.front().bytes);
  EXPECT_EQ(data.stacks.back().bytes, profile.stacks[kHtmlMaxStacks - 1].bytes);
  EXPECT_EQ(data.stacks.front().frames.size(), 20u);
}

TEST(ScriptJsonTest, NothingCanEndTheScriptElement) {
  std::string out;
  AppendScriptJsonString(
      "</script><!--\"a\\b\";\n&>\xE2\x80\xA8\xE2\x80\xA9\x01\xFF\xC3\xA9",
      &out);
  EXPECT_EQ(out,
            "\"\\u003c/script\\u003e\\u003c!--\\\"a\\\\b\\\";\\u000a"
            "\\u0026\\u003e\\u2028\\u2029\\u0001\\ufffd\xC3\xA9\"");
  std::string number;
  AppendJsonNumber(0.1, &number);
  number += ',';
  AppendJsonNumber(1.0 / 0.0, &number);
  EXPECT_EQ(number, "0.1,0");
}

// The script element's text, as JSON.parse in the page would see it.
std::string EmbeddedJson(const std::string& page) {
  const std::string open =
      std::string("<script type=\"application/json\" id=\"") +
      kHtmlDataElementId + "\">";
  const size_t start = page.find(open);
  if (start == std::string::npos) return "<no data element>";
  const size_t end = page.find("</script>", start);
  return page.substr(start + open.size(), end - start - open.size());
}

TEST(HtmlPageTest, HostileNamesStayTextAndRoundTrip) {
  Profile profile;
  profile.mode = "exact";
  profile.command = {"python3", "</script><script>alert(1)</script>"};
  profile.frames = {
      PythonFrame("</script><img src=x onerror=alert(1)>", "/tmp/a\"b;c\nd.py",
                  3),
      PythonFrame("semi;colon\xE2\x80\xA8 'quote'", "<string>", 1),
  };
  profile.stacks = {Stack({1, 0}, 4096, 1)};
  profile.peak_bytes = 4096;
  const std::string page = RenderHtmlPage(profile);
  // Exactly two script elements close: the data and the page's own script.
  size_t closes = 0;
  for (size_t at = page.find("</script"); at != std::string::npos;
       at = page.find("</script", at + 1)) {
    ++closes;
  }
  EXPECT_EQ(closes, 2u);
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, Not(HasSubstr("innerHTML")));

  const std::string dir = MakeTestDirectory("html_hostile");
  WriteFile(dir + "/data.json", EmbeddedJson(page));
  ASSERT_TRUE(PythonAvailable()) << "/usr/bin/python3 is needed";
  std::string output;
  ASSERT_TRUE(RunPythonOnJson(
      dir + "/data.json",
      "print(repr(data['frames']))\nprint(repr(data['facts']['command']))",
      &output))
      << output;
  // Newlines became spaces (PrintableText); everything else is as named.
  EXPECT_EQ(output,
            "[['</script><img src=x onerror=alert(1)>', '/tmp/a\"b;c d.py', 3, "
            "'user', 0, ''], [\"semi;colon\\u2028 'quote'\", '<string>', 1, "
            "'generated', 0, '']]\n"
            "['python3', '</script><script>alert(1)</script>']");
}

TEST(HtmlPageTest, EmbedsTimelineFactsAndNumbers) {
  Profile profile = MakeSyntheticProfile(3, 4);
  profile.mode = "sample";
  profile.sample_interval_bytes = 1 << 20;
  profile.peak_seconds = 1.5;
  profile.python_version = "3.12.1";
  profile.timeline = {
      {0.0, 0, 8 << 20}, {1.5, profile.peak_bytes, 9 << 20}, {2.25, 4096, 0}};
  const std::string dir = MakeTestDirectory("html_numbers");
  WriteFile(dir + "/data.json", EmbeddedJson(RenderHtmlPage(profile)));
  std::string output;
  ASSERT_TRUE(RunPythonOnJson(
      dir + "/data.json",
      "f = data['facts']\n"
      "print(data['timeline'])\n"
      "print(f['mode'], f['sample_interval_bytes'], f['peak_bytes'], "
      "f['peak_seconds'], f['peak_bound'] > 0, f['rss_hwm_bytes'], "
      "f['python_version'])\n"
      "print([s[0] for s in data['stacks']], data['stack_bytes'], "
      "data['folded'])\n",
      &output))
      << output;
  const int64_t b0 = profile.stacks[0].bytes, b1 = profile.stacks[1].bytes,
                b2 = profile.stacks[2].bytes;
  EXPECT_EQ(output,
            "[[0, 0, 8388608], [1.5, " + std::to_string(profile.peak_bytes) +
                ", 9437184], [2.25, 4096, 0]]\n"
                "sample 1048576 " +
                std::to_string(profile.peak_bytes) + " 1.5 True " +
                std::to_string(profile.rss_hwm_bytes) + " 3.12.1\n[" +
                std::to_string(b0) + ", " + std::to_string(b1) + ", " +
                std::to_string(b2) + "] " + std::to_string(b0 + b1 + b2) +
                " {'stacks': 0, 'bytes': 0}");
}

TEST(HtmlReporterTest, IsRegisteredAndWritesPeakHtml) {
  std::unique_ptr<Reporter> reporter(ReporterRegistry::Create("html"));
  ASSERT_NE(reporter, nullptr);
  EXPECT_THAT(reporter->FileNames(), ElementsAre("peak.html"));
  const std::string dir = MakeTestDirectory("html_reporter");
  std::string error;
  ASSERT_TRUE(reporter->Write(MakeSyntheticProfile(10, 5),
                              OpenTestDirectory(dir), &error))
      << error;
  EXPECT_THAT(ListDirectory(dir), ElementsAre("peak.html"));
  const std::string page = ReadFileOrMissing(dir + "/peak.html");
  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr("default-src 'none'"));
  // Offline: no address but SVG's namespace name (an identifier, never
  // fetched), no external script, style sheet or image.
  std::string rest = page;
  const std::string svg_namespace = "http://www.w3.org/2000/svg";
  for (size_t at = rest.find(svg_namespace); at != std::string::npos;
       at = rest.find(svg_namespace)) {
    rest.erase(at, svg_namespace.size());
  }
  EXPECT_THAT(rest, Not(HasSubstr("http:")));
  EXPECT_THAT(rest, Not(HasSubstr("https:")));
  EXPECT_THAT(rest, Not(HasSubstr("src=")));
  EXPECT_THAT(rest, Not(HasSubstr("href")));
  EXPECT_THAT(rest, Not(HasSubstr("@import")));
}

}  // namespace
}  // namespace tidemark
