#include "core/session_rules.h"

#include <string>
#include <vector>

#include "core/profile_format.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

namespace pf = profile_format;

constexpr int64_t kMiB = int64_t{1} << 20;

TEST(IsNoiseAtEndTest, PythonEitherWayIsNeverNoise) {
  // Small peak, no Python: noise.
  EXPECT_TRUE(IsNoiseAtEnd(false, false, kMiB / 2, 0, kMiB));
  // The interpreter found at start, though no frame was ever recorded
  // (sample mode caught none).
  EXPECT_FALSE(IsNoiseAtEnd(true, false, kMiB / 2, 0, kMiB));
  // A Python frame recorded (a forked child of a Python program).
  EXPECT_FALSE(IsNoiseAtEnd(false, true, kMiB / 2, 0, kMiB));
}

TEST(IsNoiseAtEndTest, ThePeakIsTheCopyOrWhatIsLiveWhicheverIsHigher) {
  EXPECT_TRUE(IsNoiseAtEnd(false, false, kMiB, kMiB, kMiB));  // at the limit
  EXPECT_FALSE(IsNoiseAtEnd(false, false, kMiB + 1, 0, kMiB));
  // No copy yet (the peak is copied on the first free after a high): what
  // is live counts.
  EXPECT_FALSE(IsNoiseAtEnd(false, false, 0, kMiB + 1, kMiB));
  EXPECT_TRUE(IsNoiseAtEnd(false, false, 0, kMiB - 1, kMiB));
}

TEST(IsNoiseAtEndTest, AThresholdOfZeroKeepsEveryProcess) {
  EXPECT_FALSE(IsNoiseAtEnd(false, false, 0, 0, 0));
}

pf::FileHeader RunningImage(int32_t pid, uint64_t start_ticks) {
  pf::FileHeader h = {};
  h.pid = pid;
  h.start_ticks = start_ticks;
  h.ending = pf::kRunning;
  h.final_reports_written = 0;
  return h;
}

TEST(PeakMomentForTest, TheLiveTotalChoosesInSampleModeWhenItIsKnown) {
  EXPECT_EQ(PeakMomentFor(false, true), pf::kPeakMomentExactTotal);
  EXPECT_EQ(PeakMomentFor(false, false), pf::kPeakMomentExactTotal);
  EXPECT_EQ(PeakMomentFor(true, true), pf::kPeakMomentLiveTotal);
  // No block sizes from the allocator: the estimate chooses, and says so.
  EXPECT_EQ(PeakMomentFor(true, false), pf::kPeakMomentEstimate);
}

TEST(IsReplacedImageTest, SamePidAndStartTimeStillRunning) {
  const pf::FileHeader h = RunningImage(1234, 98765);
  EXPECT_TRUE(IsReplacedImage(h, 1234, 98765));
  EXPECT_FALSE(IsReplacedImage(h, 1235, 98765));  // another process
  EXPECT_FALSE(IsReplacedImage(h, 1234, 98766));  // the pid reused
}

TEST(IsReplacedImageTest, AnUnknownStartTimeNeverMatches) {
  const pf::FileHeader h = RunningImage(1234, 0);
  EXPECT_FALSE(IsReplacedImage(h, 1234, 0));
}

TEST(IsReplacedImageTest, AnImageThatEndedIsNotReplaced) {
  pf::FileHeader h = RunningImage(1234, 98765);
  h.ending = pf::kExecuted;  // already marked by an earlier image
  EXPECT_FALSE(IsReplacedImage(h, 1234, 98765));
  h = RunningImage(1234, 98765);
  h.final_reports_written = 1;  // wrote its final reports (at exit)
  EXPECT_FALSE(IsReplacedImage(h, 1234, 98765));
}

TEST(HowStartedTest, ReplacingComesFirst) {
  EXPECT_EQ(HowStarted(true, true), pf::kStartedExec);
  EXPECT_EQ(HowStarted(true, false), pf::kStartedExec);
  EXPECT_EQ(HowStarted(false, true), pf::kStartedFirst);
  EXPECT_EQ(HowStarted(false, false), pf::kStartedChild);
}

TEST(UnkeptFolderNameTest, NumbersOnlyPastWhatAReplacedImageKept) {
  EXPECT_EQ(UnkeptFolderName("7-python3", {}), "7-python3");
  EXPECT_EQ(UnkeptFolderName("7-python3", {"7-sh"}), "7-python3");
  EXPECT_EQ(UnkeptFolderName("7-python3", {"7-python3"}), "7-python3-2");
  EXPECT_EQ(UnkeptFolderName("7-python3", {"7-python3", "7-python3-2"}),
            "7-python3-3");
  // Kept in any order.
  EXPECT_EQ(UnkeptFolderName("7-python3",
                             {"7-python3-2", "7-python3-3", "7-python3"}),
            "7-python3-4");
}

TEST(UnkeptFolderNameTest, GivesUpAtTheThousandth) {
  std::vector<std::string> kept = {"7-x"};
  for (int n = 2; n < 1000; ++n) kept.push_back("7-x-" + std::to_string(n));
  EXPECT_EQ(UnkeptFolderName("7-x", kept), "7-x-999");
}

}  // namespace
}  // namespace tidemark
