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
//
// How sure the estimates are (the ± of sample-mode reports,
// reporters/common/sampling_bound.h). With x = s/R, one allocation's
// estimate (s/p with probability p, else 0) has variance s^2 (1-p)/p, and
// per allocation s^2 (1-p)/p = R^2 p ((x/2) / sinh(x/2))^2, between
// 0.92 R^2 p and R^2 p for x < 1 (0 for allocations of at least R). So a
// stack's variance is at most R^2 mu, mu = the sum of its allocations' p:
// the expected number of its records. Its unbiased estimate from the
// sample, the sum over records of w (w - s), is likewise between 0.92 R^2
// and R^2 per sampled record. The stored profile keeps, per stack, the
// estimated bytes and the number of live records n (CounterEntry's
// `allocations`), not which records were exact, so the bound charges every
// record R^2: tight for a stack of sampled blocks of any size below R
// (within 4% in sigma), loose only for records of at least R. Even a stack
// seen only through exact records may hold small blocks never sampled (up
// to ~10 R at a 4-sigma tail), so its honest bound is never 0: one 400 MiB
// array gets 17 R where a separate count of sampled records would give
// 16 R; fifty 8 MiB ones 37 R instead of 16 R. Too little to change the
// stored format for. Plugging n in for mu undercovers a stack
// with few records (simulated: 1% of stacks with 6-10 samples fall outside
// 4 R sqrt(n)); instead the bound takes the largest mu whose count would be
// within 4 of its own deviations of the n seen, mu <= (2 + sqrt(n + 4))^2,
// so 4 sigma <= 4 R (2 + sqrt(n + 4)) (simulated: at most 4e-5 of stacks
// fall outside, at any n). Records weigh at least R, so n <= bytes / R,
// which stands in where n is unknown. Stacks are sampled independently, so
// a line's or the total's bound uses its summed n. These hold for the
// counters at a moment chosen without looking at the samples; a peak
// chosen as the highest of the estimates themselves sits above the truth.
//
// The peak (issue 10). Sample mode's peak is the estimate at one moment:
// the moment, among those offered, at which the exact live total was
// highest (core/live_total.h: the allocator's sizes of the live blocks and
// the lengths of the anonymous mappings, counted apart from the sample;
// core/peak_moment.h copies the per-stack estimates then). Offered are:
// right after each sampled allocation or mapping is added (to the estimates
// and to the live total), right before each unmapping, and each report.
// The estimate's own noise plays no part in the choice. Copying whenever
// the estimate reached a new high, as before, reported the highest of a
// noisy series, well above the truth under churn (1.4 times the exact peak
// on a churned 20 MiB working set; testdata/e2e/test_sample_peak_bias.py).
//
// Why the estimate at those moments is unbiased. At a point of the program
// the sample does not choose (an unmapping, a report, an allocation of at
// least R, always recorded) every live block's term, weight x [sampled], has
// mean its size, so the estimate has mean the live bytes. A sampled
// allocation is where a mark fell: the blocks allocated since the previous
// mark are known to be unsampled, a shortfall the marked block's own weight
// makes up on average when the moment is taken after it is added (blocks of
// s bytes: the number K of blocks up to and including the next sampled one
// is geometric, E[K s] = s / p = the weight); taken before, the estimate
// would be about R short. A sampled free is not offered: it is where an
// earlier mark is known to lie, and nothing makes up for the unsampled
// blocks before it. Which offered moment is the peak depends on the live
// total only, so the peak is one estimate, with the variance of any
// estimate of what is live (about R times the bytes live in blocks much
// smaller than R), not the highest of many. What it estimates is the live bytes
// at that moment: under steady churn the exact peak; where the heap grows and
// then falls, the exact peak less what was allocated after the last offered
// moment before the fall (on average about R per thread, against a standard
// deviation of sqrt(peak x R)). summary.json says how the moment was chosen
// ("peak_moment": "exact_live_total") and gives the live total then
// ("live_bytes_at_peak_moment", in the allocator's block sizes); without
// the allocator's block sizes the old choice remains ("estimate").
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
