#ifndef TIDEMARK_CORE_SESSION_H_
#define TIDEMARK_CORE_SESSION_H_

namespace tidemark {

// One profiled process, from start-up to its final report: reads the
// configuration, asks the registry for the chosen unwinder, interposer and
// reporters, turns tracking on, and writes the reports at exit.
//
// The session never stops the program: when something is wrong (a bad
// TIDEMARK_* value, an unknown plugin name, an unwritable output directory)
// it prints one line starting "tidemark:" on stderr and leaves tracking off.
class Session {
 public:
  // Called once, from the preloaded library's constructor.
  static void Start();

  // Writes every configured report now; `reason` is recorded in them
  // ("exit", "signal", ...). Serialized; not async-signal-safe.
  static bool WriteReports(const char* reason);

  // The process is ending through _exit() or _Exit(), which run no exit
  // handler: renders its final reports through the renderer process.
  // Async-signal-safe; does nothing in a process it does not profile (a
  // vfork child, a child forked without profiling).
  static void OnImmediateExit(int status);
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_SESSION_H_
