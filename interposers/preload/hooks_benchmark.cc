// What the preload hooks add to a small malloc + free pair, the operation a
// Python program does most. The hooks are called directly (as
// exported_symbols.cc does for the program's malloc), with the tracker set
// up the way core/session.cc does it, in each tracking state:
//   - glibc alone (malloc/free: this binary exports no hooks, so these are
//     glibc's, the same functions the hooks forward to): the baseline;
//   - tracking off: the interposer installed, the core not tracking;
//   - sample mode, unsampled: the default 1 MiB interval, so almost every
//     pair takes the inlined fast path (one sample in ~16000 pairs of 64 B),
//     which adds the block's size (glibc's chunk header word) to the
//     thread's live total and takes it away again (core/live_total.h);
//   - sample mode, every block sampled: the interval is 1 byte;
//   - exact mode: every block recorded.
// The unwinder returns a fixed 8-frame stack without reading anything, so
// the numbers are the core's own cost; a real unwinder's walk comes on top
// in exact and sampled events (see frame_walker_benchmark).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/allocation_hooks.h"
#include "core/frame.h"
#include "core/live_total.h"
#include "core/sampler.h"
#include "core/testing/fake_unwinder.h"
#include "core/tracker.h"
#include "interposers/preload/hooks.h"

namespace tidemark {
namespace {

constexpr size_t kSize = 64;
constexpr int64_t kDefaultInterval = int64_t{1} << 20;

// Eight frames, as a shallow Python stack has.
std::vector<RawFrame> EightFrames() {
  std::vector<RawFrame> frames;
  frames.reserve(8);
  for (int i = 0; i < 8; ++i) {
    frames.push_back(RawFrame::Python(0x10000 + 64 * i, uint64_t{2} * i));
  }
  return frames;
}

// Puts the process in `state` with `interval` as core/session.cc would
// (unwinder, sampler, interposer, then the tracking state).
void StartTracking(int state, int64_t interval) {
  static const std::vector<RawFrame> stack = EightFrames();
  static FakeUnwinder unwinder;
  unwinder.set_default_stack(&stack);
  Tracker::Get().set_unwinder(&unwinder);
  Sampler::Configure(interval, 1);
  preload::SetDelivering(true);
  // As the session does: in sample mode the live total chooses the peak's
  // moment, summed at every sampled event.
  Tracker::Get().ChoosePeakMomentByLiveTotal(state == kTrackingSample &&
                                             LiveTotal::Known());
  g_tracking_state.store(state);
}

void StopTracking() {
  g_tracking_state.store(kTrackingOff);
  Tracker::Get().ChoosePeakMomentByLiveTotal(false);
  preload::SetDelivering(false);
  Sampler::Configure(kDefaultInterval, 0);
}

void BM_GlibcMallocFree(benchmark::State& state) {
  for (auto _ : state) {
    void* p = malloc(kSize);
    benchmark::DoNotOptimize(p);
    free(p);
  }
}
BENCHMARK(BM_GlibcMallocFree);

void RunHooks(benchmark::State& state, int tracking, int64_t interval) {
  StartTracking(tracking, interval);
  const int64_t recorded_before = Tracker::Get().tracked_allocations();
  for (auto _ : state) {
    void* p = preload::Malloc(kSize);
    benchmark::DoNotOptimize(p);
    preload::Free(p);
  }
  state.counters["recorded_per_pair"] = benchmark::Counter(
      static_cast<double>(Tracker::Get().tracked_allocations() -
                          recorded_before),
      benchmark::Counter::kAvgIterations);
  StopTracking();
}

void BM_HooksTrackingOff(benchmark::State& state) {
  RunHooks(state, kTrackingOff, kDefaultInterval);
}
BENCHMARK(BM_HooksTrackingOff);

void BM_HooksSampleUnsampled(benchmark::State& state) {
  RunHooks(state, kTrackingSample, kDefaultInterval);
}
BENCHMARK(BM_HooksSampleUnsampled);

void BM_HooksSampleEverySampled(benchmark::State& state) {
  RunHooks(state, kTrackingSample, 1);
}
BENCHMARK(BM_HooksSampleEverySampled);

void BM_HooksExact(benchmark::State& state) {
  RunHooks(state, kTrackingExact, kDefaultInterval);
}
BENCHMARK(BM_HooksExact);

}  // namespace
}  // namespace tidemark
