#ifndef TIDEMARK_CORE_TESTING_HOOK_BENCHMARK_CASES_H_
#define TIDEMARK_CORE_TESTING_HOOK_BENCHMARK_CASES_H_

// What every interposer's hooks_benchmark.cc measures, in one place: a
// small malloc + free pair through the backend's hooks in each tracking
// state (tracking off; sample mode unsampled, at the default 1 MiB
// interval; sample mode with every block sampled, interval 1 byte; exact
// mode), with the tracker set up as core/session.cc does and an unwinder
// that returns a fixed eight-frame stack (a shallow Python stack) without
// reading anything. A backend supplies only how its hooks are installed
// and called.

#include <cstddef>
#include <cstdint>

#include "benchmark/benchmark.h"
#include "core/allocation_hooks.h"

namespace tidemark {
namespace testing {

constexpr size_t kBenchmarkBlockSize = 64;
constexpr int64_t kDefaultSampleInterval = int64_t{1} << 20;

// How one backend is measured. Install runs after the unwinder and the
// sampler are set and before the tracking state is (the session's order:
// a backend may tell the live total its block measure); false skips the
// case, with the reason given to `state`. Pair is one malloc + free through
// the hooks; Uninstall undoes Install.
struct HookBackend {
  bool (*install)(benchmark::State& state);
  void (*pair)();
  void (*uninstall)();
};

// One case: tracking in `tracking` (a kTracking* state) with `interval`;
// reports recorded_per_pair, the blocks the tracker recorded per pair.
void RunHookPairs(benchmark::State& state, const HookBackend& backend,
                  int tracking, int64_t interval);

}  // namespace testing
}  // namespace tidemark

// One case: BM_<prefix><name>, `tracking` (a kTracking* state) at
// `interval`.
#define TIDEMARK_HOOK_BENCHMARK_CASE(prefix, name, backend, tracking,      \
                                     interval)                             \
  void BM_##prefix##name(benchmark::State& state) {                        \
    ::tidemark::testing::RunHookPairs(state, backend, tracking, interval); \
  }                                                                        \
  BENCHMARK(BM_##prefix##name)

// Registers BM_<prefix>TrackingOff, SampleUnsampled, SampleEverySampled and
// Exact for `backend` (a HookBackend).
#define TIDEMARK_HOOK_BENCHMARKS(prefix, backend)                            \
  TIDEMARK_HOOK_BENCHMARK_CASE(prefix, TrackingOff, backend,                 \
                               ::tidemark::kTrackingOff,                     \
                               ::tidemark::testing::kDefaultSampleInterval); \
  TIDEMARK_HOOK_BENCHMARK_CASE(prefix, SampleUnsampled, backend,             \
                               ::tidemark::kTrackingSample,                  \
                               ::tidemark::testing::kDefaultSampleInterval); \
  TIDEMARK_HOOK_BENCHMARK_CASE(prefix, SampleEverySampled, backend,          \
                               ::tidemark::kTrackingSample, 1);              \
  TIDEMARK_HOOK_BENCHMARK_CASE(prefix, Exact, backend,                       \
                               ::tidemark::kTrackingExact,                   \
                               ::tidemark::testing::kDefaultSampleInterval)

#endif  // TIDEMARK_CORE_TESTING_HOOK_BENCHMARK_CASES_H_
