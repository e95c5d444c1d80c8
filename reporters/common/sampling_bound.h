#ifndef TIDEMARK_REPORTERS_COMMON_SAMPLING_BOUND_H_
#define TIDEMARK_REPORTERS_COMMON_SAMPLING_BOUND_H_

#include <cstdint>

#include "core/profile.h"

namespace tidemark {

// How far a sample-mode byte figure may be from the truth: the ± every
// report prints beside it, four standard deviations of the estimator wide
// (the estimator and the derivation are in core/sampler.h, "How sure the
// estimates are"). Exact mode measures, so its bound is 0.

inline constexpr int kBoundSigmas = 4;

// The bound of an estimate of `bytes` made of `samples` records (live
// allocations the sampler recorded: a stack's `allocations` in sample mode),
// with the sampling interval R = `interval_bytes`:
//
//   4 R (2 + sqrt(n + 4)),   n = min(samples, bytes / R)
//
// in bytes, rounded up; n = bytes / R when `samples` is unknown (pass
// kUnknownSamples, or anything <= 0). 0 when interval_bytes <= 0 (exact).
// Counts add over independent stacks, so a line's or a total's bound is
// this function of its stacks' summed bytes and samples (not the sum of
// their bounds).
inline constexpr int64_t kUnknownSamples = -1;
int64_t SamplingBound(int64_t bytes, int64_t samples, int64_t interval_bytes);

// SamplingBound with the profile's interval (0 in exact mode).
int64_t BytesBound(const Profile& profile, int64_t bytes, int64_t samples);

// The bound of profile.peak_bytes (in the out-of-memory report: of what was
// live then): its stacks' samples summed.
int64_t PeakBytesBound(const Profile& profile);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_COMMON_SAMPLING_BOUND_H_
