// What the out-of-memory watch adds to a tracked allocation. Almost every
// call is a subtraction from the thread's countdown and a branch
// (core/oom_watch.h); the headroom is read only after a sixteenth of the
// distance to the threshold has been allocated. The fake headroom here is
// far from any limit, as in a healthy job, so the benchmark measures the
// common case with the rare slice refills and reads folded in.
#include <cstdint>

#include "benchmark/benchmark.h"
#include "core/oom_watch.h"

namespace tidemark {
namespace {

bool PlentyOfHeadroom(Headroom* out) {
  out->limit = int64_t{64} << 30;
  out->available = int64_t{32} << 30;
  return true;
}

void BM_OnAllocated(benchmark::State& state) {
  const int64_t bytes = state.range(0);
  OomWatch::SetHeadroomSourceForTesting(&PlentyOfHeadroom);
  OomWatch::Configure(true, nullptr);
  ThreadState& ts = t_thread_state;
  OomWatch::ResetForTesting(ts);
  for (auto _ : state) {
    OomWatch::OnAllocated(ts, bytes);
    benchmark::DoNotOptimize(ts.oom_bytes_until_check);
  }
  state.counters["reads"] = static_cast<double>(OomWatch::headroom_reads());
  OomWatch::Configure(false, nullptr);
  OomWatch::SetHeadroomSourceForTesting(nullptr);
}
BENCHMARK(BM_OnAllocated)->Arg(64)->Arg(4096)->Arg(1 << 20);

// With several threads taking slices of one budget.
void BM_OnAllocatedThreads(benchmark::State& state) {
  if (state.thread_index() == 0) {
    OomWatch::SetHeadroomSourceForTesting(&PlentyOfHeadroom);
    OomWatch::Configure(true, nullptr);
  }
  ThreadState& ts = t_thread_state;
  for (auto _ : state) {
    OomWatch::OnAllocated(ts, 4096);
    benchmark::DoNotOptimize(ts.oom_bytes_until_check);
  }
}
BENCHMARK(BM_OnAllocatedThreads)->Threads(1)->Threads(4);

}  // namespace
}  // namespace tidemark
