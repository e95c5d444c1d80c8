#ifndef TIDEMARK_CORE_REPORT_TRIGGER_H_
#define TIDEMARK_CORE_REPORT_TRIGGER_H_

#include <sys/types.h>

#include <string>

namespace tidemark {

// Why a report is being written outside the normal exit path.
enum class ReportRequest {
  kPeriodic,         // every flush interval
  kOnDemand,         // SIGUSR2: the job keeps running
  kTermination,      // SIGTERM or SIGINT: the job is about to die
  kNearOutOfMemory,  // less than 5% of the memory limit is left
};

// Writes reports when asked by a signal or a timer (sample mode).
//
// Reports cannot be written from a signal handler (they allocate, lock and
// call reporters), so a dedicated thread does it: the handler only writes one
// byte into a pipe, which is async-signal-safe, and the thread, woken by
// poll(), calls the callback. The same poll() times out every flush interval
// for the periodic report, and twice a second to check how much memory is
// left (core/memory_pressure.h): below 5% of the limit it asks for a
// near-out-of-memory report, once until memory recovers above 10%. For SIGTERM
// and SIGINT the handler then waits (bounded) for the report to be written and
// re-raises the signal under the program's previous disposition, so the program
// dies, or handles it, as it would have without us. The thread blocks every
// signal, so a handler never runs on it.
//
// Only signals whose disposition is still the default when Start() runs are
// taken (a shell's "ignore SIGINT" for background jobs is kept); a program
// that installs its own handler later (Python does for SIGINT) replaces
// ours, and its own handling then leads to the normal exit report.
class ReportTrigger {
 public:
  using Callback = void (*)(ReportRequest request, int signal_number);

  // `flush_seconds` <= 0 disables the periodic report. Returns false with a
  // reason when the thread or pipe cannot be created.
  static bool Start(Callback callback, double flush_seconds, pid_t owner,
                    std::string* error);

  // In a forked child: puts back the dispositions we replaced, so that the
  // child's signals do not wake the parent's thread (which the child does
  // not have). Async-signal-safe.
  static void ForgetInChild();

  // After the final report: the thread writes nothing more.
  static void Stop();
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_REPORT_TRIGGER_H_
