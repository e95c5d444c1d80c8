#ifndef TIDEMARK_CORE_PEAK_TRACKER_H_
#define TIDEMARK_CORE_PEAK_TRACKER_H_

#include <algorithm>
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
// then. On a heap that grows while it frees, nearly every free is such a
// moment, so a copy must cost what changed since the last one, not the
// number of stacks:
//
//  - Every change to a stack's counters enlists the stack in a dirty log,
//    once per epoch (a capture starts a new epoch): a per-stack stamp holds
//    the epoch of its last enlisting, so a stack changed again in the same
//    epoch costs one load and a compare.
//  - Each peak slot remembers how far into the log it was last brought. A
//    copy into a slot copies the stacks logged since then (two captures
//    ago: the other slot took the changes in between) and keeps the slot's
//    totals up to date by difference (new entry minus old).
//  - When the log cannot be trusted for a range (it wrapped round, an
//    entry is not yet written, a slot lost an entry for lack of memory,
//    after a fork) the copy is a whole pass over the stacks, as before:
//    correct whatever happened, and rare.
//
// The counters are updated with locked additions, or with plain loads and
// stores by the books' sole writer (core/sole_writer.h: while only one
// thread has updated them); a copy made on another thread then first makes
// the writer's stores visible (SoleWriter::BeforeReading).
//
// Why no change is lost, including under threads, is argued at
// PeakTracker::CopyIntoNextSlot (peak_tracker.cc). Single-threaded, a copy
// equals the live counters exactly; with threads allocating during a copy,
// it is a mix of moments a few instructions apart: every change that
// completed before a copy started is in it (but for a lack of memory, which
// makes the slot's next copy whole), and once threads stop, the next copy
// of either slot equals the live counters.
//
// With a store attached (core/profile_store.h) the counters live in the
// stored profile's file: the live ones are updated in place, and the peak
// is double-buffered there (core/profile_format.h, "Publication"): each copy
// goes into the slot that is not current, and the generation that makes it
// current is stored last, so a kill at any instruction leaves the last
// complete peak readable. The stamps and the log are the profiler's own
// memory, never in the file.
class ProfileStore;

class PeakTracker {
 public:
  struct Entry {
    int64_t bytes;
    int64_t allocations;
  };

  // The dirty log's capacity is 2^kMaxLogShift entries; tests pass a
  // smaller `log_shift` (at least 1) to make it wrap round often.
  static constexpr int kMaxLogShift = 16;
  PeakTracker() = default;
  explicit PeakTracker(int log_shift)
      : log_shift_(std::min(std::max(log_shift, 1), kMaxLogShift)) {}
  PeakTracker(const PeakTracker&) = delete;
  PeakTracker& operator=(const PeakTracker&) = delete;

  // Keeps the counters and the peak in `store` from now on. Call before the
  // first Add.
  void AttachStore(ProfileStore* store);

  // `sole`: the caller is the books' sole writer (core/sole_writer.h):
  // the counters are updated with plain loads and stores.
  void Add(uint32_t stack_id, int64_t bytes, bool sole = false);
  // Copies the peak first (CaptureIfPeak) if the total is at a new high,
  // unless the moment is chosen elsewhere (set_moment_chosen_elsewhere).
  void Remove(uint32_t stack_id, int64_t bytes, bool sole = false);
  void CaptureIfPeak();
  // Copies the live counters into the next peak slot unconditionally,
  // published like CaptureIfPeak's copy; peak_bytes() becomes their total.
  // For a caller that decides the moment itself (core/peak_moment.h).
  void CaptureNow();
  // Sample mode with an exact live total: the tracker's own total is an
  // estimate, so it no longer decides when to copy (Remove copies nothing);
  // PeakMoment calls CaptureNow. Set before tracking starts.
  void set_moment_chosen_elsewhere(bool elsewhere) {
    moment_chosen_elsewhere_.store(elsewhere, std::memory_order_relaxed);
  }
  bool moment_chosen_elsewhere() const {
    return moment_chosen_elsewhere_.load(std::memory_order_relaxed);
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

  // The highest total since the last call (or the start), at least what
  // is live now, for the timeline's points (core/timeline.h); the next
  // span starts from now. Exact: the total can only stop being the span's
  // highest when it goes down, and each decrease passes CaptureIfPeak,
  // which notes a new high there (a load and a compare, as before, when it
  // is none). Not kept while the moment is chosen elsewhere (no decrease
  // checks then): sample mode's spans come from PeakMoment instead.
  int64_t TakeRecentHigh();

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
  // `info`. False if an entry could not be made (out of memory).
  bool CopyLive(uint32_t n, ChunkedArray<Entry>* into,
                profile_format::SnapshotInfo* info);
  // Copies the stacks logged at positions [from, to) into `into`, adjusting
  // `info`'s sums. False if the log cannot be trusted for that range (the
  // slot is then partly updated: the caller copies it whole).
  bool CopyLogged(uint64_t from, uint64_t to, ChunkedArray<Entry>* into,
                  profile_format::SnapshotInfo* info, bool* entry_lost);
  // The copy and its publication; snapshot_lock_ held.
  void CopyIntoNextSlot();
  // The time and the run's allocation count, for a snapshot's info.
  void StampInfo(profile_format::SnapshotInfo* info) const;
  // Enlists `stack_id` in the dirty log unless it already is in this epoch.
  void NoteChanged(uint32_t stack_id);
  int64_t NowNanoseconds() const;

  // The dirty log: a ring of 2^log_shift_ entries, each (lap tag << 32 |
  // stack id) so that a reader can tell the entry of position p from an
  // older lap's (not yet written) or a newer one's (overwritten). A slot's
  // range spans two epochs, in each of which a stack is logged once (but
  // for races), so 64k entries (512 KiB, made as the log first fills) hold
  // every change of programs with up to 32k distinct stacks. Past that a
  // copy may be whole: n stacks for more than 64k changes, still under two
  // per change up to 128k stacks.
  static constexpr int kLogChunkShift = 12;
  using LogEntry = std::atomic<uint64_t>;
  uint64_t log_capacity() const { return uint64_t{1} << log_shift_; }
  uint64_t LogValue(uint64_t position, uint32_t stack_id) const {
    return static_cast<uint64_t>(
               static_cast<uint32_t>((position >> log_shift_) + 1))
               << 32 |
           stack_id;
  }

  ChunkedArray<Counters> live_;
  // Per stack: the epoch in which it was last enlisted in the log (8 bytes
  // per stack of the profiler's memory).
  ChunkedArray<std::atomic<uint64_t>> stamps_;
  ChunkedArray<LogEntry, kLogChunkShift, (1 << (kMaxLogShift - kLogChunkShift))>
      log_;
  const int log_shift_ = kMaxLogShift;
  std::atomic<uint64_t> log_end_{0};  // positions handed out so far
  // Starts at 1: a zero stamp (never enlisted) is never current.
  std::atomic<uint64_t> epoch_{1};
  // Per slot, under snapshot_lock_: the log position it is up to date
  // with, and whether its next copy must be whole.
  uint64_t slot_log_position_[2] = {0, 0};
  bool slot_copy_whole_[2] = {false, false};
  ChunkedArray<Entry> peak_[2];
  ChunkedArray<Entry> out_of_memory_;
  // Raises recent_high_ to `total` (a CAS loop, when it is higher).
  void RaiseRecentHigh(int64_t total);
  // CaptureIfPeak's work once the total `seen` is above the recent high:
  // the copy if it is a new peak, then the recent high.
  __attribute__((noinline)) void NoteNewHigh(int64_t seen);

  std::atomic<int64_t> total_{0};
  std::atomic<int64_t> peak_total_{0};
  // The highest total since the timeline's last point, never above
  // peak_total_ (next to it: both are read before every free).
  std::atomic<int64_t> recent_high_{0};
  std::atomic<uint32_t> max_stack_id_{0};
  ProfileStore* store_ = nullptr;
  std::atomic<bool> moment_chosen_elsewhere_{false};
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
