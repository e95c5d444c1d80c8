#include "tools/report_command.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>

#include "core/job_index.h"
#include "core/job_log.h"
#include "core/message_text.h"
#include "core/native_symbols.h"
#include "core/output_directory.h"
#include "core/profile.h"
#include "core/registry.h"
#include "core/report_directory.h"
#include "core/report_rendering.h"
#include "core/reporter.h"
#include "tools/paths.h"
#include "tools/report_filter.h"
#include "tools/report_flags.h"
#include "tools/report_leftovers.h"

namespace tidemark {
namespace {

constexpr int kRendered = 0;
constexpr int kCannotRender = 1;
constexpr int kBadFlags = 2;
constexpr char kOutOfMemoryFolder[] = "out-of-memory";

void Say(const std::string& message) {
  fprintf(stderr, "tidemark: %s\n", EscapeControlBytes(message).c_str());
}

struct ScopedFd {
  int fd = -1;
  ~ScopedFd() {
    if (fd >= 0) close(fd);
  }
};

bool ProcessAlive(int pid) {
  // pid 0 or below would address process groups.
  if (pid <= 0) return false;
  return kill(pid, 0) == 0 || errno == EPERM;
}

// `path` made absolute against the user's folder (under `bazel run`, the
// one it was started from), without trailing '/'.
std::string AbsolutePath(const std::string& path) {
  std::string absolute =
      MakeAbsolute(path, UserDirectory(getenv("BUILD_WORKING_DIRECTORY")));
  while (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
  return absolute;
}

struct Reporters {
  std::vector<std::unique_ptr<Reporter>> owned;
  std::vector<std::pair<std::string, Reporter*>> named;
};

void CreateReporters(const std::string& list, Reporters* out) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string name = list.substr(start, end - start);
    start = end + 1;
    out->owned.emplace_back(ReporterRegistry::Create(name.c_str()));
    out->named.emplace_back(name, out->owned.back().get());
  }
}

// Whether folder `fd` holds any file a reporter of `reporters` writes.
bool HoldsReports(int fd, const Reporters& reporters) {
  for (const auto& reporter : reporters.owned) {
    for (const std::string& name : reporter->FileNames()) {
      struct stat st;
      if (fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
    }
  }
  return false;
}

// Opens (making it when `create`) the folder `name` inside `parent`, which
// must be a real folder of the effective user's.
bool OpenSubfolder(const ReportDirectory& parent, const std::string& name,
                   bool must_be_new, ReportDirectory* out, std::string* error) {
  out->display_path = parent.display_path + "/" + name;
  if (mkdirat(parent.fd, name.c_str(), 0777) != 0 &&
      (must_be_new || errno != EEXIST)) {
    *error = "cannot make " + out->display_path + ": " + strerror(errno);
    return false;
  }
  out->fd = openat(parent.fd, name.c_str(),
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (out->fd < 0 || fstat(out->fd, &st) != 0 || st.st_uid != geteuid()) {
    *error = "cannot open " + out->display_path + ": " +
             (out->fd < 0 ? strerror(errno) : "not the user's own folder");
    if (out->fd >= 0) close(out->fd);
    out->fd = -1;
    return false;
  }
  return true;
}

}  // namespace

EndingText DescribeEnding(const StoredEnding& ending, bool alive) {
  EndingText text;
  switch (ending.ending) {
    case profile_format::kExited:
      text.reason = "exit";
      text.ended = "exit code " + std::to_string(ending.exit_code);
      break;
    case profile_format::kSignal:
      text.reason = SignalText(ending.signal_number);
      text.ended = "killed by " + text.reason;
      break;
    case profile_format::kOomExit:
      text.reason = "out-of-memory";
      text.ended = "ended by --oom-exit after running out of memory";
      break;
    case profile_format::kExecuted:
      text.reason = "exec";
      text.ended = "replaced by exec";
      break;
    case profile_format::kRunning:
    default:
      if (alive) {
        text.reason = "snapshot";
        text.final_report = false;
      } else {
        text.reason = "killed";
        text.ended = "ended without writing its reports";
      }
      break;
  }
  return text;
}

namespace {
bool IsJobFolder(const std::string& path);
int RenderJob(const ReportFlags& flags, const StackFilter& filter,
              const std::string& job_dir);
int RenderOne(const ReportFlags& flags, const StackFilter& filter,
              const std::string& path);
}  // namespace

int RunReportCommand(const std::vector<std::string>& args) {
  ReportFlags flags;
  std::string error;
  if (!ParseReportFlags(args, &flags, &error)) {
    Say(error);
    Say("run with --help for usage");
    return kBadFlags;
  }
  if (flags.help) {
    fputs(ReportUsageText().c_str(), stdout);
    return kRendered;
  }
  if (flags.reporters &&
      !CheckReporterNames(flags.formats ? "--format" : "--reporters",
                          *flags.reporters, &error)) {
    Say(error);
    return kBadFlags;
  }
  StackFilter filter;
  if (!filter.Compile(flags.focus.value_or(""), flags.ignore.value_or(""),
                      &error)) {
    Say(error);
    return kBadFlags;
  }

  const std::string path = AbsolutePath(flags.path);
  if (flags.index_only) {
    JobIndex index;
    if (!ReadJobIndex(path, &index, &error) ||
        !WriteJobIndex(path, index, &error)) {
      Say("cannot write the index of " + path + ": " + error);
      return kCannotRender;
    }
    return kRendered;
  }
  if (IsJobFolder(path)) return RenderJob(flags, filter, path);
  return RenderOne(flags, filter, path);
}

namespace {

// A folder holding no stored profile of its own but a job's log or process
// folders (J/<pid>-<program>/): the job folder of a run (core/job_index.h).
bool IsJobFolder(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  const std::string inside = path + "/";
  if (lstat((inside + profile_format::kFileName).c_str(), &st) == 0) {
    return false;
  }
  return lstat((inside + kJobLogName).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Renders every process of a job that has a stored profile, each into its
// own folder as if named alone, then rewrites the job's index.
int RenderJob(const ReportFlags& flags, const StackFilter& filter,
              const std::string& job_dir) {
  JobIndex index;
  std::string error;
  if (!ReadJobIndex(job_dir, &index, &error)) {
    Say("cannot render " + job_dir + ": " + error);
    return kCannotRender;
  }
  int result = kRendered;
  int rendered = 0;
  for (const JobProcess& process : index.processes) {
    if (process.folder.empty() || !process.has_stored_profile) continue;
    const int one = RenderOne(flags, filter, job_dir + "/" + process.folder);
    if (one == kRendered) {
      ++rendered;
    } else {
      result = one;
    }
  }
  if (rendered == 0 && result == kRendered) {
    Say("cannot render " + job_dir +
        ": no process of this job has a stored profile");
    return kCannotRender;
  }
  if (!flags.print_only) {
    // The peaks and endings as they are now.
    JobIndex now;
    if (!ReadJobIndex(job_dir, &now, &error) ||
        !WriteJobIndex(job_dir, now, &error)) {
      Say("cannot write the index of " + job_dir + ": " + error);
    }
  }
  return result;
}

int RenderOne(const ReportFlags& flags, const StackFilter& filter,
              const std::string& path) {
  std::string error;
  // The folder, opened by the library's rules (no link where the folder
  // is, the user's own), and the file in it.
  std::string folder = path;
  std::string file_name = profile_format::kFileName;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    Say("cannot render " + path + ": " + strerror(errno));
    return kCannotRender;
  }
  if (!S_ISDIR(st.st_mode)) {
    const size_t slash = path.rfind('/');
    folder = slash == 0 ? "/" : path.substr(0, slash);
    file_name = path.substr(slash + 1);
  }
  const std::vector<std::string> components = PathComponents(folder);
  OutputPath where{folder,
                   std::max(0, static_cast<int>(components.size()) - 1)};
  ReportDirectory dir;
  if (!OpenOutputDirectory(where, /*create=*/false, &dir, &error)) {
    // "cannot write reports to DIR: why" reads oddly after "cannot render".
    const std::string prefix = "cannot write reports to ";
    if (error.compare(0, prefix.size(), prefix) == 0) {
      error.erase(0, prefix.size());
    }
    Say("cannot render " + path + ": " + error);
    return kCannotRender;
  }
  ScopedFd dir_fd{dir.fd};
  dir.display_path = folder;
  const auto file = ProfileFile::OpenAt(dir.fd, file_name, folder, &error);
  if (file == nullptr) {
    Say("cannot render " + path + ": " + error);
    return kCannotRender;
  }
  const std::string& file_path = file->path();
  StoredEnding ending;
  if (!ReadStoredEnding(*file, &ending, &error)) {
    Say("cannot render " + file_path + ": " + error);
    return kCannotRender;
  }
  const bool alive = ProcessAlive(ending.pid);
  if (!alive && !flags.print_only) RemoveInterruptedReports(dir.fd);

  std::string list;
  if (flags.reporters) {
    list = *flags.reporters;
  } else {
    const char* recorded = file->header()->reporters;
    const size_t size = sizeof(file->header()->reporters);
    if (memchr(recorded, '\0', size) == nullptr || recorded[0] == '\0') {
      Say("cannot render " + file_path +
          ": it records no reporters; name them with --reporters");
      return kCannotRender;
    }
    list = recorded;
    if (!CheckReporterNames("the recorded reporters", list, &error)) {
      Say("cannot render " + file_path + ": " + error +
          "; choose others with --reporters");
      return kCannotRender;
    }
  }
  Reporters reporters;
  CreateReporters(list, &reporters);
  if (flags.print_only) {
    for (const auto& [name, reporter] : reporters.named) {
      if (!reporter->FileNames().empty()) {
        Say("--print-only: reporter '" + name +
            "' writes files; choose printing ones with --reporters");
        return kBadFlags;
      }
    }
  }

  EndingText text = DescribeEnding(ending, alive);
  if (flags.reason) text.reason = *flags.reason;
  if (flags.ended) text.ended = *flags.ended;
  if (flags.running) text.final_report = false;
  if (flags.print_only) text.final_report = true;

  ReportDirectory target = dir;
  ScopedFd target_fd;
  if (flags.subfolder) {
    if (!OpenSubfolder(dir, *flags.subfolder, /*must_be_new=*/true, &target,
                       &error)) {
      Say("cannot render " + file_path + ": " + error);
      return kCannotRender;
    }
    target_fd.fd = target.fd;
  } else if (flags.numbered_subfolder) {
    // PREFIX1, PREFIX2, ...: the first number not taken (the user's own
    // folders of that name are skipped, never reused).
    int last = 0;
    if (!MakeNumberedSubdirectory(dir, *flags.numbered_subfolder, &last,
                                  &target, &error)) {
      Say("cannot render " + file_path + ": " + error);
      return kCannotRender;
    }
    target_fd.fd = target.fd;
  }

  struct Round {
    StoredSnapshot snapshot;
    bool in_subfolder;
  };
  std::vector<Round> rounds;
  if (flags.snapshot == ReportSnapshot::kOutOfMemory) {
    rounds.push_back({StoredSnapshot::kOutOfMemory, false});
  } else {
    rounds.push_back({StoredSnapshot::kPeak, false});
    if (flags.snapshot == ReportSnapshot::kDefault &&
        ending.has_out_of_memory && !flags.print_only) {
      rounds.push_back({StoredSnapshot::kOutOfMemory, true});
    }
  }
  for (const Round& round : rounds) {
    Profile profile;
    if (!ReadStoredProfile(*file, round.snapshot, &profile, &error)) {
      Say("cannot render " + file_path + ": " + error);
      return kCannotRender;
    }
    // Before the filter: --focus/--ignore match frames as reports print
    // them.
    SymbolizeNativeFrames(&profile);
    profile.reason = text.reason;
    profile.ended = text.ended;
    if (flags.exit_code && !profile.has_exit_code) {
      profile.has_exit_code = true;
      profile.exit_code = *flags.exit_code;
    }
    profile.final_report = text.final_report;
    if (flags.top_rows) profile.top_rows = *flags.top_rows;
    filter.Apply(&profile);
    ReportDirectory into = target;
    ScopedFd into_fd;
    if (round.snapshot == StoredSnapshot::kOutOfMemory &&
        flags.snapshot == ReportSnapshot::kDefault) {
      profile.reason = "out-of-memory";
    }
    if (round.in_subfolder) {
      if (!OpenSubfolder(target, kOutOfMemoryFolder, /*must_be_new=*/false,
                         &into, &error)) {
        Say("cannot render " + file_path + ": " + error);
        return kCannotRender;
      }
      into_fd.fd = into.fd;
      // The library wrote it when memory ran out; that one stays.
      if (HoldsReports(into.fd, reporters)) continue;
    }
    std::string failures;
    if (!RenderReports(profile, reporters.named, into, &failures)) {
      Say("cannot render " + file_path + ": " + failures);
      return kCannotRender;
    }
  }
  if (!flags.quiet && !flags.print_only) {
    Say("reports in " + target.display_path);
  }
  return kRendered;
}

}  // namespace

}  // namespace tidemark
