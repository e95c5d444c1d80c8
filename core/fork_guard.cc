#include "core/fork_guard.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/signal_dispositions.h"
#include "core/thread_state.h"

namespace tidemark {

ForkGuard::Slot ForkGuard::slots_[ForkGuard::kSlots] = {};
ForkGuard::Stripe ForkGuard::stripes_[ForkGuard::kStripes] = {};
std::atomic<int> ForkGuard::pending_{0};
std::atomic<int> ForkGuard::fence_on_enter_{1};

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
// Whether membarrier registration was tried: 0 no, 1 under way, 2 done.
std::atomic<int> g_membarrier_tried{0};
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

int Membarrier(int command) {
  return static_cast<int>(syscall(SYS_membarrier, command, 0, 0));
}

int32_t ThisThreadId() { return static_cast<int32_t>(syscall(SYS_gettid)); }

bool ThreadIsGone(int32_t tid) {
  return syscall(SYS_tgkill, getpid(), tid, 0) != 0 && errno == ESRCH;
}

}  // namespace

bool ForkGuard::BarrierOnEveryThread() {
  const int saved_errno = errno;
  const bool done = Membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0;
  errno = saved_errno;
  return done;
}

int32_t ForkGuard::PickPlace() {
  // Once per process: after a successful registration Prepare's
  // membarrier covers every thread, so entering may skip its fence.
  // Threads that read the flag before it drops fence, which is always
  // correct. (A syscall: async-signal-safe, allocates nothing.)
  int expected = 0;
  if (g_membarrier_tried.compare_exchange_strong(expected, 1)) {
    const int saved_errno = errno;
    const int supported = Membarrier(MEMBARRIER_CMD_QUERY);
    if (supported > 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        Membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0) {
      fence_on_enter_.store(0, std::memory_order_seq_cst);
    }
    errno = saved_errno;
    g_membarrier_tried.store(2);
  }
  const int32_t tid = ThisThreadId();
  for (int i = 0; i < kSlots; ++i) {
    int32_t free_owner = 0;
    if (slots_[i].owner.load(std::memory_order_relaxed) == 0 &&
        slots_[i].owner.compare_exchange_strong(free_owner, tid)) {
      return i + 1;
    }
  }
  // None free: take over the slot of a thread that has ended. A thread
  // ends outside the profiler, so such a slot is not inside.
  const int saved_errno = errno;
  for (int i = 0; i < kSlots; ++i) {
    int32_t owner = slots_[i].owner.load(std::memory_order_relaxed);
    if (owner != 0 && owner != tid && ThreadIsGone(owner) &&
        slots_[i].owner.compare_exchange_strong(owner, tid)) {
      errno = saved_errno;
      return i + 1;
    }
  }
  errno = saved_errno;
  return -static_cast<int32_t>(
             g_next_stripe.fetch_add(1, std::memory_order_relaxed) % kStripes) -
         1;
}

namespace {

// The wait both ways into the profiler share: `leave` steps out (so the
// forking thread, which waits for every thread to be out, can go on),
// then the fork is waited for, then `enter` steps in again, and the check
// is repeated in case another fork began in between. Past the time limit
// the thread goes in anyway: it may hold a lock the fork itself needs
// after the prepare handlers (glibc's, taken while it called malloc), and
// going in is better than a hang, but that fork's child must not track.
template <typename Leave, typename Enter>
void WaitOutForks(const std::atomic<int>& pending, Leave leave, Enter enter) {
  const int64_t deadline =
      NowNanoseconds() + g_wait_limit_ns.load(std::memory_order_relaxed);
  for (;;) {
    leave();
    for (int round = 0; pending.load(std::memory_order_seq_cst) != 0; ++round) {
      if (NowNanoseconds() > deadline) {
        g_overran.fetch_add(1, std::memory_order_seq_cst);
        enter();
        return;
      }
      Pause(round);
    }
    enter();
    if (pending.load(std::memory_order_seq_cst) == 0) return;
  }
}

}  // namespace

void ForkGuard::WaitForFork(std::atomic<int64_t>* count) {
  WaitOutForks(
      pending_, [count] { count->fetch_sub(1, std::memory_order_seq_cst); },
      [count] { count->fetch_add(1, std::memory_order_seq_cst); });
}

void ForkGuard::WaitForForkInSlot(std::atomic<int32_t>* inside) {
  // Stores and loads on a slow path: fenced whatever the mode.
  WaitOutForks(
      pending_, [inside] { inside->store(0, std::memory_order_seq_cst); },
      [inside] { inside->store(1, std::memory_order_seq_cst); });
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
  // Every thread that entered its slot without a fence executes one now:
  // after this, either the scan below sees it inside or it sees the flag
  // (see the header). Fails harmlessly (EPERM) when registration never
  // succeeded, in which case every thread fenced.
  BarrierOnEveryThread();
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
  // threads (gone here) had in it at the fork, and their slots are free.
  for (Stripe& s : stripes_) s.count.store(0, std::memory_order_relaxed);
  for (Slot& s : slots_) {
    s.inside.store(0, std::memory_order_relaxed);
    s.owner.store(0, std::memory_order_relaxed);
  }
  ThreadState& ts = t_thread_state;
  const int32_t place = ts.fork_stripe;
  const int32_t own = me.depth_before > 0 ? 1 : 0;
  if (place > 0) {
    // Its slot, under the child's own thread id.
    slots_[place - 1].owner.store(ThisThreadId(), std::memory_order_relaxed);
    slots_[place - 1].inside.store(own, std::memory_order_relaxed);
  } else if (place < 0) {
    stripes_[-place - 1].count.store(own, std::memory_order_relaxed);
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
  for (const Slot& s : slots_) {
    sum += s.inside.load(std::memory_order_seq_cst);
  }
  for (const Stripe& s : stripes_) {
    sum += s.count.load(std::memory_order_seq_cst);
  }
  return sum;
}

int ForkGuard::ClaimedSlots() {
  int n = 0;
  for (const Slot& s : slots_) {
    if (s.owner.load(std::memory_order_relaxed) != 0) ++n;
  }
  return n;
}

int32_t ForkGuard::PlaceOfThisThread() { return t_thread_state.fork_stripe; }

}  // namespace tidemark
