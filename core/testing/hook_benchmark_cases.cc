#include "core/testing/hook_benchmark_cases.h"

#include <vector>

#include "core/allocation_hooks.h"
#include "core/frame.h"
#include "core/live_total.h"
#include "core/sampler.h"
#include "core/testing/fake_unwinder.h"
#include "core/tracker.h"

namespace tidemark {
namespace testing {
namespace {

std::vector<RawFrame> EightFrames() {
  std::vector<RawFrame> frames;
  frames.reserve(8);
  for (int i = 0; i < 8; ++i) {
    frames.push_back(RawFrame::Python(0x10000 + 64 * i, uint64_t{2} * i));
  }
  return frames;
}

}  // namespace

void RunHookPairs(benchmark::State& state, const HookBackend& backend,
                  int tracking, int64_t interval) {
  static const std::vector<RawFrame> stack = EightFrames();
  static FakeUnwinder unwinder;
  unwinder.set_default_stack(&stack);
  Tracker::Get().set_unwinder(&unwinder);
  Sampler::Configure(interval, 1);
  if (backend.install(state)) {
    // As the session does: in sample mode the live total chooses the
    // peak's moment, summed at every sampled event.
    Tracker::Get().ChoosePeakMomentByLiveTotal(tracking == kTrackingSample &&
                                               LiveTotal::Known());
    g_tracking_state.store(tracking);
    const int64_t recorded_before = Tracker::Get().tracked_allocations();
    for (auto _ : state) backend.pair();
    g_tracking_state.store(kTrackingOff);
    state.counters["recorded_per_pair"] = benchmark::Counter(
        static_cast<double>(Tracker::Get().tracked_allocations() -
                            recorded_before),
        benchmark::Counter::kAvgIterations);
    backend.uninstall();
    Tracker::Get().ChoosePeakMomentByLiveTotal(false);
  }
  Sampler::Configure(kDefaultSampleInterval, 0);
}

}  // namespace testing
}  // namespace tidemark
