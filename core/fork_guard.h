#ifndef TIDEMARK_CORE_FORK_GUARD_H_
#define TIDEMARK_CORE_FORK_GUARD_H_

#include <atomic>
#include <cstdint>

namespace tidemark {

// Makes fork() safe for the profiler: no profiler lock is held by another
// thread at the moment of a fork, so a forked child can go on profiling
// (or at least exit and report) without meeting a lock copied held.
//
// Every profiler lock is taken inside a ReentrancyGuard (core/thread_state.h;
// the table of the signal dispositions is the one exception, taken here
// explicitly). The outermost guard of a thread enters an "inside the
// profiler" count and its end leaves it. fork's prepare handler (Prepare)
// marks a fork pending and waits until no other thread is inside; a thread
// entering meanwhile steps back out and waits, holding nothing, until the
// fork is done (Parent, Child).
//
// The count is striped: 64 counters, each on its own cache line, a thread
// always on the same one, so threads entering and leaving at the same time
// rarely share a line. Entering costs one atomic add and a load, leaving one
// atomic subtraction.
class ForkGuard {
 public:
  static constexpr int kStripes = 64;
  // How long Prepare waits, by default, for threads to leave the profiler.
  static constexpr int64_t kDefaultWaitLimitNanoseconds = 2'000'000'000;

  // fork's prepare handler, on the forking thread: blocks every signal on
  // it and counts it as inside the profiler (its allocations are not
  // recorded) until Parent or Child, marks the fork pending, waits until no
  // other thread is inside the profiler, then takes the signal
  // dispositions' lock. Returns false when either wait gave up (after the
  // wait limit): the fork goes ahead, the parent continues as before, and
  // the child must stop tracking.
  static bool Prepare();
  // fork's parent and child handlers: undo Prepare. Child also resets the
  // count to the forking thread's own part (the only thread of the child)
  // and returns whether the child may go on tracking: Prepare succeeded and
  // no thread went into the profiler during the fork (see WaitForFork).
  static void Parent();
  static bool Child();

  // For tests: how long Prepare waits before it gives up.
  static void SetWaitLimitForTesting(int64_t nanoseconds);
  // How many threads are inside the profiler now (sums the stripes; not for
  // hot paths).
  static int64_t Inside();

  // The outermost ReentrancyGuard of a thread: `stripe` is the thread's
  // cached stripe (1 + its index, 0 until chosen).
  static void Enter(int32_t* stripe) {
    int32_t s = *stripe;
    if (__builtin_expect(s == 0, 0)) s = *stripe = PickStripe();
    std::atomic<int64_t>& count = stripes_[s - 1].count;
    // Sequentially consistent on both sides (this add and the pending
    // load here, Prepare's store and its reads of the stripes): either
    // Prepare sees this thread inside, or this thread sees the fork.
    count.fetch_add(1, std::memory_order_seq_cst);
    if (__builtin_expect(pending_.load(std::memory_order_seq_cst) != 0, 0)) {
      WaitForFork(&count);
    }
  }
  static void Leave(int32_t stripe) {
    stripes_[stripe - 1].count.fetch_sub(1, std::memory_order_release);
  }

 private:
  struct alignas(64) Stripe {
    std::atomic<int64_t> count;
  };

  static int32_t PickStripe();
  // A fork is pending: steps out and comes back in once it is done. Gives
  // up after the wait limit (this thread may hold a lock of glibc's that
  // the fork needs after its prepare handlers) and goes in; the child of
  // that fork then stops tracking.
  static void WaitForFork(std::atomic<int64_t>* count);

  static Stripe stripes_[kStripes];
  // Forks between their Prepare and their Parent/Child (two threads may
  // fork at once).
  static std::atomic<int> pending_;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_FORK_GUARD_H_
