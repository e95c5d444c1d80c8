// How long rendering peak.speedscope.json takes for realistic profile sizes
// (the bound: 100,000 distinct stacks in under 2 s).
#include <string>

#include "benchmark/benchmark.h"
#include "reporters/speedscope/speedscope_reporter.h"
#include "reporters/testing/render_benchmark.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderSpeedscope(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  TimeRendering(state, [&profile] { return RenderSpeedscope(profile); });
}
BENCHMARK(BM_RenderSpeedscope)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tidemark
