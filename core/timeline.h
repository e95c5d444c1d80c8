#ifndef TIDEMARK_CORE_TIMELINE_H_
#define TIDEMARK_CORE_TIMELINE_H_

#include <atomic>
#include <cstdint>

#include "core/profile_format.h"
#include "core/spinlock.h"

namespace tidemark {

// The writing side of the stored profile's timeline (core/profile_format.h,
// "The timeline"): the process's memory over time, in a bounded space.

// Appends `point` to `record`: into the current buffer while it has room;
// when it is full, its points merged in pairs (the later time, the higher
// tracked bytes, the higher RSS) into the other buffer, then `point`, the
// interval doubled, and the other buffer published by the generation. One
// writer at a time (the caller serialises); readers anywhere, at any
// moment, see whole points only. Stores only: async-signal-safe.
void AppendToTimeline(profile_format::TimelineRecord* record,
                      const profile_format::TimelineEntry& point);

// The resident set size (the second field of /proc/self/statm, in pages),
// read with open/read/close into a stack buffer: no allocation, no lock,
// errno kept. 0 when it cannot be read.
int64_t ReadResidentBytes();
// The resident pages in the text of /proc/self/statm; false if malformed.
bool ParseStatmResidentPages(const char* text, int64_t* pages);

// When the process adds a point, and adding it without ever making a thread
// wait. The tracker owns one and decides which events ask (core/tracker.h):
// asking is a read of the coarse monotonic clock (the vDSO's, no system
// call) and a comparison; a point that is due is added by the one thread
// that takes the lock, the others give up and go on.
class TimelineRecorder {
 public:
  // The first spacing of points: five per second at most (each reads
  // /proc/self/statm, a few microseconds). It doubles at each merge.
  static constexpr int64_t kFirstIntervalNs = 200'000'000;

  TimelineRecorder() = default;
  TimelineRecorder(const TimelineRecorder&) = delete;
  TimelineRecorder& operator=(const TimelineRecorder&) = delete;

  // Keeps the points in `record` (the stored profile's header) from now
  // on, timed from *start_monotonic_ns (read at each point: a forked
  // child's store starts over with a start of its own). Without this, a
  // record of its own, timed from the clock's zero (tests, benchmarks).
  void Attach(profile_format::TimelineRecord* record,
              const int64_t* start_monotonic_ns);

  // Whether a point is due.
  bool Due() const {
    return CoarseNowNanoseconds() >=
           next_due_ns_.load(std::memory_order_relaxed);
  }
  // False when another thread is adding a point: this one gives up.
  bool TryLock() { return lock_.try_lock(); }
  void Unlock() { lock_.unlock(); }
  // With the lock held: appends a point that closes the span now, with
  // `tracked_bytes` (the caller's highest tracked total of the span) and
  // the RSS read now; the next point is due an interval from now.
  void AppendLocked(int64_t tracked_bytes);

  // In a forked child (one thread): a point is due at once, the lock is
  // free, and a record of its own is emptied (a store's is replaced by the
  // store, core/profile_store.h).
  void ResetAfterFork();

  const profile_format::TimelineRecord& record() const { return *record_; }

 private:
  static int64_t CoarseNowNanoseconds();

  std::atomic<int64_t> next_due_ns_{0};  // CLOCK_MONOTONIC_COARSE
  SpinLock lock_;
  profile_format::TimelineRecord* record_ = &own_record_;
  const int64_t* start_ns_ = &own_start_ns_;
  int64_t own_start_ns_ = 0;
  profile_format::TimelineRecord own_record_ = {};
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_TIMELINE_H_
