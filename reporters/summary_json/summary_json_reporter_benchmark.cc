// How long rendering summary.json takes for realistic profile sizes. Only the
// top stacks are written in full, so this mostly measures ordering them
// (and writing a full timeline).
#include "benchmark/benchmark.h"
#include "reporters/summary_json/summary_json_reporter.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderSummaryJson(benchmark::State& state) {
  Profile profile = MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  // A full timeline (its bound: 512 points), as a long run leaves.
  for (int i = 0; i < 512; ++i) {
    profile.timeline.push_back(
        TimelinePoint{i * 0.4, int64_t{i % 97} << 20, int64_t{100 + i} << 20});
  }
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
    ->Arg(100000)  // issue 11: every format in under 2 s at 100,000 stacks
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tidemark
