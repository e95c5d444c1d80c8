// The books' sole writer (core/sole_writer.h): one thread updates without
// locked instructions until a second one arrives, and no update is lost
// when that happens in the middle of the first one's updates.
#include "core/sole_writer.h"

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/address_map.h"
#include "core/fork_guard.h"
#include "core/peak_tracker.h"
#include "core/thread_state.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

// What the tracker does for one block, through the books' protocol.
bool AddBlock(AddressMap* map, PeakTracker* peak, uintptr_t address,
              uint32_t stack, int64_t bytes) {
  ReentrancyGuard guard;
  const bool sole = SoleWriter::Enter(t_thread_state);
  TrackedBlock replaced;
  map->Insert(address, TrackedBlock{stack, bytes}, &replaced, sole);
  peak->Add(stack, bytes, sole);
  SoleWriter::Leave(sole);
  return sole;
}

bool RemoveBlock(AddressMap* map, PeakTracker* peak, uintptr_t address) {
  ReentrancyGuard guard;
  const bool sole = SoleWriter::Enter(t_thread_state);
  TrackedBlock removed;
  if (map->Remove(address, &removed, sole)) {
    peak->Remove(removed.stack_id, removed.weight, sole);
  }
  SoleWriter::Leave(sole);
  return sole;
}

// Live bytes and blocks of `stack`, as the tracker's counters say.
PeakTracker::Entry Live(PeakTracker* peak, uint32_t stack) {
  PeakTracker::Entry found{0, 0};
  peak->VisitCurrent([&](uint32_t id, const PeakTracker::Entry& e) {
    if (id == stack) found = e;
  });
  return found;
}

class SoleWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      ReentrancyGuard guard;  // the fork guard registers for membarrier
    }
    if (ForkGuard::FencesOnEnter()) {
      GTEST_SKIP() << "membarrier refused here: the books are always shared";
    }
    SoleWriter::ResetAfterFork();  // a fresh claim for each test
  }
};

TEST_F(SoleWriterTest, FirstWriterIsSoleUntilASecondThreadWrites) {
  AddressMap map;
  PeakTracker peak;
  EXPECT_TRUE(AddBlock(&map, &peak, 0x1000, 1, 100));
  EXPECT_TRUE(SoleWriter::CallerIsSoleWriter());
  EXPECT_TRUE(RemoveBlock(&map, &peak, 0x1000));
  bool other_sole = true;
  std::thread([&] {
    other_sole = AddBlock(&map, &peak, 0x2000, 2, 50);
  }).join();
  EXPECT_FALSE(other_sole);
  EXPECT_FALSE(SoleWriter::CallerIsSoleWriter());
  EXPECT_FALSE(AddBlock(&map, &peak, 0x3000, 1, 7));
  EXPECT_EQ(Live(&peak, 1).bytes, 7);
  EXPECT_EQ(Live(&peak, 2).bytes, 50);
  EXPECT_EQ(peak.current_bytes(), 57);
}

// The sole writer churns blocks as fast as it can while other threads
// arrive and churn on the same stack: whatever instruction the first one
// was at when the books became shared, the counters end exact.
TEST_F(SoleWriterTest, NoUpdateIsLostWhenTheBooksBecomeShared) {
  constexpr int kRounds = 50;
  constexpr int kLive = 64;
  constexpr int kOthers = 3;
  for (int round = 0; round < kRounds; ++round) {
    SoleWriter::ResetAfterFork();
    AddressMap map;
    PeakTracker peak;
    std::atomic<bool> go{false};
    std::atomic<int> started{0};
    std::vector<std::thread> others;
    int64_t sole_updates = 0;
    // The first thread: a window of kLive blocks of 8 bytes, each freed and
    // allocated again, until the others are done.
    const uintptr_t base = 0x100000;
    for (int i = 0; i < kLive; ++i) {
      AddBlock(&map, &peak, base + uintptr_t{16} * i, 1, 8);
    }
    ASSERT_TRUE(SoleWriter::CallerIsSoleWriter());
    others.reserve(kOthers);
    for (int t = 0; t < kOthers; ++t) {
      others.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        started.fetch_add(1);
        const uintptr_t mine = uintptr_t{0x10000000} * (t + 1);
        // Each other thread leaves 10 blocks of 3 bytes live.
        for (int i = 0; i < 1000; ++i) {
          const uintptr_t address = mine + uintptr_t{16} * (i % 10);
          AddBlock(&map, &peak, address, 1, 3);
          if (i < 990) RemoveBlock(&map, &peak, address);
        }
      });
    }
    // The others start while the first thread is in the middle of its
    // loop, at a different moment each round.
    const int go_at = 1000 + 37 * round;
    for (int i = 0; started.load() < kOthers || i < 20000; ++i) {
      if (i == go_at) go.store(true);
      const uintptr_t address = base + uintptr_t{16} * (i % kLive);
      if (RemoveBlock(&map, &peak, address)) ++sole_updates;
      if (AddBlock(&map, &peak, address, 1, 8)) ++sole_updates;
    }
    for (std::thread& t : others) t.join();
    const PeakTracker::Entry live = Live(&peak, 1);
    EXPECT_EQ(live.bytes, kLive * 8 + kOthers * 10 * 3) << "round " << round;
    EXPECT_EQ(live.allocations, kLive + kOthers * 10) << "round " << round;
    EXPECT_EQ(peak.current_bytes(), live.bytes) << "round " << round;
    EXPECT_EQ(map.Size(), kLive + kOthers * 10) << "round " << round;
    EXPECT_FALSE(SoleWriter::CallerIsSoleWriter());
    EXPECT_GT(sole_updates, 0) << "the first thread never wrote alone";
  }
}

// Copies on another thread (a report's) see the sole writer's updates.
TEST_F(SoleWriterTest, ACopyOnAnotherThreadSeesTheSoleWritersUpdates) {
  AddressMap map;
  PeakTracker peak;
  for (int i = 0; i < 100; ++i) {
    AddBlock(&map, &peak, 0x1000 + 16 * i, 1 + i % 4, 10);
  }
  ASSERT_TRUE(SoleWriter::CallerIsSoleWriter());
  std::thread([&] { peak.CaptureNow(); }).join();
  EXPECT_TRUE(SoleWriter::CallerIsSoleWriter()) << "a reader is no writer";
  int64_t total = 0;
  peak.VisitPeak([&](uint32_t, const PeakTracker::Entry& e) {
    EXPECT_EQ(e.bytes, 250);
    total += e.bytes;
  });
  EXPECT_EQ(total, 1000);
  EXPECT_EQ(peak.peak_bytes(), 1000);
}

}  // namespace
}  // namespace tidemark
