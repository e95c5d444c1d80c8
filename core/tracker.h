#ifndef TIDEMARK_CORE_TRACKER_H_
#define TIDEMARK_CORE_TRACKER_H_

#include <atomic>
#include <cstdint>

#include "core/address_map.h"
#include "core/frame_names.h"
#include "core/peak_moment.h"
#include "core/peak_tracker.h"
#include "core/range_map.h"
#include "core/stack_table.h"
#include "core/thread_state.h"
#include "core/timeline.h"
#include "core/unwinder.h"

namespace tidemark {

// The process-wide allocation tracker: which tracked blocks and mappings
// are live, under which call stack, and what was live at the peak. The
// interposers reach it through core/allocation_hooks.h; reports read it
// through the stored profile (core/profile_store.h).
class Tracker {
 public:
  static constexpr int kMaxDepth = kMaxStackDepth;

  // The one tracker. Never destroyed: other threads may still allocate
  // while the process exits.
  static Tracker& Get();

  void set_unwinder(Unwinder* unwinder) { unwinder_ = unwinder; }

  // Keeps stacks, names, counters and the peak in `store` from now on
  // (core/profile_store.h). Call before tracking starts.
  void AttachStore(ProfileStore* store);

  // The interned call stack of the calling thread.
  uint32_t CurrentStack(ThreadState& state);

  // `weight` is the bytes the block stands for (its size in exact mode).
  void AddBlock(uintptr_t address, uint32_t stack_id, int64_t weight);
  // Returns false if the address was not tracked.
  bool RemoveBlock(uintptr_t address);
  // The same, releasing the block through `release` in the middle (see
  // AddressMap::RemoveReleasing); the block is released either way.
  bool RemoveBlockReleasing(uintptr_t address, void (*release)(void* ptr));
  // Starts loading the address map's entry for `address` into the cache:
  // its first probe is usually a miss (a fresh address at malloc, a block
  // allocated long ago at free), which the caller overlaps with its own
  // work (the stack capture, at malloc) before AddBlock/RemoveBlock.
  void PrefetchBlock(uintptr_t address) const { blocks_.Prefetch(address); }
  void AddMapping(uintptr_t address, uint64_t length, uint32_t stack_id,
                  int64_t weight);
  void RemoveMapping(uintptr_t address, uint64_t length);

  // In a forked child (the fork handler, the only thread): the parent's
  // blocks and mappings are forgotten and counting starts from zero (what
  // they free changes nothing); interned stacks and names stay, with their
  // ids. Returns the bytes live in the parent at the fork (the child's
  // inherited bytes). Leaves a file-backed store's counters to
  // ProfileStore::StartOverInDirectory, so it can be called before it.
  int64_t StartFreshAfterFork();

  // Sample mode: the peak's moment is chosen by the exact live total
  // (core/live_total.h) rather than by the estimate (core/peak_moment.h).
  // Set before tracking starts, and only where LiveTotal::Known().
  void ChoosePeakMomentByLiveTotal(bool on);
  bool peak_moment_by_live_total() const {
    return peak_.moment_chosen_elsewhere();
  }
  // A moment the peak may be at (sample mode's sampled events and
  // unmappings): copies the estimates if the exact live total is at a new
  // high. Does nothing unless the moment is chosen by the live total.
  void ConsiderPeakMoment();
  // Before a report: the moment of the report is offered too (by the live
  // total when it chooses, else PeakTracker::CaptureForReport's copy when
  // what is live exceeds the peak).
  void CaptureForReport();
  // Sample mode: every anonymous mapping, sampled or not, counted exactly
  // in the live total; munmap takes away what was counted, no more.
  void CountAnonymousMapping(uintptr_t address, uint64_t length);
  void UncountAnonymousMapping(uintptr_t address, uint64_t length);

  // The timeline (core/timeline.h). Which events ask for a point: in
  // exact mode every 256th recorded allocation (the run's count already
  // kept; its old value is the one looked at) and each block or mapping of
  // at least kTimelineBigEvent bytes; in sample mode every sampled event;
  // every mapping and unmapping. Asking costs a coarse clock read.
  static constexpr uint64_t kTimelineCheckEvery = 256;
  static constexpr int64_t kTimelineBigEvent = int64_t{1} << 20;
  // Out of line: the callers' hot paths keep only the test that calls it.
  __attribute__((noinline)) void CheckTimeline();
  // A point now whatever the interval (at the start, at each report), or,
  // without `force`, only if one is due; nothing when another thread is
  // adding one. Never waits, never allocates.
  void AddTimelinePoint(bool force);
  const TimelineRecorder& timeline() const { return timeline_; }

  PeakTracker& peak() { return peak_; }
  const StackTable& stacks() const { return stacks_; }
  const FrameNames& names() const { return names_; }
  int64_t tracked_allocations() const {
    return tracked_allocations_->load(std::memory_order_relaxed);
  }
  // Blocks recorded at an address that was still tracked: the profiler
  // missed a free (e.g. memory released by a path it does not hook).
  int64_t missed_frees() const {
    return missed_frees_.load(std::memory_order_relaxed);
  }

 private:
  Tracker() = default;

  static void OnPieceRemoved(void* context, RangeMap::Piece piece);
  static void OnAnonymousPieceRemoved(void* tracker, RangeMap::Piece piece);

  Unwinder* unwinder_ = nullptr;
  ProfileStore* store_ = nullptr;
  AddressMap blocks_;
  RangeMap mappings_;
  StackTable stacks_;
  FrameNames names_;
  PeakTracker peak_;
  // Sample mode with an exact live total: every anonymous mapping's range
  // (weight = length), and the choice of the peak's moment.
  RangeMap anonymous_;
  PeakMoment moment_;
  TimelineRecorder timeline_;
  // In the store's header once one is attached.
  std::atomic<int64_t> own_tracked_allocations_{0};
  std::atomic<int64_t>* tracked_allocations_ = &own_tracked_allocations_;
  std::atomic<int64_t> missed_frees_{0};
  // The store header's python_seen, set by the first stack whose
  // innermost frame is a Python one (a native unwinder's never is): a
  // process that never ran Python may count as noise (core/job_index.h).
  uint32_t* python_seen_ = nullptr;
};

// Turns tracking off after a failure inside the profiler (its own memory
// exhausted), saying so once on stderr; the program continues unprofiled.
void DisableTrackingAfterFailure(const char* why);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_TRACKER_H_
