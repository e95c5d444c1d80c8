// ReportTrigger: signals acted on at once outside the allocator and the
// profiler, deferred inside them and acted on when the thread leaves, passed
// on to the program's disposition (a SIGTERM still kills), left alone when
// the program handles them itself; the periodic thread started lazily.
//
// ReportTrigger is process-wide and one-way (Start takes the signals, the
// thread starts once), so every test runs in a forked child of its own. The
// child's callback writes what it saw into a pipe, async-signal-safely, as
// one word per report: kind (P periodic, D on demand, T termination), the
// signal, "/" the deferred count at that moment, "/" the thread's re-entrancy
// depth (1: the report runs inside a guard); a periodic report adds "@" and
// its thread's name. Notes the test body writes between them show the order.
// The parent checks the words and how the child ended.

#include "core/report_trigger.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "core/signal_dispositions.h"
#include "core/thread_state.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

int g_record_fd = -1;

// Async-signal-safe: one write of a whole word.
void Write(const char* text) {
  char word[128];
  const int length = snprintf(word, sizeof(word), "%s ", text);
  if (length > 0 && write(g_record_fd, word, static_cast<size_t>(length))) {
  }
}

void Note(const char* text) { Write(text); }

void RecordingCallback(ReportRequest request, int signal_number) {
  const char kind = request == ReportRequest::kPeriodic   ? 'P'
                    : request == ReportRequest::kOnDemand ? 'D'
                                                          : 'T';
  char word[96];
  int length =
      snprintf(word, sizeof(word), "%c%d/%lld/%d", kind, signal_number,
               static_cast<long long>(ReportTrigger::DeferredReports()),
               t_thread_state.reentrancy_depth);
  if (request == ReportRequest::kPeriodic && length > 0) {
    char name[32] = "?";
    pthread_getname_np(pthread_self(), name, sizeof(name));
    snprintf(word + length, sizeof(word) - static_cast<size_t>(length), "@%s",
             name);
  }
  Write(word);
}

// The program's own handler, where a test installs one.
void ProgramHandler(int number) {
  char word[16];
  snprintf(word, sizeof(word), "H%d", number);
  Write(word);
}

// A failed expectation inside the child: said in the record, which the
// parent then rejects.
#define CHILD_EXPECT(condition)                                              \
  do {                                                                       \
    if (!(condition)) Write("FAIL@" LINE_TEXT(__LINE__) "(" #condition ")"); \
  } while (0)
#define LINE_TEXT(line) LINE_TEXT2(line)
#define LINE_TEXT2(line) #line

// A thread of the program's own (numpy's OpenBLAS, say), blocked on a
// pipe until the end of its scope.
class ProgramThread {
 public:
  ProgramThread() {
    CHILD_EXPECT(pipe(hold_) == 0);
    pthread_create(&thread_, nullptr, &Wait, &hold_[0]);
  }
  ~ProgramThread() {
    close(hold_[1]);
    pthread_join(thread_, nullptr);
  }
  ProgramThread(const ProgramThread&) = delete;
  ProgramThread& operator=(const ProgramThread&) = delete;

 private:
  static void* Wait(void* fd) {
    char byte;
    while (read(*static_cast<int*>(fd), &byte, 1) < 0) {
    }
    return nullptr;
  }

  int hold_[2] = {-1, -1};
  pthread_t thread_ = {};
};

struct ChildOutcome {
  int status = 0;
  std::string record;  // the words, space-separated, without the last space
};

// Runs `body` in a forked child that then exits 0 (unless a signal ends it
// first), and returns how it ended and what it recorded.
ChildOutcome RunInChild(void (*body)()) {
  ChildOutcome outcome;
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe: " << strerror(errno);
    return outcome;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    g_record_fd = fds[1];
    body();
    _exit(0);
  }
  close(fds[1]);
  char buffer[512];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof(buffer))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    outcome.record.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (pid < 0 || waitpid(pid, &outcome.status, 0) != pid) {
    ADD_FAILURE() << "fork or waitpid failed: " << strerror(errno);
  }
  if (!outcome.record.empty() && outcome.record.back() == ' ') {
    outcome.record.pop_back();
  }
  return outcome;
}

std::string Describe(const ChildOutcome& outcome) {
  std::string how;
  if (WIFEXITED(outcome.status)) {
    how = "exited " + std::to_string(WEXITSTATUS(outcome.status));
  } else if (WIFSIGNALED(outcome.status)) {
    how = std::string("killed by ") + strsignal(WTERMSIG(outcome.status));
  } else {
    how = "status " + std::to_string(outcome.status);
  }
  return how + ", recorded \"" + outcome.record + "\"";
}

void ExpectExited(const ChildOutcome& outcome, const std::string& record) {
  EXPECT_TRUE(WIFEXITED(outcome.status) && WEXITSTATUS(outcome.status) == 0)
      << Describe(outcome);
  EXPECT_EQ(outcome.record, record) << Describe(outcome);
}

void ExpectKilledBy(const ChildOutcome& outcome, int number,
                    const std::string& record) {
  EXPECT_TRUE(WIFSIGNALED(outcome.status) && WTERMSIG(outcome.status) == number)
      << "expected death by " << strsignal(number) << "; " << Describe(outcome);
  EXPECT_EQ(outcome.record, record) << Describe(outcome);
}

double Now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

void SleepSeconds(double seconds) {
  timespec t = {
      static_cast<time_t>(seconds),
      static_cast<long>(
          (seconds - static_cast<double>(static_cast<time_t>(seconds))) * 1e9)};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

// The id of this process's thread named "tidemark-report", or 0.
pid_t ReportThreadId() {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return 0;
  pid_t found = 0;
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    char path[sizeof(entry->d_name) + 32];
    snprintf(path, sizeof(path), "/proc/self/task/%s/comm", entry->d_name);
    FILE* comm = fopen(path, "re");
    if (comm == nullptr) continue;
    char name[32] = "";
    if (fgets(name, sizeof(name), comm) != nullptr &&
        strcmp(name, "tidemark-report\n") == 0) {
      found = static_cast<pid_t>(atoi(entry->d_name));
    }
    fclose(comm);
  }
  closedir(tasks);
  return found;
}

// The signals thread `tid` of this process blocks (SigBlk in its status).
uint64_t BlockedSignals(pid_t tid) {
  char path[96];
  snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
  FILE* status = fopen(path, "re");
  if (status == nullptr) return 0;
  char line[256];
  uint64_t mask = 0;
  while (fgets(line, sizeof(line), status) != nullptr) {
    if (strncmp(line, "SigBlk:", 7) == 0) {
      mask = strtoull(line + 7, nullptr, 16);
    }
  }
  fclose(status);
  return mask;
}

uint64_t Bit(int number) { return uint64_t{1} << (number - 1); }

void StartTrigger(double flush_seconds) {
  ReportTrigger::Start(&RecordingCallback, getpid(), flush_seconds);
}

// --- Signals outside the allocator and the profiler: acted on at once.

TEST(ReportTriggerTest, Sigusr2OutsideTheAllocatorReportsAtOnce) {
  ExpectExited(RunInChild([] {
                 StartTrigger(0);
                 raise(SIGUSR2);
                 Note("after");
                 raise(SIGUSR2);
               }),
               "D12/0/1 after D12/0/1");
}

TEST(ReportTriggerTest, SigtermIsReportedThenKillsAsItsDefaultWould) {
  ExpectKilledBy(RunInChild([] {
                   StartTrigger(0);
                   raise(SIGTERM);
                   Note("survived");
                 }),
                 SIGTERM, "T15/0/1");
}

TEST(ReportTriggerTest, SigintIsReportedThenKillsAsItsDefaultWould) {
  ExpectKilledBy(RunInChild([] {
                   StartTrigger(0);
                   raise(SIGINT);
                   Note("survived");
                 }),
                 SIGINT, "T2/0/1");
}

// --- Inside the allocator or the profiler: deferred until the thread
// leaves, then acted on by that thread, and counted.

TEST(ReportTriggerTest, Sigusr2InsideTheAllocatorWaitsUntilItLeaves) {
  ExpectExited(RunInChild([] {
                 StartTrigger(0);
                 EnterAllocator();
                 raise(SIGUSR2);
                 Note("inside");
                 CHILD_EXPECT(t_thread_state.deferred_signal == SIGUSR2);
                 LeaveAllocator();
                 Note("left");
                 CHILD_EXPECT(t_thread_state.deferred_signal == 0);
                 CHILD_EXPECT(ReportTrigger::DeferredReports() == 1);
               }),
               "inside D12/1/1 left");
}

TEST(ReportTriggerTest, Sigusr2InsideTheProfilerWaitsUntilItLeaves) {
  ExpectExited(RunInChild([] {
                 StartTrigger(0);
                 {
                   ReentrancyGuard guard;
                   raise(SIGUSR2);
                   Note("inside");
                 }
                 Note("left");
               }),
               "inside D12/1/1 left");
}

TEST(ReportTriggerTest, NestedItWaitsUntilTheThreadLeavesBoth) {
  ExpectExited(RunInChild([] {
                 StartTrigger(0);
                 {
                   ReentrancyGuard guard;
                   EnterAllocator();
                   raise(SIGUSR2);
                   LeaveAllocator();
                   Note("out-of-allocator");
                 }
                 Note("out-of-profiler");
               }),
               "out-of-allocator D12/1/1 out-of-profiler");
}

TEST(ReportTriggerTest, TwoSigusr2InsideMakeOneReport) {
  ExpectExited(RunInChild([] {
                 StartTrigger(0);
                 EnterAllocator();
                 raise(SIGUSR2);
                 raise(SIGUSR2);
                 LeaveAllocator();
                 Note("left");
               }),
               "D12/1/1 left");
}

TEST(ReportTriggerTest, DeferredSigtermIsReportedAndKillsWhenTheThreadLeaves) {
  ExpectKilledBy(RunInChild([] {
                   StartTrigger(0);
                   EnterAllocator();
                   raise(SIGTERM);
                   Note("inside");
                   LeaveAllocator();
                   Note("survived");
                 }),
                 SIGTERM, "inside T15/1/1");
}

// A report request pending when the final one comes is superseded by it,
// and never supersedes it.
TEST(ReportTriggerTest, APendingSigtermWinsOverSigusr2EitherWay) {
  for (bool sigterm_first : {false, true}) {
    SCOPED_TRACE(sigterm_first ? "SIGTERM first" : "SIGUSR2 first");
    static bool s_sigterm_first;
    s_sigterm_first = sigterm_first;
    ExpectKilledBy(RunInChild([] {
                     StartTrigger(0);
                     EnterAllocator();
                     raise(s_sigterm_first ? SIGTERM : SIGUSR2);
                     raise(s_sigterm_first ? SIGUSR2 : SIGTERM);
                     LeaveAllocator();
                     Note("survived");
                   }),
                   SIGTERM, "T15/1/1");
  }
}

// --- Signals that are not ours to report.

TEST(ReportTriggerTest, AProgramHandlerSetBeforeStartKeepsTheSignal) {
  ExpectExited(RunInChild([] {
                 struct sigaction action = {};
                 action.sa_handler = &ProgramHandler;
                 sigemptyset(&action.sa_mask);
                 sigaction(SIGUSR2, &action, nullptr);
                 StartTrigger(0);
                 CHILD_EXPECT(!SignalDispositions::Taken(SIGUSR2));
                 raise(SIGUSR2);
                 EnterAllocator();
                 raise(SIGUSR2);  // the program's: no deferral either
                 LeaveAllocator();
                 CHILD_EXPECT(ReportTrigger::DeferredReports() == 0);
               }),
               "H12 H12");
}

TEST(ReportTriggerTest, AProgramHandlerSetAfterStartTakesTheSignalBack) {
  ExpectExited(RunInChild([] {
                 StartTrigger(0);
                 CHILD_EXPECT(SignalDispositions::Taken(SIGUSR2));
                 struct sigaction action = {};
                 action.sa_handler = &ProgramHandler;
                 sigemptyset(&action.sa_mask);
                 // What the exported sigaction() does for the program.
                 SignalDispositions::Sigaction(SIGUSR2, &action, nullptr);
                 raise(SIGUSR2);
                 // Back to the default: reported again.
                 action.sa_handler = SIG_DFL;
                 SignalDispositions::Sigaction(SIGUSR2, &action, nullptr);
                 raise(SIGUSR2);
               }),
               "H12 D12/0/1");
}

TEST(ReportTriggerTest, AfterStopASignalDoesWhatItsDefaultDoes) {
  // SIGUSR2's default ends the process.
  ExpectKilledBy(RunInChild([] {
                   StartTrigger(0);
                   ReportTrigger::Stop();
                   raise(SIGUSR2);
                   Note("survived");
                 }),
                 SIGUSR2, "");
}

TEST(ReportTriggerTest, AProcessThatIsNotTheOwnerDoesNotReport) {
  // As in a child forked from the profiled process: the owner is another.
  ExpectKilledBy(RunInChild([] {
                   ReportTrigger::Start(&RecordingCallback, getppid(), 0);
                   raise(SIGTERM);
                   Note("survived");
                 }),
                 SIGTERM, "");
}

TEST(ReportTriggerTest, ForgetInChildGivesTheSignalsBack) {
  ExpectKilledBy(RunInChild([] {
                   StartTrigger(0);
                   ReportTrigger::ForgetInChild();
                   CHILD_EXPECT(!SignalDispositions::Taken(SIGUSR2));
                   raise(SIGUSR2);
                   Note("survived");
                 }),
                 SIGUSR2, "");
}

TEST(ReportTriggerTest, AdoptInChildMakesTheChildTheOwnerAndCountsAfresh) {
  ExpectExited(RunInChild([] {
                 ReportTrigger::Start(&RecordingCallback, getppid(), 0);
                 ReportTrigger::AdoptInChild(getpid());
                 EnterAllocator();
                 raise(SIGUSR2);
                 LeaveAllocator();
                 ReportTrigger::AdoptInChild(getpid());
                 CHILD_EXPECT(ReportTrigger::DeferredReports() == 0);
                 raise(SIGUSR2);
               }),
               "D12/1/1 D12/0/1");
}

// --- The periodic thread: started lazily, from a sampled allocation.

TEST(ReportTriggerTest,
     ASingleThreadedProcessStartsTheThreadOnlyAfterTheFirstInterval) {
#if defined(__SANITIZE_THREAD__)
  // ThreadSanitizer's runtime keeps a thread of its own in every process
  // (glibc's __libc_single_threaded is 0 even in a fresh fork), so there is
  // no single-threaded process to test here; nor is there a race in one.
  // The plain and ASan runs test it.
  GTEST_SKIP() << "no single-threaded process under ThreadSanitizer";
#endif
  ExpectExited(RunInChild([] {
                 // In a process that has never had a second thread (a forked
                 // child of one that had none either).
                 CHILD_EXPECT(__libc_single_threaded != 0);
                 const double start = Now();
                 StartTrigger(0.5);
                 // Sampled allocations before the interval has passed: no
                 // thread.
                 while (Now() - start < 0.35) {
                   ReportTrigger::OnSampledAllocation();
                   SleepSeconds(0.001);
                 }
                 CHILD_EXPECT(ReportThreadId() == 0);
                 // The interval passes with no sampled allocation: still none.
                 SleepSeconds(0.6 - (Now() - start));
                 CHILD_EXPECT(ReportThreadId() == 0);
                 Note("none-yet");
                 ReportTrigger::OnSampledAllocation();
                 const pid_t thread = ReportThreadId();
                 CHILD_EXPECT(thread != 0);
                 // It takes no signal: they go to the threads they land on.
                 const uint64_t blocked = BlockedSignals(thread);
                 CHILD_EXPECT((blocked & Bit(SIGUSR2)) != 0);
                 CHILD_EXPECT((blocked & Bit(SIGTERM)) != 0);
                 CHILD_EXPECT((blocked & Bit(SIGINT)) != 0);
                 // Its first report is due one interval after it started,
                 // inside a guard; stopped 0.4 s later (the second would be due
                 // 0.1 s after that), it writes no more.
                 SleepSeconds(0.9);
                 ReportTrigger::Stop();
                 SleepSeconds(0.6);
               }),
               "none-yet P0/0/1@tidemark-report");
}

TEST(ReportTriggerTest, AProcessWithThreadsStartsTheThreadAtOnce) {
  ExpectExited(RunInChild([] {
                 // A thread of the program's own (numpy's OpenBLAS, say).
                 const ProgramThread program_thread;
                 CHILD_EXPECT(__libc_single_threaded == 0);
                 StartTrigger(60);
                 CHILD_EXPECT(ReportThreadId() == 0);
                 ReportTrigger::OnSampledAllocation();
                 CHILD_EXPECT(ReportThreadId() != 0);
                 // The first report is one interval away.
                 SleepSeconds(0.2);
                 Note("no-report-yet");
               }),
               "no-report-yet");
}

// The periodic report on its own thread while the program's threads run
// (under ThreadSanitizer too).
TEST(ReportTriggerTest, APeriodicReportRunsOnItsThreadInsideAGuard) {
  ExpectExited(RunInChild([] {
                 const ProgramThread program_thread;
                 StartTrigger(0.3);
                 ReportTrigger::OnSampledAllocation();
                 // The first report at 0.3 s; stopped before the second.
                 SleepSeconds(0.45);
                 ReportTrigger::Stop();
                 SleepSeconds(0.5);
               }),
               "P0/0/1@tidemark-report");
}

// A process that had a sampled allocation while it was single-threaded,
// then started threads (a job that starts its workers after its imports),
// starts the report thread with its next sampled allocation, not a second
// or a flush interval later: a job that then mostly waits may sample
// nothing for minutes.
TEST(ReportTriggerTest, ThreadsStartedAfterAnEarlierCheckStartItAtOnce) {
  ExpectExited(RunInChild([] {
                 StartTrigger(60);
                 ReportTrigger::OnSampledAllocation();
                 const ProgramThread program_thread;
                 ReportTrigger::OnSampledAllocation();
                 CHILD_EXPECT(ReportThreadId() != 0);
                 Note("done");
               }),
               "done");
}

TEST(ReportTriggerTest, WithoutAFlushIntervalThereIsNoThread) {
  ExpectExited(RunInChild([] {
                 const ProgramThread program_thread;
                 StartTrigger(0);
                 ReportTrigger::OnSampledAllocation();
                 SleepSeconds(0.05);
                 CHILD_EXPECT(ReportThreadId() == 0);
                 Note("none");
               }),
               "none");
}

}  // namespace
}  // namespace tidemark
