#include "core/oom_watch.h"

#include <string.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

constexpr int64_t kKiB = int64_t{1} << 10;
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

// A fake cgroup: a limit, and what the program has written so far (a
// block counts once touched, after the allocation returned, as with the
// kernel's accounting).
std::atomic<int64_t> g_limit{0};
std::atomic<int64_t> g_touched{0};
std::atomic<bool> g_limit_known{true};

bool FakeHeadroom(Headroom* out) {
  if (!g_limit_known) return false;
  out->limit = g_limit;
  out->available = g_limit - g_touched;
  if (out->available < 0) out->available = 0;
  snprintf(out->description, sizeof(out->description),
           "memory cgroup /fake limit of %lld bytes",
           static_cast<long long>(out->limit));
  return true;
}

std::mutex g_events_mutex;
std::vector<OomEvent> g_events;
// What had been touched when each event fired.
std::vector<int64_t> g_touched_at_event;

void Record(const OomEvent& event) {
  std::lock_guard<std::mutex> lock(g_events_mutex);
  g_events.push_back(event);
  g_touched_at_event.push_back(g_touched);
}

class OomWatchTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(true); }
  void TearDown() override {
    OomWatch::Configure(false, nullptr);
    OomWatch::SetHeadroomSourceForTesting(nullptr);
  }
  void Start(bool enabled) {
    OomWatch::SetHeadroomSourceForTesting(&FakeHeadroom);
    OomWatch::Configure(enabled, &Record);
    OomWatch::ResetForTesting(t_thread_state);
    g_limit = 2 * kGiB;
    g_touched = 0;
    g_limit_known = true;
    g_events.clear();
    g_touched_at_event.clear();
  }
  // Allocates `step` bytes at a time until an event fires, the fake kernel
  // would have killed the program, or `max_steps` ran; returns the steps.
  static int64_t Leak(int64_t step, int64_t max_steps, bool* killed) {
    *killed = false;
    const size_t events_before = g_events.size();
    for (int64_t i = 0; i < max_steps; ++i) {
      OomWatch::OnAllocated(t_thread_state, step);
      if (g_events.size() > events_before) return i + 1;
      // The program writes the block.
      if (g_touched.fetch_add(step) + step > g_limit) {
        *killed = true;
        return i + 1;
      }
    }
    return max_steps;
  }
};

TEST_F(OomWatchTest, Thresholds) {
  EXPECT_EQ(OomWatch::Threshold(100 * kMiB), 16 * kMiB);
  EXPECT_EQ(OomWatch::Threshold(2 * kGiB), 2 * kGiB / 20);
  EXPECT_EQ(OomWatch::Threshold(64 * kGiB), kGiB);
}

TEST_F(OomWatchTest, AFastLeakFiresBeforeTheBlockThatWouldCrossTheLimit) {
  bool killed = false;
  Leak(100 * kMiB, 1000, &killed);
  EXPECT_FALSE(killed);
  ASSERT_EQ(g_events.size(), 1u);
  const OomEvent& event = g_events[0];
  EXPECT_FALSE(event.failed_allocation);
  EXPECT_EQ(event.size, 100 * kMiB);
  EXPECT_EQ(event.limit_bytes, 2 * kGiB);
  // Fired at the step whose block, once written, leaves less than the
  // threshold (102.4 MiB): 19 blocks written (1900 MiB), the 20th pending.
  EXPECT_EQ(g_touched_at_event[0], 1900 * kMiB);
  EXPECT_EQ(event.available_bytes, 2048 * kMiB - 2000 * kMiB);
  EXPECT_STREQ(event.reason,
               "after an allocation of 100.0 MiB only 48.0 MiB is left under "
               "the tightest limit, memory cgroup /fake limit of 2147483648 "
               "bytes (the watch fires below 102.4 MiB)");
  EXPECT_LE(OomWatch::headroom_reads(), 20);
}

TEST_F(OomWatchTest, ASlowLeakOfSmallAllocationsFiresWithFewReads) {
  g_limit = 512 * kMiB;
  bool killed = false;
  const int64_t steps = Leak(4 * kKiB, 1 << 20, &killed);
  EXPECT_FALSE(killed);
  ASSERT_EQ(g_events.size(), 1u);
  const int64_t threshold = OomWatch::Threshold(512 * kMiB);  // 25.6 MiB
  // Fired within one minimum budget (1 MiB) of the threshold.
  EXPECT_LT(g_events[0].available_bytes, threshold);
  EXPECT_GE(g_events[0].available_bytes, threshold - kMiB - 128 * kKiB);
  EXPECT_GT(steps, 120000);
  // Reads grow with the log of the headroom: 16 * ln(486 MiB / 1 MiB) ~ 99,
  // for ~124,000 allocations.
  EXPECT_GE(OomWatch::headroom_reads(), 50);  // 74 here
  EXPECT_LE(OomWatch::headroom_reads(),
            static_cast<int64_t>(16 * std::log(512.0) + 8));
}

TEST_F(OomWatchTest, ReadsStayLogarithmicUnderALargeLimit) {
  g_limit = 64 * kGiB;
  bool killed = false;
  Leak(kMiB, 1 << 20, &killed);
  EXPECT_FALSE(killed);
  ASSERT_EQ(g_events.size(), 1u);
  EXPECT_EQ(g_events[0].limit_bytes, 64 * kGiB);
  // ~63,000 allocations, 16 * ln(63 GiB / 1 MiB) ~ 177 reads.
  EXPECT_GE(OomWatch::headroom_reads(), 100);  // 146 here
  EXPECT_LE(OomWatch::headroom_reads(),
            static_cast<int64_t>(16 * std::log(64.0 * 1024) + 8));
}

TEST_F(OomWatchTest, FiresOncePerEpisodeAndReArmsAfterRecovery) {
  g_limit = 256 * kMiB;
  bool killed = false;
  Leak(kMiB, 1000, &killed);
  ASSERT_EQ(g_events.size(), 1u);
  // Still below the threshold: more allocations do not fire again.
  for (int i = 0; i < 8; ++i) OomWatch::OnAllocated(t_thread_state, 64 * kKiB);
  EXPECT_EQ(g_events.size(), 1u);
  // The program frees most of it; the next checks see the headroom back
  // above twice the threshold, and the next leak fires again.
  g_touched = 16 * kMiB;
  Leak(kMiB, 1000, &killed);
  EXPECT_FALSE(killed);
  ASSERT_EQ(g_events.size(), 2u);
  EXPECT_LT(g_events[1].available_bytes, OomWatch::Threshold(256 * kMiB));
}

TEST_F(OomWatchTest, NoReArmWhileTheHeadroomStaysBelowTwiceTheThreshold) {
  g_limit = 256 * kMiB;  // threshold 16 MiB
  bool killed = false;
  Leak(kMiB, 1000, &killed);
  ASSERT_EQ(g_events.size(), 1u);
  g_touched = 256 * kMiB - 30 * kMiB;  // 30 MiB left: not recovered
  for (int i = 0; i < 200; ++i) {
    OomWatch::OnAllocated(t_thread_state, 64 * kKiB);
  }
  g_touched = 256 * kMiB - 10 * kMiB;
  for (int i = 0; i < 200; ++i) {
    OomWatch::OnAllocated(t_thread_state, 64 * kKiB);
  }
  EXPECT_EQ(g_events.size(), 1u);
}

TEST_F(OomWatchTest, AFailedAllocationFiresAtOnceOncePerEpisode) {
  OomWatch::OnAllocationFailed(3 * kGiB);
  ASSERT_EQ(g_events.size(), 1u);
  EXPECT_TRUE(g_events[0].failed_allocation);
  EXPECT_EQ(g_events[0].size, 3 * kGiB);
  EXPECT_EQ(g_events[0].limit_bytes, 2 * kGiB);
  EXPECT_EQ(g_events[0].available_bytes, 2 * kGiB);
  EXPECT_STREQ(g_events[0].reason,
               "an allocation of 3.0 GiB failed; the tightest limit is memory "
               "cgroup /fake limit of 2147483648 bytes, with 2.0 GiB left");
  OomWatch::OnAllocationFailed(3 * kGiB);
  EXPECT_EQ(g_events.size(), 1u);
  // A check that sees plenty of headroom re-arms it.
  for (int i = 0; i < 2000; ++i) OomWatch::OnAllocated(t_thread_state, kMiB);
  OomWatch::OnAllocationFailed(5 * kGiB);
  EXPECT_EQ(g_events.size(), 2u);
}

TEST_F(OomWatchTest, AFailedAllocationWithNoKnownLimitStillFires) {
  g_limit_known = false;
  OomWatch::OnAllocationFailed(100);
  ASSERT_EQ(g_events.size(), 1u);
  EXPECT_EQ(g_events[0].limit_bytes, 0);
  EXPECT_STREQ(g_events[0].reason,
               "an allocation of 100 bytes failed (no memory limit is known)");
}

TEST_F(OomWatchTest, NoLimitKnownMeansNoEventAndFewReads) {
  g_limit_known = false;
  for (int i = 0; i < 10000; ++i) OomWatch::OnAllocated(t_thread_state, kMiB);
  EXPECT_TRUE(g_events.empty());
  // Looked again every 256 MiB.
  EXPECT_LE(OomWatch::headroom_reads(), 10000 / 256 + 2);
}

TEST_F(OomWatchTest, DisabledItNeverReadsOrFires) {
  Start(false);
  bool killed = false;
  Leak(100 * kMiB, 30, &killed);
  EXPECT_TRUE(killed);
  EXPECT_TRUE(g_events.empty());
  OomWatch::OnAllocationFailed(kGiB);
  EXPECT_TRUE(g_events.empty());
  EXPECT_EQ(OomWatch::headroom_reads(), 0);
}

TEST_F(OomWatchTest, ThreadsLeakingTogetherFireOnceBeforeTheLimit) {
  g_limit = kGiB;
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<bool> killed{false};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        OomWatch::OnAllocated(t_thread_state, 256 * kKiB);
        {
          std::lock_guard<std::mutex> lock(g_events_mutex);
          if (!g_events.empty()) {
            stop = true;
            break;
          }
        }
        if (g_touched.fetch_add(256 * kKiB) + 256 * kKiB > g_limit) {
          killed = true;
          stop = true;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(killed);
  ASSERT_EQ(g_events.size(), 1u);
  // Other threads' unspent slices may delay it a little past the
  // threshold (51.2 MiB), never to the limit.
  EXPECT_LT(g_events[0].available_bytes, OomWatch::Threshold(kGiB));
  EXPECT_GT(g_limit - g_touched_at_event[0], 16 * kMiB);
}

}  // namespace
}  // namespace tidemark
