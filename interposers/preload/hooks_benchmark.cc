// What the preload hooks add to a small malloc + free pair, the operation a
// Python program does most. The hooks are called directly (as
// exported_symbols.cc does for the program's malloc), with the tracker set
// up the way core/session.cc does it, in each tracking state:
//   - glibc alone (malloc/free: this binary exports no hooks, so these are
//     glibc's, the same functions the hooks forward to): the baseline;
//   - tracking off: the interposer installed, the core not tracking;
//   - sample mode, unsampled: the default 1 MiB interval, so almost every
//     pair takes the inlined fast path (one sample in ~16000 pairs of 64 B),
//     which adds the block's size (glibc's chunk header word) to the
//     thread's live total and takes it away again (core/live_total.h);
//   - sample mode, every block sampled: the interval is 1 byte;
//   - exact mode: every block recorded.
// The unwinder returns a fixed 8-frame stack without reading anything, so
// the numbers are the core's own cost; a real unwinder's walk comes on top
// in exact and sampled events (see frame_walker_benchmark).
#include <cstdlib>

#include "benchmark/benchmark.h"
#include "core/testing/hook_benchmark_cases.h"
#include "interposers/preload/hooks.h"

namespace tidemark {
namespace {

using testing::kBenchmarkBlockSize;

void BM_GlibcMallocFree(benchmark::State& state) {
  for (auto _ : state) {
    void* p = malloc(kBenchmarkBlockSize);
    benchmark::DoNotOptimize(p);
    free(p);
  }
}
BENCHMARK(BM_GlibcMallocFree);

const testing::HookBackend kPreload = {
    [](benchmark::State&) {
      preload::SetDelivering(true);
      return true;
    },
    [] {
      void* p = preload::Malloc(kBenchmarkBlockSize);
      benchmark::DoNotOptimize(p);
      preload::Free(p);
    },
    [] { preload::SetDelivering(false); },
};
TIDEMARK_HOOK_BENCHMARKS(Hooks, kPreload);

}  // namespace
}  // namespace tidemark
