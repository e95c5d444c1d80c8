#include "core/report_trigger.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "core/memory_pressure.h"
#include "core/thread_state.h"

namespace tidemark {
namespace {

// What a handler writes into the pipe.
constexpr char kRequestOnDemand = 'U';
constexpr char kRequestTermination = 'T';

// How long a dying process waits for its report. Long enough for a report
// of many thousands of stacks; bounded so that a report that cannot finish
// (say, the signal interrupted a thread holding a lock the report needs)
// never keeps a process from dying.
constexpr int kTerminationWaitMs = 10000;

// Memory is checked this often; a job that goes from 95% to 100% of its
// limit faster than this is caught by the periodic report instead.
constexpr int kPressureCheckMs = 500;
constexpr double kNearOutOfMemoryFraction = 0.05;
constexpr double kRecoveredFraction = 0.10;

struct TakenSignal {
  int number;
  bool taken = false;
  struct sigaction previous = {};
};

TakenSignal g_signals[] = {{SIGUSR2}, {SIGTERM}, {SIGINT}};

ReportTrigger::Callback g_callback = nullptr;
int g_pipe_read = -1;
int g_pipe_write = -1;
int g_flush_ms = -1;
pid_t g_owner = 0;
std::atomic<bool> g_stopped{false};
// Termination reports finished; a handler waits for this to move.
std::atomic<uint64_t> g_terminations_done{0};
// The signal number of the pending termination request.
std::atomic<int> g_termination_signal{0};

TakenSignal* Find(int number) {
  for (TakenSignal& s : g_signals) {
    if (s.number == number) return &s;
  }
  return nullptr;
}

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void SleepMs(int ms) {
  timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Hands the signal back to whatever disposition it had before us.
void PassOn(TakenSignal* s, int number, siginfo_t* info, void* context) {
  const struct sigaction& prev = s->previous;
  if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(number, info, context);
    return;
  }
  if (prev.sa_handler == SIG_IGN) return;
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != nullptr) {
    prev.sa_handler(number);
    return;
  }
  // Default: restore it and re-raise. The signal is blocked while this
  // handler runs, so it is delivered, with its default effect, as soon as
  // the handler returns.
  sigaction(number, &prev, nullptr);
  raise(number);
}

void OnSignal(int number, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  TakenSignal* s = Find(number);
  if (s == nullptr) {
    errno = saved_errno;
    return;
  }
  const bool ours = getpid() == g_owner && !g_stopped.load();
  if (number == SIGUSR2) {
    if (ours) {
      ssize_t ignored = write(g_pipe_write, &kRequestOnDemand, 1);
      (void)ignored;
    } else {
      PassOn(s, number, info, context);
    }
    errno = saved_errno;
    return;
  }
  if (ours && t_thread_state.reentrancy_depth == 0) {
    // Not while this thread is inside the profiler: it may hold a lock the
    // report needs.
    const uint64_t before = g_terminations_done.load();
    g_termination_signal.store(number);
    if (write(g_pipe_write, &kRequestTermination, 1) == 1) {
      for (int waited = 0;
           waited < kTerminationWaitMs && g_terminations_done.load() == before;
           waited += 5) {
        SleepMs(5);
      }
    }
  }
  PassOn(s, number, info, context);
  errno = saved_errno;
}

void* ThreadMain(void*) {
  // Keep every signal off this thread: a handler that waits for this thread
  // must never run on it.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  ReentrancyGuard guard;  // the reports' own allocations are not the job's

  struct pollfd pfd = {g_pipe_read, POLLIN, 0};
  int64_t next_flush = g_flush_ms > 0 ? NowMs() + g_flush_ms : -1;
  bool pressure_reported = false;
  for (;;) {
    int timeout = kPressureCheckMs;
    if (next_flush >= 0) {
      timeout = static_cast<int>(std::max<int64_t>(
          0, std::min<int64_t>(timeout, next_flush - NowMs())));
    }
    int ready = poll(&pfd, 1, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return nullptr;
    }
    if (ready == 0) {
      if (g_stopped.load()) continue;
      if (next_flush >= 0 && NowMs() >= next_flush) {
        g_callback(ReportRequest::kPeriodic, 0);
        next_flush = NowMs() + g_flush_ms;
      }
      MemoryStatus status;
      if (ReadMemoryStatus(&status)) {
        if (!pressure_reported &&
            IsNearOutOfMemory(status, kNearOutOfMemoryFraction)) {
          pressure_reported = true;
          g_callback(ReportRequest::kNearOutOfMemory, 0);
        } else if (!IsNearOutOfMemory(status, kRecoveredFraction)) {
          pressure_reported = false;
        }
      }
      continue;
    }
    // Handlers check g_stopped themselves; after the final report their
    // bytes are only drained.
    char requests[64];
    ssize_t n = read(g_pipe_read, requests, sizeof(requests));
    if (n <= 0) continue;
    bool on_demand = false;
    bool termination = false;
    for (ssize_t i = 0; i < n; ++i) {
      on_demand |= requests[i] == kRequestOnDemand;
      termination |= requests[i] == kRequestTermination;
    }
    if (g_stopped.load()) {
      if (termination) g_terminations_done.fetch_add(1);  // do not make it wait
      continue;
    }
    if (termination) {
      g_callback(ReportRequest::kTermination, g_termination_signal.load());
      g_terminations_done.fetch_add(1);
    } else if (on_demand) {
      g_callback(ReportRequest::kOnDemand, SIGUSR2);
    }
  }
}

}  // namespace

bool ReportTrigger::Start(Callback callback, double flush_seconds, pid_t owner,
                          std::string* error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = std::string("cannot create a pipe: ") + strerror(errno);
    return false;
  }
  // A handler must never block on a full pipe; a dropped byte is a request
  // already pending.
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  g_pipe_read = fds[0];
  g_pipe_write = fds[1];
  g_callback = callback;
  g_owner = owner;
  g_flush_ms = flush_seconds > 0
                   ? static_cast<int>(std::fmin(flush_seconds * 1000, 1e9))
                   : -1;

  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_create(&thread, &attr, &ThreadMain, nullptr);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    *error = std::string("cannot start the report thread: ") + strerror(rc);
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  pthread_setname_np(thread, "tidemark-report");

  for (TakenSignal& s : g_signals) {
    struct sigaction current;
    if (sigaction(s.number, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler != SIG_DFL) {
      continue;  // ignored or handled already: leave it to the program
    }
    if ((current.sa_flags & SA_SIGINFO) != 0) continue;
    struct sigaction ours = {};
    ours.sa_sigaction = &OnSignal;
    ours.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&ours.sa_mask);
    s.previous = current;
    if (sigaction(s.number, &ours, nullptr) == 0) s.taken = true;
  }
  return true;
}

void ReportTrigger::ForgetInChild() {
  g_stopped.store(true);
  for (TakenSignal& s : g_signals) {
    if (!s.taken) continue;
    struct sigaction current;
    if (sigaction(s.number, nullptr, &current) == 0 &&
        (current.sa_flags & SA_SIGINFO) != 0 &&
        current.sa_sigaction == &OnSignal) {
      sigaction(s.number, &s.previous, nullptr);
    }
  }
}

void ReportTrigger::Stop() { g_stopped.store(true); }

}  // namespace tidemark
