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

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/allocation_hooks.h"
#include "core/config.h"
#include "core/internal_allocator.h"
#include "core/interposer.h"
#include "core/memory_pressure.h"
#include "core/message_text.h"
#include "core/output_directory.h"
#include "core/profile.h"
#include "core/profile_builder.h"
#include "core/registry.h"
#include "core/report_directory.h"
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
  bool final_written = false;  // under report_mutex
  int on_demand_reports = 0;   // under report_mutex
};

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

// The subfolders of on-demand reports: "sigusr2-" N (see OnReportRequest).
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

double SecondsSince(const timespec& start) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec - start.tv_sec) +
         static_cast<double>(now.tv_nsec - start.tv_nsec) * 1e-9;
}

// Builds the profile and hands it to every reporter. `numbered_subdirectory`
// non-empty: the reports go into a new folder OUTPUT/<prefix>N instead.
bool WriteReportsNow(const char* reason, bool final_report,
                     const char* numbered_subdirectory) {
  SessionState* s = g_session;
  if (s == nullptr) return false;
  ReentrancyGuard guard;
  std::lock_guard<std::mutex> lock(s->report_mutex);
  // After the final report, nothing may replace it.
  if (s->final_written) return false;
  bool ok = true;
  try {
    Profile profile;
    FillProfileFromTracker(Tracker::Get(), &profile);
    profile.mode = ModeName(s->config.mode);
    profile.reason = reason;
    profile.final_report = final_report;
    profile.unwinder = s->config.unwinder;
    profile.command = s->command;
    profile.pid = s->pid;
    profile.has_exit_code = s->has_exit_code;
    profile.exit_code = s->exit_code;
    profile.wall_seconds = SecondsSince(s->started);
    profile.rss_hwm_bytes = ReadRssHighWaterMark();
    profile.profiler_bytes = InternalAllocator::MappedBytes();
    profile.sample_interval_bytes =
        s->config.mode == Mode::kSample ? s->config.sample_interval_bytes : 0;
    profile.top_rows = s->config.top_rows;
    std::string why;
    ReportDirectory output;
    if (!OpenOutputForReports(s, &output, &why)) {
      Say("%s", why.c_str());
      return false;
    }
    ScopedFd output_fd{output.fd};
    ReportDirectory directory = output;
    ScopedFd subdirectory;
    if (numbered_subdirectory[0] != '\0') {
      if (!MakeNumberedSubdirectory(output, numbered_subdirectory,
                                    &s->on_demand_reports, &directory, &why)) {
        Say("%s", why.c_str());
        return false;
      }
      subdirectory.fd = directory.fd;
    }
    // One line, however many reporters failed (a full disk fails them all).
    std::string failures;
    for (auto& [name, reporter] : s->reporters) {
      if (!reporter->Write(profile, directory, &why)) {
        if (!failures.empty()) failures += "; ";
        failures += "reporter '" + name + "' failed: " + why;
        ok = false;
      }
    }
    if (!failures.empty()) Say("%s", failures.c_str());
    if (final_report) s->final_written = true;
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

// Runs on the report thread, or on the thread a signal landed on (see
// ReportTrigger).
void OnReportRequest(ReportRequest request, int signal_number) {
  switch (request) {
    case ReportRequest::kPeriodic:
      WriteReportsNow("periodic", /*final_report=*/false,
                      /*numbered_subdirectory=*/"");
      break;
    case ReportRequest::kOnDemand:
      // Each SIGUSR2 gets a folder of its own: sigusr2-1, sigusr2-2, ...
      WriteReportsNow("SIGUSR2", /*final_report=*/false, "sigusr2-");
      break;
    case ReportRequest::kTermination:
      WriteReportsNow(SignalName(signal_number), /*final_report=*/true, "");
      break;
    case ReportRequest::kNearOutOfMemory:
      if (WriteReportsNow("near-out-of-memory", /*final_report=*/false, "")) {
        Say("memory is nearly exhausted; report written to %s",
            g_session->output_display_path.c_str());
      }
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
  Tracker::Get().set_unwinder(s->unwinder);
  Sampler::Configure(s->config.sample_interval_bytes, s->config.sample_seed);
  // A reused folder holds only this run's reports; only now, when this run
  // will certainly write some.
  RemovePreviousReports(output, LinkedReportFileNames(), kOnDemandPrefix);
  on_exit(&OnExit, nullptr);
  pthread_atfork(&OnForkPrepare, &OnForkParent, &OnForkChild);
  g_session = s;
  // Signal reports in both modes; periodic ones and the memory watch in
  // sample mode, the one meant to stay on in production.
  ReportTrigger::Start(
      &OnReportRequest, s->pid,
      s->config.mode == Mode::kSample ? s->config.flush_interval_seconds : 0);
  g_tracking_state.store(s->config.mode == Mode::kSample ? kTrackingSample
                                                         : kTrackingExact);
}

bool Session::WriteReports(const char* reason) {
  return WriteReportsNow(reason, /*final_report=*/true, "");
}

}  // namespace tidemark
