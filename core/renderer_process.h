#ifndef TIDEMARK_CORE_RENDERER_PROCESS_H_
#define TIDEMARK_CORE_RENDERER_PROCESS_H_

namespace tidemark {

// Runs the report renderer (`//tools:report`) as a process of its own, for
// the reports that are due where rendering in place is not safe: in a
// signal handler (SIGTERM, SIGINT, SIGUSR2) and on the allocation path
// (out of memory). The renderer reads the stored profile this process keeps
// on disk, so it needs nothing from the process but the file's path, and a
// renderer that crashes or is killed cannot take the program with it.
//
// The child is made with clone(CLONE_VM | CLONE_VFORK) and no exit signal:
// the program gets no SIGCHLD for it and its wait() or waitpid(-1) cannot
// reap it (only __WCLONE waits see such a child), so the program observes
// no process it did not start. Signals are blocked from before the clone
// until the exec, so none of the program's handlers runs in the child.
class RendererProcess {
 public:
  // Finds the renderer, once, at start (may allocate): $TIDEMARK_REPORT_TOOL
  // when set (the launcher sets it), else `report` in the folder this
  // library was loaded from (bazel-bin/tools/ holds both). False when
  // neither is an executable file.
  static bool Locate();
  static bool available();
  static const char* path();

  // Runs the renderer with `args` (argv[1...], null-terminated, at most 15)
  // and an empty environment, and waits for it, at most `timeout_seconds`
  // (then it is killed). Returns its exit status, or -1 when it could not
  // run or did not finish. Async-signal-safe.
  static int Run(const char* const* args, int timeout_seconds);
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_RENDERER_PROCESS_H_
