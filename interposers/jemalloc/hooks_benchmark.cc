// What the jemalloc backend adds to a small malloc + free pair. This binary
// is linked with Debian's libjemalloc, so malloc and free are jemalloc's;
// the hooks are installed through mallctl as the backend does at start
// (FindJemalloc, ProbeProgramsMalloc, InstallHooks) and removed after each
// case, with the tracker set up as core/session.cc does, in each tracking
// state:
//   - jemalloc alone (no hooks): the baseline;
//   - tracking off: the hooks installed (jemalloc then leaves its fast
//     paths for the ones that call hooks), the core not tracking;
//   - sample mode, unsampled (the default 1 MiB interval), every block
//     sampled (interval 1 byte), and exact mode.
// The unwinder returns a fixed 8-frame stack without reading anything.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/allocation_hooks.h"
#include "core/frame.h"
#include "core/live_total.h"
#include "core/sampler.h"
#include "core/testing/fake_unwinder.h"
#include "core/tracker.h"
#include "interposers/jemalloc/hooks.h"

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

// Installs the hooks; aborts the benchmark when jemalloc is not this
// binary's malloc (a silent baseline-only run would mean nothing).
void* Install(benchmark::State& state, jemalloc::Jemalloc* found) {
  std::string error;
  void* handle = nullptr;
  if (!jemalloc::FindJemalloc(found, &error) ||
      !jemalloc::ProbeProgramsMalloc(*found, &error) ||
      !jemalloc::InstallHooks(*found, &handle, &error)) {
    state.SkipWithError(error.c_str());
    return nullptr;
  }
  return handle;
}

void BM_JemallocMallocFree(benchmark::State& state) {
  for (auto _ : state) {
    void* p = malloc(kSize);
    benchmark::DoNotOptimize(p);
    free(p);
  }
}
BENCHMARK(BM_JemallocMallocFree);

void RunHooks(benchmark::State& state, int tracking, int64_t interval) {
  static const std::vector<RawFrame> stack = EightFrames();
  static FakeUnwinder unwinder;
  unwinder.set_default_stack(&stack);
  Tracker::Get().set_unwinder(&unwinder);
  Sampler::Configure(interval, 1);
  jemalloc::Jemalloc found;
  void* handle = Install(state, &found);
  if (handle == nullptr) return;
  Tracker::Get().ChoosePeakMomentByLiveTotal(tracking == kTrackingSample &&
                                             LiveTotal::Known());
  g_tracking_state.store(tracking);
  const int64_t recorded_before = Tracker::Get().tracked_allocations();
  for (auto _ : state) {
    void* p = malloc(kSize);
    benchmark::DoNotOptimize(p);
    free(p);
  }
  g_tracking_state.store(kTrackingOff);
  state.counters["recorded_per_pair"] = benchmark::Counter(
      static_cast<double>(Tracker::Get().tracked_allocations() -
                          recorded_before),
      benchmark::Counter::kAvgIterations);
  jemalloc::RemoveHooks(found, handle);
  Tracker::Get().ChoosePeakMomentByLiveTotal(false);
  Sampler::Configure(kDefaultInterval, 0);
}

void BM_JemallocHooksTrackingOff(benchmark::State& state) {
  RunHooks(state, kTrackingOff, kDefaultInterval);
}
BENCHMARK(BM_JemallocHooksTrackingOff);

void BM_JemallocHooksSampleUnsampled(benchmark::State& state) {
  RunHooks(state, kTrackingSample, kDefaultInterval);
}
BENCHMARK(BM_JemallocHooksSampleUnsampled);

void BM_JemallocHooksSampleEverySampled(benchmark::State& state) {
  RunHooks(state, kTrackingSample, 1);
}
BENCHMARK(BM_JemallocHooksSampleEverySampled);

void BM_JemallocHooksExact(benchmark::State& state) {
  RunHooks(state, kTrackingExact, kDefaultInterval);
}
BENCHMARK(BM_JemallocHooksExact);

}  // namespace
}  // namespace tidemark
