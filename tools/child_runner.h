#ifndef TIDEMARK_TOOLS_CHILD_RUNNER_H_
#define TIDEMARK_TOOLS_CHILD_RUNNER_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace tidemark {

struct ChildStatus {
  pid_t pid = 0;
  // The command never started (not found, not executable); the child has
  // already said why on stderr and exit_code is 127 or 126.
  bool exec_failed = false;
  int exit_code = 0;  // when the child exited
  int signal = 0;     // nonzero when a signal ended the child
};

// Runs `argv` (argv[0] looked up in PATH) with environment `env` and waits
// for it. The child inherits stdin, stdout and stderr. While it runs, this
// process passes SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 on to
// the child, each exactly once:
//  - in the foreground of a terminal, the child shares this process's group
//    (job control works as for any command), and what the terminal sends to
//    the group reaches the child directly, so it is not passed on; what a
//    process sends to this one is;
//  - otherwise the child has a process group of its own, everything this
//    process receives is passed on, and the child dies with this process
//    if it is SIGKILLed (PR_SET_PDEATHSIG).
// The previous dispositions are back when this returns. Returns false with
// `error` only if no child process could be created.
bool RunChild(const std::vector<std::string>& argv,
              const std::vector<std::string>& env, ChildStatus* status,
              std::string* error);

// Ends this process the way the child ended: the same exit code, or the same
// signal (so a shell or CI sees "killed by SIGTERM", not an exit code).
[[noreturn]] void ExitLikeChild(const ChildStatus& status);

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_CHILD_RUNNER_H_
