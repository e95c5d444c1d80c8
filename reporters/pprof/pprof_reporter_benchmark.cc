// How long rendering profile.pb.gz takes for realistic profile sizes (the
// issue's bound: 100,000 distinct stacks in under 2 s). Encoding and gzip
// are measured apart, since either can dominate.
#include <string>

#include "benchmark/benchmark.h"
#include "reporters/pprof/gzip.h"
#include "reporters/pprof/pprof_reporter.h"
#include "reporters/testing/render_benchmark.h"
#include "reporters/testing/synthetic_profile.h"

namespace tidemark {
namespace {

void BM_RenderPprofProto(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  TimeRendering(state, [&profile] { return RenderPprofProto(profile); });
}
BENCHMARK(BM_RenderPprofProto)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

// What the reporter does: encode, then gzip.
void BM_RenderPprofGzipped(benchmark::State& state) {
  const Profile profile =
      MakeSyntheticProfile(static_cast<int>(state.range(0)), 20);
  TimeRendering(state, [&profile] {
    std::string out;
    std::string error;
    GzipCompress(RenderPprofProto(profile), &out, &error);
    return out;
  });
}
BENCHMARK(BM_RenderPprofGzipped)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tidemark
