#include "core/report_trigger.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "core/signal_dispositions.h"
#include "core/thread_state.h"

namespace tidemark {
namespace {

// Before the thread runs, sampled allocations look at the clock at most
// this often.
constexpr int64_t kInBandCheckMs = 1000;

// The signals that ask for a report, in the order they are taken.
constexpr int kReportSignals[] = {SIGUSR2, SIGTERM, SIGINT};

bool IsReportSignal(int number) {
  for (int s : kReportSignals) {
    if (s == number) return true;
  }
  return false;
}

ReportTrigger::Callback g_callback = nullptr;
pid_t g_owner = 0;
int64_t g_flush_ms = -1;  // -1: no periodic reports, no thread
std::atomic<bool> g_stopped{false};
std::atomic<bool> g_forgotten{false};  // set in forked children
std::atomic<bool> g_thread_started{false};
std::atomic<int64_t> g_first_flush_ms{0};
std::atomic<int64_t> g_next_in_band_check_ms{0};
// Lock-free on x86-64 and AArch64, so the handler may add to it.
std::atomic<int64_t> g_deferred_reports{0};
static_assert(std::atomic<int64_t>::is_always_lock_free, "signal-safe");

int64_t NowMs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// After the final report, or in a process this session does not own (a
// forked child), signals are none of our business. Async-signal-safe.
bool NotOurs() {
  return g_stopped.load() || g_forgotten.load() || getpid() != g_owner;
}

// Writes the report a signal asks for, then (SIGTERM, SIGINT) lets it kill.
// Inside a guard, like all profiler code that takes the profiler's locks
// (the peak's, the stored profile's), so a fork never copies them held.
void Act(int number) {
  ReentrancyGuard guard;
  if (number == SIGUSR2) {
    g_callback(ReportRequest::kOnDemand, number);
    return;
  }
  g_callback(ReportRequest::kTermination, number);
  SignalDispositions::PassOn(number);
}

// Runs on the thread that received a signal while inside the allocator or
// the profiler, once it has left both (core/thread_state.h).
void RunDeferred(int number) {
  if (NotOurs()) {
    SignalDispositions::PassOn(number);
    return;
  }
  // Counted before the report, so that the report says it was deferred.
  g_deferred_reports.fetch_add(1, std::memory_order_relaxed);
  Act(number);
}

void OnSignal(int number) {
  const int saved_errno = errno;
  if (!IsReportSignal(number)) return;
  if (NotOurs()) {
    // After the final report, or in a process this session does not own:
    // behave as if we had never been here.
    SignalDispositions::PassOn(number);
    errno = saved_errno;
    return;
  }
  ThreadState& ts = t_thread_state;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  if (ts.in_allocator != 0 || ts.reentrancy_depth != 0) {
    // This thread may hold the arena lock or one of ours, which the report
    // needs: act when it leaves. One pending signal is enough; a second
    // report request would only repeat it.
    if (ts.deferred_signal == 0 || number != SIGUSR2) {
      ts.deferred_signal = number;
    }
    errno = saved_errno;
    return;
  }
  Act(number);
  errno = saved_errno;
}

void* ThreadMain(void*) {
  // Signals are acted on by the threads they land on; keep them off this
  // one, which may be in the middle of a report.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);

  int64_t next_flush = NowMs(CLOCK_MONOTONIC) + g_flush_ms;
  for (;;) {
    // Checked at least once a second, so Stop() is noticed soon.
    const int64_t wait = std::max<int64_t>(
        1, std::min<int64_t>(1000, next_flush - NowMs(CLOCK_MONOTONIC)));
    timespec ts = {static_cast<time_t>(wait / 1000),
                   static_cast<long>((wait % 1000) * 1000000)};
    nanosleep(&ts, nullptr);
    if (g_stopped.load()) return nullptr;
    if (NowMs(CLOCK_MONOTONIC) >= next_flush) {
      // The reports' own allocations are not the job's. Only around the
      // report, not the sleep: a fork waits for every guard to end.
      ReentrancyGuard guard;
      g_callback(ReportRequest::kPeriodic, 0);
      next_flush = NowMs(CLOCK_MONOTONIC) + g_flush_ms;
    }
  }
}

void StartThread() {
  bool expected = false;
  if (!g_thread_started.compare_exchange_strong(expected, true)) return;
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&thread, &attr, &ThreadMain, nullptr) == 0) {
    pthread_setname_np(thread, "tidemark-report");
  }
  // On failure the job goes on with exit and signal reports only.
  pthread_attr_destroy(&attr);
}

}  // namespace

void ReportTrigger::Start(Callback callback, pid_t owner,
                          double flush_seconds) {
  g_callback = callback;
  g_owner = owner;
  if (flush_seconds > 0) {
    g_flush_ms = static_cast<int64_t>(std::fmin(flush_seconds * 1000, 1e12));
    g_flush_ms = std::max<int64_t>(g_flush_ms, 1);
    g_first_flush_ms.store(NowMs(CLOCK_MONOTONIC) + g_flush_ms);
  }
  g_deferred_signal_runner = &RunDeferred;

  // Only signals the program leaves at their default, and only while it
  // does (core/signal_dispositions.h).
  for (int number : kReportSignals) SignalDispositions::Take(number, &OnSignal);
}

void ReportTrigger::OnSampledAllocation() {
  if (g_flush_ms < 0 || g_thread_started.load(std::memory_order_relaxed) ||
      g_forgotten.load(std::memory_order_relaxed)) {
    return;
  }
  // A process with threads of its own already pays for glibc's locking,
  // so one more thread costs it nothing: start at once. Before the clock's
  // once-a-second look, which would otherwise pass over the sampled
  // allocations of a job that started its threads just after one: a job
  // that then mostly waits may sample nothing more for minutes, and had no
  // periodic report at all.
  if (__libc_single_threaded == 0) {
    StartThread();
    return;
  }
  const int64_t now = NowMs(CLOCK_MONOTONIC_COARSE);
  if (now < g_next_in_band_check_ms.load(std::memory_order_relaxed)) return;
  const int64_t first_flush = g_first_flush_ms.load(std::memory_order_relaxed);
  int64_t next_check = now + kInBandCheckMs;
  if (first_flush > now) next_check = std::min(next_check, first_flush);
  g_next_in_band_check_ms.store(next_check, std::memory_order_relaxed);
  if (now >= first_flush) StartThread();
}

void ReportTrigger::ForgetInChild() {
  g_forgotten.store(true);
  SignalDispositions::GiveBackAll();
}

void ReportTrigger::AdoptInChild(pid_t owner) {
  g_owner = owner;
  g_thread_started.store(false);
  if (g_flush_ms > 0) {
    g_first_flush_ms.store(NowMs(CLOCK_MONOTONIC) + g_flush_ms);
  }
  g_next_in_band_check_ms.store(0);
  g_deferred_reports.store(0, std::memory_order_relaxed);
}

void ReportTrigger::Stop() { g_stopped.store(true); }

int64_t ReportTrigger::DeferredReports() {
  return g_deferred_reports.load(std::memory_order_relaxed);
}

}  // namespace tidemark
