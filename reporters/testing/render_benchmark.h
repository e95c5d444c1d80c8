#ifndef TIDEMARK_REPORTERS_TESTING_RENDER_BENCHMARK_H_
#define TIDEMARK_REPORTERS_TESTING_RENDER_BENCHMARK_H_

#include <cstddef>
#include <string>

#include "benchmark/benchmark.h"

namespace tidemark {

// Times `render` (returning the file's text) over the benchmark's
// iterations: state.range(0) items (the profile's stacks) per call, and the
// text's size as the counter output_bytes. Returns that size.
template <typename Render>
size_t TimeRendering(benchmark::State& state, const Render& render) {
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = render();
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["output_bytes"] = static_cast<double>(bytes);
  return bytes;
}

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_TESTING_RENDER_BENCHMARK_H_
