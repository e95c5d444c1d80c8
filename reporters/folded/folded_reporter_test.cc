#include "reporters/folded/folded_reporter.h"

#include <algorithm>
#include <memory>

#include "core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/testing/profile_parts.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using reporter_testing::NativeFrame;
using reporter_testing::PythonFrame;
using reporter_testing::Stack;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// main -> load -> ones (numpy) and main -> parse, plus a native frame.
Profile SmallProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.peak_bytes = 4000;
  profile.frames = {
      PythonFrame("<module>", "app.py", 30),  // 0
      PythonFrame("main", "app.py", 23),      // 1
      PythonFrame("load", "app.py", 7),       // 2
      PythonFrame("ones",
                  "/usr/lib/python3/dist-packages/numpy/core/numeric.py",
                  205),                                      // 3
      PythonFrame("parse", "app.py", 12),                    // 4
      NativeFrame("PyArray_Zeros", "_multiarray_umath.so"),  // 5
  };
  // Deliberately not largest first: the reporter must sort.
  profile.stacks = {
      Stack({4, 1, 0}, 300),         // main -> parse
      Stack({3, 2, 1, 0}, 2048),     // main -> load -> ones
      Stack({}, 100),                // no Python frame
      Stack({5, 3, 2, 1, 0}, 1500),  // ... -> ones -> PyArray_Zeros
      Stack({4, 1, 0}, 0),           // none live at the peak: skipped
  };
  return profile;
}

TEST(RenderFoldedTest, WritesRootFirstStacksLargestFirst) {
  EXPECT_EQ(
      RenderFolded(SmallProfile()),
      "<module> (app.py:30);main (app.py:23);load (app.py:7);"
      "ones (/usr/lib/python3/dist-packages/numpy/core/numeric.py:205) 2048\n"
      "<module> (app.py:30);main (app.py:23);load (app.py:7);"
      "ones (/usr/lib/python3/dist-packages/numpy/core/numeric.py:205);"
      "PyArray_Zeros (_multiarray_umath.so) 1500\n"
      "<module> (app.py:30);main (app.py:23);parse (app.py:12) 300\n"
      "[no Python stack] 100\n");
}

TEST(RenderFoldedTest, EmptyProfileWritesNothing) {
  EXPECT_EQ(RenderFolded(Profile()), "");
}

TEST(RenderFoldedTest, KeepsSeparatorsAndLineBreaksOutOfFrameText) {
  Profile profile;
  profile.frames = {
      PythonFrame("f;g", "dir;x/a.py", 1),
      PythonFrame("multi\nline\r\tname", "b.py", 2),
      PythonFrame("", "", 0),
      PythonFrame("bad\xFF", "c.py", 3),
  };
  profile.stacks = {Stack({1, 0}, 10), Stack({2}, 5), Stack({3}, 4)};
  EXPECT_EQ(RenderFolded(profile),
            "f:g (dir:x/a.py:1);multi line  name (b.py:2) 10\n"
            "??? (???:0) 5\n"
            "bad\xEF\xBF\xBD (c.py:3) 4\n");
}

// Reads the output as flamegraph.pl and inferno do: the count follows the
// last space; frames are separated by ';'. Hostile names must not change
// how many frames a line has or which number is its count.
TEST(RenderFoldedTest, HostileNamesKeepTheLineStructure) {
  Profile profile;
  profile.frames = {
      PythonFrame("a;b;c", "x;y.py", 1),
      PythonFrame("trailing 99", "z.py\n123", 2),
      PythonFrame(";", ";", 3),
  };
  profile.stacks = {Stack({2, 1, 0}, 1234), Stack({0}, 5)};
  const std::string folded = RenderFolded(profile);
  std::vector<std::string> depths_and_counts;
  size_t start = 0;
  while (start < folded.size()) {
    const size_t end = folded.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    const std::string line = folded.substr(start, end - start);
    start = end + 1;
    const size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string count = line.substr(space + 1);
    ASSERT_EQ(count.find_first_not_of("0123456789"), std::string::npos);
    const std::string stack = line.substr(0, space);
    depths_and_counts.push_back(
        std::to_string(std::count(stack.begin(), stack.end(), ';') + 1) + " " +
        count);
  }
  EXPECT_THAT(depths_and_counts, ElementsAre("3 1234", "1 5"));
}

TEST(RenderFoldedTest, MergesStacksThatReadTheSame) {
  Profile profile;
  // Two frame entries with the same text (e.g. a reloaded module's code).
  profile.frames = {PythonFrame("f", "a.py", 1), PythonFrame("f", "a.py", 1),
                    PythonFrame("g", "a.py", 2)};
  profile.stacks = {Stack({2}, 50), Stack({0}, 30), Stack({1}, 40)};
  EXPECT_EQ(RenderFolded(profile),
            "f (a.py:1) 70\n"
            "g (a.py:2) 50\n");
}

TEST(RenderFoldedTest, BreaksTiesByTextSoOutputIsStable) {
  Profile profile;
  profile.frames = {PythonFrame("b", "a.py", 1), PythonFrame("a", "a.py", 1)};
  profile.stacks = {Stack({0}, 10), Stack({1}, 10)};
  EXPECT_EQ(RenderFolded(profile), "a (a.py:1) 10\nb (a.py:1) 10\n");
}

TEST(RenderFoldedTest, NamesAnOutOfRangeFrameInsteadOfCrashing) {
  Profile profile;
  profile.frames = {PythonFrame("f", "a.py", 1)};
  profile.stacks = {Stack({7, 0}, 10)};
  EXPECT_EQ(RenderFolded(profile), "f (a.py:1);??? 10\n");
}

TEST(FoldedReporterTest, WritesPeakFoldedAtomically) {
  const std::string dir = MakeTestDirectory("folded_write");
  FoldedReporter reporter;
  std::string error;
  ASSERT_TRUE(reporter.Write(SmallProfile(), OpenTestDirectory(dir), &error))
      << error;
  // The final name only: no temporary file left behind.
  EXPECT_THAT(ListDirectory(dir), ElementsAre("peak.folded"));
  // What it declares is what it writes (a reused folder is cleared of it).
  EXPECT_THAT(reporter.FileNames(), ElementsAre("peak.folded"));
  EXPECT_EQ(ReadFileOrMissing(dir + "/peak.folded"),
            RenderFolded(SmallProfile()));
}

TEST(FoldedReporterTest, ReportsAMissingDirectory) {
  FoldedReporter reporter;
  std::string error;
  EXPECT_FALSE(reporter.Write(
      SmallProfile(), OpenTestDirectory("/nonexistent/tidemark"), &error));
  EXPECT_THAT(error, HasSubstr("/nonexistent/tidemark/peak.folded"));
}

TEST(FoldedReporterTest, IsRegisteredAsFolded) {
  std::unique_ptr<Reporter> reporter(ReporterRegistry::Create("folded"));
  ASSERT_NE(reporter, nullptr);
  EXPECT_NE(dynamic_cast<FoldedReporter*>(reporter.get()), nullptr);
}

}  // namespace
}  // namespace tidemark
