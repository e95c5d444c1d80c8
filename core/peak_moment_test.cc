#include "core/peak_moment.h"

#include <cstdint>
#include <map>

#include "core/peak_tracker.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

// Stack id -> bytes in the tracker's peak copy.
using StackBytes = std::map<uint32_t, int64_t>;

StackBytes PeakBytes(PeakTracker& tracker) {
  StackBytes out;
  tracker.VisitPeak(
      [&](uint32_t id, PeakTracker::Entry e) { out[id] = e.bytes; });
  return out;
}

// The tracker's counters stand for sampled estimates here; the live totals
// given to Consider are the exact ones. The copy follows the live total,
// never the estimates.
TEST(PeakMomentTest, CopiesTheEstimatesWhenTheLiveTotalIsAtANewHigh) {
  PeakTracker tracker;
  tracker.set_moment_chosen_elsewhere(true);
  PeakMoment moment;
  int64_t published = -1;
  moment.set_published(&published);
  int64_t chosen = 0;
  EXPECT_FALSE(moment.Chosen(&chosen));

  tracker.Add(1, 100);
  EXPECT_TRUE(moment.Consider(1000, &tracker));  // the first moment
  EXPECT_EQ(published, 1000);
  EXPECT_EQ(PeakBytes(tracker), (StackBytes{{1, 100}}));
  EXPECT_EQ(tracker.peak_bytes(), 100);

  // The estimate goes up while the live total is lower: not a peak.
  tracker.Add(2, 5000);
  EXPECT_FALSE(moment.Consider(900, &tracker));
  // A tie keeps the earlier moment.
  EXPECT_FALSE(moment.Consider(1000, &tracker));
  EXPECT_EQ(PeakBytes(tracker), (StackBytes{{1, 100}}));
  EXPECT_EQ(published, 1000);

  // Removing does not copy: the tracker no longer decides.
  tracker.Remove(2, 5000);
  tracker.Add(1, 20);
  EXPECT_EQ(PeakBytes(tracker), (StackBytes{{1, 100}}));

  // A higher live total copies what is live then, even a lower estimate.
  tracker.Remove(1, 100);
  EXPECT_TRUE(moment.Consider(1001, &tracker));
  EXPECT_EQ(PeakBytes(tracker), (StackBytes{{1, 20}}));
  EXPECT_EQ(tracker.peak_bytes(), 20);
  EXPECT_TRUE(moment.Chosen(&chosen));
  EXPECT_EQ(chosen, 1001);
  EXPECT_EQ(published, 1001);
}

TEST(PeakMomentTest, ANegativeTotalIsAMomentLikeAnyOther) {
  // Frees of blocks from before counting began make the total negative
  // (core/live_total.h): only its highest value matters.
  PeakTracker tracker;
  tracker.set_moment_chosen_elsewhere(true);
  PeakMoment moment;
  tracker.Add(1, 64);
  EXPECT_TRUE(moment.Consider(-5000, &tracker));
  EXPECT_FALSE(moment.Consider(-6000, &tracker));
  tracker.Add(1, 64);
  EXPECT_TRUE(moment.Consider(-4999, &tracker));
  EXPECT_EQ(tracker.peak_bytes(), 128);
}

TEST(PeakMomentTest, AfterAResetTheNextMomentIsChosen) {
  PeakTracker tracker;
  tracker.set_moment_chosen_elsewhere(true);
  PeakMoment moment;
  tracker.Add(1, 10);
  EXPECT_TRUE(moment.Consider(500, &tracker));
  moment.Reset();
  int64_t chosen = 0;
  EXPECT_FALSE(moment.Chosen(&chosen));
  EXPECT_TRUE(moment.Consider(7, &tracker));
  EXPECT_TRUE(moment.Chosen(&chosen));
  EXPECT_EQ(chosen, 7);
}

TEST(PeakTrackerCaptureNowTest, CopiesUnconditionallyAndExactModeIsUnchanged) {
  PeakTracker tracker;
  tracker.Add(1, 300);
  tracker.Remove(1, 300);  // exact mode decides: the peak is copied here
  EXPECT_EQ(PeakBytes(tracker), (StackBytes{{1, 300}}));
  tracker.Add(1, 10);
  tracker.CaptureNow();  // lower, copied all the same
  EXPECT_EQ(PeakBytes(tracker), (StackBytes{{1, 10}}));
  EXPECT_EQ(tracker.peak_bytes(), 10);
}

}  // namespace
}  // namespace tidemark
