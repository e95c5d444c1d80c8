// What walking the interpreter's frame chain costs per tracked allocation:
// the CPython unwinder does this inside malloc for every allocation in exact
// mode and every sampled one in sample mode. Fake frame chains of the depths
// Python programs have (a script, a web request, deep recursion up to the
// tracker's 128-frame limit), laid out as CPython 3.11 (Debian 12's python3)
// and 3.13, which differ in how the thread state reaches its frames.
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/frame.h"
#include "unwinders/cpython/fake_python.h"
#include "unwinders/cpython/frame_walker.h"
#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {
namespace {

constexpr int kMaxFrames = 128;  // Tracker::kMaxDepth

void WalkChain(benchmark::State& state, const Layout& layout) {
  const int depth = static_cast<int>(state.range(0));
  testing::FakeThread thread(layout);
  // A few distinct functions, as a real chain has, each at its own offset.
  std::vector<uintptr_t> code;
  code.reserve(8);
  for (int i = 0; i < 8; ++i) {
    code.push_back(thread.heap().NewCode(layout, "f" + std::to_string(i),
                                         "module.py", 10 * i + 1));
  }
  for (int i = 0; i < depth; ++i) thread.Push(code[i % code.size()], 2 * i);

  RawFrame frames[kMaxFrames];
  int walked = 0;
  for (auto _ : state) {
    walked = WalkFrames(layout, testing::FakeCodeType(), thread.tstate(),
                        frames, kMaxFrames);
    benchmark::DoNotOptimize(frames);
  }
  if (walked != depth) state.SkipWithError("walked the wrong number of frames");
  state.SetItemsProcessed(state.iterations() * depth);
}

void BM_WalkFramesPy311(benchmark::State& state) {
  WalkChain(state, kLayoutPy311);
}
BENCHMARK(BM_WalkFramesPy311)->Arg(4)->Arg(32)->Arg(128);

void BM_WalkFramesPy313(benchmark::State& state) {
  WalkChain(state, kLayoutPy313);
}
BENCHMARK(BM_WalkFramesPy313)->Arg(4)->Arg(32)->Arg(128);

}  // namespace
}  // namespace cpython
}  // namespace tidemark
