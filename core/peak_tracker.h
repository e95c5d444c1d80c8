#ifndef TIDEMARK_CORE_PEAK_TRACKER_H_
#define TIDEMARK_CORE_PEAK_TRACKER_H_

#include <atomic>
#include <cstdint>

#include "core/chunked_array.h"
#include "core/spinlock.h"

namespace tidemark {

// Live bytes per call stack, and a copy of them taken at the moment the
// total was highest.
//
// The copy is taken lazily, as Fil does: the total can only stop being the
// maximum when it goes down, so it is enough to check, right before any
// decrease, whether the total is a new high and copy the per-stack counters
// then. The copy costs one pass over the distinct stacks (not over the
// allocations), and happens only on frees that follow growth.
class PeakTracker {
 public:
  struct Entry {
    int64_t bytes;
    int64_t allocations;
  };

  PeakTracker() = default;
  PeakTracker(const PeakTracker&) = delete;
  PeakTracker& operator=(const PeakTracker&) = delete;

  // In sample mode a new peak is only copied once the total exceeds the last
  // copied peak by this much, bounding how often a slowly rising estimate is
  // copied; exact mode keeps 0.
  void set_min_growth_bytes(int64_t bytes) { min_growth_bytes_ = bytes; }

  void Add(uint32_t stack_id, int64_t bytes);
  // Copies the peak first (CaptureIfPeak) if the total is at a new high.
  void Remove(uint32_t stack_id, int64_t bytes);
  void CaptureIfPeak();
  // Like CaptureIfPeak, but any new high counts, whatever min_growth_bytes:
  // a report must never show a peak below what is live when it is written.
  void CaptureForReport();

  int64_t current_bytes() const {
    return total_.load(std::memory_order_relaxed);
  }
  int64_t peak_bytes() const {
    return peak_total_.load(std::memory_order_relaxed);
  }

  // Calls fn(stack_id, Entry) for each stack with live bytes at the peak
  // (or now, for VisitCurrent). Holds the snapshot lock while visiting.
  template <typename Fn>
  void VisitPeak(Fn fn) {
    SpinLockHolder hold(snapshot_lock_);
    for (uint32_t id = 1; id <= peak_stack_count_; ++id) {
      const Entry* e = peak_.Get(id);
      if (e != nullptr && e->bytes != 0) fn(id, *e);
    }
  }
  template <typename Fn>
  void VisitCurrent(Fn fn) {
    const uint32_t n = max_stack_id_.load(std::memory_order_acquire);
    for (uint32_t id = 1; id <= n; ++id) {
      const Counters* c = live_.Get(id);
      if (c == nullptr) continue;
      const int64_t bytes = c->bytes.load(std::memory_order_relaxed);
      if (bytes != 0) {
        fn(id, Entry{bytes, c->allocations.load(std::memory_order_relaxed)});
      }
    }
  }

 private:
  struct Counters {
    std::atomic<int64_t> bytes;
    std::atomic<int64_t> allocations;
  };

  void CaptureIfAbove(int64_t min_growth_bytes);

  ChunkedArray<Counters> live_;
  ChunkedArray<Entry> peak_;
  std::atomic<int64_t> total_{0};
  std::atomic<int64_t> peak_total_{0};
  std::atomic<uint32_t> max_stack_id_{0};
  int64_t min_growth_bytes_ = 0;
  SpinLock snapshot_lock_;
  uint32_t peak_stack_count_ = 0;  // guarded by snapshot_lock_
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PEAK_TRACKER_H_
