#ifndef TIDEMARK_CORE_SOLE_WRITER_H_
#define TIDEMARK_CORE_SOLE_WRITER_H_

#include <atomic>
#include <cstdint>

#include "core/thread_state.h"

namespace tidemark {

// Whether the tracker's shared books (the address map's shards, the
// per-stack counters, the totals) may be updated without locked
// instructions: while only one thread has ever updated them, they may.
//
// Most profiled jobs allocate from one thread, and in exact mode every
// malloc and free updates the books: with locks and atomic additions that
// was about nine locked instructions per malloc + free pair, each a full
// barrier that waits for the thread's pending stores (cache misses, often).
// So the first thread to update the books becomes their sole writer and
// updates them with plain loads and stores. The moment a second thread
// wants to update them, it ends that, for good: it marks a transition,
// runs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which makes every
// running thread of the process execute a full barrier, and waits until
// the sole writer is not inside an update; from then on every thread
// (the former sole writer too) uses the locked paths. The sole writer's
// side is a plain store into `busy_` before it reads the mode: either its
// store is visible to the waiting thread once membarrier returns, or its
// read comes after its barrier and sees the transition (the asymmetric
// Dekker pattern, as core/fork_guard.h uses for fork).
//
// Readers on other threads (a report's peak copy, the out-of-memory
// snapshot) read the counters while the sole writer may be storing them
// without a barrier; the peak copy's argument (core/peak_tracker.cc) needs
// each update to be visible before the writer reads the epoch that
// follows it, which a locked addition gave. BeforeReading, after the
// reader moved the epoch on, runs membarrier: the other side of the same
// pattern, and a system call per copy instead of a barrier per update.
//
// Only where the fork guard registered for membarrier (core/fork_guard.h);
// elsewhere the books are shared from the start (the locked paths, as
// before). A forked child has one thread: its books become free to claim
// again.
class SoleWriter {
 public:
  // The calling thread is about to update the books: true when it is their
  // sole writer (plain updates), false when they are shared (locked ones).
  // Every Enter is followed by Leave with its result, on the same thread,
  // with the thread's ReentrancyGuard held across both.
  static bool Enter(ThreadState& ts) {
    if (ts.sole_writer != 0) {
      // Only this thread writes busy_ (a signal handler's nested update
      // restores it before the interrupted one goes on).
      busy_.store(busy_.load(std::memory_order_relaxed) + 1,
                  std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst);
      if (__builtin_expect(mode_.load(std::memory_order_relaxed) == kSole, 1)) {
        return true;
      }
      busy_.store(busy_.load(std::memory_order_relaxed) - 1,
                  std::memory_order_release);
    }
    if (mode_.load(std::memory_order_acquire) == kShared) return false;
    return EnterSlow(ts);
  }
  static void Leave(bool sole) {
    if (!sole) return;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    // Release: a thread that sees 0 sees the updates before it.
    busy_.store(busy_.load(std::memory_order_relaxed) - 1,
                std::memory_order_release);
  }

  // Adds `delta` to one of the books' counters and returns its old value:
  // a plain load and store for the sole writer (`sole`, Enter's result),
  // else an atomic addition with `order`.
  static int64_t Add(std::atomic<int64_t>& counter, int64_t delta, bool sole,
                     std::memory_order order = std::memory_order_seq_cst) {
    if (!sole) return counter.fetch_add(delta, order);
    const int64_t old = counter.load(std::memory_order_relaxed);
    counter.store(old + delta, std::memory_order_relaxed);
    return old;
  }

  // Before a thread reads counters a sole writer may be updating (after it
  // moved the peak tracker's epoch on): makes every update whose writer
  // read the old epoch visible. Nothing on the writer's own thread, or once
  // the books are shared. Async-signal-safe.
  static void BeforeReading();

  // In a forked child (the only thread): the books are free to claim.
  static void ResetAfterFork();

  // Tests: whether the calling thread is the sole writer now, and the
  // books shared from the start (as without membarrier).
  static bool CallerIsSoleWriter();
  static void ShareForTesting();

 private:
  enum Mode : int {
    kUnclaimed = 0,  // no writer yet
    kSole,           // one thread writes (its ThreadState::sole_writer)
    kTransition,     // a second thread waits for the sole writer
    kShared,         // locked updates, for good
  };
  // Claims the books, waits out a transition or starts one; see above.
  static bool EnterSlow(ThreadState& ts);

  static std::atomic<int> mode_;
  // The sole writer's updates in progress (nested ones in signal handlers
  // count too); written by it only.
  static std::atomic<int> busy_;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_SOLE_WRITER_H_
