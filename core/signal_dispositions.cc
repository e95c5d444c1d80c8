#include "core/signal_dispositions.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include <atomic>

#include "core/spinlock.h"

extern "C" int __sigaction(int number, const struct sigaction* action,
                           struct sigaction* previous);

namespace tidemark {
namespace {

using SigactionFn = int (*)(int, const struct sigaction*, struct sigaction*);

// glibc's SA_RESTORER: set on every disposition glibc installs, and shown
// back by a query. Not in the public headers.
constexpr int kSaRestorer = 0x04000000;

struct Entry {
  // Tidemark's handler is the real disposition; `view` is the program's.
  std::atomic<bool> taken{false};
  // Ever taken: calls for this signal go through the table.
  std::atomic<bool> managed{false};
  struct sigaction view = {};
  SignalDispositions::Handler handler = nullptr;
};

Entry g_entries[NSIG];
// Held with every signal blocked in the holding thread, so a handler can
// never wait for its own thread; the sections are a few system calls long.
// The program's own sigaction() calls take it outside any ReentrancyGuard,
// so fork's prepare handler takes it explicitly (LockForFork).
SpinLock g_lock;
// Set in a forked child: every call passes straight through.
std::atomic<bool> g_given_back{false};
// What glibc puts in sa_restorer, so that a view reads as the kernel's.
void (*g_restorer)() = nullptr;
// siginterrupt()'s memory, which decides signal()'s SA_RESTART, as glibc's.
sigset_t g_interrupting;

std::atomic<SigactionFn> g_next{nullptr};

// The next sigaction in lookup order (normally glibc's): resolved on first
// use, which is the library's constructor in practice, not a handler.
SigactionFn Next() {
  SigactionFn fn = g_next.load(std::memory_order_acquire);
  if (__builtin_expect(fn == nullptr, 0)) {
    fn = reinterpret_cast<SigactionFn>(dlsym(RTLD_NEXT, "sigaction"));
    if (fn == nullptr) fn = &__sigaction;
    g_next.store(fn, std::memory_order_release);
  }
  return fn;
}

bool InRange(int number) { return number > 0 && number < NSIG; }

bool IsDefault(const struct sigaction& action) {
  // sa_handler and sa_sigaction share storage: 0 is SIG_DFL either way.
  return action.sa_handler == SIG_DFL;
}

// `action` as a later query would show it had the kernel stored it.
struct sigaction AsStored(const struct sigaction& action) {
  struct sigaction stored = action;
  stored.sa_flags |= kSaRestorer;
  stored.sa_restorer = g_restorer;
  sigdelset(&stored.sa_mask, SIGKILL);
  sigdelset(&stored.sa_mask, SIGSTOP);
  return stored;
}

struct sigaction Ours(SignalDispositions::Handler handler) {
  struct sigaction ours = {};
  ours.sa_handler = handler;
  ours.sa_flags = SA_RESTART;
  sigemptyset(&ours.sa_mask);
  return ours;
}

// Every signal blocked and the table locked, for the life of the scope.
class Critical {
 public:
  Critical() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved_);
    g_lock.lock();
  }
  ~Critical() {
    g_lock.unlock();
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  Critical(const Critical&) = delete;
  Critical& operator=(const Critical&) = delete;

 private:
  sigset_t saved_;
};

// Installs Tidemark's handler for `number`, keeping `view` as the program's.
bool TakeLocked(int number, Entry& e, const struct sigaction& view) {
  const struct sigaction ours = Ours(e.handler);
  if (Next()(number, &ours, nullptr) != 0) return false;
  if (g_restorer == nullptr) {
    struct sigaction installed;
    if (Next()(number, nullptr, &installed) == 0) {
      g_restorer = installed.sa_restorer;
    }
  }
  e.view = view;
  e.taken.store(true);
  return true;
}

}  // namespace

bool SignalDispositions::Take(int number, Handler handler) {
  if (!InRange(number)) return false;
  Critical critical;
  Entry& e = g_entries[number];
  if (g_given_back.load() || e.taken.load()) return false;
  struct sigaction current;
  if (Next()(number, nullptr, &current) != 0 || !IsDefault(current)) {
    return false;  // ignored or handled already: the program's business
  }
  e.handler = handler;
  if (!TakeLocked(number, e, current)) return false;
  e.managed.store(true);
  return true;
}

bool SignalDispositions::Taken(int number) {
  return InRange(number) && g_entries[number].taken.load();
}

void SignalDispositions::PassOn(int number) {
  if (!InRange(number)) return;
  {
    Critical critical;
    Entry& e = g_entries[number];
    if (e.taken.load()) {
      Next()(number, &e.view, nullptr);
      e.taken.store(false);
    }
  }
  // Inside the handler the signal is blocked, so it arrives, under the
  // program's disposition, as soon as the handler returns.
  raise(number);
}

void SignalDispositions::GiveBackAll() {
  // Only ever called in a child just after fork: this is its only thread,
  // and the lock may have been copied held.
  g_lock.unlock();
  g_given_back.store(true);
  for (int number = 1; number < NSIG; ++number) {
    Entry& e = g_entries[number];
    if (e.taken.load()) {
      Next()(number, &e.view, nullptr);
      e.taken.store(false);
    }
  }
}

bool SignalDispositions::LockForFork(int64_t wait_nanoseconds) {
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (g_lock.try_lock()) return true;
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const int64_t waited =
        static_cast<int64_t>(now.tv_sec - start.tv_sec) * 1000000000 +
        (now.tv_nsec - start.tv_nsec);
    if (waited >= wait_nanoseconds) return false;
    sched_yield();
  }
}

void SignalDispositions::UnlockAfterFork() { g_lock.unlock(); }

int SignalDispositions::Sigaction(int number, const struct sigaction* action,
                                  struct sigaction* previous) {
  if (!InRange(number) || !g_entries[number].managed.load() ||
      g_given_back.load()) {
    return Next()(number, action, previous);
  }
  Critical critical;
  Entry& e = g_entries[number];
  if (e.taken.load()) {
    const struct sigaction before = e.view;
    if (action != nullptr) {
      if (IsDefault(*action)) {
        e.view = AsStored(*action);
      } else {
        // The program's own disposition takes over; ours is gone.
        if (Next()(number, action, nullptr) != 0) return -1;
        e.taken.store(false);
      }
    }
    if (previous != nullptr) *previous = before;
    return 0;
  }
  if (action != nullptr && IsDefault(*action) && !g_given_back.load()) {
    // Back to the default: take the signal again.
    struct sigaction before;
    if (Next()(number, nullptr, &before) != 0) return -1;
    if (!TakeLocked(number, e, AsStored(*action))) {
      return Next()(number, action, previous);
    }
    if (previous != nullptr) *previous = before;
    return 0;
  }
  return Next()(number, action, previous);
}

namespace {

// signal() and its variants: a handler with the given flags, the signal
// itself blocked in it or not; the previous handler, or SIG_ERR.
sighandler_t SetHandler(int number, sighandler_t handler, int flags,
                        bool block_itself) {
  if (handler == SIG_ERR || !InRange(number)) {
    errno = EINVAL;
    return SIG_ERR;
  }
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  if (block_itself) sigaddset(&action.sa_mask, number);
  action.sa_flags = flags;
  struct sigaction before;
  if (SignalDispositions::Sigaction(number, &action, &before) != 0) {
    return SIG_ERR;
  }
  return before.sa_handler;
}

}  // namespace

sighandler_t SignalDispositions::Signal(int number, sighandler_t handler) {
  const bool interrupting =
      InRange(number) && sigismember(&g_interrupting, number);
  return SetHandler(number, handler, interrupting ? 0 : SA_RESTART,
                    /*block_itself=*/true);
}

sighandler_t SignalDispositions::SysvSignal(int number, sighandler_t handler) {
  return SetHandler(number, handler, SA_RESETHAND | SA_NODEFER,
                    /*block_itself=*/false);
}

sighandler_t SignalDispositions::Sigset(int number, sighandler_t handler) {
  sigset_t just_this;
  sigemptyset(&just_this);
  if (sigaddset(&just_this, number) != 0) return SIG_ERR;
  sigset_t mask_before;
  struct sigaction before;
  if (handler == SIG_HOLD) {
    if (sigprocmask(SIG_BLOCK, &just_this, &mask_before) != 0) return SIG_ERR;
    if (sigismember(&mask_before, number)) return SIG_HOLD;
    if (Sigaction(number, nullptr, &before) != 0) return SIG_ERR;
    return before.sa_handler;
  }
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  if (Sigaction(number, &action, &before) != 0) return SIG_ERR;
  if (sigprocmask(SIG_UNBLOCK, &just_this, &mask_before) != 0) return SIG_ERR;
  return sigismember(&mask_before, number) ? SIG_HOLD : before.sa_handler;
}

int SignalDispositions::Siginterrupt(int number, int interrupt) {
  struct sigaction action;
  if (Sigaction(number, nullptr, &action) != 0) return -1;
  if (interrupt) {
    sigaddset(&g_interrupting, number);
    action.sa_flags &= ~SA_RESTART;
  } else {
    sigdelset(&g_interrupting, number);
    action.sa_flags |= SA_RESTART;
  }
  return Sigaction(number, &action, nullptr);
}

}  // namespace tidemark
