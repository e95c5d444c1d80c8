// The glibc hooks called directly, as libc_malloc_debug.so.0 calls them
// through __malloc_hook & co (this test binary does not preload it), with
// the core tracking as core/session.cc sets it up.
#include "interposers/glibc/hooks.h"

#include <stdint.h>
#include <string.h>

#include <string>
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
namespace glibc {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

class GlibcHooksTest : public ::testing::Test {
 protected:
  void TearDown() override {
    g_tracking_state.store(kTrackingOff);
    Tracker::Get().ChoosePeakMomentByLiveTotal(false);
  }
  void StartTracking(int state, int64_t interval) {
    static const std::vector<RawFrame> stack = {RawFrame::Python(0x10000, 0)};
    static FakeUnwinder unwinder;
    unwinder.set_default_stack(&stack);
    Tracker::Get().set_unwinder(&unwinder);
    Sampler::Configure(interval, 1);
    LiveTotal::SetBlockSizeFromHeaderWord(~uintptr_t{7});
    g_tracking_state.store(state);
  }
  static int64_t LiveBytes() { return Tracker::Get().peak().current_bytes(); }
  static int64_t LiveTotalNow() {
    ReentrancyGuard guard;
    return LiveTotal::Sum();
  }
};

TEST_F(GlibcHooksTest, WithoutTheDebugLibraryTheBackendSaysWhy) {
  HookVariables variables;
  std::string error;
  EXPECT_FALSE(FindHookVariables(&variables, &error));
  EXPECT_NE(error.find("libc_malloc_debug.so.0 is not loaded"),
            std::string::npos)
      << error;
}

TEST_F(GlibcHooksTest, ExactModeSeesEveryEntryPoint) {
  StartTracking(kTrackingExact, int64_t{1} << 20);
  const int64_t before = LiveBytes();
  void* a = MallocHook(3 * kMiB, nullptr);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(3 * kMiB));
  // A realloc growth replaces the old block's bytes with the new size.
  memset(a, 7, 3 * kMiB);
  void* c = ReallocHook(a, 5 * kMiB, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(static_cast<unsigned char*>(c)[3 * kMiB - 1], 7);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(5 * kMiB));
  // realloc(NULL, n) allocates; realloc(p, 0) frees.
  void* d = ReallocHook(nullptr, kMiB, nullptr);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(6 * kMiB));
  EXPECT_EQ(ReallocHook(d, 0, nullptr), nullptr);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(5 * kMiB));
  FreeHook(c, nullptr);
  FreeHook(nullptr, nullptr);
  EXPECT_EQ(LiveBytes(), before);
}

// Not under --config=asan/tsan: the sanitizers intercept __libc_memalign
// (not __libc_malloc, __libc_realloc or __libc_free), so the block would be
// the sanitizer's and glibc's free would crash on it. In a profiled
// process a sanitizer's malloc comes first and the backend refuses anyway.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST_F(GlibcHooksTest, MemalignHookSeesAlignedBlocks) {
  StartTracking(kTrackingExact, int64_t{1} << 20);
  const int64_t before = LiveBytes();
  void* b = MemalignHook(4096, kMiB, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 4096, 0u);
  EXPECT_EQ(LiveBytes() - before, static_cast<int64_t>(kMiB));
  FreeHook(b, nullptr);
  EXPECT_EQ(LiveBytes(), before);
}
#endif

TEST_F(GlibcHooksTest, SampleModeCountsGlibcsChunkSizes) {
  StartTracking(kTrackingSample, int64_t{1} << 20);
  const int64_t before = LiveTotalNow();
  void* small = MallocHook(100, nullptr);
  ASSERT_NE(small, nullptr);
  // glibc's chunk for 100 bytes on x86-64: 112 (the 8-byte size word, then
  // rounded up to 16). Not malloc_usable_size: under a sanitizer that is
  // the sanitizer's, which knows nothing of glibc's blocks.
  EXPECT_EQ(LiveTotalNow() - before, 112);
  void* big = MallocHook(2 * kMiB, nullptr);
  ASSERT_NE(big, nullptr);
  const int64_t with_big = LiveTotalNow();
  EXPECT_GE(with_big - before, static_cast<int64_t>(2 * kMiB + 100));
  FreeHook(big, nullptr);
  FreeHook(small, nullptr);
  EXPECT_EQ(LiveTotalNow(), before);
}

TEST_F(GlibcHooksTest, TrackingOffOnlyForwards) {
  const int64_t before = LiveBytes();
  void* p = MallocHook(kMiB, nullptr);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(LiveBytes(), before);
  FreeHook(p, nullptr);
}

}  // namespace
}  // namespace glibc
}  // namespace tidemark
