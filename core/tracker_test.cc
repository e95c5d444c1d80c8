#include "core/tracker.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "core/allocation_hooks.h"
#include "core/live_total.h"
#include "core/sampled_address_filter.h"
#include "core/sampler.h"
#include "core/testing/fake_unwinder.h"
#include "core/thread_state.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

std::vector<RawFrame> Stack(std::initializer_list<uint64_t> code_objects) {
  std::vector<RawFrame> frames;
  for (uint64_t code : code_objects) {
    frames.push_back(RawFrame::Python(code, 7));
  }
  return frames;
}

void* Address(uint64_t n) { return reinterpret_cast<void*>(n); }

// The tracker is one per process, shared by every test here: each test
// uses its own stacks and addresses, measures differences, and frees what
// it allocated.
class TrackerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tracker().set_unwinder(&unwinder_); }

  void SetUp() override { g_tracking_state.store(kTrackingExact); }
  void TearDown() override {
    g_tracking_state.store(kTrackingOff);
    SetFakeThreadStack(nullptr);
  }

  static Tracker& tracker() { return Tracker::Get(); }

  // Allocates (as an interposer reports it) from `stack`.
  static void Malloc(const std::vector<RawFrame>& stack, uint64_t address,
                     size_t size) {
    SetFakeThreadStack(&stack);
    OnAllocation(Address(address), size);
  }
  static void FreeBlock(uint64_t address) { OnFree(Address(address)); }

  // The interned id of `stack`, or 0 if it was never seen.
  static uint32_t IdOf(const std::vector<RawFrame>& stack) {
    const int depth = static_cast<int>(stack.size());
    const uint64_t hash = StackTable::Hash(stack.data(), depth);
    for (uint32_t id = 1; id <= tracker().stacks().Count(); ++id) {
      if (tracker().stacks().Matches(id, stack.data(), depth, hash)) return id;
    }
    return 0;
  }

  static std::map<uint32_t, PeakTracker::Entry> Current() {
    std::map<uint32_t, PeakTracker::Entry> out;
    tracker().peak().VisitCurrent(
        [&](uint32_t id, PeakTracker::Entry e) { out[id] = e; });
    return out;
  }

  static FakeUnwinder unwinder_;
};

FakeUnwinder TrackerTest::unwinder_;

TEST_F(TrackerTest, ExactModePeakIsAttributedToTheStacksLiveAtTheMaximum) {
  // Sizes far above anything else in this binary, so this peak is the
  // process's peak whatever order the tests run in. The allocations are
  // only reported, never made: the tracker never touches the memory.
  constexpr int64_t kUnit = int64_t{1} << 30;
  const std::vector<RawFrame> a = Stack({0xA1, 0xA0});
  const std::vector<RawFrame> b = Stack({0xB1, 0xA0});
  const int64_t before = tracker().peak().current_bytes();

  Malloc(a, 0x100000, 1000 * kUnit);
  Malloc(b, 0x200000, 3000 * kUnit);
  Malloc(a, 0x300000, 500 * kUnit);   // 4500 units
  FreeBlock(0x100000);                // 3500
  Malloc(b, 0x400000, 2000 * kUnit);  // 5500: the maximum
  FreeBlock(0x200000);                // 2500
  Malloc(a, 0x500000, 100 * kUnit);   // 2600
  FreeBlock(0x500000);

  EXPECT_EQ(tracker().peak().peak_bytes(), before + 5500 * kUnit);
  const uint32_t id_a = IdOf(a);
  const uint32_t id_b = IdOf(b);
  ASSERT_NE(id_a, 0u);
  ASSERT_NE(id_b, 0u);
  ASSERT_NE(id_a, id_b);
  std::map<uint32_t, PeakTracker::Entry> at_peak;
  tracker().peak().VisitPeak(
      [&](uint32_t id, PeakTracker::Entry e) { at_peak[id] = e; });
  EXPECT_EQ(at_peak[id_a].bytes, 500 * kUnit);
  EXPECT_EQ(at_peak[id_a].allocations, 1);
  EXPECT_EQ(at_peak[id_b].bytes, 5000 * kUnit);
  EXPECT_EQ(at_peak[id_b].allocations, 2);

  FreeBlock(0x300000);
  FreeBlock(0x400000);
  EXPECT_EQ(tracker().peak().current_bytes(), before);
}

TEST_F(TrackerTest, RecentStacksNeverMixUpStacksThatLookAlike) {
  // Stacks that share their innermost frame and depth share an entry of
  // the thread's recent stacks (core/thread_state.h); more stacks than
  // entries evict each other. Allocated round-robin, every block must
  // still land on its own stack, with its own bytes.
  std::vector<std::vector<RawFrame>> stacks;
  for (uint64_t caller = 0; caller < 5; ++caller) {
    stacks.push_back(Stack({0xE1, 0xE100 + caller}));  // same innermost
  }
  for (uint64_t line = 0; line < uint64_t{3} * kRecentStacks; ++line) {
    stacks.push_back(Stack({0xE200 + line, 0xE0}));
  }
  stacks.push_back(Stack({0xE1}));  // same innermost, other depth
  const int n = static_cast<int>(stacks.size());
  const std::map<uint32_t, PeakTracker::Entry> before = Current();
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < n; ++i) {
      Malloc(stacks[i], 0x9000000 + 4096 * (round * n + i), 1 + i);
    }
  }
  std::set<uint32_t> ids;
  const std::map<uint32_t, PeakTracker::Entry> after = Current();
  for (int i = 0; i < n; ++i) {
    const uint32_t id = IdOf(stacks[i]);
    ASSERT_NE(id, 0u) << "stack " << i;
    ids.insert(id);
    auto was = before.find(id);
    const int64_t had = was == before.end() ? 0 : was->second.bytes;
    EXPECT_EQ(after.at(id).bytes - had, 4 * (1 + i)) << "stack " << i;
  }
  EXPECT_EQ(static_cast<int>(ids.size()), n);
  for (int k = 0; k < 4 * n; ++k) FreeBlock(0x9000000 + 4096 * k);
}

TEST_F(TrackerTest, AStackDeeperThanTheLimitKeepsItsInnermostFramesUnderACut) {
  // 300 frames, innermost first: the kept stack is the innermost 127 and
  // the cut marker as its root, so two deep stacks that differ only in
  // their outer frames share a root that says it was cut (not frame 128,
  // a frame in the middle of the call chain, passing for a root).
  std::vector<RawFrame> deep;
  for (uint64_t i = 0; i < 300; ++i) {
    deep.push_back(RawFrame::Python(0xD000 + i, 7));
  }
  std::vector<RawFrame> other_outer = deep;
  other_outer.back() = RawFrame::Python(0xDFFF, 7);
  std::vector<RawFrame> kept(deep.begin(),
                             deep.begin() + Tracker::kMaxDepth - 1);
  kept.push_back(RawFrame::StackCut());

  const int resolves_before = unwinder_.resolves();
  Malloc(deep, 0xD0000000, 1000);
  // The 127 kept frames are named by the unwinder, the marker by the core.
  EXPECT_EQ(unwinder_.resolves(), resolves_before + Tracker::kMaxDepth - 1);
  Malloc(other_outer, 0xD0001000, 500);
  const uint32_t id = IdOf(kept);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(Current().at(id).bytes, 1500);
  EXPECT_EQ(Current().at(id).allocations, 2);

  // Exactly the limit: nothing is cut.
  std::vector<RawFrame> at_limit(deep.begin(),
                                 deep.begin() + Tracker::kMaxDepth);
  Malloc(at_limit, 0xD0002000, 300);
  const uint32_t at_limit_id = IdOf(at_limit);
  ASSERT_NE(at_limit_id, 0u);
  EXPECT_EQ(Current().at(at_limit_id).bytes, 300);

  for (uint64_t a : {0xD0000000, 0xD0001000, 0xD0002000}) FreeBlock(a);
}

TEST_F(TrackerTest, EachFreeTakesBackExactlyItsBlock) {
  const std::vector<RawFrame> s = Stack({0xC1});
  const int64_t before = tracker().peak().current_bytes();
  const int64_t allocations_before = tracker().tracked_allocations();
  for (uint64_t i = 0; i < 100; ++i) Malloc(s, 0x1000000 + 16 * i, 10 + i);
  // 10 + 11 + ... + 109.
  EXPECT_EQ(tracker().peak().current_bytes() - before, 5950);
  EXPECT_EQ(tracker().tracked_allocations() - allocations_before, 100);
  for (uint64_t i = 0; i < 100; i += 2) FreeBlock(0x1000000 + 16 * i);
  // The odd ones stay: 11 + 13 + ... + 109.
  EXPECT_EQ(tracker().peak().current_bytes() - before, 3000);
  const PeakTracker::Entry e = Current()[IdOf(s)];
  EXPECT_EQ(e.bytes, 3000);
  EXPECT_EQ(e.allocations, 50);
  for (uint64_t i = 1; i < 100; i += 2) FreeBlock(0x1000000 + 16 * i);
  EXPECT_EQ(tracker().peak().current_bytes(), before);
}

TEST_F(TrackerTest, UntrackedFreesAndRepeatedAddressesAreAccountedFor) {
  const std::vector<RawFrame> s = Stack({0xD1});
  const int64_t before = tracker().peak().current_bytes();
  const int64_t missed_before = tracker().missed_frees();
  // Freeing what was allocated before tracking began changes nothing.
  FreeBlock(0x2000000);
  EXPECT_EQ(tracker().peak().current_bytes(), before);

  // The same address handed out twice without a free in between: the
  // stale block leaves the books, the new one counts.
  Malloc(s, 0x2000010, 300);
  Malloc(s, 0x2000010, 40);
  EXPECT_EQ(tracker().missed_frees() - missed_before, 1);
  EXPECT_EQ(tracker().peak().current_bytes() - before, 40);
  FreeBlock(0x2000010);
  EXPECT_EQ(tracker().peak().current_bytes(), before);
}

TEST_F(TrackerTest, NothingIsRecordedWhenOffOrInsideTheProfiler) {
  const std::vector<RawFrame> s = Stack({0xE1});
  const int64_t allocations_before = tracker().tracked_allocations();
  g_tracking_state.store(kTrackingOff);
  Malloc(s, 0x3000000, 100);
  g_tracking_state.store(kTrackingExact);
  {
    ReentrancyGuard guard;  // the profiler's own allocations
    Malloc(s, 0x3000010, 100);
  }
  Malloc(s, 0x3000020, 100);  // the one that counts
  EXPECT_EQ(tracker().tracked_allocations() - allocations_before, 1);
  FreeBlock(0x3000000);
  FreeBlock(0x3000010);
  FreeBlock(0x3000020);
  EXPECT_EQ(Current().count(IdOf(s)), 0u);
}

TEST_F(TrackerTest, PartialUnmapsTakeBackExactlyTheUnmappedBytes) {
  const std::vector<RawFrame> s = Stack({0xF1});
  constexpr uint64_t kPage = 4096;
  constexpr uint64_t kBase = 0x7e0000000000;
  const int64_t before = tracker().peak().current_bytes();
  SetFakeThreadStack(&s);
  OnMapping(Address(kBase), 16 * kPage);
  EXPECT_EQ(tracker().peak().current_bytes() - before, int64_t{16 * kPage});
  OnUnmapping(Address(kBase + 4 * kPage), 4 * kPage);  // a hole
  EXPECT_EQ(tracker().peak().current_bytes() - before, int64_t{12 * kPage});
  OnUnmapping(Address(kBase + 14 * kPage), 8 * kPage);  // past the end
  EXPECT_EQ(tracker().peak().current_bytes() - before, int64_t{10 * kPage});
  const PeakTracker::Entry e = Current()[IdOf(s)];
  EXPECT_EQ(e.bytes, int64_t{10 * kPage});
  OnUnmapping(Address(kBase), 16 * kPage);
  EXPECT_EQ(tracker().peak().current_bytes(), before);
}

TEST_F(TrackerTest, ThreadsKeepExactPerStackCounts) {
  constexpr int kThreads = 4;
  constexpr int kBlocks = 5000;
  std::vector<std::vector<RawFrame>> stacks;
  stacks.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    stacks.push_back(Stack({0x500u + t, 0x400}));
  }
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &stacks] {
      const uint64_t base = 0x10000000ull * (t + 1);
      for (int i = 0; i < kBlocks; ++i) {
        Malloc(stacks[t], base + uint64_t{16} * i, size_t{8} * (t + 1));
      }
      // Keep every fourth block.
      for (int i = 0; i < kBlocks; ++i) {
        if (i % 4 != 0) FreeBlock(base + uint64_t{16} * i);
      }
    });
  }
  for (std::thread& th : threads) th.join();

  std::map<uint32_t, PeakTracker::Entry> now = Current();
  for (int t = 0; t < kThreads; ++t) {
    const PeakTracker::Entry e = now[IdOf(stacks[t])];
    EXPECT_EQ(e.allocations, kBlocks / 4) << t;
    EXPECT_EQ(e.bytes, int64_t{kBlocks / 4} * 8 * (t + 1)) << t;
  }
  for (int t = 0; t < kThreads; ++t) {
    const uint64_t base = 0x10000000ull * (t + 1);
    for (int i = 0; i < kBlocks; i += 4) FreeBlock(base + uint64_t{16} * i);
  }
  now = Current();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(now.count(IdOf(stacks[t])), 0u);
}

// Runs `body` in a forked child and returns its exit code (the line of
// the first check that failed, 0 if none), or -1 if it did not exit.
template <typename Body>
int InForkedChild(Body body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    return -1;
  }
  return WEXITSTATUS(status);
}

// In the child: says which check failed, and ends the body with its line.
#define CHILD_CHECK(condition)                                                \
  do {                                                                        \
    if (!(condition)) {                                                       \
      fprintf(stderr, "%s:%d: failed in the child: %s\n", __FILE__, __LINE__, \
              #condition);                                                    \
      return __LINE__ % 256 == 0 ? 1 : __LINE__ % 256;                        \
    }                                                                         \
  } while (0)

TEST_F(TrackerTest, AForkedChildStartsFreshWithTheParentsStacks) {
  const std::vector<RawFrame> a = Stack({0x811});
  const std::vector<RawFrame> b = Stack({0x812});
  constexpr uint64_t kMapping = 0x7d0000000000;
  const int64_t before = tracker().peak().current_bytes();
  Malloc(a, 0x9000000, 1000);
  Malloc(b, 0x9000010, 300);
  SetFakeThreadStack(&a);
  OnMapping(Address(kMapping), 16384);
  SampledAddressFilter::Add(0x9000010);
  const uint32_t id_a = IdOf(a);
  const uint32_t stacks_before = tracker().stacks().Count();
  ASSERT_NE(id_a, 0u);

  const int child = InForkedChild([&]() -> int {
    Tracker& t = tracker();
    // What was live in the parent at the fork.
    CHILD_CHECK(t.StartFreshAfterFork() == before + 1000 + 300 + 16384);
    CHILD_CHECK(t.peak().current_bytes() == 0);
    CHILD_CHECK(t.peak().peak_bytes() == 0);
    CHILD_CHECK(t.tracked_allocations() == 0);
    CHILD_CHECK(Current().empty());
    CHILD_CHECK(!SampledAddressFilter::MaybeContains(0x9000010));
    // Freeing inherited memory changes nothing.
    FreeBlock(0x9000000);
    OnUnmapping(Address(kMapping), 16384);
    CHILD_CHECK(t.peak().current_bytes() == 0);
    // The parent's stacks keep their ids; new blocks count from zero,
    // and one at an inherited block's address is no missed free.
    CHILD_CHECK(t.stacks().Count() == stacks_before);
    const std::vector<RawFrame> c = Stack({0x813});
    Malloc(a, 0x9000010, 70);
    Malloc(c, 0x9100000, 50);
    CHILD_CHECK(IdOf(a) == id_a);
    CHILD_CHECK(t.missed_frees() == 0);
    CHILD_CHECK(t.tracked_allocations() == 2);
    CHILD_CHECK(t.peak().current_bytes() == 120);
    const PeakTracker::Entry now_a = Current()[id_a];
    CHILD_CHECK(now_a.bytes == 70 && now_a.allocations == 1);
    FreeBlock(0x9100000);
    // The peak is the child's own.
    CHILD_CHECK(t.peak().peak_bytes() == 120);
    std::map<uint32_t, PeakTracker::Entry> at_peak;
    t.peak().VisitPeak(
        [&](uint32_t id, PeakTracker::Entry e) { at_peak[id] = e; });
    CHILD_CHECK(at_peak.size() == 2);
    CHILD_CHECK(at_peak[id_a].bytes == 70);
    CHILD_CHECK(at_peak[IdOf(c)].bytes == 50);
    return 0;
  });
  EXPECT_EQ(child, 0) << "see the child's line above";

  // The parent's books are its own: the child changed nothing here.
  EXPECT_EQ(tracker().peak().current_bytes(), before + 1000 + 300 + 16384);
  SampledAddressFilter::Remove(0x9000010);
  FreeBlock(0x9000000);
  FreeBlock(0x9000010);
  OnUnmapping(Address(kMapping), 16384);
  EXPECT_EQ(tracker().peak().current_bytes(), before);
}

class SampleModeTest : public TrackerTest {
 protected:
  void SetUp() override { g_tracking_state.store(kTrackingSample); }
  void TearDown() override {
    TrackerTest::TearDown();
    Sampler::Configure(int64_t{1} << 20, 0);
  }
};

TEST_F(SampleModeTest, BlocksOfAtLeastTheIntervalAreAlwaysRecorded) {
  // Whatever the countdown says when they come: a 1 MiB pymalloc arena at
  // the default 1 MiB interval must never be skipped or scaled.
  constexpr int64_t kInterval = int64_t{64} * 1024;
  Sampler::Configure(kInterval, 99);
  const std::vector<RawFrame> big = Stack({0x611});
  const std::vector<RawFrame> small = Stack({0x612});
  const int64_t allocations_before = tracker().tracked_allocations();
  const int64_t bytes_before = Current()[IdOf(big)].bytes;
  int64_t expected = 0;
  uint64_t small_address = 0x40000000;
  for (int i = 0; i < 300; ++i) {
    // Many small blocks in between, so the countdown takes many values,
    // most of them larger than the big block.
    for (int j = 0; j < 100; ++j) Malloc(small, small_address += 16, 100);
    const size_t size = kInterval + static_cast<size_t>(i) * 1000;
    Malloc(big, 0x50000000 + 0x100000 * static_cast<uint64_t>(i), size);
    expected += static_cast<int64_t>(size);
  }
  const PeakTracker::Entry e = Current()[IdOf(big)];
  EXPECT_EQ(e.bytes - bytes_before, expected);
  EXPECT_GE(tracker().tracked_allocations() - allocations_before, 300);

  for (int i = 0; i < 300; ++i) {
    FreeBlock(0x50000000 + 0x100000 * static_cast<uint64_t>(i));
  }
  for (uint64_t a = 0x40000000 + 16; a <= small_address; a += 16) {
    FreeBlock(a);
  }
  EXPECT_EQ(Current().count(IdOf(big)), 0u);
  EXPECT_EQ(Current().count(IdOf(small)), 0u);
}

TEST_F(SampleModeTest, SmallAllocationsAreEstimatedWithoutBias) {
  // N blocks of s bytes at interval R: each is sampled with probability
  // p = 1 - exp(-s/R) and then weighs s/p, so the estimate has mean N*s and
  // standard deviation s * sqrt(N (1 - p) / p) (see sampler_test.cc).
  constexpr int64_t kInterval = int64_t{16} * 1024;
  constexpr int64_t kSize = 48;
  constexpr int kBlocks = 1000000;
  Sampler::Configure(kInterval, 4242);
  const std::vector<RawFrame> s = Stack({0x711});
  const int64_t before = tracker().peak().current_bytes();
  for (uint64_t i = 0; i < kBlocks; ++i) Malloc(s, 0x80000000 + 16 * i, kSize);

  const double p = -std::expm1(-static_cast<double>(kSize) / kInterval);
  const double sd = kSize * std::sqrt(kBlocks * (1 - p) / p);
  const double estimate =
      static_cast<double>(tracker().peak().current_bytes() - before);
  EXPECT_NEAR(estimate, double{kSize} * kBlocks, 4 * sd);
  EXPECT_LT(4 * sd, 0.1 * kSize * kBlocks);  // the bound means something

  // Every sampled block, and nothing else, leaves again on its free.
  for (uint64_t i = 0; i < kBlocks; ++i) FreeBlock(0x80000000 + 16 * i);
  EXPECT_EQ(tracker().peak().current_bytes(), before);
}

// Sample mode with the exact live total choosing the peak's moment
// (core/live_total.h, core/peak_moment.h). The blocks' allocator sizes come
// from a table the test keeps, as the interposer's malloc_usable_size would
// give them.
std::map<uintptr_t, size_t>* g_block_sizes = nullptr;
size_t TableBlockSize(void* block) {
  const auto it = g_block_sizes->find(reinterpret_cast<uintptr_t>(block));
  return it == g_block_sizes->end() ? 0 : it->second;
}

class LiveTotalMomentTest : public SampleModeTest {
 protected:
  void SetUp() override {
    SampleModeTest::SetUp();
    g_block_sizes = &sizes_;
    LiveTotal::SetBlockSizeFunction(&TableBlockSize);
    tracker().ChoosePeakMomentByLiveTotal(true);
  }
  void TearDown() override {
    tracker().ChoosePeakMomentByLiveTotal(false);
    LiveTotal::SetBlockSizeFunction(nullptr);
    g_block_sizes = nullptr;
    SampleModeTest::TearDown();
  }
  // The allocator's size is the requested one plus 8, as glibc rounds.
  void Allocate(const std::vector<RawFrame>& stack, uint64_t address,
                size_t size) {
    sizes_[address] = size + 8;
    Malloc(stack, address, size);
  }
  void Free(uint64_t address) {
    FreeBlock(address);  // measured before it is gone, as the hooks do
    sizes_.erase(address);
  }

  std::map<uintptr_t, size_t> sizes_;
};

TEST_F(LiveTotalMomentTest, ThePeakIsTheEstimateWhenTheLiveTotalWasHighest) {
  // A working set of 256 blocks of 4 KiB, then each replaced 50 times
  // (the new block made before the old one is freed): the live total is
  // highest, equally, right after every replacement's allocation, first
  // after the first replacement. Each sampled allocation is a moment
  // offered (the tracked count goes up); the peak must be the estimate at
  // the first of them with the highest live total, whatever the estimate
  // does later.
  constexpr int64_t kInterval = int64_t{64} * 1024;
  constexpr size_t kSize = 4096;
  constexpr uint64_t kBlocks = 256;
  Sampler::Configure(kInterval, 20261203);
  const std::vector<RawFrame> s = Stack({0x811});
  int64_t highest_live = INT64_MIN;
  int64_t expected_peak = -1;
  int64_t highest_estimate = INT64_MIN;
  int moments = 0;
  auto allocate = [&](uint64_t address) {
    const int64_t recorded = tracker().tracked_allocations();
    Allocate(s, address, kSize);
    if (tracker().tracked_allocations() == recorded) return;
    ++moments;
    const int64_t live = LiveTotal::Sum();
    const int64_t estimate = tracker().peak().current_bytes();
    if (live > highest_live) {
      highest_live = live;
      expected_peak = estimate;
    }
    highest_estimate = std::max(highest_estimate, estimate);
  };
  uint64_t next = 0x90000000;
  std::vector<uint64_t> held;
  for (uint64_t i = 0; i < kBlocks; ++i) {
    held.push_back(next += 0x10000);
    allocate(held.back());
  }
  for (int round = 0; round < 50; ++round) {
    for (uint64_t i = 0; i < kBlocks; ++i) {
      const uint64_t old = held[i];
      held[i] = next += 0x10000;
      allocate(held[i]);
      Free(old);
    }
  }
  ASSERT_GT(moments, 500);
  EXPECT_EQ(tracker().peak().peak_bytes(), expected_peak);
  // The old decision, the highest estimate, would have reported more: the
  // test tells the two apart.
  EXPECT_GT(highest_estimate, expected_peak + 4 * static_cast<int64_t>(kSize));
  for (uint64_t address : held) Free(address);
}

TEST_F(LiveTotalMomentTest, MappingsCountExactlyWhatIsMappedAndUnmapped) {
  constexpr uint64_t kPage = 4096;
  constexpr uint64_t kMapping = 0xA0000000;
  Sampler::Configure(int64_t{1} << 20, 5);
  const std::vector<RawFrame> s = Stack({0x821});
  SetFakeThreadStack(&s);
  const int64_t before = LiveTotal::Sum();
  OnMapping(Address(kMapping), 3 * kPage);
  EXPECT_EQ(LiveTotal::Sum() - before, 3 * kPage);
  OnUnmapping(Address(kMapping + kPage), kPage);  // the middle page
  EXPECT_EQ(LiveTotal::Sum() - before, 2 * kPage);
  // A range never mapped anonymously (a file's pages): nothing to take.
  OnUnmapping(Address(0xB0000000), 5 * kPage);
  EXPECT_EQ(LiveTotal::Sum() - before, 2 * kPage);
  // A mapping laid over the first page replaces it.
  OnMapping(Address(kMapping), kPage);
  EXPECT_EQ(LiveTotal::Sum() - before, 2 * kPage);
  OnUnmapping(Address(kMapping), 3 * kPage);
  EXPECT_EQ(LiveTotal::Sum() - before, 0);
}

}  // namespace
}  // namespace tidemark
