#include "tools/child_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/message_text.h"

namespace tidemark {
namespace {

// Every signal a job is commonly sent, besides those nobody can catch.
constexpr int kForwarded[] = {SIGINT, SIGQUIT, SIGTERM,
                              SIGHUP, SIGUSR1, SIGUSR2};
constexpr int kForwardedCount = sizeof(kForwarded) / sizeof(kForwarded[0]);

// The child the forwarding handler signals; 0 when there is none.
volatile sig_atomic_t g_child_pid = 0;
// The child shares this process's group, so a signal sent to the group (by
// the terminal: Ctrl-C, Ctrl-\, a hang-up) reaches it directly.
volatile sig_atomic_t g_child_in_our_group = 0;

void ForwardToChild(int signal_number, siginfo_t* info, void*) {
  int saved_errno = errno;
  // The terminal signals the whole foreground group, the child included;
  // passing it on would deliver it twice (a second KeyboardInterrupt inside
  // the program's `finally`). What another process sends to this process
  // is passed on.
  const bool from_terminal = info != nullptr && info->si_code == SI_KERNEL;
  if (g_child_pid > 0 && !(from_terminal && g_child_in_our_group)) {
    kill(g_child_pid, signal_number);
  }
  errno = saved_errno;
}

// Whether this process is in the foreground of its controlling terminal:
// then the child stays in its process group, so that the terminal's job
// control (Ctrl-C, Ctrl-Z, reading the terminal) works on it as on any
// command the shell started.
bool InForegroundOfTerminal() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (isatty(fd)) return tcgetpgrp(fd) == getpgrp();
  }
  return false;
}

std::vector<char*> NullTerminated(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings) {
    pointers.push_back(const_cast<char*>(s.c_str()));
  }
  pointers.push_back(nullptr);
  return pointers;
}

// Runs in the child between fork and exec, so it only formats into a stack
// buffer and makes system calls. Tells the parent through `report_fd`
// (close-on-exec: a successful exec closes it unwritten) that exec failed.
[[noreturn]] void ExecOrExplain(char* const argv[], char* const envp[],
                                int report_fd) {
  execvpe(argv[0], argv, envp);
  int failure = errno;
  // The command's name is the user's text: escaped, it stays on one line.
  char name[512];
  EscapeControlBytes(argv[0], name, sizeof(name));
  char message[1024];
  int length =
      snprintf(message, sizeof(message), "tidemark: cannot run '%s': %s\n",
               name, strerror(failure));
  if (length > 0) {
    size_t size = std::min(static_cast<size_t>(length), sizeof(message) - 1);
    if (write(STDERR_FILENO, message, size) < 0) {
      // Nowhere left to report it; the exit code still says it.
    }
  }
  if (write(report_fd, &failure, sizeof(failure)) < 0) {
    // The parent then treats it as a command that ran and failed.
  }
  // The shell's convention: 126 found but not runnable, 127 not found.
  _exit(failure == EACCES || failure == EPERM ? 126 : 127);
}

void DecodeWaitStatus(int wait_status, ChildStatus* status) {
  if (WIFSIGNALED(wait_status)) {
    status->signal = WTERMSIG(wait_status);
  } else {
    status->exit_code = WEXITSTATUS(wait_status);
  }
}

}  // namespace

bool RunChild(const std::vector<std::string>& argv,
              const std::vector<std::string>& env, ChildStatus* status,
              std::string* error) {
  *status = ChildStatus();
  // Built before fork: the child must not allocate before exec.
  std::vector<char*> child_argv = NullTerminated(argv);
  std::vector<char*> child_env = NullTerminated(env);
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    *error = std::string("cannot start the command: ") + strerror(errno);
    return false;
  }

  // An inherited "ignore SIGCHLD" would reap the child behind our back and
  // lose its exit status.
  signal(SIGCHLD, SIG_DFL);

  // The handled signals stay blocked from before fork until the handlers
  // know the child's pid, so none is lost or sent to pid 0 (our own process
  // group). The child gets the original mask and dispositions back before
  // exec: both survive exec.
  sigset_t handled;
  sigset_t original_mask;
  sigemptyset(&handled);
  for (int s : kForwarded) sigaddset(&handled, s);
  sigprocmask(SIG_BLOCK, &handled, &original_mask);

  // Away from a terminal (a batch job, a supervisor, `timeout`), the child
  // gets a process group of its own: a signal sent to this process's group
  // then reaches the child once, through this process, instead of twice.
  // So that it cannot outlive a SIGKILLed launcher, it is killed with it.
  const bool same_group = InForegroundOfTerminal();
  const pid_t launcher = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    close(report[0]);
    if (!same_group) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != launcher) _exit(127);  // already gone
    }
    sigprocmask(SIG_SETMASK, &original_mask, nullptr);
    ExecOrExplain(child_argv.data(), child_env.data(), report[1]);
  }
  // Also from this side, so the group exists before any signal is passed
  // on (fails harmlessly once the child has exec'd).
  if (pid > 0 && !same_group) setpgid(pid, pid);
  int fork_errno = errno;
  close(report[1]);
  if (pid < 0) {
    sigprocmask(SIG_SETMASK, &original_mask, nullptr);
    close(report[0]);
    *error = std::string("cannot start the command: ") + strerror(fork_errno);
    return false;
  }
  status->pid = pid;
  g_child_pid = pid;
  g_child_in_our_group = same_group;

  struct sigaction saved[kForwardedCount];
  struct sigaction forward = {};
  forward.sa_sigaction = ForwardToChild;
  forward.sa_flags = SA_RESTART | SA_SIGINFO;
  sigemptyset(&forward.sa_mask);
  for (int i = 0; i < kForwardedCount; ++i) {
    sigaction(kForwarded[i], nullptr, &saved[i]);
    // A signal this process was told to ignore (nohup, a background job's
    // SIGINT) stays ignored; the child inherited that too.
    if (saved[i].sa_handler != SIG_IGN) {
      sigaction(kForwarded[i], &forward, nullptr);
    }
  }
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);

  int exec_errno = 0;
  ssize_t got;
  do {
    got = read(report[0], &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  close(report[0]);
  status->exec_failed = got == static_cast<ssize_t>(sizeof(exec_errno));

  // Wait without reaping first: while the child is a zombie its pid cannot
  // be reused, so a signal forwarded meanwhile cannot hit a stranger.
  siginfo_t info;
  while (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 &&
         errno == EINTR) {
  }
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  g_child_pid = 0;
  for (int i = 0; i < kForwardedCount; ++i) {
    sigaction(kForwarded[i], &saved[i], nullptr);
  }
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);

  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  DecodeWaitStatus(wait_status, status);
  return true;
}

void ExitLikeChild(const ChildStatus& status) {
  fflush(nullptr);
  if (status.signal != 0) {
    // If the child's death left a core file, one of this tool would only
    // mislead whoever looks at it.
    struct rlimit core;
    if (getrlimit(RLIMIT_CORE, &core) == 0) {
      core.rlim_cur = 0;
      setrlimit(RLIMIT_CORE, &core);
    }
    signal(status.signal, SIG_DFL);
    sigset_t just_this;
    sigemptyset(&just_this);
    sigaddset(&just_this, status.signal);
    sigprocmask(SIG_UNBLOCK, &just_this, nullptr);
    raise(status.signal);
    // Still here: the signal's default action does not end a process.
    exit(128 + status.signal);
  }
  exit(status.exit_code);
}

}  // namespace tidemark
