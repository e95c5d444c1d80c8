#include "core/session.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
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
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/allocation_hooks.h"
#include "core/config.h"
#include "core/fork_guard.h"
#include "core/internal_allocator.h"
#include "core/interposer.h"
#include "core/job_index.h"
#include "core/job_log.h"
#include "core/live_total.h"
#include "core/memory_limits.h"
#include "core/message_text.h"
#include "core/native_symbols.h"
#include "core/oom_watch.h"
#include "core/output_directory.h"
#include "core/process_identity.h"
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
#include "core/session_rules.h"
#include "core/thread_state.h"
#include "core/tracker.h"
#include "core/unwinder.h"
#include "core/unwinder_spec.h"

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
  // The working directory at start (absolute; empty when unknown).
  std::string working_directory;
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
  // A final report rendered elsewhere (a signal, _exit) cannot take
  // report_mutex (a handler must not block on a lock), yet its files have
  // the same names as a write in place: it sets final_elsewhere, then waits
  // while writing_in_place; a write in place sets writing_in_place, then
  // gives up if final_elsewhere is set (both sequentially consistent, so
  // one of them sees the other). Otherwise a periodic report renamed after
  // the final one replaced it, and the signal killed the process in the
  // middle of writing one, leaving its temporary file.
  std::atomic<bool> final_elsewhere{false};
  std::atomic<bool> writing_in_place{false};
  std::atomic<int> oom_reports{0};  // numbers out-of-memory-N

  // The job (core/job_log.h): its folder, and this process's place in it.
  OutputPath job_path;
  bool first = false;  // the job's first process, or an image exec'd from it
  profile_format::Started started_how = profile_format::kStartedFirst;
  pid_t parent_pid = 0;
  uint64_t start_ticks = 0;
  std::string program;      // ProgramName(argv[0])
  std::string folder_name;  // "1234-python3", inside the job folder
  // Absolute paths, for the async-signal-safe ends (_exit, a signal).
  char log_path[Config::kMaxPath + 32] = {};
  char folder_path[Config::kMaxPath + 64] = {};
  // The unwinder found its interpreter at start (an exec'd or started
  // Python program): never noise. A forked child counts only the frames
  // it records itself.
  bool runtime_present = false;
  // The interpreter's PY_VERSION_HEX, read at start (0: unknown). A forked
  // child keeps it; an exec starts a new session.
  uint32_t python_version_hex = 0;
  // Set in the prepare handler: every other thread was out of the profiler
  // at the fork, so a child may go on profiling.
  bool fork_guarded = false;
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

// Whether this process prints the table on stderr: only the job's first
// process, and only without the launcher (which prints one for the job).
bool PrintsTable(const SessionState* s) {
  return s->first && !s->config.launched_by_tool;
}

// The chosen reporters' names, comma-separated (recorded in the stored
// profile: the renderer process renders those).
std::string ReporterNames(const SessionState* s) {
  std::string names;
  for (const auto& [name, reporter] : s->reporters) {
    if (!names.empty()) names += ',';
    names += name;
  }
  return names;
}

// A process that does not print the table leaves the reporters that only
// print (top_table) out.
void DropPrintingReporters(SessionState* s) {
  auto& list = s->reporters;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const std::pair<std::string, Reporter*>& r) {
                              return r.second->FileNames().empty();
                            }),
             list.end());
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

// --follow-children=false: only the first process is profiled. This
// library leaves LD_PRELOAD so that the program's subprocesses run
// unprofiled.
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

// The process's peak so far, as its `end` line gives it: the copied peak,
// or what is live now when that is higher (the copy is taken lazily, on a
// free). In sample mode with an exact live total the copy is the estimate
// at the moment that total was highest (the report's moment was offered
// just before), and a higher estimate now is noise, not a higher moment.
int64_t PeakSoFar() {
  Tracker& tracker = Tracker::Get();
  PeakTracker& peak = tracker.peak();
  if (tracker.peak_moment_by_live_total()) return peak.peak_bytes();
  return std::max(peak.peak_bytes(), peak.current_bytes());
}

bool IsNoise(const SessionState* s) {
  PeakTracker& peak = Tracker::Get().peak();
  return IsNoiseAtEnd(s->runtime_present,
                      __atomic_load_n(&s->store->mutable_header()->python_seen,
                                      __ATOMIC_RELAXED) != 0,
                      peak.peak_bytes(), peak.current_bytes(),
                      s->config.process_threshold_bytes);
}

// One line in the job's log, by its absolute path. Async-signal-safe.
void LogLine(const SessionState* s, const char* line, size_t length) {
  if (length > 0 && s->log_path[0] != '\0') {
    AppendJobLogLineAt(s->log_path, line, length);
  }
}

void LogStart(const SessionState* s, int job_fd) {
  std::vector<const char*> argv;
  for (const std::string& arg : s->command) argv.push_back(arg.c_str());
  JobLogStart start;
  start.pid = s->pid;
  start.parent_pid = s->parent_pid;
  start.start_ticks = s->start_ticks;
  start.started = s->started_how;
  start.folder = s->folder_name.c_str();
  start.program = s->program.c_str();
  start.argv = argv.data();
  start.argc = static_cast<int>(argv.size());
  char line[kJobLogMaxLine];
  const size_t length = FormatJobLogStart(start, line, sizeof(line));
  if (length > 0) AppendJobLogLine(job_fd, line, length);
}

// The `end` line; `folder` empty when the folder was removed. Async-signal-
// safe.
void LogEnd(const SessionState* s, const char* ending, int code, bool kept) {
  JobLogEnd end;
  end.pid = s->pid;
  end.start_ticks = s->start_ticks;
  end.ending = ending;
  end.code = code;
  end.peak_bytes = PeakSoFar();
  end.python = s->runtime_present ||
               __atomic_load_n(&s->store->mutable_header()->python_seen,
                               __ATOMIC_RELAXED) != 0;
  end.folder = kept ? s->folder_name.c_str() : "";
  char line[kJobLogMaxLine];
  LogLine(s, line, FormatJobLogEnd(end, line, sizeof(line)));
}

// A noise process (core/job_index.h) leaves no folder: its stored profile
// and whatever a periodic report wrote go. By absolute path, with system
// calls only (this runs from _exit and signal handlers too); a folder that
// holds anything else stays.
void DiscardOwnFolder(SessionState* s) {
  s->store->Retire();
  char path[sizeof(s->folder_path) + 64];
  static const char* const kFiles[] = {pf::kFileName, "peak.folded",
                                       "summary.json", "peak.svg"};
  for (const char* name : kFiles) {
    snprintf(path, sizeof(path), "%s/%s", s->folder_path, name);
    unlink(path);
  }
  rmdir(s->folder_path);
}

// How many signal reports were deferred so far, for the next report.
// Async-signal-safe (a signal's report stores it before rendering).
void StoreDeferredReports(SessionState* s) {
  __atomic_store_n(&s->store->mutable_header()->deferred_reports,
                   ReportTrigger::DeferredReports(), __ATOMIC_RELAXED);
}

// The facts that change while the program runs, refreshed in the stored
// profile before each report (and so kept for a renderer after a kill).
void RefreshStoredFacts(SessionState* s) {
  pf::FileHeader* h = s->store->mutable_header();
  h->rss_hwm_bytes = ReadRssHighWaterMark();
  h->profiler_bytes = InternalAllocator::MappedBytes();
  StoreDeferredReports(s);
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
  // Nor may anything be written beside a final report rendered elsewhere.
  struct InPlace {
    explicit InPlace(SessionState* s) : s(s) {
      s->writing_in_place.store(true);
    }
    ~InPlace() { s->writing_in_place.store(false); }
    SessionState* s;
  } in_place(s);
  if (s->final_elsewhere.load()) return false;
  bool ok = true;
  try {
    // The same reader renders a dead process's file (//tools:report).
    RefreshStoredFacts(s);
    Tracker::Get().CaptureForReport();
    Profile profile;
    std::string why;
    if (!ReadStoredProfile(*s->store, StoredSnapshot::kPeak, &profile, &why)) {
      Say("cannot write reports: %s", why.c_str());
      return false;
    }
    SymbolizeNativeFrames(&profile);
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
      if (ok && s->store->file_backed() && PrintsTable(s) &&
          !ChosenReportersWriteFiles(s)) {
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

// Without the launcher, the job's first process writes the job's index as
// it ends; where that cannot allocate (_exit, a signal), the renderer
// process does. Async-signal-safe.
void WriteIndexElsewhere(const SessionState* s) {
  if (!s->first || s->config.launched_by_tool || !s->store->file_backed()) {
    return;
  }
  const char* args[] = {"--quiet", "--index-only", s->job_path.path.c_str(),
                        nullptr};
  RendererProcess::Run(args, 30);
}

void OnExit(int status, void*) {
  SessionState* s = g_session;
  // A child forked without profiling inherits this handler; only the
  // profiled process itself writes its report.
  if (s == nullptr || getpid() != s->pid ||
      g_tracking_state.load() == kTrackingOff) {
    return;
  }
  s->has_exit_code = true;
  // What the parent will see: exit(256) ends the process with status 0.
  s->exit_code = status & 0xff;
  RecordEnding(s, pf::kExited, s->exit_code, 0);
  if (!s->final_written.load()) {
    const bool noise = IsNoise(s);
    if (noise) {
      s->final_written.store(true);
      DiscardOwnFolder(s);
    } else {
      Session::WriteReports("exit");
    }
    LogEnd(s, "exit", s->exit_code, !noise);
  }
  if (s->first && !s->config.launched_by_tool) {
    // Without the launcher, the first process writes the job's index (its
    // children still running are listed as running).
    ReentrancyGuard guard;
    try {
      JobIndex index;
      std::string why;
      if (!ReadJobIndex(s->job_path.path, &index, &why) ||
          !WriteJobIndex(s->job_path.path, index, &why)) {
        Say("cannot write the job's index: %s", why.c_str());
      }
    } catch (const std::exception& e) {
      Say("cannot write the job's index: %s", e.what());
    }
  }
  ReportTrigger::Stop();
  g_tracking_state.store(kTrackingOff);
}

// Before a final report is rendered elsewhere: no write in place starts
// from now on, and one under way (the report thread's, on another thread:
// it blocks every signal, so this never interrupted it) ends first, at most
// a minute. Async-signal-safe.
void ClaimFinalFromElsewhere(SessionState* s) {
  s->final_elsewhere.store(true);
  for (int waited_ms = 0; s->writing_in_place.load() && waited_ms < 60000;
       ++waited_ms) {
    timespec step = {0, 1000L * 1000};
    nanosleep(&step, nullptr);
  }
}

// A process ending through _exit (core/exported_exit_symbols.cc): no exit
// handler runs, so its final reports are rendered here, by the renderer
// process (this may be a signal handler or a vfork child: only
// async-signal-safe calls, and a vfork child, whose pid is not the
// session's, leaves at once).
void OnImmediateExitNow(int status) {
  SessionState* s = g_session;
  if (s == nullptr || getpid() != s->pid ||
      g_tracking_state.load() == kTrackingOff || s->final_written.load()) {
    return;
  }
  // Inside the allocator or the profiler (a handler that interrupted it):
  // the locks the copy needs may be this thread's own.
  const ThreadState& ts = t_thread_state;
  if (ts.in_allocator != 0 || ts.reentrancy_depth != 0) return;
  ReentrancyGuard guard;
  ClaimFinalFromElsewhere(s);
  if (s->final_written.load()) return;  // written in place meanwhile
  Tracker::Get().CaptureForReport();
  RefreshStoredFacts(s);
  const int code = status & 0xff;
  RecordEnding(s, pf::kExited, code, 0);
  s->final_written.store(true);
  const bool noise = IsNoise(s);
  if (noise) {
    DiscardOwnFolder(s);
  } else if (!s->reporters.empty()) {
    char reason[] = "--reason=exit";
    char ended[64];
    char exit_code[32];
    snprintf(ended, sizeof(ended), "--ended=exit code %d", code);
    snprintf(exit_code, sizeof(exit_code), "--exit-code=%d", code);
    const char* flags[] = {reason, ended, exit_code, nullptr};
    if (RenderElsewhere(s, flags, "exit")) {
      __atomic_store_n(&s->store->mutable_header()->final_reports_written, 1,
                       __ATOMIC_RELEASE);
    }
  }
  LogEnd(s, "exit", code, !noise);
  WriteIndexElsewhere(s);
  ReportTrigger::Stop();
  g_tracking_state.store(kTrackingOff);
}

// glibc's fork() takes every malloc arena lock after the prepare handlers
// and releases them before the parent and child handlers: a report signal
// landing in between must wait, as it would inside malloc. ForkGuard
// (core/fork_guard.h) keeps every other thread out of the profiler across
// the fork, so the child inherits no profiler lock held.
void OnForkPrepare() {
  EnterAllocator();
  const bool guarded = ForkGuard::Prepare();
  if (g_session != nullptr) g_session->fork_guarded = guarded;
}

void OnForkParent() {
  ForkGuard::Parent();
  LeaveAllocator();
}

void StopInChild(const char* why) {
  g_tracking_state.store(kTrackingOff);
  ReportTrigger::ForgetInChild();
  if (why != nullptr) Say("%s; this forked process is not profiled", why);
}

ProfileStore::Facts MakeFacts(const SessionState* s, const timespec& wall,
                              int64_t inherited_bytes);

// A child forked without exec that keeps being profiled: a fresh profile
// of its own, in a folder of its own, from this moment. Runs in the fork's
// child handler: one thread, the profiler's locks all free.
void StartProfileInChild(SessionState* s) {
  ReentrancyGuard guard;
  // Whoever held it in the parent does not exist here.
  new (&s->report_mutex) std::mutex();
  s->parent_pid = s->pid;
  s->pid = getpid();
  s->first = false;
  s->started_how = pf::kStartedFork;
  s->runtime_present = false;
  s->start_ticks = ReadStartTicks(0);
  s->final_written.store(false);
  s->oom_reports.store(0);
  s->has_exit_code = false;
  DropPrintingReporters(s);
  clock_gettime(CLOCK_MONOTONIC, &s->started);
  timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  s->folder_name = ProcessFolderName(s->pid, s->program);
  s->output_path.path = s->job_path.path + "/" + s->folder_name;
  std::string why;
  ReportDirectory output;
  if (!OpenOutputDirectory(s->output_path, /*create=*/true, &output, &why)) {
    StopInChild(why.c_str());
    return;
  }
  ScopedFd output_fd{output.fd};
  struct stat info;
  if (fstat(output.fd, &info) != 0) {
    StopInChild("cannot read its report folder");
    return;
  }
  s->output_display_path = output.display_path;
  s->output_device = info.st_dev;
  s->output_inode = info.st_ino;
  snprintf(s->folder_path, sizeof(s->folder_path), "%s",
           s->output_path.path.c_str());
  RemovePreviousReports(output, LinkedReportFileNames(),
                        {kOnDemandPrefix, "out-of-memory-"}, {"out-of-memory"});
  const int64_t inherited = Tracker::Get().StartFreshAfterFork();
  const ProfileStore::Facts facts = MakeFacts(s, wall, inherited);
  bool moved = true;
  if (s->store->file_backed()) {
    moved = s->store->StartOverInDirectory(output.fd, s->output_path.path,
                                           facts, &why);
  } else {
    s->store->StartOverInMemory(facts);
  }
  if (!moved) {
    // The store still maps the parent's file: nothing may write to it.
    rmdir(s->folder_path);
    StopInChild(why.c_str());
    return;
  }
  ReportTrigger::AdoptInChild(s->pid);
  // The child's own timeline (its store started over with none) starts
  // here.
  Tracker::Get().AddTimelinePoint(/*force=*/true);
  ReportDirectory job;
  if (OpenOutputDirectory(s->job_path, /*create=*/false, &job, &why)) {
    LogStart(s, job.fd);
    close(job.fd);
  }
}

void OnForkChild() {
  const bool clean = ForkGuard::Child();
  SessionState* s = g_session;
  if (s != nullptr) s->fork_guarded = s->fork_guarded && clean;
  if (s != nullptr && g_tracking_state.load() != kTrackingOff) {
    if (!s->config.follow_children) {
      // The parent's report covers the parent only; profiling stops here.
      StopInChild(nullptr);
    } else if (!s->fork_guarded) {
      StopInChild("another thread stayed inside the profiler during fork()");
    } else {
      StartProfileInChild(s);
    }
  }
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
  Tracker::Get().CaptureForReport();
  StoreDeferredReports(s);
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
  ClaimFinalFromElsewhere(s);
  if (s->final_written.load()) return;  // written in place meanwhile
  RecordEnding(s, pf::kSignal, 0, signal_number);
  if (IsNoise(s)) {
    s->final_written.store(true);
    DiscardOwnFolder(s);
    LogEnd(s, "signal", signal_number, /*kept=*/false);
    WriteIndexElsewhere(s);
    return;
  }
  char reason[64];
  char ended[64];
  snprintf(reason, sizeof(reason), "--reason=%s", name);
  snprintf(ended, sizeof(ended), "--ended=killed by %s", name);
  const char* flags[] = {reason, ended, nullptr};
  if (s->reporters.empty() || RenderElsewhere(s, flags, name)) {
    s->final_written.store(true);
    __atomic_store_n(&s->store->mutable_header()->final_reports_written, 1,
                     __ATOMIC_RELEASE);
  }
  LogEnd(s, "signal", signal_number, /*kept=*/true);
  WriteIndexElsewhere(s);
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
  Tracker::Get().CaptureForReport();
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
  // Done here: the exported _exit must not render again.
  s->final_written.store(true);
  LogEnd(s, "oom-exit", kOomExitCode, /*kept=*/true);
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

// What chooses the peak's moment (the session sets the tracker up to match
// before tracking starts).
pf::PeakMoment PeakMomentOf(Mode mode) {
  return PeakMomentFor(mode == Mode::kSample, LiveTotal::Known());
}

ProfileStore::Facts MakeFacts(const SessionState* s, const timespec& wall,
                              int64_t inherited_bytes) {
  ProfileStore::Facts facts;
  facts.pid = s->pid;
  facts.sample_mode = s->config.mode == Mode::kSample;
  facts.sample_interval_bytes = s->config.sample_interval_bytes;
  facts.start_realtime_ns = Nanoseconds(wall);
  facts.start_monotonic_ns = Nanoseconds(s->started);
  facts.top_rows = s->config.top_rows;
  facts.unwinder = s->config.unwinder;
  facts.reporters = ReporterNames(s);
  facts.command = s->command;
  facts.parent_pid = s->parent_pid;
  facts.started = s->started_how;
  facts.start_ticks = s->start_ticks;
  facts.inherited_bytes = inherited_bytes;
  facts.peak_moment = PeakMomentOf(s->config.mode);
  facts.working_directory = s->working_directory;
  facts.python_version_hex = s->python_version_hex;
  facts.interposer = s->config.interposer;
  if (s->interposer != nullptr) facts.allocator = s->interposer->Allocator();
  return facts;
}

// The first process of a job resolves the job's folder once ({pid} is its
// pid, a relative path its directory) and hands it to its descendants
// through its own environment; this runs before main(), so shells and
// Python take the variables in with the rest. A reused folder's log and
// index are the previous job's: they go.
void StartJob(SessionState* s, int job_fd) {
  setenv(kEnvOutput, s->job_path.path.c_str(), 1);
  setenv(kEnvJob, std::to_string(s->pid).c_str(), 1);
  unlinkat(job_fd, kJobLogName, 0);
  unlinkat(job_fd, kJobIndexName, 0);
}

// Marks a replaced image's stored profile as ended by exec, so that no
// renderer takes it for a process still running or killed.
void MarkReplaced(int folder_fd, int64_t end_nanoseconds) {
  const int fd =
      openat(folder_fd, pf::kFileName, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  const uint32_t ending = pf::kExecuted;
  ssize_t ignored = pwrite(fd, &end_nanoseconds, sizeof(end_nanoseconds),
                           offsetof(pf::FileHeader, end_nanoseconds));
  ignored =
      pwrite(fd, &ending, sizeof(ending), offsetof(pf::FileHeader, ending));
  (void)ignored;
  close(fd);
}

// The image this process replaced by exec, if it was profiled (a wrapper:
// a shell script that execs Python, env, a pyenv shim): its folder is
// J/<pid>-*, its stored profile has this pid and start time and no end.
// A noise image's folder goes; another is rendered as replaced by exec.
// Either way its `end` line goes into the log. Returns whether one was
// found.
bool FinishReplacedImage(SessionState* s, int job_fd,
                         std::vector<std::string>* kept) {
  const int scan_fd = dup(job_fd);
  DIR* dir = scan_fd < 0 ? nullptr : fdopendir(scan_fd);
  if (dir == nullptr) {
    if (scan_fd >= 0) close(scan_fd);
    return false;
  }
  const std::string prefix = std::to_string(s->pid) + "-";
  std::vector<std::string> candidates;
  while (const dirent* entry = readdir(dir)) {
    if (strncmp(entry->d_name, prefix.c_str(), prefix.size()) == 0) {
      candidates.emplace_back(entry->d_name);
    }
  }
  closedir(dir);
  bool found = false;
  for (const std::string& name : candidates) {
    ReportDirectory folder;
    folder.fd = openat(job_fd, name.c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (folder.fd < 0) continue;
    ScopedFd folder_fd{folder.fd};
    struct stat info;
    if (fstat(folder.fd, &info) != 0 || info.st_uid != geteuid()) continue;
    folder.display_path = s->job_path.path + "/" + name;
    std::string why;
    std::unique_ptr<ProfileFile> file =
        ProfileFile::OpenIn(folder.fd, folder.display_path, &why);
    if (file == nullptr) continue;
    const pf::FileHeader* h = file->header();
    if (!IsReplacedImage(*h, s->pid, s->start_ticks)) continue;
    found = true;
    Profile profile;
    const int64_t peak =
        ReadStoredProfile(*file, StoredSnapshot::kPeak, &profile, &why)
            ? profile.peak_bytes
            : 0;
    const bool python = h->python_seen != 0;
    const bool noise =
        IsNoiseProcess(python, peak, s->config.process_threshold_bytes);
    const std::string path = file->path();
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const int64_t end_ns = Nanoseconds(now) - h->start_monotonic_ns;
    file.reset();
    MarkReplaced(folder.fd, end_ns);
    if (noise) {
      RemovePreviousReports(folder, LinkedReportFileNames(),
                            {kOnDemandPrefix, "out-of-memory-"},
                            {"out-of-memory"});
      unlinkat(folder.fd, pf::kFileName, 0);
      unlinkat(job_fd, name.c_str(), AT_REMOVEDIR);
    } else {
      const char* args[] = {"--quiet", "--reason=exec",
                            "--ended=replaced by exec", path.c_str(), nullptr};
      RendererProcess::Run(args, 120);
      kept->push_back(name);
    }
    JobLogEnd end;
    end.pid = s->pid;
    end.start_ticks = s->start_ticks;
    end.ending = "exec";
    end.code = 0;
    end.peak_bytes = peak;
    end.python = python;
    end.folder = noise ? "" : name.c_str();
    char line[kJobLogMaxLine];
    const size_t length = FormatJobLogEnd(end, line, sizeof(line));
    if (length > 0) AppendJobLogLine(job_fd, line, length);
  }
  return found;
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
  s->pid = getpid();
  s->parent_pid = getppid();
  const bool job_known = s->config.job_pid != 0;
  s->first = !job_known || s->config.job_pid == s->pid;
  if (!s->config.follow_children) RemoveSelfFromPreload();
  std::string unwinder_error;
  s->unwinder = CreateUnwinder(s->config.unwinder, &unwinder_error);
  if (s->unwinder == nullptr) {
    Say("%s; profiling is off", unwinder_error.c_str());
    return;
  }
  // A library built for one backend (tools:libtidemark_glibc.so) preloaded
  // without TIDEMARK_INTERPOSER uses that backend, not the default name.
  if (getenv(kEnvInterposer) == nullptr && InterposerRegistry::size() == 1) {
    snprintf(s->config.interposer, sizeof(s->config.interposer), "%s",
             InterposerRegistry::at(0).name);
  }
  s->interposer = InterposerRegistry::Create(s->config.interposer);
  if (s->interposer == nullptr) {
    Say("unknown interposer '%s' (linked: %s); profiling is off",
        s->config.interposer, InterposerRegistry::JoinedNames().c_str());
    return;
  }
  if (!CreateReporters(s)) return;
  if (!PrintsTable(s)) DropPrintingReporters(s);

  clock_gettime(CLOCK_MONOTONIC, &s->started);
  timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  // Resolved once, against the directory the program starts in: a later
  // chdir() must not move the reports.
  char cwd[Config::kMaxPath];
  const bool have_cwd = getcwd(cwd, sizeof(cwd)) != nullptr;
  // Kept for the reports (a forked child keeps it: the same program, whose
  // files were found from here); unknown when getcwd fails (ERANGE: longer
  // than the stored profile's field, which is as long as this buffer).
  static_assert(sizeof(cwd) <= pf::kWorkingDirectoryBytes,
                "every working directory getcwd gives fits the profile");
  if (have_cwd && cwd[0] == '/') s->working_directory = cwd;
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
  // The job's folder, then this process's own folder inside it.
  s->job_path =
      ResolveOutputPath(s->config.output, s->pid, wall, have_cwd ? cwd : "/");
  ReportDirectory job;
  if (!OpenOutputDirectory(s->job_path, /*create=*/true, &job, &why)) {
    Say("%s; profiling is off", why.c_str());
    s->interposer->Uninstall();
    return;
  }
  ScopedFd job_fd{job.fd};
  if (!job_known) StartJob(s, job.fd);
  s->command = ReadCommandLine();
  s->program = ProgramName(s->command.empty() ? "" : s->command[0]);
  s->start_ticks = ReadStartTicks(0);
  RendererProcess::Locate();
  std::vector<std::string> kept;
  const bool replaced = job_known && FinishReplacedImage(s, job.fd, &kept);
  s->started_how = HowStarted(replaced, s->first);
  // The image it replaced kept its reports under the same name (Python
  // exec'ing Python): this image's folder gets a number of its own. (A
  // folder an earlier run left under that name is reused, as ever.)
  s->folder_name =
      UnkeptFolderName(ProcessFolderName(s->pid, s->program), kept);
  s->output_path = s->job_path;
  s->output_path.path += "/" + s->folder_name;
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
  snprintf(s->log_path, sizeof(s->log_path), "%s/%s", s->job_path.path.c_str(),
           kJobLogName);
  snprintf(s->folder_path, sizeof(s->folder_path), "%s",
           s->output_path.path.c_str());
  s->runtime_present = s->unwinder->FoundRuntime();
  s->python_version_hex = s->unwinder->PythonVersionHex();
  const ProfileStore::Facts facts = MakeFacts(s, wall, 0);
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
  if (s->runtime_present) s->store->mutable_header()->python_seen = 1;
  Tracker::Get().AttachStore(s->store);
  // The timeline's first point: what the process holds before the program
  // runs (its RSS: the interpreter's start-up, the profiler).
  Tracker::Get().AddTimelinePoint(/*force=*/true);
  Tracker::Get().set_unwinder(s->unwinder);
  Tracker::Get().ChoosePeakMomentByLiveTotal(PeakMomentOf(s->config.mode) ==
                                             pf::kPeakMomentLiveTotal);
  Sampler::Configure(s->config.sample_interval_bytes, s->config.sample_seed);
  // A reused folder holds only this run's reports; only now, when this run
  // will certainly write some.
  RemovePreviousReports(output, LinkedReportFileNames(),
                        {kOnDemandPrefix, "out-of-memory-"}, {"out-of-memory"});
  LogStart(s, job.fd);
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

void Session::OnImmediateExit(int status) { OnImmediateExitNow(status); }

bool Session::WriteReports(const char* reason) {
  return WriteReportsNow(reason, /*final_report=*/true);
}

}  // namespace tidemark
