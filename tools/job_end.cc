#include "tools/job_end.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/message_text.h"
#include "core/output_directory.h"
#include "core/profile_format.h"
#include "core/registry.h"
#include "core/report_directory.h"
#include "core/report_rendering.h"
#include "core/reporter.h"
#include "tools/after_child.h"
#include "tools/report_leftovers.h"

namespace tidemark {
namespace {

constexpr char kOnDemandPrefix[] = "sigusr2-";
constexpr char kOutOfMemoryFolder[] = "out-of-memory";

struct ScopedFd {
  int fd = -1;
  ~ScopedFd() {
    if (fd >= 0) close(fd);
  }
};

void Say(const std::string& message) {
  fprintf(stderr, "tidemark: %s\n", EscapeControlBytes(message).c_str());
}

std::string MiB(int64_t bytes) {
  char text[32];
  snprintf(text, sizeof(text), "%.1f MiB",
           static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

// Every file a linked reporter writes, and the stored profile.
std::vector<std::string> ProcessFileNames() {
  std::vector<std::string> names = LinkedReportFileNames();
  names.emplace_back(profile_format::kFileName);
  return names;
}

// Opens J/<folder>: a real folder (no link) of the effective user's.
int OpenProcessFolder(int job_fd, const std::string& folder) {
  const int fd = openat(job_fd, folder.c_str(),
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_uid != geteuid())) {
    close(fd);
    return -1;
  }
  return fd;
}

// Removes a noise process's folder: only what Tidemark writes there (its
// stored profile, reports, interrupted reports' temporary files, sigusr2-N
// and out-of-memory/), never through a link; a folder holding anything
// else stays. True when the folder is gone.
bool RemoveProcessFolder(const ReportDirectory& job,
                         const std::string& folder) {
  ReportDirectory dir;
  ScopedFd fd{OpenProcessFolder(job.fd, folder)};
  if (fd.fd < 0) return false;
  dir.fd = fd.fd;
  dir.display_path = job.display_path + "/" + folder;
  RemoveInterruptedReports(dir.fd);
  RemovePreviousReports(dir, ProcessFileNames(), {kOnDemandPrefix},
                        {kOutOfMemoryFolder});
  return unlinkat(job.fd, folder.c_str(), AT_REMOVEDIR) == 0;
}

// Only printed reports were asked for, and they were printed: the stored
// profiles are not left behind as the one file of each process, nor the
// folders they leave empty.
void RemoveStoredProfiles(const ReportDirectory& job, JobIndex* index) {
  for (JobProcess& p : index->processes) {
    if (p.folder.empty() || p.running) continue;
    ScopedFd fd{OpenProcessFolder(job.fd, p.folder)};
    if (fd.fd < 0) continue;
    struct stat st;
    if (fstatat(fd.fd, profile_format::kFileName, &st, AT_SYMLINK_NOFOLLOW) ==
            0 &&
        S_ISREG(st.st_mode)) {
      unlinkat(fd.fd, profile_format::kFileName, 0);
    }
    if (unlinkat(job.fd, p.folder.c_str(), AT_REMOVEDIR) == 0) p.folder.clear();
  }
}

// The direct child: the last image of its pid.
int DirectChild(const JobIndex& index, pid_t pid) {
  for (size_t i = index.processes.size(); i > 0; --i) {
    if (index.processes[i - 1].pid == pid) return static_cast<int>(i - 1);
  }
  return -1;
}

bool ListsReporter(const std::string& list, const std::string& name) {
  return ("," + list + ",").find("," + name + ",") != std::string::npos;
}

}  // namespace

std::string FileWritingReporters(const std::string& list) {
  std::string files;
  size_t from = 0;
  while (from <= list.size()) {
    size_t end = list.find(',', from);
    if (end == std::string::npos) end = list.size();
    std::unique_ptr<Reporter> reporter(
        ReporterRegistry::Create(list.c_str() + from, end - from));
    if (reporter != nullptr && !reporter->FileNames().empty()) {
      if (!files.empty()) files += ",";
      files.append(list, from, end - from);
    }
    from = end + 1;
  }
  return files;
}

std::string JobLines(const JobEnd& job, const JobIndex& index) {
  // A process is a pid with its start time; the programs it exec'd are
  // one process.
  std::vector<std::pair<pid_t, uint64_t>> seen;
  int with_folder = 0;
  for (const JobProcess& p : index.processes) {
    const auto id = std::make_pair(p.pid, p.start_ticks);
    if (std::find(seen.begin(), seen.end(), id) == seen.end()) {
      seen.push_back(id);
    }
    if (!p.folder.empty()) ++with_folder;
  }
  const size_t count = seen.size();
  const JobProcess* highest =
      index.highest >= 0 ? &index.processes[static_cast<size_t>(index.highest)]
                         : nullptr;
  std::string lines;
  const auto line = [&](const std::string& text) {
    lines += "tidemark: " + EscapeControlBytes(text) + "\n";
  };
  if (count > 1) {
    std::string text = std::to_string(count) + " processes";
    if (index.processes.size() > count) {
      text += " (" + std::to_string(index.processes.size()) + " programs)";
    }
    if (highest != nullptr) {
      text += "; highest peak " + MiB(highest->peak_bytes);
      if (!highest->folder.empty()) text += " in " + highest->folder;
      text += " (" + highest->program + ", pid " +
              std::to_string(highest->pid) + ")";
    }
    text += "; index in " + job.job_dir + "/" + kJobIndexName;
    line(text);
  }
  if (FileWritingReporters(job.reporters).empty()) return lines;
  if (with_folder == 1 && highest != nullptr && !highest->folder.empty()) {
    // One folder: name it, as a one-process run always did.
    line("reports in " + job.job_dir + "/" + highest->folder);
  } else {
    line("reports in " + job.job_dir);
  }
  return lines;
}

bool FinishJob(const JobEnd& job, const ReportRunner& run_report) {
  JobIndex index;
  std::string why;
  if (!ReadJobIndex(job.job_dir, &index, &why) || index.processes.empty()) {
    return false;
  }
  ReportDirectory dir;
  if (!OpenJobDirectory(job.job_dir, &dir, &why)) return false;
  ScopedFd dir_fd{dir.fd};

  // Each process's table is printed below, once, for the whole job: the
  // renderer writes only the files.
  const std::string file_reporters = FileWritingReporters(job.reporters);
  // The reason each process's reports were rendered with here, for its
  // table.
  std::vector<std::string> reasons(index.processes.size());
  const int direct = DirectChild(index, job.status.pid);
  if (direct >= 0) {
    // The direct child could not record its end (killed unseen): how it
    // ended is known here, whether or not its reports are rendered below
    // (a noise child's folder is only removed).
    JobProcess& p = index.processes[static_cast<size_t>(direct)];
    if (p.exit_code < 0 && p.signal < 0 && !p.running &&
        p.ended != "replaced by exec") {
      p.ended = DescribeEnding(job.status, job.oom_killed).ended;
      if (job.status.signal == 0) {
        p.exit_code = job.status.exit_code;
      } else {
        p.signal = job.status.signal;
      }
    }
  }
  for (size_t i = 0; i < index.processes.size(); ++i) {
    JobProcess& p = index.processes[i];
    if (p.folder.empty() || !p.has_stored_profile || p.final_reports_written ||
        p.running || file_reporters.empty()) {
      continue;
    }
    if (IsNoiseProcess(p, job.process_threshold)) {
      if (RemoveProcessFolder(dir, p.folder)) p.folder.clear();
      continue;
    }
    EndingWords words;
    int exit_code = -1;
    const bool is_direct = static_cast<int>(i) == direct;
    if (is_direct) {
      words = DescribeEnding(job.status, job.oom_killed);
      if (job.status.signal == 0) {
        exit_code = job.status.exit_code;
        p.exit_code = exit_code;
      } else {
        p.signal = job.status.signal;
      }
      p.ended = words.ended;
    } else {
      words.reason = "killed";
      words.ended = p.ended;
    }
    std::vector<std::string> args =
        RenderArguments(dir.display_path + "/" + p.folder, words, exit_code);
    args.insert(args.begin(), "--reporters=" + file_reporters);
    if (run_report(args) != 0) {
      continue;  // the renderer said why
    }
    p.final_reports_written = true;
    reasons[i] = words.reason;
    if (is_direct) {
      Say(ChildEndingSummary(job.status, words) +
          "; its reports were rendered from its stored profile");
    }
  }
  index.highest = HighestPeak(index.processes);

  if (ListsReporter(job.reporters, "top_table") && index.highest >= 0) {
    const size_t h = static_cast<size_t>(index.highest);
    const JobProcess& p = index.processes[h];
    if (!p.folder.empty() && p.has_stored_profile) {
      std::vector<std::string> args = {"--print-only", "--quiet",
                                       "--reporters=top_table"};
      // The reason its own reports were made with: the one rendered here,
      // or, for an image replaced by exec (its stored ending still says
      // running), "exec"; otherwise the stored ending says it.
      if (!reasons[h].empty()) {
        args.push_back("--reason=" + reasons[h]);
      } else if (p.ended == "replaced by exec") {
        args.push_back("--reason=exec");
      }
      args.push_back(dir.display_path + "/" + p.folder);
      fflush(stderr);
      run_report(args);
    }
  }
  if (file_reporters.empty()) RemoveStoredProfiles(dir, &index);
  if (!WriteJobIndex(job.job_dir, index, &why)) Say(why);
  fputs(JobLines(job, index).c_str(), stderr);
  return true;
}

}  // namespace tidemark
