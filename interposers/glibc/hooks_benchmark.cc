// What the glibc backend's hooks add to a small malloc + free pair. The
// hooks are called directly, as libc_malloc_debug.so.0's malloc and free
// call them through __malloc_hook and __free_hook (that indirect call and
// the debug library's load of the hook variable are not measured: a few
// instructions), with the tracker set up as core/session.cc does, in each
// tracking state:
//   - glibc alone (__libc_malloc/__libc_free, what the hooks call): the
//     baseline;
//   - the cases of core/testing/hook_benchmark_cases.h.
#include <cstddef>
#include <cstdint>

#include "benchmark/benchmark.h"
#include "core/live_total.h"
#include "core/testing/hook_benchmark_cases.h"
#include "interposers/glibc/hooks.h"

extern "C" {
void* __libc_malloc(size_t size);
void __libc_free(void* ptr);
}

namespace tidemark {
namespace {

using testing::kBenchmarkBlockSize;

void BM_GlibcLibcMallocFree(benchmark::State& state) {
  for (auto _ : state) {
    void* p = __libc_malloc(kBenchmarkBlockSize);
    benchmark::DoNotOptimize(p);
    __libc_free(p);
  }
}
BENCHMARK(BM_GlibcLibcMallocFree);

const testing::HookBackend kGlibcHooks = {
    [](benchmark::State&) {
      // What InstallHooks sets: glibc's chunk header word.
      LiveTotal::SetBlockSizeFromHeaderWord(~uintptr_t{7});
      return true;
    },
    [] {
      void* p = glibc::MallocHook(kBenchmarkBlockSize, nullptr);
      benchmark::DoNotOptimize(p);
      glibc::FreeHook(p, nullptr);
    },
    [] {},
};
TIDEMARK_HOOK_BENCHMARKS(GlibcHooks, kGlibcHooks);

}  // namespace
}  // namespace tidemark
