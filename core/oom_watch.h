#ifndef TIDEMARK_CORE_OOM_WATCH_H_
#define TIDEMARK_CORE_OOM_WATCH_H_

#include <cstdint>

#include "core/memory_limits.h"
#include "core/thread_state.h"

namespace tidemark {

// What the out-of-memory watch saw when it fired.
struct OomEvent {
  // True when an allocation failed (NULL, MAP_FAILED); false when the
  // headroom under the tightest limit fell below the threshold.
  bool failed_allocation;
  int64_t size;             // bytes of the allocation that fired it
  int64_t limit_bytes;      // the tightest limit; 0 when none is known
  int64_t available_bytes;  // what was left under it, this allocation
                            // counted as used
  char reason[256];         // one sentence, no trailing newline
};

// Out-of-memory detection on the allocation path. Each tracked allocation
// (its size in exact mode, its sampled weight in sample mode) is charged to
// a per-thread countdown: a subtraction and a branch. Only when a fraction
// (1/16) of the distance to the threshold seen at the last check has been
// allocated does a thread read the headroom again (core/memory_limits.h,
// allocation-free), so the number of reads grows with the logarithm of the
// headroom, not with the number of allocations: a leak approaching the
// limit is checked more and more often, a job far from it almost never.
// Threads take their countdowns as slices of one global budget, so there is
// no contended atomic per allocation.
//
// The block just allocated is counted as used even though its pages are
// not touched yet (a cgroup or MemAvailable only sees them once written):
// the watch then fires *before* the program writes the block that would
// get it killed, even when that block alone jumps past the threshold.
//
// It fires when the headroom falls below Threshold(limit), once per
// episode: it re-arms when a later check sees the headroom back above twice
// the threshold. An allocation that fails fires at once (same episode
// rule). The callback runs on the allocating thread, with the reentrancy
// guard held (so what it allocates is not tracked); the watch itself never
// allocates after Configure.
class OomWatch {
 public:
  using Callback = void (*)(const OomEvent& event);
  using HeadroomSource = bool (*)(Headroom* out);

  // At start, before tracking is turned on (may allocate: discovers the
  // cgroups, InitMemoryLimits). Disabled, the countdown still runs but a
  // thread comes back only every 64 MiB, to a single branch.
  static void Configure(bool enabled, Callback callback);

  // From the allocation slow path, after the block is in the books.
  static inline void OnAllocated(ThreadState& ts, int64_t bytes) {
    ts.oom_bytes_until_check -= bytes;
    if (__builtin_expect(ts.oom_bytes_until_check > 0, 1)) return;
    OnBudgetSpent(ts, bytes);
  }

  // An allocation of `size` bytes failed (the interposer saw NULL or
  // MAP_FAILED); the caller holds the reentrancy guard.
  static void OnAllocationFailed(int64_t size);

  // Fires below max(5% of the limit, 16 MiB), and at most 1 GiB. 5%: a
  // cgroup's and MemAvailable's numbers lag what threads have allocated but
  // not yet written (per-thread slices, the kernel's per-CPU charge
  // batches) and the report itself needs some memory; 16 MiB covers that
  // under a small limit; past 20 GiB, 1 GiB is plenty and 5% of a large
  // machine would cry wolf on a job that merely uses it well.
  static int64_t Threshold(int64_t limit);

  // Tests: where the headroom comes from (nullptr: ReadHeadroom), how many
  // times it was read, and a fresh start (this thread's countdown too).
  static void SetHeadroomSourceForTesting(HeadroomSource source);
  static int64_t headroom_reads();
  static void ResetForTesting(ThreadState& ts);

 private:
  static void OnBudgetSpent(ThreadState& ts, int64_t bytes);
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_OOM_WATCH_H_
