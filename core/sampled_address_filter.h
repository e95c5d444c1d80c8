#ifndef TIDEMARK_CORE_SAMPLED_ADDRESS_FILTER_H_
#define TIDEMARK_CORE_SAMPLED_ADDRESS_FILTER_H_

#include <atomic>
#include <cstdint>

namespace tidemark {

// Answers "could this address be a sampled allocation?" for every free in
// sample mode, where almost none are: a counting filter of 2^16 slots, one
// relaxed load for the common "no". Counting (not bits) so a slot clears
// again when its sampled blocks are freed; a "maybe" is settled by the
// address map. With k live samples the false-"maybe" rate is about
// k / 65536 (1 GiB of live heap at R = 1 MiB: ~1.5%).
class SampledAddressFilter {
 public:
  static constexpr int kBits = 16;

  static bool MaybeContains(uintptr_t address) {
    return counts_[Slot(address)].load(std::memory_order_relaxed) != 0;
  }
  static void Add(uintptr_t address) {
    counts_[Slot(address)].fetch_add(1, std::memory_order_relaxed);
  }
  static void Remove(uintptr_t address) {
    counts_[Slot(address)].fetch_sub(1, std::memory_order_relaxed);
  }
  // Forgets every address (a forked child starts fresh).
  static void Clear();

 private:
  static uint32_t Slot(uintptr_t address) {
    return static_cast<uint32_t>(((address >> 4) * 0x9E3779B97F4A7C15ULL) >>
                                 (64 - kBits));
  }
  static std::atomic<uint32_t> counts_[1 << kBits];
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_SAMPLED_ADDRESS_FILTER_H_
