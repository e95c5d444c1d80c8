// How long rendering peak.speedscope.json takes for realistic profile sizes
// (the bound: 100,000 distinct stacks in under 2 s).
#include <string>

#include "benchmark/benchmark.h"
#include "reporters/speedscope/speedscope_reporter.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderSpeedscope(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderSpeedscope(profile);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["output_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderSpeedscope)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tidemark
