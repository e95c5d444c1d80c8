#include "core/peak_tracker.h"

#include <cstdint>
#include <map>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

// Stack id -> {bytes, allocations}, as the peak copy or the live counters
// hold them.
using Contents = std::map<uint32_t, std::pair<int64_t, int64_t>>;

class PeakTrackerTest : public ::testing::Test {
 protected:
  void Allocate(uint32_t stack, int64_t bytes) { peak_.Add(stack, bytes); }
  // What the tracker does on every free: check for a new high while the
  // bytes still count, then take them out.
  void Free(uint32_t stack, int64_t bytes) {
    peak_.CaptureIfPeak();
    peak_.Remove(stack, bytes);
  }

  Contents AtPeak() {
    Contents out;
    peak_.VisitPeak([&](uint32_t id, PeakTracker::Entry e) {
      out[id] = {e.bytes, e.allocations};
    });
    return out;
  }
  Contents Now() {
    Contents out;
    peak_.VisitCurrent([&](uint32_t id, PeakTracker::Entry e) {
      out[id] = {e.bytes, e.allocations};
    });
    return out;
  }

  PeakTracker peak_;
};

TEST_F(PeakTrackerTest, NothingIsCopiedWhileTheTotalOnlyGrows) {
  Allocate(1, 100);
  Allocate(2, 50);
  Allocate(1, 25);
  EXPECT_EQ(peak_.current_bytes(), 175);
  // Lazy: no free has happened, so no copy has been taken yet.
  EXPECT_EQ(peak_.peak_bytes(), 0);
  EXPECT_TRUE(AtPeak().empty());

  // A report asks explicitly; the peak is then what is live now.
  peak_.CaptureIfPeak();
  EXPECT_EQ(peak_.peak_bytes(), 175);
  EXPECT_EQ(AtPeak(), (Contents{{1, {125, 2}}, {2, {50, 1}}}));
}

TEST_F(PeakTrackerTest, PeakContentIsWhatWasLiveAtTheMaximum) {
  Allocate(1, 1000);
  Allocate(2, 3000);
  Allocate(1, 500);  // total 4500
  Free(1, 1000);     // copy at 4500, then 3500
  EXPECT_EQ(peak_.peak_bytes(), 4500);
  EXPECT_EQ(AtPeak(), (Contents{{1, {1500, 2}}, {2, {3000, 1}}}));

  Allocate(2, 2000);  // 5500: the new maximum
  Free(2, 3000);      // copy at 5500, then 2500
  Allocate(3, 1000);  // 3500
  Free(1, 500);       // 3000; no new high, no copy
  Free(3, 1000);      // 2000
  EXPECT_EQ(peak_.current_bytes(), 2000);
  EXPECT_EQ(peak_.peak_bytes(), 5500);
  EXPECT_EQ(AtPeak(), (Contents{{1, {500, 1}}, {2, {5000, 2}}}));
}

TEST_F(PeakTrackerTest, ALowerHighLaterDoesNotReplaceThePeak) {
  Allocate(1, 800);
  Free(1, 800);  // peak 800, all on stack 1
  Allocate(2, 700);
  Free(2, 700);  // 700 < 800: no copy
  EXPECT_EQ(peak_.peak_bytes(), 800);
  EXPECT_EQ(AtPeak(), (Contents{{1, {800, 1}}}));
}

TEST_F(PeakTrackerTest, ReachingThePeakAgainExactlyKeepsTheFirstCopy) {
  Allocate(1, 600);
  Free(1, 600);
  Allocate(2, 600);  // equal, not higher
  Free(2, 600);
  EXPECT_EQ(peak_.peak_bytes(), 600);
  EXPECT_EQ(AtPeak(), (Contents{{1, {600, 1}}}));
}

TEST_F(PeakTrackerTest, StacksGoneAtANewPeakLeaveTheCopy) {
  Allocate(1, 100);
  Allocate(2, 200);
  Allocate(3, 300);
  Free(3, 300);  // peak 600 with stacks 1, 2, 3
  Free(2, 200);
  Allocate(4, 1000);  // 1100
  Free(4, 1000);      // peak 1100: stacks 1 and 4 only
  EXPECT_EQ(peak_.peak_bytes(), 1100);
  EXPECT_EQ(AtPeak(), (Contents{{1, {100, 1}}, {4, {1000, 1}}}));
}

TEST_F(PeakTrackerTest, CurrentCountersFollowEveryEvent) {
  Allocate(5, 64);
  Allocate(5, 64);
  Allocate(9, 4096);
  Free(5, 64);
  EXPECT_EQ(peak_.current_bytes(), 64 + 4096);
  EXPECT_EQ(Now(), (Contents{{5, {64, 1}}, {9, {4096, 1}}}));
  Free(9, 4096);
  Free(5, 64);
  EXPECT_EQ(peak_.current_bytes(), 0);
  EXPECT_TRUE(Now().empty());
  EXPECT_EQ(peak_.peak_bytes(), 64 * 2 + 4096);
}

TEST_F(PeakTrackerTest, StacksBeyondTheFirstChunkAreCopied) {
  // Ids are spread over several chunks of the counter arrays (4096 each),
  // some of which are never touched.
  const uint32_t ids[] = {1, 4095, 4096, 4097, 50000, 300000};
  int64_t expected_total = 0;
  Contents expected;
  for (uint32_t id : ids) {
    Allocate(id, int64_t{id} * 10);
    expected_total += int64_t{id} * 10;
    expected[id] = {int64_t{id} * 10, 1};
  }
  Allocate(7, 1);
  Free(7, 1);
  EXPECT_EQ(peak_.peak_bytes(), expected_total + 1);
  expected[7] = {1, 1};
  EXPECT_EQ(AtPeak(), expected);
}

TEST_F(PeakTrackerTest, AReportCopyTakesANewHighNotYetFollowedByAFree) {
  // The lazy copy happens before a free; a report written while the total
  // is still rising must copy the new high itself.
  Allocate(1, 5000);
  Free(1, 5000);
  ASSERT_EQ(peak_.peak_bytes(), 5000);
  Allocate(2, 5500);  // a new high, no free since
  EXPECT_EQ(peak_.peak_bytes(), 5000);
  peak_.CaptureForReport();
  EXPECT_EQ(peak_.peak_bytes(), 5500);
  EXPECT_EQ(AtPeak(), (Contents{{2, {5500, 1}}}));
}

TEST_F(PeakTrackerTest, CaptureNowCopiesWhatIsLiveEvenBelowThePeak) {
  // Sample mode decides the moment itself (issue 10): the copy is then
  // unconditional, and the later highs are measured against it.
  Allocate(1, 1000);
  Free(1, 1000);  // peak 1000
  Allocate(2, 300);
  peak_.CaptureNow();
  EXPECT_EQ(peak_.peak_bytes(), 300);
  EXPECT_EQ(AtPeak(), (Contents{{2, {300, 1}}}));
  Allocate(3, 200);  // 500: above the copy, so the next free copies again
  Free(3, 200);
  EXPECT_EQ(peak_.peak_bytes(), 500);
  EXPECT_EQ(AtPeak(), (Contents{{2, {300, 1}}, {3, {200, 1}}}));
}

TEST_F(PeakTrackerTest, ACopyAfterAForkHoldsNothingOfTheParent) {
  // The counters are zeroed behind the dirty log's back: the next copy of
  // each slot must not keep the parent's entries, though the parent's
  // stack changed before either slot was last filled.
  Allocate(1, 100);
  peak_.CaptureNow();  // one slot
  peak_.CaptureNow();  // the other
  peak_.StartFreshAfterFork();
  EXPECT_TRUE(AtPeak().empty());
  Allocate(3, 10);
  Free(3, 10);
  EXPECT_EQ(AtPeak(), (Contents{{3, {10, 1}}}));
  Allocate(4, 20);
  Free(4, 20);
  EXPECT_EQ(AtPeak(), (Contents{{4, {20, 1}}}));
}

}  // namespace
}  // namespace tidemark
