// What the jemalloc backend adds to a small malloc + free pair. This binary
// is linked with Debian's libjemalloc, so malloc and free are jemalloc's;
// the hooks are installed through mallctl as the backend does at start
// (FindJemalloc, ProbeProgramsMalloc, InstallHooks) and removed after each
// case, with the tracker set up as core/session.cc does, in each tracking
// state:
//   - jemalloc alone (no hooks): the baseline;
//   - the cases of core/testing/hook_benchmark_cases.h (with the hooks
//     installed, jemalloc leaves its fast paths for the ones that call
//     hooks, even with tracking off).
#include <cstdlib>
#include <string>

#include "benchmark/benchmark.h"
#include "core/testing/hook_benchmark_cases.h"
#include "interposers/jemalloc/hooks.h"

namespace tidemark {
namespace {

using testing::kBenchmarkBlockSize;

void BM_JemallocMallocFree(benchmark::State& state) {
  for (auto _ : state) {
    void* p = malloc(kBenchmarkBlockSize);
    benchmark::DoNotOptimize(p);
    free(p);
  }
}
BENCHMARK(BM_JemallocMallocFree);

jemalloc::Jemalloc g_found;
void* g_handle = nullptr;

const testing::HookBackend kJemallocHooks = {
    // Aborts the case when jemalloc is not this binary's malloc (a silent
    // baseline-only run would mean nothing).
    [](benchmark::State& state) {
      std::string error;
      if (!jemalloc::FindJemalloc(&g_found, &error) ||
          !jemalloc::ProbeProgramsMalloc(g_found, &error) ||
          !jemalloc::InstallHooks(g_found, &g_handle, &error)) {
        state.SkipWithError(error.c_str());
        return false;
      }
      return true;
    },
    [] {
      void* p = malloc(kBenchmarkBlockSize);
      benchmark::DoNotOptimize(p);
      free(p);
    },
    [] { jemalloc::RemoveHooks(g_found, g_handle); },
};
TIDEMARK_HOOK_BENCHMARKS(JemallocHooks, kJemallocHooks);

}  // namespace
}  // namespace tidemark
