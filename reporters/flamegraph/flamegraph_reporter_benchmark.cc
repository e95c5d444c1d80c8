// How long rendering peak.svg takes for realistic profile sizes. The report
// is written at exit or on a signal, so this is time the user waits; the
// output size shows what pruning thin boxes saves.
#include "benchmark/benchmark.h"
#include "reporters/flamegraph/flamegraph_reporter.h"
#include "reporters/testing/render_benchmark.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderFlameGraph(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  const size_t bytes =
      TimeRendering(state, [&profile] { return RenderFlameGraph(profile); });
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_RenderFlameGraph)
    ->Arg(1000)
    ->Arg(10000)
    // The reports issue's bound: 100,000 distinct stacks in under 2 s.
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tidemark
