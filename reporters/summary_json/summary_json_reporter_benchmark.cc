// How long rendering summary.json takes for realistic profile sizes. Only the
// top stacks are written in full, so this mostly measures ordering them.
#include "benchmark/benchmark.h"
#include "reporters/summary_json/summary_json_reporter.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderSummaryJson(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  for (auto _ : state) {
    std::string out = RenderSummaryJson(profile);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RenderSummaryJson)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tidemark
