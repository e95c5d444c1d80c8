#include "reporters/common/sampling_bound.h"

#include "gtest/gtest.h"

namespace tidemark {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kKiB = 1 << 10;

// n + 4 a perfect square keeps the hand arithmetic exact: the bound is
// 4 R (2 + sqrt(n + 4)).
TEST(SamplingBoundTest, FourIntervalsTimesTwoPlusRootOfSamplesPlusFour) {
  // 5 samples, 10 MiB: n = min(5, 10) = 5, 4 R (2 + 3) = 20 R.
  EXPECT_EQ(SamplingBound(10 * kMiB, 5, kMiB), 20 * kMiB);
  // 12 samples: 4 R (2 + 4) = 24 R.
  EXPECT_EQ(SamplingBound(100 * kMiB, 12, kMiB), 24 * kMiB);
  // 221 samples (a 64 KiB site at R = 1 MiB): 4 R (2 + 15) = 68 R.
  EXPECT_EQ(SamplingBound(230 * kMiB, 221, kMiB), 68 * kMiB);
  // Another interval: 32 samples at 256 KiB, 4 R (2 + 6) = 32 R = 8 MiB.
  EXPECT_EQ(SamplingBound(40 * kMiB, 32, 256 * kKiB), 8 * kMiB);
}

TEST(SamplingBoundTest, RoundsUpToWholeBytes) {
  // 4000 (2 + sqrt 5) = 16944.27...
  EXPECT_EQ(SamplingBound(1000, 1, 1000), 16945);
  // 4000 (2 + sqrt 6) = 17797.95...
  EXPECT_EQ(SamplingBound(2000, 2, 1000), 17798);
}

TEST(SamplingBoundTest, BytesOverTheIntervalCapTheSampleCount) {
  // 21 samples claimed but only 5 R of bytes: every record weighs at least
  // R, so n = 5 and the bound is 20 R.
  EXPECT_EQ(SamplingBound(5 * kMiB, 21, kMiB), 20 * kMiB);
  // Unknown samples: n = bytes / R = 21, 4 R (2 + 5) = 28 R.
  EXPECT_EQ(SamplingBound(21 * kMiB, kUnknownSamples, kMiB), 28 * kMiB);
  EXPECT_EQ(SamplingBound(21 * kMiB, 0, kMiB), 28 * kMiB);
}

TEST(SamplingBoundTest, NothingSeenStillLeavesRoomForWhatWasMissed) {
  // No sample: the truth may still be a few intervals of small blocks;
  // 4 R (2 + 2) = 16 R.
  EXPECT_EQ(SamplingBound(0, 0, kMiB), 16 * kMiB);
}

TEST(SamplingBoundTest, ExactModeHasNoBound) {
  EXPECT_EQ(SamplingBound(10 * kMiB, 5, 0), 0);
  Profile exact;
  exact.mode = "exact";
  exact.peak_bytes = 30 * kMiB;
  exact.stacks = {ProfileStack{{}, 30 * kMiB, 3}};
  EXPECT_EQ(BytesBound(exact, 30 * kMiB, 3), 0);
  EXPECT_EQ(PeakBytesBound(exact), 0);
}

TEST(SamplingBoundTest, ThePeaksBoundAddsTheStacksSamples) {
  Profile profile;
  profile.mode = "sample";
  profile.sample_interval_bytes = kMiB;
  profile.peak_bytes = 14 * kMiB;
  profile.stacks = {ProfileStack{{}, 10 * kMiB, 9},
                    ProfileStack{{0}, 4 * kMiB, 3}};
  // 12 samples in all: 24 R, less than the two bounds added (4 R (2 + sqrt
  // 13) + 4 R (2 + sqrt 7) = 41 R).
  EXPECT_EQ(PeakBytesBound(profile), 24 * kMiB);
  // One stack's own: 9 samples, 4 R (2 + sqrt 13) = 22.42 R, rounded up.
  EXPECT_EQ(BytesBound(profile, 10 * kMiB, 9), 23511387);
}

}  // namespace
}  // namespace tidemark
