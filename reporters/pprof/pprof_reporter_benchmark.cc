// How long rendering profile.pb.gz takes for realistic profile sizes (the
// issue's bound: 100,000 distinct stacks in under 2 s). Encoding and gzip
// are measured apart, since either can dominate.
#include <string>

#include "benchmark/benchmark.h"
#include "reporters/pprof/gzip.h"
#include "reporters/pprof/pprof_reporter.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderPprofProto(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderPprofProto(profile);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["output_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderPprofProto)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

// What the reporter does: encode, then gzip.
void BM_RenderPprofGzipped(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out;
    std::string error;
    GzipCompress(RenderPprofProto(profile), &out, &error);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["output_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderPprofGzipped)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tidemark
