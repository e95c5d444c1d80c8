#include "core/sampled_address_filter.h"

namespace tidemark {

SpinLock SampledAddressFilter::lock_;
uint32_t SampledAddressFilter::counts_[1 << kBits] = {};
alignas(64)
    std::atomic<uint64_t> SampledAddressFilter::bits_[(1 << kBits) / 64] = {};

void SampledAddressFilter::SetBit(uint32_t slot, bool on) {
  // Every writer of the bits holds lock_, so a plain load and store lose no
  // other writer's bit (and cost no locked instruction more than the
  // lock's); readers see whole words.
  std::atomic<uint64_t>& word = bits_[slot >> 6];
  const uint64_t mask = uint64_t{1} << (slot & 63);
  const uint64_t old = word.load(std::memory_order_relaxed);
  word.store(on ? old | mask : old & ~mask, std::memory_order_relaxed);
}

void SampledAddressFilter::Add(uintptr_t address) {
  const uint32_t slot = Slot(address);
  SpinLockHolder hold(lock_);
  if (counts_[slot]++ == 0) SetBit(slot, true);
}

void SampledAddressFilter::Remove(uintptr_t address) {
  const uint32_t slot = Slot(address);
  SpinLockHolder hold(lock_);
  // A Remove without its Add (never done by the tracker) leaves the slot
  // alone rather than wrapping its count round.
  if (counts_[slot] == 0) return;
  if (--counts_[slot] == 0) SetBit(slot, false);
}

void SampledAddressFilter::Clear() {
  // Called in a forked child, where no other thread runs: the lock is
  // taken anyway (the fork guard keeps fork out while anyone holds it).
  SpinLockHolder hold(lock_);
  for (uint32_t& count : counts_) count = 0;
  for (std::atomic<uint64_t>& word : bits_) {
    word.store(0, std::memory_order_relaxed);
  }
}

}  // namespace tidemark
