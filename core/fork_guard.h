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
// Entering and leaving are the hot part: every tracked allocation and free
// does both. A thread gets a slot of its own (one cache line, written only
// by that thread), and entering is a plain store of 1 into it and a load of
// the pending flag, with no atomic read-modify-write and no fence: Prepare,
// after it sets the flag, runs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED),
// which makes every running thread of the process execute a full barrier.
// Either a thread's store is visible to Prepare's scan that follows, or the
// thread's load comes after its barrier and sees the flag (the asymmetric
// Dekker pattern that RCU libraries use). Where the kernel refuses
// membarrier (seccomp, before Linux 4.14) the store is sequentially
// consistent instead (a full barrier). Leaving is a release store of 0.
//
// Slots are claimed by a thread's first guard and kept until the process
// runs out of them; a slot whose thread has died (tgkill(0) says ESRCH) is
// then taken over. A thread that finds none left uses one of 64 shared
// stripes, counted with atomic additions (correct with any number
// of threads, only slower).
class ForkGuard {
 public:
  static constexpr int kSlots = 256;
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

  // The outermost ReentrancyGuard of a thread: `place` is the thread's
  // cached place (ThreadState::fork_stripe): 1 + the index of its own slot,
  // -(1 + the index of a shared stripe), 0 until chosen.
  static void Enter(int32_t* place) {
    int32_t p = *place;
    if (__builtin_expect(p == 0, 0)) p = *place = PickPlace();
    if (__builtin_expect(p > 0, 1)) {
      std::atomic<int32_t>& inside = slots_[p - 1].inside;
      if (__builtin_expect(fence_on_enter_.load(std::memory_order_relaxed) != 0,
                           0)) {
        // Without membarrier: a sequentially consistent store (a full
        // barrier) before the load, as Prepare's side has.
        inside.store(1, std::memory_order_seq_cst);
      } else {
        // Only this thread writes its slot: a plain store, no locked
        // instruction. Prepare's membarrier is this thread's fence (see
        // above); the compiler must still keep the store before the load.
        inside.store(1, std::memory_order_relaxed);
        std::atomic_signal_fence(std::memory_order_seq_cst);
      }
      if (__builtin_expect(pending_.load(std::memory_order_seq_cst) != 0, 0)) {
        WaitForForkInSlot(&inside);
      }
      return;
    }
    std::atomic<int64_t>& count = stripes_[-p - 1].count;
    // Sequentially consistent on both sides (this add and the pending
    // load here, Prepare's store and its reads of the stripes): either
    // Prepare sees this thread inside, or this thread sees the fork.
    count.fetch_add(1, std::memory_order_seq_cst);
    if (__builtin_expect(pending_.load(std::memory_order_seq_cst) != 0, 0)) {
      WaitForFork(&count);
    }
  }
  static void Leave(int32_t place) {
    if (__builtin_expect(place > 0, 1)) {
      slots_[place - 1].inside.store(0, std::memory_order_release);
    } else {
      stripes_[-place - 1].count.fetch_sub(1, std::memory_order_release);
    }
  }

  // membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), under the registration
  // the first guard made: every running thread of the process executes a
  // full barrier before it returns. False when the kernel refused (then
  // FencesOnEnter()). Keeps errno; async-signal-safe.
  static bool BarrierOnEveryThread();

  // For tests: how many threads hold a slot of their own, and whether
  // entering fences (membarrier unavailable). The sole writer
  // (core/sole_writer.h) also asks whether membarrier is there.
  static int ClaimedSlots();
  static bool FencesOnEnter() {
    return fence_on_enter_.load(std::memory_order_relaxed) != 0;
  }
  // For tests: the calling thread's place, as ThreadState::fork_stripe.
  static int32_t PlaceOfThisThread();

 private:
  struct alignas(64) Slot {
    std::atomic<int32_t> inside;
    // The kernel thread id of the thread holding the slot, 0 if free.
    std::atomic<int32_t> owner;
  };
  struct alignas(64) Stripe {
    std::atomic<int64_t> count;
  };

  // A thread's first guard: its own slot if one is free (or freed by a dead
  // thread), else a shared stripe.
  static int32_t PickPlace();
  // A fork is pending: steps out and comes back in once it is done. Gives
  // up after the wait limit (this thread may hold a lock of glibc's that
  // the fork needs after its prepare handlers) and goes in; the child of
  // that fork then stops tracking.
  static void WaitForFork(std::atomic<int64_t>* count);
  static void WaitForForkInSlot(std::atomic<int32_t>* inside);

  static Slot slots_[kSlots];
  static Stripe stripes_[kStripes];
  // 1 until membarrier is registered for the process (then 0 for good).
  static std::atomic<int> fence_on_enter_;
  // Forks between their Prepare and their Parent/Child (two threads may
  // fork at once).
  static std::atomic<int> pending_;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_FORK_GUARD_H_
