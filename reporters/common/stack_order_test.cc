#include "reporters/common/stack_order.h"

#include "gtest/gtest.h"

namespace tidemark {
namespace {

ProfileStack Stack(int64_t bytes) {
  ProfileStack stack;
  stack.bytes = bytes;
  return stack;
}

TEST(StacksByBytesTest, DropsEmptyStacksAndSortsLargestFirstStably) {
  Profile profile;
  profile.stacks = {Stack(10), Stack(0),  Stack(30),
                    Stack(10), Stack(-5), Stack(20)};
  std::vector<const ProfileStack*> order = StacksByBytes(profile);
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], &profile.stacks[2]);
  EXPECT_EQ(order[1], &profile.stacks[5]);
  // Equal sizes keep their profile order.
  EXPECT_EQ(order[2], &profile.stacks[0]);
  EXPECT_EQ(order[3], &profile.stacks[3]);
}

TEST(FrameAtTest, RejectsOutOfRangeIndices) {
  Profile profile;
  profile.frames.resize(2);
  profile.frames[1].function = "f";
  EXPECT_EQ(FrameAt(profile, 1)->function, "f");
  EXPECT_EQ(FrameAt(profile, 2), nullptr);
  EXPECT_EQ(FrameAt(profile, -1), nullptr);
}

TEST(PercentOfPeakTest, DividesByThePeakAndSurvivesAZeroPeak) {
  Profile profile;
  profile.peak_bytes = 400;
  EXPECT_DOUBLE_EQ(PercentOfPeak(profile, 100), 25.0);
  EXPECT_DOUBLE_EQ(PercentOfPeak(profile, 400), 100.0);
  profile.peak_bytes = 0;
  EXPECT_DOUBLE_EQ(PercentOfPeak(profile, 100), 0.0);
}

}  // namespace
}  // namespace tidemark
