#ifndef TIDEMARK_CORE_PEAK_TRACKER_H_
#define TIDEMARK_CORE_PEAK_TRACKER_H_

#include <atomic>
#include <cstdint>

#include "core/chunked_array.h"
#include "core/profile_format.h"
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
//
// With a store attached (core/profile_store.h) the counters live in the
// stored profile's file: the live ones are updated in place, and the peak
// is double-buffered there (core/profile_format.h, "Publication"): each copy
// goes into the slot that is not current, and the generation that makes it
// current is stored last, so a kill at any instruction leaves the last
// complete peak readable.
class ProfileStore;

class PeakTracker {
 public:
  struct Entry {
    int64_t bytes;
    int64_t allocations;
  };

  PeakTracker() = default;
  PeakTracker(const PeakTracker&) = delete;
  PeakTracker& operator=(const PeakTracker&) = delete;

  // Keeps the counters and the peak in `store` from now on. Call before the
  // first Add.
  void AttachStore(ProfileStore* store);

  void Add(uint32_t stack_id, int64_t bytes);
  // Copies the peak first (CaptureIfPeak) if the total is at a new high,
  // unless the moment is chosen elsewhere (set_moment_chosen_elsewhere).
  void Remove(uint32_t stack_id, int64_t bytes);
  void CaptureIfPeak();
  // Copies the live counters into the next peak slot unconditionally,
  // published like CaptureIfPeak's copy; peak_bytes() becomes their total.
  // For a caller that decides the moment itself (core/peak_moment.h).
  void CaptureNow();
  // Sample mode with an exact live total: the tracker's own total is an
  // estimate, so it no longer decides when to copy (Remove copies nothing);
  // PeakMoment calls CaptureNow. Set before tracking starts.
  void set_moment_chosen_elsewhere(bool elsewhere) {
    moment_chosen_elsewhere_ = elsewhere;
  }
  // Before a report: a report must never show a peak below what is live
  // when it is written. (The same copy as CaptureIfPeak; the name says why
  // the session calls it.)
  void CaptureForReport() { CaptureIfPeak(); }
  // Copies what is live now into the out-of-memory area and describes it in
  // `info` (the caller publishes it). Async-signal-safe, like the others.
  void CaptureLiveForOutOfMemory(profile_format::SnapshotInfo* info);

  // In a forked child: nothing is live and there is no peak yet; stack ids
  // stay. The counters and the published peak of a file-backed store are
  // left alone (they are still the parent's file until
  // ProfileStore::StartOverInDirectory gives the child its own, zeroed);
  // those in memory are zeroed here.
  void StartFreshAfterFork();

  int64_t current_bytes() const {
    return total_.load(std::memory_order_relaxed);
  }
  int64_t peak_bytes() const {
    return peak_total_.load(std::memory_order_relaxed);
  }

  // Calls fn(stack_id, Entry) for each stack with live bytes at the peak
  // (or now, for VisitCurrent). Holds the snapshot lock while visiting.
  // Reports do not use these (they read the stored profile through
  // core/profile_reader.h); the tracker's own tests do, without a store.
  template <typename Fn>
  void VisitPeak(Fn fn) {
    SpinLockHolder hold(snapshot_lock_);
    const uint64_t generation = __atomic_load_n(generation_, __ATOMIC_ACQUIRE);
    if (generation == 0) return;
    const ChunkedArray<Entry>& slot = peak_[generation % 2];
    const uint32_t count = slots_[generation % 2].stack_count;
    for (uint32_t id = 1; id <= count; ++id) {
      const Entry* e = slot.Get(id);
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

  // Copies the live counters of stacks 1..n into `into`; the sums go into
  // `info`.
  void CopyLive(uint32_t n, ChunkedArray<Entry>* into,
                profile_format::SnapshotInfo* info);
  int64_t NowNanoseconds() const;

  ChunkedArray<Counters> live_;
  ChunkedArray<Entry> peak_[2];
  ChunkedArray<Entry> out_of_memory_;
  std::atomic<int64_t> total_{0};
  std::atomic<int64_t> peak_total_{0};
  std::atomic<uint32_t> max_stack_id_{0};
  ProfileStore* store_ = nullptr;
  bool moment_chosen_elsewhere_ = false;
  SpinLock snapshot_lock_;
  // The published peak: in the store's header once attached, else here.
  // Written under snapshot_lock_; the generation is read without it.
  uint64_t own_generation_ = 0;
  profile_format::SnapshotInfo own_slots_[2] = {};
  uint64_t* generation_ = &own_generation_;
  profile_format::SnapshotInfo* slots_ = own_slots_;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PEAK_TRACKER_H_
