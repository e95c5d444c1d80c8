// The C names of the signal functions, put in front of glibc's so that the
// program reads and sets its own view of the signals Tidemark reports on
// (core/signal_dispositions.h). Only the preloaded library links this file;
// tests call SignalDispositions directly.
#include <signal.h>

#include "core/signal_dispositions.h"

using ::tidemark::SignalDispositions;

#define TIDEMARK_EXPORT extern "C" __attribute__((visibility("default")))

TIDEMARK_EXPORT int sigaction(int number, const struct sigaction* action,
                              struct sigaction* previous) {
  return SignalDispositions::Sigaction(number, action, previous);
}
TIDEMARK_EXPORT sighandler_t signal(int number, sighandler_t handler) {
  return SignalDispositions::Signal(number, handler);
}
TIDEMARK_EXPORT sighandler_t bsd_signal(int number, sighandler_t handler) {
  return SignalDispositions::Signal(number, handler);
}
TIDEMARK_EXPORT sighandler_t ssignal(int number, sighandler_t handler) {
  return SignalDispositions::Signal(number, handler);
}
TIDEMARK_EXPORT sighandler_t sysv_signal(int number, sighandler_t handler) {
  return SignalDispositions::SysvSignal(number, handler);
}
TIDEMARK_EXPORT sighandler_t __sysv_signal(int number, sighandler_t handler) {
  return SignalDispositions::SysvSignal(number, handler);
}
TIDEMARK_EXPORT sighandler_t sigset(int number, sighandler_t handler) {
  return SignalDispositions::Sigset(number, handler);
}
TIDEMARK_EXPORT int siginterrupt(int number, int interrupt) {
  return SignalDispositions::Siginterrupt(number, interrupt);
}
