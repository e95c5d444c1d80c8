#include "tools/report_filter.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ProfileFrame Py(const std::string& function, const std::string& file,
                int line) {
  ProfileFrame frame;
  frame.function = function;
  frame.file = file;
  frame.line = line;
  return frame;
}

// <module> -> load -> numpy.ones (1000); <module> -> parse (300); an
// allocation without Python frames (24); a stack through a frame out of
// range (7).
Profile SmallProfile() {
  Profile profile;
  profile.peak_bytes = 1331;
  profile.frames = {Py("<module>", "/app/main.py", 3),
                    Py("load", "/app/data.py", 17),
                    Py("ones", "/usr/lib/python3/numpy/numeric.py", 205),
                    Py("parse", "/app/data.py", 40)};
  profile.stacks = {
      {{2, 1, 0}, 1000, 1}, {{3, 0}, 300, 3}, {{}, 24, 1}, {{9, 0}, 7, 1}};
  return profile;
}

std::vector<int64_t> KeptBytes(const std::string& focus,
                               const std::string& ignore) {
  StackFilter filter;
  std::string error;
  EXPECT_TRUE(filter.Compile(focus, ignore, &error)) << error;
  Profile profile = SmallProfile();
  filter.Apply(&profile);
  // The run's facts stay.
  EXPECT_EQ(profile.peak_bytes, 1331);
  std::vector<int64_t> bytes;
  for (const ProfileStack& stack : profile.stacks) bytes.push_back(stack.bytes);
  return bytes;
}

TEST(StackFilterTest, FocusKeepsStacksWithAMatchingFrame) {
  EXPECT_THAT(KeptBytes("numpy", ""), ElementsAre(1000));
  // Any frame of the stack, not only the innermost.
  EXPECT_THAT(KeptBytes("^load ", ""), ElementsAre(1000));
  EXPECT_THAT(KeptBytes("<module>", ""), ElementsAre(1000, 300, 7));
  // The frame's text as reports show it, line included.
  EXPECT_THAT(KeptBytes("data\\.py:40\\)$", ""), ElementsAre(300));
  EXPECT_THAT(KeptBytes("no Python stack", ""), ElementsAre(24));
  EXPECT_THAT(KeptBytes("^\\?\\?\\?$", ""), ElementsAre(7));
  EXPECT_THAT(KeptBytes("nothing matches this", ""), ElementsAre());
}

TEST(StackFilterTest, IgnoreDropsStacksWithAMatchingFrame) {
  EXPECT_THAT(KeptBytes("", "numpy"), ElementsAre(300, 24, 7));
  EXPECT_THAT(KeptBytes("", "main\\.py"), ElementsAre(24));
  // Both: focus first, then ignore among those.
  EXPECT_THAT(KeptBytes("<module>", "parse|ones"), ElementsAre(7));
}

TEST(StackFilterTest, NoPatternsKeepsEverything) {
  StackFilter filter;
  std::string error;
  ASSERT_TRUE(filter.Compile("", "", &error));
  EXPECT_FALSE(filter.active());
  EXPECT_THAT(KeptBytes("", ""), ElementsAre(1000, 300, 24, 7));
}

TEST(StackFilterTest, ABadPatternNamesItsFlag) {
  StackFilter filter;
  std::string error;
  EXPECT_FALSE(filter.Compile("(unclosed", "", &error));
  EXPECT_THAT(error, HasSubstr("--focus: '(unclosed' is not a regular "
                               "expression (missing )"));
  EXPECT_FALSE(filter.Compile("ok", "a**", &error));
  EXPECT_THAT(error, HasSubstr("--ignore: 'a**'"));
}

// Names with newlines match as the reports print them (spaces).
TEST(StackFilterTest, MatchesThePrintableText) {
  StackFilter filter;
  std::string error;
  ASSERT_TRUE(filter.Compile("^a b \\(", "", &error)) << error;
  Profile profile;
  profile.frames = {Py("a\nb", "x.py", 1)};
  profile.stacks = {{{0}, 5, 1}};
  filter.Apply(&profile);
  EXPECT_EQ(profile.stacks.size(), 1u);
}

}  // namespace
}  // namespace tidemark
