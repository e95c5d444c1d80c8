// What finding the current stack's id costs on the tracked-allocation path
// (Tracker::CurrentStack), apart from the unwinder's walk: the fake
// unwinder copies a prepared stack. A loop allocates from a few lines in
// turn; the benchmark cycles through `lines` stacks of `depth` frames that
// differ in their innermost frame, as such lines' stacks do. A few lines'
// stacks are found among the thread's recent stacks (kRecentStacks
// entries, one per key: two keys may share one); with many more lines than
// entries most are hashed and looked up in the shared table.
#include <vector>

#include "benchmark/benchmark.h"
#include "core/frame.h"
#include "core/testing/fake_unwinder.h"
#include "core/thread_state.h"
#include "core/tracker.h"

namespace tidemark {
namespace {

void BM_CurrentStack(benchmark::State& state) {
  const int lines = static_cast<int>(state.range(0));
  const int depth = static_cast<int>(state.range(1));
  std::vector<std::vector<RawFrame>> stacks(lines);
  for (int l = 0; l < lines; ++l) {
    stacks[l].push_back(RawFrame::Python(0x7000 + 64 * l, 40 + 2 * l));
    for (int i = 1; i < depth; ++i) {
      stacks[l].push_back(RawFrame::Python(0x10000 + 64 * i, uint64_t{2} * i));
    }
  }
  static FakeUnwinder unwinder;
  Tracker& tracker = Tracker::Get();
  tracker.set_unwinder(&unwinder);
  ThreadState& ts = t_thread_state;
  ReentrancyGuard guard;  // as on the allocation path
  int l = 0;
  for (auto _ : state) {
    SetFakeThreadStack(&stacks[l]);
    benchmark::DoNotOptimize(tracker.CurrentStack(ts));
    if (++l == lines) l = 0;
  }
  SetFakeThreadStack(nullptr);
}
BENCHMARK(BM_CurrentStack)
    ->Args({1, 8})
    ->Args({4, 8})
    ->Args({4, 32})
    ->Args({128, 8})
    ->Args({128, 32});

}  // namespace
}  // namespace tidemark
