// What one native stack capture costs, per unwinder, at stack depths 10,
// 30 and 100: the unwinder runs inside malloc for every tracked allocation
// in exact mode. The stack is a recursion of that many frames (plus the
// benchmark's own few below it), captured again and again at the same
// place, as a loop allocating from one line is: libunwind and libdw answer
// from their caches after the first capture.
#include <string>

#include "benchmark/benchmark.h"
#include "core/frame.h"
#include "core/unwinder.h"
#include "unwinders/fp/fp_unwinder.h"
#include "unwinders/libdw/libdw_unwinder.h"
#include "unwinders/libunwind/libunwind_unwinder.h"

namespace tidemark {
namespace {

constexpr int kMaxFrames = 128;  // Tracker::kMaxDepth

// Recurses `depth` frames, then runs the benchmark loop at the bottom.
__attribute__((noinline)) int Recurse(int depth, benchmark::State& state,
                                      Unwinder* unwinder) {
  if (depth > 0) {
    const int frames = Recurse(depth - 1, state, unwinder);
    benchmark::DoNotOptimize(frames);
    return frames;
  }
  RawFrame frames[kMaxFrames];
  int captured = 0;
  for (auto _ : state) {
    captured = unwinder->Capture(frames, kMaxFrames);
    benchmark::DoNotOptimize(frames);
  }
  return captured;
}

template <typename T>
void Capture(benchmark::State& state) {
  static T* unwinder = [] {
    T* u = new T();
    u->set_own_code({});  // the benchmark's frames are all "own code"
    return u;
  }();
  const int depth = static_cast<int>(state.range(0));
  const int captured = Recurse(depth, state, unwinder);
  // Every recursion frame and at least main's.
  if (captured <= depth) {
    state.SkipWithError(
        ("captured " + std::to_string(captured) + " frames of a deeper stack")
            .c_str());
  }
  state.counters["frames"] = captured;
}

void BM_CaptureFp(benchmark::State& state) { Capture<FpUnwinder>(state); }
BENCHMARK(BM_CaptureFp)->Arg(10)->Arg(30)->Arg(100);

void BM_CaptureLibunwind(benchmark::State& state) {
  Capture<LibunwindUnwinder>(state);
}
BENCHMARK(BM_CaptureLibunwind)->Arg(10)->Arg(30)->Arg(100);

void BM_CaptureLibdw(benchmark::State& state) { Capture<LibdwUnwinder>(state); }
BENCHMARK(BM_CaptureLibdw)->Arg(10)->Arg(30)->Arg(100);

}  // namespace
}  // namespace tidemark
