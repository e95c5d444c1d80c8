#ifndef TIDEMARK_CORE_SAMPLER_H_
#define TIDEMARK_CORE_SAMPLER_H_

#include <atomic>
#include <cstdint>

#include "core/thread_state.h"

namespace tidemark {

// Poisson sampling by bytes. Every allocated byte is "marked" with
// probability 1/R; an allocation is sampled if it holds a marked byte. The
// gaps between marks are exponential with mean R, so each thread keeps a
// countdown of bytes to its next mark (ThreadState::bytes_until_sample) and
// the inlined fast path is one subtraction and a sign test (see
// core/allocation_hooks.h). Everything here runs only when the countdown
// crosses zero.
//
// Weights: a sampled allocation of s < R bytes stands for s / p(s) bytes,
// with p(s) = 1 - exp(-s/R) the chance that it was sampled (Horvitz-Thompson).
// That makes the estimate of every allocation, and so of every call stack,
// unbiased, and it is defined per allocation, which is the unit the report
// attributes. Allocations of at least R bytes skip the draw altogether: they
// are always recorded at their true size, never scaled, and do not move the
// countdown (scaling an always-taken sample was Go's 58% over-report bug).
class Sampler {
 public:
  // Configures the mean interval R and the seed (0: seed from the clock).
  static void Configure(int64_t interval_bytes, uint64_t seed);
  // Inline: the fast path compares every allocation's size with it.
  static int64_t interval_bytes() {
    return interval_.load(std::memory_order_relaxed);
  }

  // The sample-mode fast path, inlined into every allocation hook
  // (core/allocation_hooks.h) and called as is by the sampler's tests:
  // takes `size` off the thread's countdown and returns true when the
  // allocation must go to OnCountdownCrossed, i.e. the countdown crossed
  // zero or the block is at least the interval (always recorded). One
  // subtraction and a branch when it returns false.
  static bool TakeFromCountdown(ThreadState& state, int64_t size) {
    state.bytes_until_sample -= size;
    return !(__builtin_expect(state.bytes_until_sample > 0, 1) &&
             __builtin_expect(size < interval_bytes(), 1));
  }

  // Called when the countdown of the current thread crossed zero during an
  // allocation of `size` bytes, or for any allocation of at least the
  // interval (either way the countdown already has `size` taken off).
  // Returns the weight to record, or 0 if, after all, the allocation is not
  // sampled (a thread's very first allocation only seeds its countdown).
  static int64_t OnCountdownCrossed(ThreadState& state, uint64_t size);

  // The Horvitz-Thompson weight of a sampled allocation of `size` bytes.
  static int64_t WeightFor(uint64_t size, int64_t interval_bytes);

  // A random gap with mean `interval_bytes`, from the thread's generator.
  static int64_t DrawGap(ThreadState& state, int64_t interval_bytes);

 private:
  static std::atomic<int64_t> interval_;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_SAMPLER_H_
