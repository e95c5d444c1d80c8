#include "core/renderer_process.h"

#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

namespace tidemark {
namespace {

char g_path[4096] = {};
bool g_available = false;

constexpr int kMaxArgs = 16;
// Two stacks: the go-between's and the renderer's until it execs. Both
// children share our memory (CLONE_VM) while we are suspended (CLONE_VFORK).
// One renderer at a time.
alignas(64) char g_go_between_stack[64 * 1024];
alignas(64) char g_renderer_stack[64 * 1024];
std::atomic<bool> g_busy{false};

struct ChildArgs {
  const char* argv[kMaxArgs + 1];
  int timeout_seconds;
};

int RendererMain(void* raw) {
  auto* args = static_cast<ChildArgs*>(raw);
  static const char* const kEmptyEnvironment[] = {nullptr};
  syscall(SYS_execve, g_path, args->argv, kEmptyEnvironment);
  syscall(SYS_exit, 127);
  return 127;
}

// The go-between: a child with no exit signal that never execs (an exec
// would make its exit signal SIGCHLD again), which starts the renderer as
// its own child, waits for it (killing it after the time limit), and exits
// with its status. The program's process only ever has this child, which
// no SIGCHLD announces and no wait() without __WCLONE can reap.
int GoBetweenMain(void* raw) {
  auto* args = static_cast<ChildArgs*>(raw);
  const pid_t renderer =
      clone(&RendererMain, g_renderer_stack + sizeof(g_renderer_stack),
            CLONE_VM | CLONE_VFORK | SIGCHLD, args);
  int result = 126;
  if (renderer > 0) {
    const long kStepNs = 5L * 1000 * 1000;
    const long limit_ns =
        static_cast<long>(args->timeout_seconds) * 1000000000L;
    for (long waited_ns = 0;; waited_ns += kStepNs) {
      int status = 0;
      const long r = syscall(SYS_wait4, renderer, &status, WNOHANG, nullptr);
      if (r == renderer) {
        result = WIFEXITED(status) ? WEXITSTATUS(status) : 125;
        break;
      }
      if (r < 0 && r != -EINTR) break;
      if (waited_ns >= limit_ns) {
        syscall(SYS_kill, renderer, SIGKILL);
        syscall(SYS_wait4, renderer, &status, 0, nullptr);
        result = 124;
        break;
      }
      timespec step = {0, kStepNs};
      syscall(SYS_nanosleep, &step, nullptr);
    }
  }
  syscall(SYS_exit, result);
  return result;
}

bool IsExecutableFile(const char* path) {
  struct stat info;
  return stat(path, &info) == 0 && S_ISREG(info.st_mode) &&
         access(path, X_OK) == 0;
}

bool CopyPath(const char* from, size_t length) {
  if (length + 1 > sizeof(g_path)) return false;
  memcpy(g_path, from, length);
  g_path[length] = '\0';
  return true;
}

}  // namespace

bool RendererProcess::Locate() {
  const char* configured = getenv("TIDEMARK_REPORT_TOOL");
  if (configured != nullptr && configured[0] != '\0') {
    g_available =
        CopyPath(configured, strlen(configured)) && IsExecutableFile(g_path);
    return g_available;
  }
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&RendererProcess::Locate), &info) == 0 ||
      info.dli_fname == nullptr) {
    return false;
  }
  const char* slash = strrchr(info.dli_fname, '/');
  if (slash == nullptr) return false;
  const size_t folder = static_cast<size_t>(slash - info.dli_fname) + 1;
  static constexpr char kName[] = "report";
  if (folder + sizeof(kName) > sizeof(g_path)) return false;
  memcpy(g_path, info.dli_fname, folder);
  memcpy(g_path + folder, kName, sizeof(kName));
  g_available = IsExecutableFile(g_path);
  return g_available;
}

bool RendererProcess::available() { return g_available; }

const char* RendererProcess::path() { return g_path; }

int RendererProcess::Run(const char* const* args, int timeout_seconds) {
  if (!g_available) return -1;
  // One renderer at a time (they share the two stacks above). A report due
  // while another thread's is rendered (a SIGUSR2 landing on another thread
  // just after the one before, a SIGTERM during a SIGUSR2 report) waits for
  // it, at most the time limit, instead of being lost. It is never this
  // thread's own: signals are blocked below while it renders. And a forked
  // child never inherits it set: the callers render inside a
  // ReentrancyGuard, which keeps forks out (core/fork_guard.h).
  const long kWaitStepNs = 1000L * 1000;
  const long wait_limit_ns = static_cast<long>(timeout_seconds) * 1000000000L;
  long waited_ns = 0;
  for (bool expected = false; !g_busy.compare_exchange_strong(expected, true);
       expected = false) {
    if (waited_ns >= wait_limit_ns) return -1;
    timespec step = {0, kWaitStepNs};
    syscall(SYS_nanosleep, &step, nullptr);
    waited_ns += kWaitStepNs;
  }
  ChildArgs child;
  int n = 0;
  child.argv[n++] = g_path;
  for (; args[n - 1] != nullptr && n < kMaxArgs; ++n) {
    child.argv[n] = args[n - 1];
  }
  child.argv[n] = nullptr;
  child.timeout_seconds = timeout_seconds;

  const int saved_errno = errno;
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  // We are suspended until the go-between exits (CLONE_VFORK), which is
  // once the renderer is done or was killed for taking too long.
  const pid_t pid =
      clone(&GoBetweenMain, g_go_between_stack + sizeof(g_go_between_stack),
            CLONE_VM | CLONE_VFORK, &child);
  int result = -1;
  if (pid > 0) {
    int status = 0;
    pid_t r;
    do {
      r = waitpid(pid, &status, __WCLONE);
    } while (r < 0 && errno == EINTR);
    if (r == pid && WIFEXITED(status) && WEXITSTATUS(status) < 124) {
      result = WEXITSTATUS(status);
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  g_busy.store(false);
  errno = saved_errno;
  return result;
}

}  // namespace tidemark
