#ifndef TIDEMARK_CORE_SIGNAL_DISPOSITIONS_H_
#define TIDEMARK_CORE_SIGNAL_DISPOSITIONS_H_

#include <signal.h>

#include <cstdint>

namespace tidemark {

// The signals Tidemark reports on, kept invisible to the program.
//
// A handler installed from the preloaded library's constructor is seen by
// everything that starts after it: CPython installs its SIGINT handler (the
// one that raises KeyboardInterrupt) only if SIGINT is still SIG_DFL at
// start-up, reports a C handler as None from signal.getsignal(), and
// `signal.signal(s, old)` with that None raises TypeError. So Tidemark keeps
// two views of each signal it takes:
//
//  - the program's view: the disposition the program set or, before it set
//    one, the one it inherited. Every sigaction(), signal(), sigset() and
//    siginterrupt() call the program makes (libtidemark.so exports them)
//    reads and writes this view, so they answer exactly as they would
//    without Tidemark;
//  - the real one, in the kernel: Tidemark's handler while the program's
//    view is SIG_DFL, and the program's own disposition otherwise.
//
// A signal is taken only while the program leaves it at SIG_DFL: the moment
// the program installs a handler (or SIG_IGN), that handler becomes the
// real disposition and Tidemark's is gone; when the program sets SIG_DFL
// again, Tidemark takes it again. Tidemark's handler ends by handing the
// signal to the program's view (SignalDispositions::PassOn), so a default
// that kills still kills, with the same status.
//
// Not covered: code that calls the rt_sigaction system call directly (the
// Go runtime), or glibc-internal callers that bypass the exported names
// (posix_spawn's child resets dispositions itself, which is harmless).
class SignalDispositions {
 public:
  using Handler = void (*)(int);

  // Takes `number` for `handler` if its disposition is SIG_DFL now. Returns
  // whether it did. Called at start-up, before the program runs.
  static bool Take(int number, Handler handler);

  // Whether Tidemark's handler is the real disposition of `number` now.
  static bool Taken(int number);

  // From Tidemark's handler: makes the program's view real again (so the
  // signal is no longer taken) and raises the signal, which then does what
  // it would have done without Tidemark. Async-signal-safe.
  static void PassOn(int number);

  // In a forked child, which must not report: every program's view becomes
  // real again, and Tidemark takes nothing more. Async-signal-safe.
  static void GiveBackAll();

  // fork's prepare handler (core/fork_guard.h), with every signal blocked:
  // takes the table's lock so that the child gets the table whole. Returns
  // false, not holding it, if another thread kept it for
  // `wait_nanoseconds` (it is tried at least once).
  static bool LockForFork(int64_t wait_nanoseconds);
  // fork's parent and child handlers, after LockForFork succeeded.
  static void UnlockAfterFork();

  // The bodies of the exported functions (exported_signal_symbols.cc binds
  // the C names to these); tests call them directly.
  static int Sigaction(int number, const struct sigaction* action,
                       struct sigaction* previous);
  // signal() and bsd_signal(): BSD semantics (SA_RESTART, the signal
  // blocked in its handler), as glibc's.
  static sighandler_t Signal(int number, sighandler_t handler);
  // sysv_signal(): SA_RESETHAND | SA_NODEFER, as glibc's.
  static sighandler_t SysvSignal(int number, sighandler_t handler);
  static sighandler_t Sigset(int number, sighandler_t handler);
  static int Siginterrupt(int number, int interrupt);
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_SIGNAL_DISPOSITIONS_H_
