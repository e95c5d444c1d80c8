// What interning a call stack costs on the tracked-allocation path: hashing
// the captured frames and finding (or adding) the stack in the shared table.
// An existing stack is the common case (a program has far fewer distinct
// stacks than allocations); a new stack also copies its frames and names
// the ones never seen before. Depths: a short script, a typical framework
// stack, and the tracker's 128-frame limit.
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/frame.h"
#include "core/frame_names.h"
#include "core/stack_table.h"
#include "core/testing/fake_unwinder.h"

namespace tidemark {
namespace {

std::vector<RawFrame> MakeStack(int depth, uint64_t innermost) {
  std::vector<RawFrame> frames;
  frames.push_back(RawFrame::Python(innermost, 4));
  for (int i = 1; i < depth; ++i) {
    frames.push_back(RawFrame::Python(0x10000 + 64 * i, uint64_t{2} * i));
  }
  return frames;
}

// The table and the naming state the tracker keeps next to it; ~100 other
// stacks already present so lookups are not into an empty table.
struct Tables {
  explicit Tables(int depth) {
    for (uint64_t i = 0; i < 100; ++i) Intern(MakeStack(depth, 1000000 + i));
  }
  uint32_t Intern(const std::vector<RawFrame>& frames) {
    const int depth = static_cast<int>(frames.size());
    return stacks.Intern(frames.data(), depth,
                         StackTable::Hash(frames.data(), depth), &names,
                         &unwinder);
  }
  StackTable stacks;
  FrameNames names;
  // Names frames without reading anything, so only the table's work counts.
  FakeUnwinder unwinder{"module.py"};
};

void BM_InternExistingStack(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  auto tables = std::make_unique<Tables>(depth);
  const std::vector<RawFrame> stack = MakeStack(depth, 1);
  const uint32_t id = tables->Intern(stack);
  for (auto _ : state) {
    const uint32_t again = tables->Intern(stack);
    benchmark::DoNotOptimize(again);
  }
  if (tables->Intern(stack) != id) state.SkipWithError("id changed");
}
BENCHMARK(BM_InternExistingStack)->Arg(8)->Arg(32)->Arg(128);

// A new stack per iteration that differs from the others in its innermost
// frame only, as a new allocation site usually does: one new frame to name,
// depth - 1 known ones. The profiler's heap is never given back, so the
// iteration count is fixed to bound it (about 2.6 KB per 128-deep stack).
void BM_InternNewStack(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  auto tables = std::make_unique<Tables>(depth);
  std::vector<RawFrame> stack = MakeStack(depth, 1);
  uint64_t next = 2;
  for (auto _ : state) {
    stack[0] = RawFrame::Python(next++, 4);
    const uint32_t id = tables->Intern(stack);
    benchmark::DoNotOptimize(id);
  }
  if (tables->stacks.Count() != 100 + next - 2) {
    state.SkipWithError("a stack was not new");
  }
}
BENCHMARK(BM_InternNewStack)->Arg(8)->Arg(32)->Arg(128)->Iterations(20000);

}  // namespace
}  // namespace tidemark
