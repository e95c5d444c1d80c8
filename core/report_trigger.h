#ifndef TIDEMARK_CORE_REPORT_TRIGGER_H_
#define TIDEMARK_CORE_REPORT_TRIGGER_H_

#include <sys/types.h>

#include <cstdint>

namespace tidemark {

// Why a report is being written outside the normal exit path.
enum class ReportRequest {
  kPeriodic,     // every flush interval (sample mode)
  kOnDemand,     // SIGUSR2: the job keeps running
  kTermination,  // SIGTERM or SIGINT: the job is about to die
};

// Writes reports when a signal or a timer asks for them.
//
// Signals need no thread. The handler writes the report itself when the
// thread it landed on is neither inside the C library's allocator nor
// inside the profiler, so it holds no lock the report needs (a thread
// blocked in a system call, say). Otherwise it leaves the signal in the
// thread's state and the thread acts on it as soon as it leaves the
// allocator or the profiler, which is a matter of microseconds. After a
// SIGTERM or SIGINT report the signal is raised again under its previous
// (default) disposition, so the program dies as it would have without us.
// A signal is taken only while the program leaves it at its default, and
// the program never sees that it was (core/signal_dispositions.h): Python
// still installs its SIGINT handler, so Ctrl-C raises KeyboardInterrupt and
// the job's own handling leads to the exit report.
//
// The signal handler itself renders nothing: the callback saves what the
// report needs into the stored profile and has it rendered by a process of
// its own (core/renderer_process.h).
//
// Periodic reports need a thread (a job may sit idle while its last report
// ages), and a thread has a cost: once a process has two, glibc's malloc
// takes its arena locks on every call that misses the per-thread cache (10%
// of the run time of a malloc-bound single-threaded benchmark here). So the
// thread starts from a sampled allocation: at once in a process that
// already has threads (numpy's OpenBLAS starts some), otherwise once the
// first flush interval has passed. A single-threaded job shorter than the
// interval never has it. Running out of memory is noticed on the allocation
// path, not here (core/oom_watch.h).
class ReportTrigger {
 public:
  using Callback = void (*)(ReportRequest request, int signal_number);

  // Takes SIGUSR2, SIGTERM and SIGINT for `owner` (the profiled process),
  // those of them the program has left at their default.
  // `flush_seconds` > 0 enables the periodic reports.
  static void Start(Callback callback, pid_t owner, double flush_seconds);

  // From sample mode's slow path, on sampled allocations, outside any
  // profiler lock. Cheap: a coarse clock read, and at most once a second a
  // look at the memory left; starts the thread when it is due.
  static void OnSampledAllocation();

  // In a forked child: gives the program's dispositions back for real and
  // never starts the thread. Async-signal-safe.
  static void ForgetInChild();

  // In a forked child that keeps being profiled (a fresh profile of its
  // own): `owner` is the child, its periodic thread (which fork did not
  // copy) starts again when due. Async-signal-safe.
  static void AdoptInChild(pid_t owner);
  // After the final report: nothing more is written.
  static void Stop();

  // How many signal reports were deferred: the signal landed on a thread
  // inside the allocator or the profiler and was acted on when it left.
  // Counted for this process since Start (a forked child that keeps being
  // profiled starts again from 0). A test that means to hit that moment
  // reads it from summary.json ("deferred_reports"). Async-signal-safe.
  static int64_t DeferredReports();
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_REPORT_TRIGGER_H_
