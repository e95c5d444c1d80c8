#include "core/session.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/allocation_hooks.h"
#include "core/config.h"
#include "core/internal_allocator.h"
#include "core/interposer.h"
#include "core/memory_limits.h"
#include "core/message_text.h"
#include "core/oom_watch.h"
#include "core/output_directory.h"
#include "core/profile.h"
#include "core/profile_format.h"
#include "core/profile_reader.h"
#include "core/profile_store.h"
#include "core/registry.h"
#include "core/renderer_process.h"
#include "core/report_directory.h"
#include "core/report_rendering.h"
#include "core/report_trigger.h"
#include "core/reporter.h"
#include "core/sampler.h"
#include "core/thread_state.h"
#include "core/tracker.h"
#include "core/unwinder.h"

namespace tidemark {
namespace {

struct SessionState {
  Config config;
  Unwinder* unwinder = nullptr;
  Interposer* interposer = nullptr;
  std::vector<std::pair<std::string, Reporter*>> reporters;
  // The report folder, checked and made at start (see OpenOutputDirectory)
  // and opened again, by the same rules, for each round of reports, which
  // are written through that descriptor only.
  OutputPath output_path;
  std::string output_display_path;
  dev_t output_device = 0;
  ino_t output_inode = 0;
  std::vector<std::string> command;
  pid_t pid = 0;
  timespec started = {};
  bool has_exit_code = false;
  int exit_code = 0;
  std::mutex report_mutex;
  // The stored profile every report is rendered from (file-backed when
  // the folder allows it).
  ProfileStore* store = nullptr;
  // Set once the final reports exist, by whichever path wrote them (the
  // exit report under report_mutex, a renderer run from a signal handler).
  std::atomic<bool> final_written{false};
  std::atomic<int> oom_reports{0};  // numbers out-of-memory-N
};

namespace pf = profile_format;

SessionState* g_session = nullptr;  // set once Start() succeeded

// One line on stderr, "tidemark: " and the message, whatever bytes the
// values in it hold (control bytes are spelled out, see message_text.h).
void Say(const char* format, ...) {
  char message[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  static constexpr char kPrefix[] = "tidemark: ";
  char line[2048];
  size_t n = sizeof(kPrefix) - 1;
  memcpy(line, kPrefix, n);
  n += EscapeControlBytes(message, line + n, sizeof(line) - n - 1);
  line[n++] = '\n';
  ssize_t ignored = write(2, line, n);
  (void)ignored;
}

// The subfolders of on-demand reports: "sigusr2-" N (see ReportForSignal).
constexpr char kOnDemandPrefix[] = "sigusr2-";

// Every file any linked reporter writes, chosen or not: a reused folder is
// cleared of all of them.
std::vector<std::string> LinkedReportFileNames() {
  std::vector<std::string> names;
  for (int i = 0; i < ReporterRegistry::size(); ++i) {
    std::unique_ptr<Reporter> reporter(ReporterRegistry::at(i).factory());
    if (reporter == nullptr) continue;
    for (std::string& name : reporter->FileNames()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

bool ChosenReportersWriteFiles(const SessionState* s) {
  for (const auto& [name, reporter] : s->reporters) {
    if (!reporter->FileNames().empty()) return true;
  }
  return false;
}

// Opens the report folder for one round of reports, by its path and with
// the checks of the start (no links, the user's own folder), and accepts it
// only if it is still the folder this process started with: one that was
// moved away and replaced since is refused. The folder is not held open
// between reports: the program would see a descriptor it never opened (a
// test of a child's descriptors, a daemon closing all it does not know).
bool OpenOutputForReports(const SessionState* s, ReportDirectory* out,
                          std::string* why) {
  if (!OpenOutputDirectory(s->output_path, /*create=*/false, out, why)) {
    return false;
  }
  struct stat info;
  if (fstat(out->fd, &info) != 0 || info.st_dev != s->output_device ||
      info.st_ino != s->output_inode) {
    close(out->fd);
    out->fd = -1;
    *why = "cannot write reports to " + out->display_path +
           ": it is no longer the folder this process started with";
    return false;
  }
  return true;
}

// Closes a report folder's descriptor however the reports end.
struct ScopedFd {
  int fd = -1;
  ~ScopedFd() {
    if (fd >= 0) close(fd);
  }
};

std::vector<std::string> ReadCommandLine() {
  std::vector<std::string> args;
  FILE* f = fopen("/proc/self/cmdline", "re");
  if (f == nullptr) return args;
  std::string current;
  for (int c; (c = fgetc(f)) != EOF;) {
    if (c == '\0') {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(c));
    }
  }
  fclose(f);
  return args;
}

// The tool asked for only the launched program to be profiled: take this
// library out of LD_PRELOAD so the program's subprocesses run unprofiled.
// The entry is found by file identity (device and inode of the object this
// code was loaded from), not by name: build systems rename and symlink.
void RemoveSelfFromPreload() {
  const char* preload = getenv("LD_PRELOAD");
  if (preload == nullptr) return;
  Dl_info info;
  struct stat self;
  if (dladdr(reinterpret_cast<void*>(&RemoveSelfFromPreload), &info) == 0 ||
      info.dli_fname == nullptr || stat(info.dli_fname, &self) != 0) {
    return;
  }
  std::string kept;
  std::string list = preload;
  size_t from = 0;
  while (from <= list.size()) {
    size_t end = list.find_first_of(": ", from);
    if (end == std::string::npos) end = list.size();
    const std::string entry = list.substr(from, end - from);
    struct stat st;
    const bool is_self = !entry.empty() && stat(entry.c_str(), &st) == 0 &&
                         st.st_dev == self.st_dev && st.st_ino == self.st_ino;
    if (!entry.empty() && !is_self) {
      if (!kept.empty()) kept += ':';
      kept += entry;
    }
    from = end + 1;
  }
  if (kept.empty()) {
    unsetenv("LD_PRELOAD");
  } else {
    setenv("LD_PRELOAD", kept.c_str(), 1);
  }
}

int64_t Nanoseconds(const timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// The facts that change while the program runs, refreshed in the stored
// profile before each report (and so kept for a renderer after a kill).
void RefreshStoredFacts(SessionState* s) {
  pf::FileHeader* h = s->store->mutable_header();
  h->rss_hwm_bytes = ReadRssHighWaterMark();
  h->profiler_bytes = InternalAllocator::MappedBytes();
}

// Records how the program is ending; `ending` is stored last.
void RecordEnding(SessionState* s, pf::Ending ending, int exit_code,
                  int signal_number) {
  pf::FileHeader* h = s->store->mutable_header();
  h->exit_code = exit_code;
  h->signal_number = signal_number;
  h->end_nanoseconds = s->store->NowNanoseconds();
  __atomic_store_n(&h->ending, static_cast<uint32_t>(ending), __ATOMIC_RELEASE);
}

// Has the renderer process render the stored profile. `flags` are its
// flags, null-terminated; the file's path is added last. Async-signal-safe.
// Without a renderer, says where the file is and how to render it.
bool RenderElsewhere(SessionState* s, const char* const* flags,
                     const char* what) {
  const char* args[16];
  int n = 0;
  args[n++] = "--quiet";
  for (; flags[n - 1] != nullptr && n < 14; ++n) args[n] = flags[n - 1];
  args[n++] = s->store->path();
  args[n] = nullptr;
  if (s->store->file_backed() && RendererProcess::Run(args, 120) == 0) {
    return true;
  }
  char line[sizeof(Config::output) + 256];
  const int length =
      s->store->file_backed()
          ? snprintf(line, sizeof(line),
                     "tidemark: %s: the reports could not be rendered now; "
                     "the profile is kept in %s (render it with "
                     "//tools:report)\n",
                     what, s->store->path())
          : snprintf(line, sizeof(line),
                     "tidemark: %s: no report can be written (no stored "
                     "profile)\n",
                     what);
  if (length > 0) {
    ssize_t ignored =
        write(2, line, std::min(static_cast<size_t>(length), sizeof(line) - 1));
    (void)ignored;
  }
  return false;
}

// Builds the profile from the stored profile and hands it to every
// reporter, in the process (at exit, periodically).
bool WriteReportsNow(const char* reason, bool final_report) {
  SessionState* s = g_session;
  if (s == nullptr) return false;
  ReentrancyGuard guard;
  std::lock_guard<std::mutex> lock(s->report_mutex);
  // After the final report, nothing may replace it.
  if (s->final_written.load()) return false;
  bool ok = true;
  try {
    // The same reader renders a dead process's file (//tools:report).
    RefreshStoredFacts(s);
    Tracker::Get().peak().CaptureForReport();
    Profile profile;
    std::string why;
    if (!ReadStoredProfile(*s->store, StoredSnapshot::kPeak, &profile, &why)) {
      Say("cannot write reports: %s", why.c_str());
      return false;
    }
    profile.reason = reason;
    profile.final_report = final_report;
    if (final_report && s->has_exit_code) {
      profile.ended = "exit code " + std::to_string(s->exit_code);
    }
    ReportDirectory output;
    if (!OpenOutputForReports(s, &output, &why)) {
      Say("%s", why.c_str());
      return false;
    }
    ScopedFd output_fd{output.fd};
    std::string failures;
    ok = RenderReports(profile, s->reporters, output, &failures);
    if (!failures.empty()) Say("%s", failures.c_str());
    if (final_report) {
      s->final_written.store(true);
      __atomic_store_n(&s->store->mutable_header()->final_reports_written, 1,
                       __ATOMIC_RELEASE);
      // Only printed reports were asked for, and they were printed: the
      // stored profile is not left behind as the one file of a run that
      // asked for none. (After a kill it stays: then it is the report.)
      if (ok && s->store->file_backed() && !ChosenReportersWriteFiles(s)) {
        s->store->Retire();
        unlinkat(output.fd, pf::kFileName, 0);
      }
    }
  } catch (const std::exception& e) {
    Say("writing reports failed: %s", e.what());
    ok = false;
  }
  return ok;
}

void OnExit(int status, void*) {
  SessionState* s = g_session;
  // A forked child inherits this handler; only the profiled process itself
  // writes its report.
  if (s == nullptr || getpid() != s->pid) return;
  s->has_exit_code = true;
  // What the parent will see: exit(256) ends the process with status 0.
  s->exit_code = status & 0xff;
  RecordEnding(s, pf::kExited, s->exit_code, 0);
  Session::WriteReports("exit");
  ReportTrigger::Stop();
  g_tracking_state.store(kTrackingOff);
}

// glibc's fork() takes every malloc arena lock after the prepare handlers
// and releases them before the parent and child handlers: a report signal
// landing in between must wait, as it would inside malloc.
void OnForkPrepare() { EnterAllocator(); }

void OnForkParent() { LeaveAllocator(); }

void OnForkChild() {
  // The child is a different process with a copy of the parent's heap;
  // the parent's report covers the parent only. Profiling stops here.
  g_tracking_state.store(kTrackingOff);
  ReportTrigger::ForgetInChild();
  LeaveAllocator();
}

const char* SignalName(int number) {
  switch (number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGUSR2:
      return "SIGUSR2";
    default:
      return "signal";
  }
}

// A signal's report: saved into the stored profile here, rendered by the
// renderer process. Runs in the signal handler (or where a deferred signal
// is acted on), so it only stores and calls async-signal-safe functions.
void ReportForSignal(SessionState* s, bool final_report, int signal_number) {
  Tracker::Get().peak().CaptureForReport();
  const char* name = SignalName(signal_number);
  if (!final_report) {
    // Each SIGUSR2 gets a folder of its own: sigusr2-1, sigusr2-2, ...
    // (the renderer skips numbers that are taken).
    const char* flags[] = {"--running", "--reason=SIGUSR2",
                           // kOnDemandPrefix
                           "--numbered-subfolder=sigusr2-", nullptr};
    RenderElsewhere(s, flags, "SIGUSR2");
    return;
  }
  if (s->final_written.load()) return;
  RecordEnding(s, pf::kSignal, 0, signal_number);
  char reason[64];
  char ended[64];
  snprintf(reason, sizeof(reason), "--reason=%s", name);
  snprintf(ended, sizeof(ended), "--ended=killed by %s", name);
  const char* flags[] = {reason, ended, nullptr};
  if (RenderElsewhere(s, flags, name)) {
    s->final_written.store(true);
    __atomic_store_n(&s->store->mutable_header()->final_reports_written, 1,
                     __ATOMIC_RELEASE);
  }
}

// Memory is about to run out (core/oom_watch.h): on the allocating thread,
// with the reentrancy guard held, possibly with little memory left. Saves
// what is live now and the peak so far into the stored profile (no new
// memory but the file's pages), says so in one line, and has the renderer
// process write the out-of-memory report. Sample mode never stops the
// job; exact mode does only with --oom-exit.
void OnOutOfMemory(const OomEvent& event) {
  SessionState* s = g_session;
  if (s == nullptr || getpid() != s->pid || s->final_written.load()) return;
  PeakTracker& peak = Tracker::Get().peak();
  peak.CaptureForReport();
  pf::FileHeader* h = s->store->mutable_header();
  // A later episode replaces the snapshot: oom_state goes back to 0 while
  // it is rewritten.
  __atomic_store_n(&h->oom_state, 0, __ATOMIC_RELEASE);
  peak.CaptureLiveForOutOfMemory(&h->oom);
  h->oom_limit_bytes = event.limit_bytes;
  h->oom_available_bytes = event.available_bytes;
  snprintf(h->oom_reason, sizeof(h->oom_reason), "%s", event.reason);
  __atomic_store_n(&h->oom_state, 1, __ATOMIC_RELEASE);
  RefreshStoredFacts(s);

  const int episode = s->oom_reports.fetch_add(1) + 1;
  char subfolder[64];
  if (episode == 1) {
    snprintf(subfolder, sizeof(subfolder), "--subfolder=out-of-memory");
  } else {
    snprintf(subfolder, sizeof(subfolder), "--subfolder=out-of-memory-%d",
             episode);
  }
  const bool exiting = s->config.oom_exit && s->config.mode == Mode::kExact;
  // "--subfolder=NAME" -> NAME
  const char* folder_name = subfolder + sizeof("--subfolder=") - 1;
  if (s->store->file_backed()) {
    Say("out of memory: %s; report in %s/%s", event.reason,
        s->output_display_path.c_str(), folder_name);
  } else {
    Say("out of memory: %s", event.reason);
  }
  const char* flags[] = {"--running", "--snapshot=out-of-memory",
                         "--reason=out-of-memory", subfolder, nullptr};
  RenderElsewhere(s, flags, "out of memory");
  if (!exiting) return;
  // --oom-exit: the final reports, then Fil's exit code, without running
  // the program's exit handlers (they may need memory there is none of).
  RecordEnding(s, pf::kOomExit, kOomExitCode, 0);
  const char* final_flags[] = {
      "--snapshot=peak", "--reason=out-of-memory",
      "--ended=ended by --oom-exit after running out of memory", nullptr};
  if (RenderElsewhere(s, final_flags, "out of memory")) {
    __atomic_store_n(&h->final_reports_written, 1, __ATOMIC_RELEASE);
  }
  _exit(kOomExitCode);
}

// Runs on the report thread, or on the thread a signal landed on (see
// ReportTrigger).
void OnReportRequest(ReportRequest request, int signal_number) {
  switch (request) {
    case ReportRequest::kPeriodic:
      WriteReportsNow("periodic", /*final_report=*/false);
      break;
    case ReportRequest::kOnDemand:
      ReportForSignal(g_session, /*final_report=*/false, signal_number);
      break;
    case ReportRequest::kTermination:
      ReportForSignal(g_session, /*final_report=*/true, signal_number);
      break;
  }
}

bool CreateReporters(SessionState* s) {
  const std::string list = s->config.reporters;
  size_t from = 0;
  while (from <= list.size()) {
    size_t end = list.find(',', from);
    if (end == std::string::npos) end = list.size();
    const std::string name = list.substr(from, end - from);
    from = end + 1;
    if (name.empty()) continue;
    Reporter* r = ReporterRegistry::Create(name.c_str());
    if (r == nullptr) {
      Say("unknown reporter '%s' (linked: %s); profiling is off", name.c_str(),
          ReporterRegistry::JoinedNames().c_str());
      return false;
    }
    s->reporters.emplace_back(name, r);
  }
  return true;
}

}  // namespace

void Session::Start() {
  ReentrancyGuard guard;
  auto* s = new SessionState();
  char error[512];
  if (!ConfigFromEnvironment(nullptr, &s->config, error, sizeof(error))) {
    Say("%s; profiling is off", error);
    return;
  }
  if (s->config.launched_by_tool) RemoveSelfFromPreload();
  s->unwinder = UnwinderRegistry::Create(s->config.unwinder);
  if (s->unwinder == nullptr) {
    Say("unknown unwinder '%s' (linked: %s); profiling is off",
        s->config.unwinder, UnwinderRegistry::JoinedNames().c_str());
    return;
  }
  s->interposer = InterposerRegistry::Create(s->config.interposer);
  if (s->interposer == nullptr) {
    Say("unknown interposer '%s' (linked: %s); profiling is off",
        s->config.interposer, InterposerRegistry::JoinedNames().c_str());
    return;
  }
  if (!CreateReporters(s)) return;

  s->pid = getpid();
  clock_gettime(CLOCK_MONOTONIC, &s->started);
  timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  // Resolved once, against the directory the program starts in: a later
  // chdir() must not move the reports.
  char cwd[Config::kMaxPath];
  const bool have_cwd = getcwd(cwd, sizeof(cwd)) != nullptr;
  if (!have_cwd && s->config.output[0] != '/') {
    Say("cannot write reports to %s: the current directory is unknown (%s); "
        "profiling is off",
        s->config.output[0] != '\0' ? s->config.output : "tidemark-results",
        strerror(errno));
    return;
  }
  // The interposer first: when it cannot work (another allocator ahead of
  // this library), no report folder is made for nothing.
  std::string why;
  if (!s->interposer->Install(&why)) {
    Say("interposer '%s' cannot work here: %s; profiling is off",
        s->config.interposer, why.c_str());
    return;
  }
  s->output_path =
      ResolveOutputPath(s->config.output, s->pid, wall, have_cwd ? cwd : "/");
  ReportDirectory output;
  if (!OpenOutputDirectory(s->output_path, /*create=*/true, &output, &why)) {
    Say("%s; profiling is off", why.c_str());
    s->interposer->Uninstall();
    return;
  }
  ScopedFd output_fd{output.fd};
  struct stat output_info;
  if (fstat(output.fd, &output_info) != 0) {
    why = "cannot write reports to " + output.display_path + ": " +
          strerror(errno);
  }
  if (!why.empty() || !ProbeWritable(output, &why)) {
    Say("%s; profiling is off", why.c_str());
    s->interposer->Uninstall();
    return;
  }
  s->output_display_path = output.display_path;
  s->output_device = output_info.st_dev;
  s->output_inode = output_info.st_ino;
  s->command = ReadCommandLine();
  ProfileStore::Facts facts;
  facts.pid = s->pid;
  facts.sample_mode = s->config.mode == Mode::kSample;
  facts.sample_interval_bytes = s->config.sample_interval_bytes;
  facts.start_realtime_ns = Nanoseconds(wall);
  facts.start_monotonic_ns = Nanoseconds(s->started);
  facts.top_rows = s->config.top_rows;
  facts.unwinder = s->config.unwinder;
  facts.reporters = s->config.reporters;
  facts.command = s->command;
  s->store = ProfileStore::CreateInDirectory(output.fd, s->output_path.path,
                                             facts, &why);
  if (s->store == nullptr) {
    // Reports at exit still work from memory; only a kill leaves nothing.
    Say("%s; reports will still be written at exit, but not after a kill",
        why.c_str());
    s->store = ProfileStore::CreateInMemory(facts);
    if (s->store == nullptr) {
      Say("out of memory at start; profiling is off");
      s->interposer->Uninstall();
      return;
    }
  }
  RendererProcess::Locate();
  Tracker::Get().AttachStore(s->store);
  Tracker::Get().set_unwinder(s->unwinder);
  Sampler::Configure(s->config.sample_interval_bytes, s->config.sample_seed);
  // A reused folder holds only this run's reports; only now, when this run
  // will certainly write some.
  RemovePreviousReports(output, LinkedReportFileNames(),
                        {kOnDemandPrefix, "out-of-memory-"}, {"out-of-memory"});
  on_exit(&OnExit, nullptr);
  pthread_atfork(&OnForkPrepare, &OnForkParent, &OnForkChild);
  g_session = s;
  // Signal reports in both modes; periodic ones and the memory watch in
  // sample mode, the one meant to stay on in production.
  OomWatch::Configure(s->config.oom_detection, &OnOutOfMemory);
  ReportTrigger::Start(
      &OnReportRequest, s->pid,
      s->config.mode == Mode::kSample ? s->config.flush_interval_seconds : 0);
  g_tracking_state.store(s->config.mode == Mode::kSample ? kTrackingSample
                                                         : kTrackingExact);
}

bool Session::WriteReports(const char* reason) {
  return WriteReportsNow(reason, /*final_report=*/true);
}

}  // namespace tidemark
