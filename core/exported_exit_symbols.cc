// _exit() and _Exit() under their C names, put in front of glibc's: a
// process that ends without exit() (multiprocessing's workers call
// os._exit, a forked child that failed to exec calls _exit) runs no exit
// handler, so this is where it gets its final reports. exit() reaches
// glibc's _exit internally, never through here.
#include <sys/syscall.h>
#include <unistd.h>

#include "core/session.h"

#define TIDEMARK_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// What glibc's _exit does: end every thread of the process. Called
// directly, not through dlsym (which may allocate, and _exit must work in a
// vfork child and in signal handlers).
[[noreturn]] void ExitGroup(int status) {
  for (;;) syscall(SYS_exit_group, status);
}

}  // namespace

TIDEMARK_EXPORT __attribute__((noreturn)) void _exit(int status) {
  tidemark::Session::OnImmediateExit(status);
  ExitGroup(status);
}

TIDEMARK_EXPORT __attribute__((noreturn)) void _Exit(int status) {
  tidemark::Session::OnImmediateExit(status);
  ExitGroup(status);
}
