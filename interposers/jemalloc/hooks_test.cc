// The jemalloc hooks installed into a real jemalloc: this test binary links
// Debian's libjemalloc. The test calls jemalloc's own functions (looked up
// in the object that defines mallctl), so the hooks are exercised whoever
// the program's malloc is: jemalloc's in a plain build, the sanitizer's
// under --config=asan/tsan (where the probe must then say so). The core
// tracks as core/session.cc sets it up.
#include "interposers/jemalloc/hooks.h"

#include <dlfcn.h>
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

// jemalloc's entry points, from the object that defines mallctl.
struct JemallocFunctions {
  void* (*malloc)(size_t) = nullptr;
  void* (*calloc)(size_t, size_t) = nullptr;
  void* (*realloc)(void*, size_t) = nullptr;
  int (*posix_memalign)(void**, size_t, size_t) = nullptr;
  void (*free)(void*) = nullptr;
};

template <typename Fn>
void Lookup(void* object, const char* name, Fn* out) {
  *out = reinterpret_cast<Fn>(dlsym(object, name));
  ASSERT_NE(*out, nullptr) << name;
}

void FindFunctions(const Jemalloc& jemalloc, JemallocFunctions* out) {
  Dl_info info;
  ASSERT_NE(dladdr(reinterpret_cast<void*>(jemalloc.mallctl), &info), 0);
  void* object = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  ASSERT_NE(object, nullptr) << info.dli_fname;
  Lookup(object, "malloc", &out->malloc);
  Lookup(object, "calloc", &out->calloc);
  Lookup(object, "realloc", &out->realloc);
  Lookup(object, "posix_memalign", &out->posix_memalign);
  Lookup(object, "free", &out->free);
  dlclose(object);
}

class JemallocHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(FindJemalloc(&jemalloc_, &error)) << error;
    FindFunctions(jemalloc_, &je_);
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
  JemallocFunctions je_;
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

TEST_F(JemallocHooksTest, TheProbeTellsWhetherTheProgramsMallocIsJemallocs) {
  std::string error;
  const bool probed = ProbeProgramsMalloc(jemalloc_, &error);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The sanitizer's malloc comes first in the lookup order.
  EXPECT_FALSE(probed);
  EXPECT_NE(error.find("is not the program's malloc"), std::string::npos)
      << error;
#else
  EXPECT_TRUE(probed) << error;
#endif
}

TEST_F(JemallocHooksTest, ExactModeSeesMallocCallocReallocAndFree) {
  StartTracking(kTrackingExact);
  const int64_t before = LiveBytes();
  void* a = je_.malloc(3 * kMiB);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(3 * kMiB));
  void* b = je_.calloc(4, kMiB / 4);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(4 * kMiB));
  void* c = nullptr;
  ASSERT_EQ(je_.posix_memalign(&c, 4096, kMiB), 0);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(5 * kMiB));
  // Growth by 1 MiB steps: moved or in place, the books hold the last size.
  void* grown = je_.malloc(kMiB);
  ASSERT_NE(grown, nullptr);
  for (size_t size = 2 * kMiB; size <= 8 * kMiB; size += kMiB) {
    grown = je_.realloc(grown, size);
    ASSERT_NE(grown, nullptr);
  }
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(13 * kMiB));
  // Shrinking in place too.
  grown = je_.realloc(grown, 7 * kMiB + 1);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(12 * kMiB + 1));
  je_.free(a);
  je_.free(b);
  je_.free(c);
  je_.free(grown);
  EXPECT_EQ(LiveBytes(), before);
}

TEST_F(JemallocHooksTest, AnotherThreadsBlocksAreSeen) {
  StartTracking(kTrackingExact);
  const int64_t before = LiveBytes();
  void* block = nullptr;
  std::thread([this, &block] { block = je_.malloc(6 * kMiB); }).join();
  ASSERT_NE(block, nullptr);
  // Starting a thread allocates a little of its own (std::thread's state,
  // the new thread's TLS bookkeeping): within 4 KiB.
  EXPECT_NEAR(LiveBytes() - before, static_cast<int64_t>(6 * kMiB), 4096);
  je_.free(block);
  EXPECT_NEAR(LiveBytes(), before, 4096);
}

TEST_F(JemallocHooksTest, SampleModeCountsJemallocsUsableSizes) {
  StartTracking(kTrackingSample);
  const int64_t before = LiveTotalNow();
  void* small = je_.malloc(100);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(LiveTotalNow() - before,
            static_cast<int64_t>(jemalloc_.usable_size(small)));
  // In-place growth and shrinking (the expand hook) keep the total true.
  void* grown = je_.malloc(8 * kMiB);
  ASSERT_NE(grown, nullptr);
  for (size_t size = 7 * kMiB; size >= kMiB; size -= kMiB) {
    grown = je_.realloc(grown, size);
    ASSERT_NE(grown, nullptr);
    EXPECT_EQ(LiveTotalNow() - before,
              static_cast<int64_t>(jemalloc_.usable_size(small) +
                                   jemalloc_.usable_size(grown)))
        << size;
  }
  je_.free(grown);
  je_.free(small);
  EXPECT_EQ(LiveTotalNow(), before);
}

TEST_F(JemallocHooksTest, RemovedHooksSeeNothing) {
  StartTracking(kTrackingExact);
  RemoveHooks(jemalloc_, handle_);
  handle_ = nullptr;
  const int64_t before = LiveBytes();
  void* p = je_.malloc(2 * kMiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(LiveBytes(), before);
  je_.free(p);
}

}  // namespace
}  // namespace jemalloc
}  // namespace tidemark
