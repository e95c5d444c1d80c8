// What the tracker's address map costs per tracked block: one Insert at
// malloc and one Remove at free. Two patterns:
//   - hot: the same address freed and allocated again (a loop's temporary,
//     which glibc's per-thread cache hands back at once): the entry stays
//     in cache;
//   - window: N blocks live at random addresses, the oldest freed and a new
//     one allocated each time (native_small's pattern, and a growing
//     Python heap's): the freed block's entry was last touched N
//     operations ago and has left the caches once N is large.
#include <cstdint>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/address_map.h"

namespace tidemark {
namespace {

void BM_AddressMapHot(benchmark::State& state) {
  static AddressMap map;
  TrackedBlock replaced;
  TrackedBlock removed;
  for (auto _ : state) {
    map.Insert(0x7f0000001230, TrackedBlock{3, 64}, &replaced);
    benchmark::DoNotOptimize(map.Remove(0x7f0000001230, &removed));
  }
}
BENCHMARK(BM_AddressMapHot);

void BM_AddressMapWindow(benchmark::State& state) {
  const int64_t live = state.range(0);
  AddressMap map;
  std::mt19937_64 rng(1);
  // Addresses as a heap of small blocks has them: 16-byte aligned, within
  // a span a few times the live bytes.
  const uint64_t span = static_cast<uint64_t>(live) * 8;
  auto next_address = [&] { return 0x55550000000 + 16 * (rng() % span); };
  std::vector<uintptr_t> window(live);
  TrackedBlock replaced;
  for (int64_t i = 0; i < live; ++i) {
    window[i] = next_address();
    map.Insert(window[i], TrackedBlock{1, 48}, &replaced);
  }
  int64_t slot = 0;
  TrackedBlock removed;
  for (auto _ : state) {
    benchmark::DoNotOptimize(map.Remove(window[slot], &removed));
    window[slot] = next_address();
    map.Insert(window[slot], TrackedBlock{2, 48}, &replaced);
    if (++slot == live) slot = 0;
  }
}
BENCHMARK(BM_AddressMapWindow)->Arg(1000)->Arg(50000)->Arg(1000000);

}  // namespace
}  // namespace tidemark
