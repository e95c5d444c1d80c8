#include "core/timeline.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/peak_tracker.h"
#include "core/profile_format.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

namespace pf = profile_format;
constexpr uint32_t kK = pf::kTimelinePoints;

// The current buffer's points, as a reader takes them.
std::vector<pf::TimelineEntry> Current(const pf::TimelineRecord& r) {
  const pf::TimelineBuffer& b = r.buffers[r.generation % 2];
  return std::vector<pf::TimelineEntry>(b.points, b.points + b.count);
}

pf::TimelineEntry Point(int64_t i) {
  // Tracked bytes go up and down (odd points high), RSS the other way, so
  // a merge that took either side of a pair instead of its max shows.
  return pf::TimelineEntry{i * 1000, (i % 2 == 1) ? 10 * i : i,
                           (i % 2 == 0) ? 7 * i : i};
}

std::unique_ptr<pf::TimelineRecord> NewRecord(int64_t interval) {
  auto record = std::make_unique<pf::TimelineRecord>();
  *record = pf::TimelineRecord{};
  record->interval_ns = interval;
  return record;
}

TEST(TimelineTest, AppendsUntilFullWithoutMerging) {
  auto r = NewRecord(100);
  for (uint32_t i = 0; i < kK; ++i) AppendToTimeline(r.get(), Point(i));
  EXPECT_EQ(r->generation, 0u);
  EXPECT_EQ(r->interval_ns, 100);
  const std::vector<pf::TimelineEntry> points = Current(*r);
  ASSERT_EQ(points.size(), kK);
  for (uint32_t i = 0; i < kK; ++i) {
    EXPECT_EQ(points[i].nanoseconds, Point(i).nanoseconds);
    EXPECT_EQ(points[i].tracked_bytes, Point(i).tracked_bytes);
    EXPECT_EQ(points[i].rss_bytes, Point(i).rss_bytes);
  }
}

TEST(TimelineTest, AFullBufferMergesPairsKeepingTheMaxAndDoublesTheInterval) {
  auto r = NewRecord(100);
  for (uint32_t i = 0; i <= kK; ++i) AppendToTimeline(r.get(), Point(i));
  EXPECT_EQ(r->generation, 1u);
  EXPECT_EQ(r->interval_ns, 200);
  const std::vector<pf::TimelineEntry> points = Current(*r);
  ASSERT_EQ(points.size(), kK / 2 + 1);
  for (uint32_t j = 0; j < kK / 2; ++j) {
    const int64_t a = int64_t{2} * j;
    const int64_t b = a + 1;
    EXPECT_EQ(points[j].nanoseconds, b * 1000) << j;
    EXPECT_EQ(points[j].tracked_bytes, 10 * b) << j;  // odd: high
    EXPECT_EQ(points[j].rss_bytes, std::max<int64_t>(7 * a, b)) << j;
  }
  EXPECT_EQ(points[kK / 2].nanoseconds, int64_t{kK} * 1000);
  // The buffer that was current is untouched by the merge (a reader that
  // copied it before the generation moved took whole points).
  const pf::TimelineBuffer& old = r->buffers[0];
  EXPECT_EQ(old.count, kK);
  EXPECT_EQ(old.points[kK - 1].nanoseconds, int64_t{kK - 1} * 1000);
}

TEST(TimelineTest, StaysBoundedAndKeepsTheHighestWhateverTheLength) {
  auto r = NewRecord(100);
  // One high point in a long run of low ones: it survives every merge.
  const int64_t n = 8 * kK + 7;
  const int64_t high_at = 2345;
  int merges = 0;
  uint64_t generation = 0;
  for (int64_t i = 0; i < n; ++i) {
    AppendToTimeline(r.get(), pf::TimelineEntry{i, i == high_at ? 999 : 1,
                                                i == high_at ? 0 : 5});
    if (r->generation != generation) {
      ++merges;
      generation = r->generation;
    }
    const uint32_t count = r->buffers[r->generation % 2].count;
    ASSERT_GE(count, i < kK ? static_cast<uint32_t>(i + 1) : kK / 2 + 1);
    ASSERT_LE(count, kK);
  }
  // Merges happen each time the buffer refills from half: after K points,
  // then every K/2 more.
  EXPECT_EQ(merges, 1 + (n - kK - 1) / (kK / 2));
  EXPECT_EQ(r->interval_ns, int64_t{100} << merges);
  const std::vector<pf::TimelineEntry> points = Current(*r);
  int64_t highest = 0;
  int64_t last_time = -1;
  for (const pf::TimelineEntry& p : points) {
    highest = std::max(highest, p.tracked_bytes);
    EXPECT_GE(p.nanoseconds, last_time);
    last_time = p.nanoseconds;
    EXPECT_EQ(p.rss_bytes, 5);  // each merged span had a 5
  }
  EXPECT_EQ(highest, 999);
  EXPECT_EQ(points.back().nanoseconds, n - 1);
}

TEST(TimelineTest, TheIntervalStopsDoublingAtItsBound) {
  auto r = NewRecord(pf::kTimelineMaxIntervalNs / 2 + 1);
  for (uint32_t i = 0; i <= 2 * kK; ++i) AppendToTimeline(r.get(), Point(i));
  EXPECT_EQ(r->generation, 3u);
  EXPECT_EQ(r->interval_ns, pf::kTimelineMaxIntervalNs);
}

TEST(TimelineTest, ParsesStatm) {
  int64_t pages = 0;
  EXPECT_TRUE(ParseStatmResidentPages("1234 567 89 1 0 300 0\n", &pages));
  EXPECT_EQ(pages, 567);
  EXPECT_FALSE(ParseStatmResidentPages("", &pages));
  EXPECT_FALSE(ParseStatmResidentPages("1234", &pages));
  EXPECT_FALSE(ParseStatmResidentPages("1234 x", &pages));
  EXPECT_FALSE(ParseStatmResidentPages("1234 99999999999999999999 1", &pages));
}

// VmRSS from /proc/self/status, in bytes.
int64_t StatusRss() {
  FILE* f = fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  int64_t kib = -1;
  while (fgets(line, sizeof(line), f) != nullptr) {
    if (strncmp(line, "VmRSS:", 6) == 0) kib = strtoll(line + 6, nullptr, 10);
  }
  fclose(f);
  return kib * 1024;
}

TEST(TimelineTest, ReadsTheResidentSetSizeTheKernelReports) {
  // 64 MiB touched: both readings include it.
  std::vector<char> block(64 << 20, 1);
  const int64_t status = StatusRss();
  const int64_t statm = ReadResidentBytes();
  ASSERT_GT(status, 64 << 20);
  EXPECT_NEAR(static_cast<double>(statm), static_cast<double>(status), 4 << 20);
  EXPECT_EQ(block[12345], 1);
}

TEST(TimelineTest, TheRecorderAddsAPointWhenDueAndThenWaitsAnInterval) {
  TimelineRecorder recorder;
  auto record = NewRecord(0);
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  const int64_t start = now.tv_sec * 1000000000LL + now.tv_nsec;
  recorder.Attach(record.get(), &start);
  EXPECT_TRUE(recorder.Due());
  ASSERT_TRUE(recorder.TryLock());
  EXPECT_FALSE(recorder.TryLock());  // a second thread gives up
  recorder.AppendLocked(4242);
  recorder.Unlock();
  EXPECT_EQ(record->interval_ns, TimelineRecorder::kFirstIntervalNs);
  EXPECT_FALSE(recorder.Due());
  ASSERT_EQ(record->buffers[0].count, 1u);
  const pf::TimelineEntry& p = record->buffers[0].points[0];
  EXPECT_EQ(p.tracked_bytes, 4242);
  EXPECT_GE(p.nanoseconds, 0);
  EXPECT_LT(p.nanoseconds, 1'000'000'000);
  EXPECT_GT(p.rss_bytes, 0);
  recorder.ResetAfterFork();
  EXPECT_TRUE(recorder.Due());
  EXPECT_TRUE(recorder.TryLock());
  recorder.Unlock();
}

// Threads that find the lock taken give up at once; the points of those
// that took it are all there, whole and in order, while a reader copies the
// record the way the stored profile's reader does.
TEST(TimelineTest, ThreadsAddPointsOneAtATimeAndNeverWait) {
  TimelineRecorder recorder;
  auto record = NewRecord(0);
  const int64_t start = 0;
  recorder.Attach(record.get(), &start);
  constexpr int kThreads = 4;
  constexpr int kTries = 3000;
  std::atomic<int64_t> added{0};
  std::atomic<int64_t> gave_up{0};
  std::atomic<bool> done{false};
  std::atomic<int64_t> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      const uint64_t generation =
          __atomic_load_n(&record->generation, __ATOMIC_ACQUIRE);
      const pf::TimelineBuffer& b = record->buffers[generation % 2];
      const uint32_t count = __atomic_load_n(&b.count, __ATOMIC_ACQUIRE);
      int64_t last = 0;
      bool ordered = count <= kK;
      for (uint32_t i = 0; ordered && i < count; ++i) {
        const int64_t t =
            __atomic_load_n(&b.points[i].nanoseconds, __ATOMIC_RELAXED);
        ordered = t >= last && __atomic_load_n(&b.points[i].tracked_bytes,
                                               __ATOMIC_RELAXED) > 0;
        last = t;
      }
#if !defined(__SANITIZE_THREAD__)
      __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
      if (!ordered && __atomic_load_n(&record->generation, __ATOMIC_RELAXED) ==
                          generation) {
        torn.fetch_add(1);
      }
    }
  });
  std::vector<std::thread> writers;
  writers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kTries; ++i) {
        if (!recorder.TryLock()) {
          gave_up.fetch_add(1);
          continue;
        }
        recorder.AppendLocked(1 + t);
        recorder.Unlock();
        added.fetch_add(1);
      }
    });
  }
  for (std::thread& w : writers) w.join();
  done.store(true);
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(added.load() + gave_up.load(), kThreads * kTries);
  // The buffer holds what the appends leave: all of them up to K, then
  // between K/2 + 1 and K, one merge per K/2 appends past K.
  const int64_t n = added.load();
  const uint32_t count = record->buffers[record->generation % 2].count;
  if (n <= kK) {
    EXPECT_EQ(count, static_cast<uint32_t>(n));
    EXPECT_EQ(record->generation, 0u);
  } else {
    EXPECT_EQ(record->generation,
              static_cast<uint64_t>(1 + (n - kK - 1) / (kK / 2)));
    EXPECT_EQ(count,
              kK / 2 + 1 + static_cast<uint32_t>((n - kK - 1) % (kK / 2)));
  }
}

TEST(TimelineTest, TheTrackersRecentHighIsTheSpansHighest) {
  PeakTracker peak;
  peak.Add(1, 100);
  peak.Add(2, 50);
  peak.Remove(2, 50);  // the span's high, 150, seen before this decrease
  peak.Add(3, 20);     // 120
  EXPECT_EQ(peak.TakeRecentHigh(), 150);
  // The next span starts from what is live now.
  EXPECT_EQ(peak.TakeRecentHigh(), 120);
  peak.Remove(3, 20);  // 100
  peak.Add(2, 30);     // 130: below the peak, still the span's high
  peak.Remove(2, 30);
  EXPECT_EQ(peak.TakeRecentHigh(), 130);
  peak.Add(4, 200);  // 300, above the peak, not yet decreased
  EXPECT_EQ(peak.TakeRecentHigh(), 300);
  peak.Remove(4, 200);  // copies the peak of 300
  EXPECT_EQ(peak.peak_bytes(), 300);
  EXPECT_EQ(peak.TakeRecentHigh(), 300);
  EXPECT_EQ(peak.TakeRecentHigh(), 100);
}

}  // namespace
}  // namespace tidemark
