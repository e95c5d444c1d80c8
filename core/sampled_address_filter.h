#ifndef TIDEMARK_CORE_SAMPLED_ADDRESS_FILTER_H_
#define TIDEMARK_CORE_SAMPLED_ADDRESS_FILTER_H_

#include <atomic>
#include <cstdint>

#include "core/spinlock.h"

namespace tidemark {

// Answers "could this address be a sampled allocation?" for every free in
// sample mode, where almost none are: a counting filter of 2^16 slots, one
// relaxed load for the common "no". Counting (not bits) so a slot clears
// again when its sampled blocks are freed; a "maybe" is settled by the
// address map. With k live samples the false-"maybe" rate is about
// k / 65536 (1 GiB of live heap at R = 1 MiB: ~1.5%).
//
// The question is asked on every free, the counts only change on sampled
// events. So the question reads a bitmap of the slots (one bit each, 8 KiB:
// it stays in the first-level cache however large the program's heap),
// and the counts (256 KiB) are touched only by Add and Remove. A free
// read the counts before: on a large heap that load was a cache miss on
// most frees, the largest cost of sample mode's free path.
//
// The bit of a slot is set exactly while its count is above zero. Add and
// Remove change both under one lock (they run on sampled events only, so
// it is rarely contended), so no free can see a slot's bit clear while a
// block counted in it is live: without the lock, a Remove bringing the
// count to zero could clear the bit just after another thread's Add had
// set it, and that thread's next free of its block would be missed.
class SampledAddressFilter {
 public:
  static constexpr int kBits = 16;

  static bool MaybeContains(uintptr_t address) {
    const uint32_t slot = Slot(address);
    return (bits_[slot >> 6].load(std::memory_order_relaxed) >> (slot & 63)) &
           1;
  }
  static void Add(uintptr_t address);
  static void Remove(uintptr_t address);
  // Forgets every address (a forked child starts fresh).
  static void Clear();

 private:
  static uint32_t Slot(uintptr_t address) {
    return static_cast<uint32_t>(((address >> 4) * 0x9E3779B97F4A7C15ULL) >>
                                 (64 - kBits));
  }
  // Sets or clears a slot's bit; lock_ held.
  static void SetBit(uint32_t slot, bool on);
  static SpinLock lock_;
  static uint32_t counts_[1 << kBits];  // guarded by lock_
  alignas(64) static std::atomic<uint64_t> bits_[(1 << kBits) / 64];
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_SAMPLED_ADDRESS_FILTER_H_
