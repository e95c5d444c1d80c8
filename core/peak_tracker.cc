#include "core/peak_tracker.h"

namespace tidemark {

void PeakTracker::Add(uint32_t stack_id, int64_t bytes) {
  Counters* c = live_.GetOrCreate(stack_id);
  if (c == nullptr) return;
  c->bytes.fetch_add(bytes, std::memory_order_relaxed);
  c->allocations.fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(bytes, std::memory_order_relaxed);
  uint32_t seen = max_stack_id_.load(std::memory_order_relaxed);
  while (stack_id > seen && !max_stack_id_.compare_exchange_weak(
                                seen, stack_id, std::memory_order_release)) {
  }
}

void PeakTracker::Remove(uint32_t stack_id, int64_t bytes) {
  // The peak can only be lost here: copy it first if the total is at a new
  // high (two relaxed loads when it is not).
  CaptureIfPeak();
  Counters* c = live_.Get(stack_id);
  if (c == nullptr) return;
  c->bytes.fetch_sub(bytes, std::memory_order_relaxed);
  c->allocations.fetch_sub(1, std::memory_order_relaxed);
  total_.fetch_sub(bytes, std::memory_order_relaxed);
}

void PeakTracker::CaptureIfPeak() { CaptureIfAbove(min_growth_bytes_); }

void PeakTracker::CaptureForReport() { CaptureIfAbove(0); }

void PeakTracker::CaptureIfAbove(int64_t min_growth_bytes) {
  // Checked once without the lock: this runs before every tracked free.
  if (total_.load(std::memory_order_relaxed) <=
      peak_total_.load(std::memory_order_relaxed) + min_growth_bytes) {
    return;
  }
  SpinLockHolder hold(snapshot_lock_);
  const int64_t total = total_.load(std::memory_order_relaxed);
  if (total <= peak_total_.load(std::memory_order_relaxed) + min_growth_bytes) {
    return;  // another thread captured this peak while we waited
  }
  // Other threads may allocate or free while we copy; the copy is then a
  // mix of moments a few instructions apart, which is as exact as a peak of
  // a multi-threaded program can be defined without stopping it.
  const uint32_t n = max_stack_id_.load(std::memory_order_acquire);
  for (uint32_t id = 1; id <= n; ++id) {
    const Counters* c = live_.Get(id);
    const int64_t bytes =
        c == nullptr ? 0 : c->bytes.load(std::memory_order_relaxed);
    Entry* e = bytes == 0 ? peak_.Get(id) : peak_.GetOrCreate(id);
    if (e == nullptr) continue;
    e->bytes = bytes;
    e->allocations =
        c == nullptr ? 0 : c->allocations.load(std::memory_order_relaxed);
  }
  // Ids above n were never allocated to; entries left from an earlier copy
  // above n cannot exist because n only grows.
  peak_stack_count_ = n;
  peak_total_.store(total, std::memory_order_relaxed);
}

}  // namespace tidemark
