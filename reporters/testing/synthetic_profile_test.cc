#include "reporters/testing/synthetic_profile.h"

#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(SyntheticProfileTest, HasDistinctSortedStacksOfTheRequestedDepth) {
  Profile profile = MakeSyntheticProfile(1000, 20);
  ASSERT_EQ(profile.stacks.size(), 1000u);
  std::set<std::vector<int>> distinct;
  int64_t total = 0;
  for (size_t i = 0; i < profile.stacks.size(); ++i) {
    const ProfileStack& stack = profile.stacks[i];
    ASSERT_EQ(stack.frames.size(), 20u);
    for (int frame : stack.frames) {
      ASSERT_GE(frame, 0);
      ASSERT_LT(static_cast<size_t>(frame), profile.frames.size());
    }
    if (i > 0) {
      EXPECT_LT(stack.bytes, profile.stacks[i - 1].bytes);
    }
    distinct.insert(stack.frames);
    total += stack.bytes;
  }
  EXPECT_EQ(distinct.size(), 1000u);
  EXPECT_EQ(profile.peak_bytes, total);
  // Frames are shared: the leaves are distinct, the levels above them far
  // from it.
  EXPECT_GT(profile.frames.size(), 1000u);
  EXPECT_LT(profile.frames.size(), 1000u * 5);
}

TEST(SyntheticProfileTest, PutsTheInnermostLevelsInTheStandardLibrary) {
  Profile profile = MakeSyntheticProfile(3, 5);
  const ProfileStack& stack = profile.stacks[0];
  EXPECT_EQ(profile.frames[stack.frames[0]].file,
            "/usr/lib/python3.11/json/decoder.py");
  EXPECT_EQ(profile.frames[stack.frames[2]].file,
            "/usr/lib/python3.11/json/decoder.py");
  EXPECT_EQ(profile.frames[stack.frames[3]].file,
            "/home/user/project/module_1.py");
}

}  // namespace
}  // namespace tidemark
