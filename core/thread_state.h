#ifndef TIDEMARK_CORE_THREAD_STATE_H_
#define TIDEMARK_CORE_THREAD_STATE_H_

#include <atomic>
#include <cstdint>

#include "core/fork_guard.h"
#include "core/frame.h"

namespace tidemark {

// One of a thread's recently interned stacks: its id, its depth, and a key
// made from its innermost frame, which picks its entry (see
// Tracker::CurrentStack). Id 0: empty.
struct RecentStack {
  uint64_t innermost_key;
  uint32_t id;
  int32_t depth;
};
constexpr int kRecentStacks = 32;

// Per-thread state of the allocation path. Plain data in initial-exec TLS:
// reading it is one %fs-relative load, it needs no constructor, and (unlike a
// C++ thread_local with a destructor) touching it never calls malloc.
struct ThreadState {
  // Non-zero while this thread runs profiler code: allocations made then
  // (by the profiler itself, or by libraries it calls) are not tracked.
  int32_t reentrancy_depth;
  // Sample mode: bytes this thread may still allocate before its next
  // sample. Signed so the fast path is one subtraction and a sign test.
  int64_t bytes_until_sample;
  // Bytes this thread may still allocate before the out-of-memory watch
  // looks at its budget again (core/oom_watch.h); same sign test.
  int64_t oom_bytes_until_check;
  // State of this thread's random number generator (0 = not seeded yet).
  uint64_t rng_state;
  // Non-zero while this thread is inside the C library's allocator, called
  // from an interposer: a signal handler that lands then must not allocate
  // (it could need the arena lock this thread holds).
  int32_t in_allocator;
  // A report signal that landed while this thread was inside the allocator
  // or the profiler; acted on as soon as it leaves (core/report_trigger.h).
  int32_t deferred_signal;
  // This thread's place in the "inside the profiler" count
  // (core/fork_guard.h): 1 + the index of its own slot, or -(1 + the index
  // of a shared stripe); 0 until its first ReentrancyGuard.
  int32_t fork_stripe;
  // Non-zero when this thread is the tracker's sole writer
  // (core/sole_writer.h): it updates the books without locked instructions.
  int32_t sole_writer;
  // Sample mode's exact live total (core/live_total.h): the allocator's
  // sizes of the blocks this thread allocated, less those of the blocks it
  // freed. Written by this thread only (plain add, relaxed store), read by
  // whichever thread sums the registry.
  int64_t live_bytes;
  // Whether live_bytes is in that registry (LiveTotal's kLive* values),
  // and the registry's links.
  int32_t live_registration;
  ThreadState* live_next;
  ThreadState* live_prev;
  // The stacks this thread interned last (core/tracker.cc, CurrentStack):
  // a loop allocates from a few dozen lines again and again, and finding
  // their ids here skips hashing the stack and the shared table's lock.
  // Last, so that the fields every hook touches share one cache line.
  RecentStack recent_stacks[kRecentStacks];
};

extern thread_local ThreadState t_thread_state
    __attribute__((tls_model("initial-exec")));

// Acts on t_thread_state.deferred_signal; installed by the report trigger.
extern void (*g_deferred_signal_runner)(int signal_number);

// Runs (and clears) this thread's deferred signal, if any, once it is
// neither inside the allocator nor inside the profiler.
inline void RunDeferredSignalIfAny() {
  ThreadState& ts = t_thread_state;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  if (__builtin_expect(ts.deferred_signal != 0, 0) && ts.in_allocator == 0 &&
      ts.reentrancy_depth == 0 && g_deferred_signal_runner != nullptr) {
    const int signal_number = ts.deferred_signal;
    ts.deferred_signal = 0;
    g_deferred_signal_runner(signal_number);
  }
}

// Marks this thread as inside the C library's allocator (see in_allocator),
// and back out, acting then on a signal deferred meanwhile.
inline void EnterAllocator() {
  ++t_thread_state.in_allocator;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}
inline void LeaveAllocator() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  --t_thread_state.in_allocator;
  RunDeferredSignalIfAny();
}

// Brackets a call into the C library's allocator.
class AllocatorCall {
 public:
  AllocatorCall() { EnterAllocator(); }
  ~AllocatorCall() { LeaveAllocator(); }
  AllocatorCall(const AllocatorCall&) = delete;
  AllocatorCall& operator=(const AllocatorCall&) = delete;
};

// Marks the current thread as running profiler code for its lifetime. The
// outermost guard of a thread also counts it inside the profiler for fork
// (core/fork_guard.h): every profiler lock is taken inside one, so that no
// lock is held by another thread at a fork. A guard must therefore not be
// held while the thread blocks for long (a sleep, a wait for another
// thread): a fork would wait for it.
class ReentrancyGuard {
 public:
  ReentrancyGuard() {
    ThreadState& ts = t_thread_state;
    // The depth first: a signal landing before this thread is counted
    // sees it and is deferred, rather than taking a lock uncounted.
    if (++ts.reentrancy_depth == 1) {
      std::atomic_signal_fence(std::memory_order_seq_cst);
      ForkGuard::Enter(&ts.fork_stripe);
    }
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  ~ReentrancyGuard() {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    ThreadState& ts = t_thread_state;
    if (ts.reentrancy_depth == 1) ForkGuard::Leave(ts.fork_stripe);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    --ts.reentrancy_depth;
    RunDeferredSignalIfAny();
  }
  ReentrancyGuard(const ReentrancyGuard&) = delete;
  ReentrancyGuard& operator=(const ReentrancyGuard&) = delete;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_THREAD_STATE_H_
