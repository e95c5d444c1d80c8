#ifndef TIDEMARK_CORE_PEAK_MOMENT_H_
#define TIDEMARK_CORE_PEAK_MOMENT_H_

#include <cstdint>

#include "core/peak_tracker.h"
#include "core/spinlock.h"

namespace tidemark {

// Sample mode's choice of the moment the peak copy holds: the moment, among
// those offered, at which the exact live total (core/live_total.h) was
// highest. The copy is of the sampled per-stack estimates at that moment
// (PeakTracker::CaptureNow), so the estimate's own noise plays no part in
// choosing it: the reported peak is one estimate, unbiased for what was
// live then, not the highest of many (core/sampler.h says which moments
// are offered and why that keeps it unbiased).
//
// Exact mode needs none of this: there the tracker's total is exact and
// PeakTracker decides by it.
class PeakMoment {
 public:
  PeakMoment() = default;
  PeakMoment(const PeakMoment&) = delete;
  PeakMoment& operator=(const PeakMoment&) = delete;

  // Where to store the live total of each moment chosen (the stored
  // profile's FileHeader::live_bytes_at_peak_moment); nullptr: nowhere.
  void set_published(int64_t* published) { published_ = published; }

  // A moment at which the live total is `live_total`: if it is higher than
  // at every moment chosen before (or none was), copies `peak`'s live
  // counters into its next peak slot and returns true. A tie keeps the
  // earlier moment. Async-signal-safe like the copy (a spinlock, no
  // allocation).
  bool Consider(int64_t live_total, PeakTracker* peak);

  // The live total at the moment chosen; false before any.
  bool Chosen(int64_t* live_total) const;

  // Nothing chosen yet (a forked child).
  void Reset();

  // For the timeline's points (core/timeline.h): the estimate (`peak`'s
  // total) at the moment offered since the last call at which the live
  // total was highest, as the peak itself is chosen; what `peak` holds now
  // when none was offered. The next span starts empty.
  int64_t TakeSpanEstimate(const PeakTracker& peak);

 private:
  mutable SpinLock lock_;
  bool chosen_ = false;
  int64_t highest_ = 0;
  int64_t* published_ = nullptr;
  // The timeline's span: its highest live total offered, and the estimate
  // then.
  bool span_offered_ = false;
  int64_t span_live_high_ = 0;
  int64_t span_estimate_ = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PEAK_MOMENT_H_
