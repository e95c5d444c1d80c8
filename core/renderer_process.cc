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
// The child runs on this stack until it execs (CLONE_VM: it shares our
// memory; CLONE_VFORK: we are suspended meanwhile). One child at a time.
alignas(64) char g_child_stack[64 * 1024];
std::atomic<bool> g_busy{false};

struct ChildArgs {
  const char* argv[kMaxArgs + 1];
};

int ChildMain(void* raw) {
  auto* args = static_cast<ChildArgs*>(raw);
  static const char* const kEmptyEnvironment[] = {nullptr};
  syscall(SYS_execve, g_path, args->argv, kEmptyEnvironment);
  syscall(SYS_exit, 127);
  return 127;
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
    g_available = CopyPath(configured, strlen(configured)) &&
                  IsExecutableFile(g_path);
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
  bool expected = false;
  if (!g_busy.compare_exchange_strong(expected, true)) return -1;
  ChildArgs child;
  int n = 0;
  child.argv[n++] = g_path;
  for (; args[n - 1] != nullptr && n < kMaxArgs; ++n) child.argv[n] = args[n - 1];
  child.argv[n] = nullptr;

  const int saved_errno = errno;
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = clone(&ChildMain, g_child_stack + sizeof(g_child_stack),
                          CLONE_VM | CLONE_VFORK, &child);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  int result = -1;
  if (pid > 0) {
    // Polled, so a renderer that hangs cannot hang the program.
    const long kStepNs = 5 * 1000 * 1000;
    long waited_ns = 0;
    for (;;) {
      int status = 0;
      const pid_t r = waitpid(pid, &status, __WCLONE | WNOHANG);
      if (r == pid) {
        if (WIFEXITED(status)) result = WEXITSTATUS(status);
        break;
      }
      if (r < 0 && errno != EINTR) break;
      if (waited_ns >= static_cast<long>(timeout_seconds) * 1000000000L) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, __WCLONE);
        break;
      }
      timespec step = {0, kStepNs};
      nanosleep(&step, nullptr);
      waited_ns += kStepNs;
    }
  }
  g_busy.store(false);
  errno = saved_errno;
  return result;
}

}  // namespace tidemark
