#include "reporters/common/sampling_bound.h"

#include <algorithm>
#include <cmath>

namespace tidemark {

int64_t SamplingBound(int64_t bytes, int64_t samples, int64_t interval_bytes) {
  if (interval_bytes <= 0) return 0;
  const double interval = static_cast<double>(interval_bytes);
  // Each record weighs at least R (a sampled block s / p(s) >= R, an exact
  // one s >= R), so bytes / R also bounds the count; it is the only bound
  // when the count is unknown, and the safer one should a count be low (a
  // mapping unmapped in pieces is counted once per piece).
  const double by_bytes = std::max(static_cast<double>(bytes), 0.0) / interval;
  const double n =
      samples > 0 ? std::min(static_cast<double>(samples), by_bytes) : by_bytes;
  // sigma^2 <= R^2 mu, where mu is the expected number of records; the
  // largest mu within kBoundSigmas of its own deviations from the n seen is
  // (2 + sqrt(n + 4))^2 (see core/sampler.h), so 4 sigma <= 4 R (2 +
  // sqrt(n + 4)).
  const double half = kBoundSigmas / 2.0;
  const double bound =
      kBoundSigmas * interval * (half + std::sqrt(n + half * half));
  return static_cast<int64_t>(std::ceil(bound));
}

int64_t BytesBound(const Profile& profile, int64_t bytes, int64_t samples) {
  return SamplingBound(bytes, samples, profile.sample_interval_bytes);
}

int64_t PeakBytesBound(const Profile& profile) {
  int64_t samples = 0;
  for (const ProfileStack& stack : profile.stacks) {
    if (stack.bytes > 0) samples += stack.allocations;
  }
  return BytesBound(profile, profile.peak_bytes, samples);
}

}  // namespace tidemark
