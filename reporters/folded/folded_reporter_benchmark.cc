// How long rendering peak.folded takes for realistic profile sizes. The
// report is written at exit or on a signal, so this is time the user waits.
#include "benchmark/benchmark.h"
#include "reporters/folded/folded_reporter.h"
#include "reporters/testing/render_benchmark.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderFolded(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  const size_t bytes =
      TimeRendering(state, [&profile] { return RenderFolded(profile); });
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_RenderFolded)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tidemark
