// How long formatting the top table takes for realistic profile sizes: every
// stack is walked to find its user line, so this grows with the profile.
#include "benchmark/benchmark.h"
#include "reporters/testing/synthetic_profile.h"
#include "reporters/top_table/top_table_reporter.h"

namespace tidemark {
namespace {

void BM_FormatTopTable(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  for (auto _ : state) {
    std::string out = FormatTopTable(profile, profile.top_rows);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FormatTopTable)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    // The reports issue's bound: 100,000 distinct stacks in under 2 s.
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tidemark
