// How long rendering peak.svg takes for realistic profile sizes. The report
// is written at exit or on a signal, so this is time the user waits; the
// output size shows what pruning thin boxes saves.
#include "benchmark/benchmark.h"
#include "reporters/flamegraph/flamegraph_reporter.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderFlameGraph(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderFlameGraph(profile);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["output_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderFlameGraph)
    ->Arg(1000)
    ->Arg(10000)
    // The reports issue's bound: 100,000 distinct stacks in under 2 s.
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tidemark
