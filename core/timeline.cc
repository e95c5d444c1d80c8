#include "core/timeline.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <new>

namespace tidemark {

namespace pf = profile_format;

namespace {

// A point's fields are stored one by one with relaxed atomic stores (plain
// moves on x86): a reader may copy a buffer while it is rewritten (it then
// sees the generation move and copies again), which must not be a data
// race.
void StorePoint(pf::TimelineEntry* to, const pf::TimelineEntry& from) {
  __atomic_store_n(&to->nanoseconds, from.nanoseconds, __ATOMIC_RELAXED);
  __atomic_store_n(&to->tracked_bytes, from.tracked_bytes, __ATOMIC_RELAXED);
  __atomic_store_n(&to->rss_bytes, from.rss_bytes, __ATOMIC_RELAXED);
}

}  // namespace

void AppendToTimeline(pf::TimelineRecord* record,
                      const pf::TimelineEntry& point) {
  const uint64_t generation =
      __atomic_load_n(&record->generation, __ATOMIC_RELAXED);
  pf::TimelineBuffer* current = &record->buffers[generation % 2];
  const uint32_t count = __atomic_load_n(&current->count, __ATOMIC_RELAXED);
  if (count < pf::kTimelinePoints) {
    StorePoint(&current->points[count], point);
    // Last: the point is whole before a reader may look at it.
    __atomic_store_n(&current->count, count + 1, __ATOMIC_RELEASE);
    return;
  }
  // Full: the other buffer gets the merged pairs. A reader that still
  // copies it saw an older generation (it was current two merges ago) and
  // will copy again; the stores below come after the generation that made
  // it stale (a seqlock's writer side).
#if !defined(__SANITIZE_THREAD__)
  __atomic_thread_fence(__ATOMIC_RELEASE);
#endif
  pf::TimelineBuffer* next = &record->buffers[(generation + 1) % 2];
  constexpr uint32_t kHalf = pf::kTimelinePoints / 2;
  static_assert(pf::kTimelinePoints % 2 == 0, "points merge in pairs");
  for (size_t i = 0; i < kHalf; ++i) {
    const pf::TimelineEntry& a = current->points[2 * i];
    const pf::TimelineEntry& b = current->points[2 * i + 1];
    StorePoint(&next->points[i],
               pf::TimelineEntry{std::max(a.nanoseconds, b.nanoseconds),
                                 std::max(a.tracked_bytes, b.tracked_bytes),
                                 std::max(a.rss_bytes, b.rss_bytes)});
  }
  StorePoint(&next->points[kHalf], point);
  __atomic_store_n(&next->count, kHalf + 1, __ATOMIC_RELAXED);
  // Doubled, up to a bound it never reaches in practice (that takes years
  // of a running program, or millions of reports), so it cannot overflow.
  record->interval_ns = record->interval_ns <= pf::kTimelineMaxIntervalNs / 2
                            ? record->interval_ns * 2
                            : pf::kTimelineMaxIntervalNs;
  __atomic_store_n(&record->generation, generation + 1, __ATOMIC_RELEASE);
}

bool ParseStatmResidentPages(const char* text, int64_t* pages) {
  // "size resident shared text lib data dt": skip the first number.
  const char* p = text;
  if (*p < '0' || *p > '9') return false;
  while (*p >= '0' && *p <= '9') ++p;
  if (*p != ' ') return false;
  ++p;
  if (*p < '0' || *p > '9') return false;
  int64_t value = 0;
  for (; *p >= '0' && *p <= '9'; ++p) {
    if (value > (INT64_MAX - 9) / 10) return false;
    value = value * 10 + (*p - '0');
  }
  if (*p != ' ' && *p != '\n' && *p != '\0') return false;
  *pages = value;
  return true;
}

int64_t ReadResidentBytes() {
  // Called from malloc: the program's errno must survive.
  const int saved_errno = errno;
  int64_t bytes = 0;
  const int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char text[128];
    ssize_t n;
    do {
      n = read(fd, text, sizeof(text) - 1);
    } while (n < 0 && errno == EINTR);
    close(fd);
    int64_t pages = 0;
    if (n > 0) {
      text[n] = '\0';
      if (ParseStatmResidentPages(text, &pages)) {
        bytes = pages * static_cast<int64_t>(getpagesize());
      }
    }
  }
  errno = saved_errno;
  return bytes;
}

int64_t TimelineRecorder::CoarseNowNanoseconds() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

void TimelineRecorder::Attach(pf::TimelineRecord* record,
                              const int64_t* start_monotonic_ns) {
  record_ = record;
  start_ns_ = start_monotonic_ns;
}

void TimelineRecorder::AppendLocked(int64_t tracked_bytes) {
  // The point's own time is the precise clock's (the coarse one only
  // decides when), so points and the peak's moment compare.
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  const int64_t since_start =
      static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec - *start_ns_;
  if (record_->interval_ns <= 0) record_->interval_ns = kFirstIntervalNs;
  AppendToTimeline(record_,
                   pf::TimelineEntry{std::max<int64_t>(0, since_start),
                                     std::max<int64_t>(0, tracked_bytes),
                                     ReadResidentBytes()});
  next_due_ns_.store(CoarseNowNanoseconds() + record_->interval_ns,
                     std::memory_order_relaxed);
}

void TimelineRecorder::ResetAfterFork() {
  new (&lock_) SpinLock();
  next_due_ns_.store(0, std::memory_order_relaxed);
  if (record_ == &own_record_) own_record_ = pf::TimelineRecord{};
}

}  // namespace tidemark
