#include "core/fork_guard.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include "core/signal_dispositions.h"
#include "core/thread_state.h"

namespace tidemark {

ForkGuard::Stripe ForkGuard::stripes_[ForkGuard::kStripes] = {};
std::atomic<int> ForkGuard::pending_{0};

namespace {

// What the forking thread remembers between Prepare and Parent/Child.
// Initial-exec TLS, like ThreadState: no constructor, no allocation.
struct ForkingThread {
  int32_t depth_before;  // reentrancy depth when Prepare began
  int32_t prepared;      // Prepare succeeded
  int32_t holds_table;   // the signal dispositions' lock is ours
  sigset_t saved_mask;
};
thread_local ForkingThread t_forking __attribute__((tls_model("initial-exec")));

std::atomic<int64_t> g_wait_limit_ns{ForkGuard::kDefaultWaitLimitNanoseconds};
std::atomic<uint32_t> g_next_stripe{0};
// Threads that waited out the limit for a pending fork and went into the
// profiler anyway (see WaitForFork): a child forked now may have copied
// one of their locks held, so it must not track.
std::atomic<int> g_overran{0};

int64_t NowNanoseconds() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// One round of a wait: a yield at first, then naps, so that a wait that
// lasts (a thread rendering a report) does not keep a core busy.
void Pause(int round) {
  if (round < 64) {
    sched_yield();
    return;
  }
  timespec nap = {0, 50000};
  nanosleep(&nap, nullptr);
}

}  // namespace

int32_t ForkGuard::PickStripe() {
  return static_cast<int32_t>(
             g_next_stripe.fetch_add(1, std::memory_order_relaxed) % kStripes) +
         1;
}

void ForkGuard::WaitForFork(std::atomic<int64_t>* count) {
  const int64_t deadline =
      NowNanoseconds() + g_wait_limit_ns.load(std::memory_order_relaxed);
  for (;;) {
    // Out again: the forking thread waits for the count to drop.
    count->fetch_sub(1, std::memory_order_seq_cst);
    for (int round = 0; pending_.load(std::memory_order_seq_cst) != 0;
         ++round) {
      if (NowNanoseconds() > deadline) {
        // This thread may hold a lock the fork itself needs after the
        // prepare handlers (glibc's, taken while it called malloc): going
        // in is better than a hang, but that child must not track.
        g_overran.fetch_add(1, std::memory_order_seq_cst);
        count->fetch_add(1, std::memory_order_seq_cst);
        return;
      }
      Pause(round);
    }
    count->fetch_add(1, std::memory_order_seq_cst);
    if (pending_.load(std::memory_order_seq_cst) == 0) return;
  }
}

bool ForkGuard::Prepare() {
  ForkingThread& me = t_forking;
  // No signal handler may run profiler code on this thread until the fork
  // is done (it would count itself in after the count was checked).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &me.saved_mask);
  // Until Parent/Child the forking thread counts as inside the profiler
  // (without entering the count, which it is waiting on): what the other
  // fork handlers allocate on it is not recorded. In the child that would
  // be written into the parent's books before the child has its own.
  ThreadState& ts = t_thread_state;
  me.depth_before = ts.reentrancy_depth++;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  me.holds_table = 0;
  if (pending_.fetch_add(1, std::memory_order_seq_cst) == 0) {
    // Overruns of an earlier fork are that fork's (its waiters are in and
    // will be waited for like any other thread).
    g_overran.store(0, std::memory_order_seq_cst);
  }
  // A fork from inside the profiler counts itself once (only the
  // outermost guard enters).
  const int64_t own = me.depth_before > 0 ? 1 : 0;
  const int64_t deadline =
      NowNanoseconds() + g_wait_limit_ns.load(std::memory_order_relaxed);
  bool alone = false;
  for (int round = 0;; ++round) {
    if (Inside() == own) {
      alone = true;
      break;
    }
    if (NowNanoseconds() > deadline) break;
    Pause(round);
  }
  // Whatever the wait gave, the table is worth having whole in the child;
  // after a give-up, only one attempt.
  const int64_t left = deadline - NowNanoseconds();
  me.holds_table = SignalDispositions::LockForFork(left > 0 ? left : 0);
  me.prepared = alone && me.holds_table;
  return me.prepared != 0;
}

void ForkGuard::Parent() {
  ForkingThread& me = t_forking;
  if (me.holds_table != 0) SignalDispositions::UnlockAfterFork();
  me.holds_table = 0;
  pending_.fetch_sub(1, std::memory_order_seq_cst);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_thread_state.reentrancy_depth = me.depth_before;
  pthread_sigmask(SIG_SETMASK, &me.saved_mask, nullptr);
}

bool ForkGuard::Child() {
  ForkingThread& me = t_forking;
  const bool clean =
      me.prepared != 0 && g_overran.load(std::memory_order_relaxed) == 0;
  // The only thread now: the count is its own part, whatever other
  // threads (gone here) had in it at the fork.
  for (Stripe& s : stripes_) s.count.store(0, std::memory_order_relaxed);
  ThreadState& ts = t_thread_state;
  if (me.depth_before > 0 && ts.fork_stripe != 0) {
    stripes_[ts.fork_stripe - 1].count.store(1, std::memory_order_relaxed);
  }
  g_overran.store(0, std::memory_order_relaxed);
  pending_.store(0, std::memory_order_seq_cst);
  if (me.holds_table != 0) SignalDispositions::UnlockAfterFork();
  me.holds_table = 0;
  me.prepared = 0;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  ts.reentrancy_depth = me.depth_before;
  pthread_sigmask(SIG_SETMASK, &me.saved_mask, nullptr);
  return clean;
}

void ForkGuard::SetWaitLimitForTesting(int64_t nanoseconds) {
  g_wait_limit_ns.store(nanoseconds, std::memory_order_relaxed);
}

int64_t ForkGuard::Inside() {
  int64_t sum = 0;
  for (const Stripe& s : stripes_) {
    sum += s.count.load(std::memory_order_seq_cst);
  }
  return sum;
}

}  // namespace tidemark
