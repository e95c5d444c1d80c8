#include "core/oom_watch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <atomic>
#include <cstdint>

namespace tidemark {
namespace {

constexpr int64_t kKiB = int64_t{1} << 10;
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

// A check happens after 1/kBudgetDivisor of the distance to the threshold
// has been allocated: 15/16 of the distance is then still left, whatever
// the threads did meanwhile, and the distance shrinks geometrically, so a
// leak from D bytes away costs about 16 * ln(D / kMinBudget) reads.
constexpr int64_t kBudgetDivisor = 16;
// Close to the limit, still no more than one read per MiB allocated (a read
// is a few file reads: tens of microseconds).
constexpr int64_t kMinBudget = kMiB;
// Threads take the budget in slices of 1/16 (at least 64 KiB), so the
// bytes held unspent in other threads' slices stay a small part of it.
constexpr int64_t kSliceDivisor = 16;
constexpr int64_t kMinSlice = 64 * kKiB;
// No limit known (or disabled): look again after this much.
constexpr int64_t kIdleBudget = 256 * kMiB;
constexpr int64_t kDisabledSlice = 64 * kMiB;

std::atomic<bool> g_enabled{false};
std::atomic<OomWatch::Callback> g_callback{nullptr};
std::atomic<OomWatch::HeadroomSource> g_source{nullptr};
// Bytes all threads together may still take as slices before the next
// check; negative once spent.
std::atomic<int64_t> g_budget{0};
std::atomic<int64_t> g_slice{kMinSlice};
// Held by the one thread reading the headroom; others keep allocating.
std::atomic<bool> g_checking{false};
// Whether the next crossing fires (once per episode).
std::atomic<bool> g_armed{true};
std::atomic<int64_t> g_reads{0};

// snprintf that may cut the sentence short on purpose (a long cgroup path):
// the reason keeps its start, and the compiler need not warn about it.
__attribute__((format(printf, 3, 4))) void FormatReason(char* out, size_t size,
                                                        const char* format,
                                                        ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(out, size, format, args);
  va_end(args);
}

bool ReadFromSource(Headroom* out) {
  g_reads.fetch_add(1, std::memory_order_relaxed);
  const OomWatch::HeadroomSource source =
      g_source.load(std::memory_order_acquire);
  return source != nullptr ? source(out) : ReadHeadroom(out);
}

void Fire(OomEvent* event) {
  const OomWatch::Callback callback =
      g_callback.load(std::memory_order_acquire);
  if (callback != nullptr) callback(*event);
}

void FireForHeadroom(int64_t size, const Headroom& headroom, int64_t left,
                     int64_t threshold) {
  OomEvent event;
  event.failed_allocation = false;
  event.size = size;
  event.limit_bytes = headroom.limit;
  event.available_bytes = left < 0 ? 0 : left;
  char size_text[32];
  char left_text[32];
  char threshold_text[32];
  FormatBytes(size, size_text, sizeof(size_text));
  FormatBytes(event.available_bytes, left_text, sizeof(left_text));
  FormatBytes(threshold, threshold_text, sizeof(threshold_text));
  FormatReason(event.reason, sizeof(event.reason),
               "after an allocation of %s only %s is left under the tightest "
               "limit, %s (the watch fires below %s)",
               size_text, left_text, headroom.description, threshold_text);
  Fire(&event);
}

}  // namespace

int64_t OomWatch::Threshold(int64_t limit) {
  int64_t threshold = limit / 20;
  if (threshold < 16 * kMiB) threshold = 16 * kMiB;
  if (threshold > kGiB) threshold = kGiB;
  return threshold;
}

void OomWatch::Configure(bool enabled, Callback callback) {
  if (enabled) InitMemoryLimits();
  g_callback.store(callback, std::memory_order_release);
  g_budget.store(0, std::memory_order_relaxed);
  g_slice.store(kMinSlice, std::memory_order_relaxed);
  g_armed.store(true, std::memory_order_relaxed);
  g_enabled.store(enabled, std::memory_order_release);
}

void OomWatch::OnBudgetSpent(ThreadState& ts, int64_t bytes) {
  if (!g_enabled.load(std::memory_order_relaxed)) {
    ts.oom_bytes_until_check = kDisabledSlice;
    return;
  }
  // What this thread allocated past its slice, plus a new slice.
  const int64_t slice = g_slice.load(std::memory_order_relaxed);
  const int64_t take = -ts.oom_bytes_until_check + slice;
  if (g_budget.fetch_sub(take, std::memory_order_relaxed) - take >= 0) {
    ts.oom_bytes_until_check = slice;
    return;
  }
  // The budget is spent: one thread reads the headroom; the others carry
  // on with a slice rather than wait or read it too.
  if (g_checking.exchange(true, std::memory_order_acquire)) {
    ts.oom_bytes_until_check = slice;
    return;
  }
  Headroom headroom;
  int64_t budget = kIdleBudget;
  bool fire = false;
  int64_t left = 0;
  int64_t threshold = 0;
  if (ReadFromSource(&headroom) && headroom.limit > 0) {
    threshold = Threshold(headroom.limit);
    // The block just allocated is not resident yet: count it as used.
    left = headroom.available - bytes;
    bool armed = g_armed.load(std::memory_order_relaxed);
    if (left < threshold) {
      fire = armed && g_armed.exchange(false, std::memory_order_relaxed);
      armed = false;
    } else if (!armed && left > 2 * threshold) {
      g_armed.store(true, std::memory_order_relaxed);
      armed = true;
    }
    // Armed: the distance to firing; fired: the pace of the headroom itself,
    // to see it recover.
    const int64_t distance = armed ? left - threshold : left;
    budget = distance / kBudgetDivisor;
    if (budget < kMinBudget) budget = kMinBudget;
  }
  int64_t next_slice = budget / kSliceDivisor;
  if (next_slice < kMinSlice) next_slice = kMinSlice;
  g_slice.store(next_slice, std::memory_order_relaxed);
  g_budget.store(budget - next_slice, std::memory_order_relaxed);
  ts.oom_bytes_until_check = next_slice;
  g_checking.store(false, std::memory_order_release);
  if (fire) FireForHeadroom(bytes, headroom, left, threshold);
}

void OomWatch::OnAllocationFailed(int64_t size) {
  if (!g_enabled.load(std::memory_order_relaxed)) return;
  if (!g_armed.exchange(false, std::memory_order_relaxed)) return;
  OomEvent event;
  event.failed_allocation = true;
  event.size = size;
  event.limit_bytes = 0;
  event.available_bytes = 0;
  char size_text[32];
  FormatBytes(size, size_text, sizeof(size_text));
  Headroom headroom;
  if (ReadFromSource(&headroom) && headroom.limit > 0) {
    event.limit_bytes = headroom.limit;
    event.available_bytes = headroom.available;
    char left_text[32];
    FormatBytes(headroom.available, left_text, sizeof(left_text));
    FormatReason(
        event.reason, sizeof(event.reason),
        "an allocation of %s failed; the tightest limit is %s, with %s "
        "left",
        size_text, headroom.description, left_text);
  } else {
    FormatReason(event.reason, sizeof(event.reason),
                 "an allocation of %s failed (no memory limit is known)",
                 size_text);
  }
  // The next check looks at the headroom at its usual pace; only seeing it
  // back above twice the threshold re-arms.
  Fire(&event);
}

void OomWatch::SetHeadroomSourceForTesting(HeadroomSource source) {
  g_source.store(source, std::memory_order_release);
}

int64_t OomWatch::headroom_reads() {
  return g_reads.load(std::memory_order_relaxed);
}

void OomWatch::ResetForTesting(ThreadState& ts) {
  g_budget.store(0);
  g_slice.store(kMinSlice);
  g_armed.store(true);
  g_reads.store(0);
  g_checking.store(false);
  ts.oom_bytes_until_check = 0;
}

}  // namespace tidemark
