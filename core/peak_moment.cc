#include "core/peak_moment.h"

namespace tidemark {

bool PeakMoment::Consider(int64_t live_total, PeakTracker* peak) {
  SpinLockHolder hold(lock_);
  if (!span_offered_ || live_total > span_live_high_) {
    span_offered_ = true;
    span_live_high_ = live_total;
    span_estimate_ = peak->current_bytes();
  }
  if (chosen_ && live_total <= highest_) return false;
  peak->CaptureNow();
  chosen_ = true;
  highest_ = live_total;
  // After the copy is published: a reader that finds this value finds the
  // copy it belongs to (or, torn by a kill, the previous one).
  if (published_ != nullptr) {
    __atomic_store_n(published_, live_total, __ATOMIC_RELEASE);
  }
  return true;
}

bool PeakMoment::Chosen(int64_t* live_total) const {
  SpinLockHolder hold(lock_);
  if (chosen_) *live_total = highest_;
  return chosen_;
}

void PeakMoment::Reset() {
  SpinLockHolder hold(lock_);
  chosen_ = false;
  highest_ = 0;
  span_offered_ = false;
  // published_ is left alone: in a forked child it is still the parent's
  // file until the store starts over, with a zeroed header of its own.
}

int64_t PeakMoment::TakeSpanEstimate(const PeakTracker& peak) {
  SpinLockHolder hold(lock_);
  const int64_t estimate =
      span_offered_ ? span_estimate_ : peak.current_bytes();
  span_offered_ = false;
  return estimate;
}

}  // namespace tidemark
