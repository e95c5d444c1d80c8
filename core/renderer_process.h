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
// The program must not see a child it did not start: no SIGCHLD, nothing
// its wait() or waitpid(-1) could reap. A child made with no exit signal
// is such a child (only __WCLONE waits see it), but an exec makes its exit
// signal SIGCHLD again (checked here: a Python SIGCHLD handler ran). So the
// direct child is a go-between made with clone(CLONE_VM | CLONE_VFORK) and
// no exit signal, which never execs: it starts the renderer as its own
// child, waits for it (with a time limit) and exits with its status.
// Signals stay blocked in both children until the renderer's exec (the
// renderer unblocks them), so none of the program's handlers runs there.
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
  // (then it is killed). One renderer runs at a time: a call while another
  // thread's renderer runs first waits for it (at most `timeout_seconds`).
  // Returns its exit status, or -1 when it could not run or did not
  // finish. Async-signal-safe.
  static int Run(const char* const* args, int timeout_seconds);
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_RENDERER_PROCESS_H_
