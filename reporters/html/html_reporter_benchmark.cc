// How long rendering peak.html takes for realistic profile sizes: the report
// is written at exit or on a signal, so this is time the user waits. The
// 100,000-stack case is the bound (< 2 s); the page keeps at most
// kHtmlMaxStacks of them, which the output size shows.
#include "benchmark/benchmark.h"
#include "reporters/html/html_reporter.h"
#include "reporters/testing/render_benchmark.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderHtmlPage(benchmark::State& state) {
  Profile profile = MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  for (int i = 0; i < 3000; ++i) {  // a long run's timeline
    profile.timeline.push_back({i * 0.1, int64_t{i} << 16, int64_t{i} << 17});
  }
  TimeRendering(state, [&profile] { return RenderHtmlPage(profile); });
}
BENCHMARK(BM_RenderHtmlPage)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tidemark
