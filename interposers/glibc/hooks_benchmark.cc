// What the glibc backend's hooks add to a small malloc + free pair. The
// hooks are called directly, as libc_malloc_debug.so.0's malloc and free
// call them through __malloc_hook and __free_hook (that indirect call and
// the debug library's load of the hook variable are not measured: a few
// instructions), with the tracker set up as core/session.cc does, in each
// tracking state:
//   - glibc alone (__libc_malloc/__libc_free, what the hooks call): the
//     baseline;
//   - tracking off: the hooks in place, the core not tracking;
//   - sample mode, unsampled (the default 1 MiB interval), every block
//     sampled (interval 1 byte), and exact mode.
// The unwinder returns a fixed 8-frame stack without reading anything.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/allocation_hooks.h"
#include "core/frame.h"
#include "core/live_total.h"
#include "core/sampler.h"
#include "core/testing/fake_unwinder.h"
#include "core/tracker.h"
#include "interposers/glibc/hooks.h"

extern "C" {
void* __libc_malloc(size_t size);
void __libc_free(void* ptr);
}

namespace tidemark {
namespace {

constexpr size_t kSize = 64;
constexpr int64_t kDefaultInterval = int64_t{1} << 20;

std::vector<RawFrame> EightFrames() {
  std::vector<RawFrame> frames;
  frames.reserve(8);
  for (int i = 0; i < 8; ++i) {
    frames.push_back(RawFrame::Python(0x10000 + 64 * i, uint64_t{2} * i));
  }
  return frames;
}

void StartTracking(int state, int64_t interval) {
  static const std::vector<RawFrame> stack = EightFrames();
  static FakeUnwinder unwinder;
  unwinder.set_default_stack(&stack);
  Tracker::Get().set_unwinder(&unwinder);
  Sampler::Configure(interval, 1);
  // What InstallHooks sets: glibc's chunk header word.
  LiveTotal::SetBlockSizeFromHeaderWord(~uintptr_t{7});
  Tracker::Get().ChoosePeakMomentByLiveTotal(state == kTrackingSample &&
                                             LiveTotal::Known());
  g_tracking_state.store(state);
}

void StopTracking() {
  g_tracking_state.store(kTrackingOff);
  Tracker::Get().ChoosePeakMomentByLiveTotal(false);
  Sampler::Configure(kDefaultInterval, 0);
}

void BM_GlibcLibcMallocFree(benchmark::State& state) {
  for (auto _ : state) {
    void* p = __libc_malloc(kSize);
    benchmark::DoNotOptimize(p);
    __libc_free(p);
  }
}
BENCHMARK(BM_GlibcLibcMallocFree);

void RunHooks(benchmark::State& state, int tracking, int64_t interval) {
  StartTracking(tracking, interval);
  const int64_t recorded_before = Tracker::Get().tracked_allocations();
  for (auto _ : state) {
    void* p = glibc::MallocHook(kSize, nullptr);
    benchmark::DoNotOptimize(p);
    glibc::FreeHook(p, nullptr);
  }
  state.counters["recorded_per_pair"] = benchmark::Counter(
      static_cast<double>(Tracker::Get().tracked_allocations() -
                          recorded_before),
      benchmark::Counter::kAvgIterations);
  StopTracking();
}

void BM_GlibcHooksTrackingOff(benchmark::State& state) {
  RunHooks(state, kTrackingOff, kDefaultInterval);
}
BENCHMARK(BM_GlibcHooksTrackingOff);

void BM_GlibcHooksSampleUnsampled(benchmark::State& state) {
  RunHooks(state, kTrackingSample, kDefaultInterval);
}
BENCHMARK(BM_GlibcHooksSampleUnsampled);

void BM_GlibcHooksSampleEverySampled(benchmark::State& state) {
  RunHooks(state, kTrackingSample, 1);
}
BENCHMARK(BM_GlibcHooksSampleEverySampled);

void BM_GlibcHooksExact(benchmark::State& state) {
  RunHooks(state, kTrackingExact, kDefaultInterval);
}
BENCHMARK(BM_GlibcHooksExact);

}  // namespace
}  // namespace tidemark
