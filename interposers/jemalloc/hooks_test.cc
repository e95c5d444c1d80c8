// The jemalloc hooks installed into a real jemalloc: this test binary links
// Debian's libjemalloc, so its malloc & co are jemalloc's. The core tracks
// as core/session.cc sets it up.
#include "interposers/jemalloc/hooks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <thread>
#include <vector>

#include "core/allocation_hooks.h"
#include "core/frame.h"
#include "core/live_total.h"
#include "core/sampler.h"
#include "core/testing/fake_unwinder.h"
#include "core/thread_state.h"
#include "core/tracker.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace jemalloc {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

class JemallocHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(FindJemalloc(&jemalloc_, &error)) << error;
    ASSERT_TRUE(InstallHooks(jemalloc_, &handle_, &error)) << error;
  }
  void TearDown() override {
    g_tracking_state.store(kTrackingOff);
    if (handle_ != nullptr) RemoveHooks(jemalloc_, handle_);
  }
  void StartTracking(int state) {
    static const std::vector<RawFrame> stack = {RawFrame::Python(0x10000, 0)};
    static FakeUnwinder unwinder;
    unwinder.set_default_stack(&stack);
    Tracker::Get().set_unwinder(&unwinder);
    Sampler::Configure(int64_t{1} << 20, 1);
    g_tracking_state.store(state);
  }
  static int64_t LiveBytes() { return Tracker::Get().peak().current_bytes(); }
  static int64_t LiveTotalNow() {
    ReentrancyGuard guard;
    return LiveTotal::Sum();
  }
  Jemalloc jemalloc_;
  void* handle_ = nullptr;
};

TEST(JemallocRequestedBytes, EachKindNamesItsSizeArgument) {
  const uintptr_t two[3] = {3, 1000, 0};
  const uintptr_t three[3] = {0, 64, 4096};
  EXPECT_EQ(RequestedBytes(kAllocMalloc, two), 3u);
  EXPECT_EQ(RequestedBytes(kAllocCalloc, two), 3000u);
  EXPECT_EQ(RequestedBytes(kAllocRealloc, two), 1000u);
  EXPECT_EQ(RequestedBytes(kAllocAlignedAlloc, two), 1000u);
  EXPECT_EQ(RequestedBytes(kAllocMemalign, two), 1000u);
  EXPECT_EQ(RequestedBytes(kAllocPosixMemalign, three), 4096u);
  EXPECT_EQ(RequestedBytes(kAllocValloc, two), 3u);
}

TEST_F(JemallocHooksTest, FindsThisBinarysJemallocAndItsVersion) {
  EXPECT_NE(jemalloc_.usable_size, nullptr);
  EXPECT_EQ(jemalloc_.version.compare(0, 2, "5."), 0) << jemalloc_.version;
}

TEST_F(JemallocHooksTest, ExactModeSeesMallocCallocReallocAndFree) {
  StartTracking(kTrackingExact);
  const int64_t before = LiveBytes();
  void* a = malloc(3 * kMiB);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(3 * kMiB));
  void* b = calloc(4, kMiB / 4);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(4 * kMiB));
  void* c = nullptr;
  ASSERT_EQ(posix_memalign(&c, 4096, kMiB), 0);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(5 * kMiB));
  // Growth by 1 MiB steps: moved or in place, the books hold the last size.
  void* grown = malloc(kMiB);
  ASSERT_NE(grown, nullptr);
  for (size_t size = 2 * kMiB; size <= 8 * kMiB; size += kMiB) {
    grown = realloc(grown, size);
    ASSERT_NE(grown, nullptr);
  }
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(13 * kMiB));
  // Shrinking in place too.
  grown = realloc(grown, 7 * kMiB + 1);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(12 * kMiB + 1));
  free(a);
  free(b);
  free(c);
  free(grown);
  EXPECT_EQ(LiveBytes(), before);
}

TEST_F(JemallocHooksTest, AnotherThreadsBlocksAreSeen) {
  StartTracking(kTrackingExact);
  const int64_t before = LiveBytes();
  void* block = nullptr;
  std::thread([&block] { block = malloc(6 * kMiB); }).join();
  ASSERT_NE(block, nullptr);
  // Starting a thread allocates a little of its own (std::thread's state,
  // the new thread's TLS bookkeeping): within 4 KiB.
  EXPECT_NEAR(LiveBytes() - before, static_cast<int64_t>(6 * kMiB), 4096);
  free(block);
  EXPECT_NEAR(LiveBytes(), before, 4096);
}

TEST_F(JemallocHooksTest, SampleModeCountsJemallocsUsableSizes) {
  StartTracking(kTrackingSample);
  const int64_t before = LiveTotalNow();
  void* small = malloc(100);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(LiveTotalNow() - before,
            static_cast<int64_t>(jemalloc_.usable_size(small)));
  // In-place growth and shrinking (the expand hook) keep the total true.
  void* grown = malloc(8 * kMiB);
  ASSERT_NE(grown, nullptr);
  for (size_t size = 7 * kMiB; size >= kMiB; size -= kMiB) {
    grown = realloc(grown, size);
    ASSERT_NE(grown, nullptr);
    EXPECT_EQ(LiveTotalNow() - before,
              static_cast<int64_t>(jemalloc_.usable_size(small) +
                                   jemalloc_.usable_size(grown)))
        << size;
  }
  free(grown);
  free(small);
  EXPECT_EQ(LiveTotalNow(), before);
}

TEST_F(JemallocHooksTest, RemovedHooksSeeNothing) {
  StartTracking(kTrackingExact);
  RemoveHooks(jemalloc_, handle_);
  handle_ = nullptr;
  const int64_t before = LiveBytes();
  void* p = malloc(2 * kMiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(LiveBytes(), before);
  free(p);
}

}  // namespace
}  // namespace jemalloc
}  // namespace tidemark
