#include "core/job_index.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>

#include "core/atomic_file.h"
#include "core/job_log.h"
#include "core/json_text.h"
#include "core/message_text.h"
#include "core/output_directory.h"
#include "core/profile_reader.h"

namespace tidemark {
namespace {

using profile_format::FileHeader;

// A log larger than this is not one Tidemark wrote (a line per process
// start and end, at most 4 KiB each).
constexpr size_t kMaxLogBytes = size_t{256} << 20;

constexpr char kRunning[] = "running";
constexpr char kNoReports[] = "ended without writing its reports";
constexpr char kReplacedByExec[] = "replaced by exec";
constexpr char kOomExitWords[] =
    "ended by --oom-exit after running out of memory";

struct ScopedFd {
  int fd = -1;
  ~ScopedFd() {
    if (fd >= 0) close(fd);
  }
};

bool ReadLog(int dir_fd, const std::string& display, std::string* text,
             std::string* why) {
  ScopedFd log;
  log.fd = openat(dir_fd, kJobLogName,
                  O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (log.fd < 0 || fstat(log.fd, &st) != 0) {
    *why = "cannot read " + display + ": " + strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *why = "cannot read " + display + ": not a regular file";
    return false;
  }
  text->clear();
  char buffer[65536];
  while (true) {
    const ssize_t n = read(log.fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *why = "cannot read " + display + ": " + strerror(errno);
      return false;
    }
    if (n == 0) return true;
    if (text->size() + static_cast<size_t>(n) > kMaxLogBytes) {
      *why = "cannot read " + display + ": larger than " +
             std::to_string(kMaxLogBytes >> 20) + " MiB";
      return false;
    }
    text->append(buffer, static_cast<size_t>(n));
  }
}

JobProcess FromStart(const JobLogEntry& start) {
  JobProcess p;
  p.pid = start.pid;
  p.parent_pid = start.parent_pid;
  p.program = start.program;
  p.command = start.argv;
  p.command_truncated = start.argv_truncated;
  p.started = start.started;
  p.folder = start.folder;
  p.start_ticks = start.start_ticks;
  return p;
}

void SetEnded(const std::string& ending, int code, JobProcess* p) {
  if (ending == "exit") {
    p->ended = "exit code " + std::to_string(code);
    p->exit_code = code;
  } else if (ending == "signal") {
    p->ended = "killed by " + SignalText(code);
    p->signal = code;
  } else if (ending == "exec") {
    p->ended = kReplacedByExec;
  } else {  // oom-exit (the parser knows no other ending)
    p->ended = kOomExitWords;
    p->exit_code = code;
  }
}

// The process images of the log, in its order, with how each ended.
std::vector<JobProcess> FromLog(const std::vector<JobLogEntry>& entries) {
  std::vector<JobProcess> processes;
  std::vector<bool> has_end;
  for (const JobLogEntry& entry : entries) {
    if (entry.kind == JobLogEntry::kStart) {
      processes.push_back(FromStart(entry));
      has_end.push_back(false);
      continue;
    }
    // The image this end belongs to: same pid and start ticks, not ended
    // yet. An exec end is written by the new image, which may have logged
    // its own start first, so it ends the earliest such image; any other
    // end, the latest.
    int match = -1;
    for (size_t i = 0; i < processes.size(); ++i) {
      if (has_end[i] || processes[i].pid != entry.pid ||
          processes[i].start_ticks != entry.start_ticks) {
        continue;
      }
      match = static_cast<int>(i);
      if (entry.ending == "exec") break;
    }
    if (match < 0) {
      // Its start line was lost (a full disk): the end still counts.
      JobProcess p;
      p.pid = entry.pid;
      p.start_ticks = entry.start_ticks;
      processes.push_back(p);
      has_end.push_back(false);
      match = static_cast<int>(processes.size()) - 1;
    }
    JobProcess& p = processes[static_cast<size_t>(match)];
    has_end[static_cast<size_t>(match)] = true;
    SetEnded(entry.ending, entry.code, &p);
    // The end is the later word on the folder: "-" once removed as noise.
    p.folder = entry.folder;
    p.peak_bytes = entry.peak_bytes;
    p.python = entry.python;
  }
  return processes;
}

// Adds what the stored profile in J/<folder> says; a folder that is gone is
// no folder.
void AddStoredProfile(int job_fd, const std::string& job_dir, JobProcess* p) {
  ScopedFd folder;
  folder.fd = openat(job_fd, p->folder.c_str(),
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (folder.fd < 0) {
    if (errno == ENOENT) p->folder.clear();
    return;
  }
  std::string error;
  const auto file =
      ProfileFile::OpenIn(folder.fd, job_dir + "/" + p->folder, &error);
  if (file == nullptr) return;
  const FileHeader* h = file->header();
  // Another process's profile (a folder name reused) says nothing of this
  // one.
  if (h->pid != p->pid || (h->start_ticks != 0 && p->start_ticks != 0 &&
                           h->start_ticks != p->start_ticks)) {
    return;
  }
  StoredEnding ending;
  int64_t peak = 0;
  if (!ReadStoredEnding(*file, &ending, &error) ||
      !ReadStoredPeakBytes(*file, &peak, &error)) {
    return;
  }
  p->has_stored_profile = true;
  p->final_reports_written = ending.final_reports_written;
  p->peak_bytes = std::max(p->peak_bytes, peak);
  p->inherited_bytes = h->inherited_bytes;
  p->python = p->python || __atomic_load_n(&h->python_seen, __ATOMIC_RELAXED);
  if (p->parent_pid == 0) p->parent_pid = h->parent_pid;
  if (!p->ended.empty()) return;
  switch (ending.ending) {
    case profile_format::kExited:
      SetEnded("exit", ending.exit_code, p);
      break;
    case profile_format::kSignal:
      SetEnded("signal", ending.signal_number, p);
      break;
    case profile_format::kOomExit:
      SetEnded("oom-exit", ending.exit_code, p);
      break;
    case profile_format::kExecuted:
      SetEnded("exec", 0, p);
      break;
    case profile_format::kRunning:
      break;
  }
}

std::string Number(int64_t value, bool known) {
  return known ? std::to_string(value) : "null";
}

std::string ProcessJson(const JobProcess& p) {
  std::string out = "{\"pid\": " + std::to_string(p.pid) +
                    ", \"parent_pid\": " + std::to_string(p.parent_pid) +
                    ", \"program\": " + JsonQuoted(p.program) +
                    ", \"command\": [";
  for (size_t i = 0; i < p.command.size(); ++i) {
    if (i > 0) out += ", ";
    out += JsonQuoted(p.command[i]);
  }
  const char* started = profile_format::StartedName(p.started);
  out += "], \"started\": " + JsonQuoted(started == nullptr ? "" : started) +
         ", \"folder\": " +
         (p.folder.empty() ? std::string("null") : JsonQuoted(p.folder)) +
         ", \"python\": " + (p.python ? "true" : "false") +
         ", \"peak_bytes\": " + Number(p.peak_bytes, p.peak_bytes >= 0) +
         ", \"inherited_bytes\": " + std::to_string(p.inherited_bytes) +
         ", \"ended\": " + JsonQuoted(p.ended) +
         ", \"exit_code\": " + Number(p.exit_code, p.exit_code >= 0) +
         ", \"signal\": " + Number(p.signal, p.signal >= 0) + "}";
  return out;
}

}  // namespace

bool OpenJobDirectory(const std::string& job_dir, ReportDirectory* out,
                      std::string* why) {
  const int parts = static_cast<int>(PathComponents(job_dir).size());
  const OutputPath where{job_dir, std::max(0, parts - 1)};
  return OpenOutputDirectory(where, /*create=*/false, out, why);
}

bool ReadJobIndex(const std::string& job_dir, JobIndex* index,
                  std::string* why) {
  *index = JobIndex();
  ReportDirectory dir;
  if (!OpenJobDirectory(job_dir, &dir, why)) return false;
  ScopedFd dir_fd{dir.fd};
  std::string text;
  if (!ReadLog(dir.fd, dir.display_path + "/" + kJobLogName, &text, why)) {
    return false;
  }
  std::vector<JobLogEntry> entries;
  ParseJobLog(text, &entries);
  index->processes = FromLog(entries);
  for (JobProcess& p : index->processes) {
    if (!p.folder.empty()) AddStoredProfile(dir.fd, dir.display_path, &p);
    if (p.ended.empty()) {
      p.running = ProcessRunning(p.pid, p.start_ticks);
      p.ended = p.running ? kRunning : kNoReports;
    }
  }
  index->highest = HighestPeak(index->processes);
  return true;
}

int HighestPeak(const std::vector<JobProcess>& processes) {
  int highest = -1;
  for (size_t i = 0; i < processes.size(); ++i) {
    if (processes[i].peak_bytes < 0) continue;
    if (highest < 0 || processes[i].peak_bytes >
                           processes[static_cast<size_t>(highest)].peak_bytes) {
      highest = static_cast<int>(i);
    }
  }
  return highest;
}

std::string JobIndexJson(const JobIndex& index) {
  std::string out = "{\n  \"version\": 1,\n  \"processes\": [";
  for (size_t i = 0; i < index.processes.size(); ++i) {
    out += i == 0 ? "\n    " : ",\n    ";
    out += ProcessJson(index.processes[i]);
  }
  out += index.processes.empty() ? "],\n" : "\n  ],\n";
  out += "  \"highest_peak\": ";
  if (index.highest >= 0 &&
      static_cast<size_t>(index.highest) < index.processes.size()) {
    const JobProcess& p = index.processes[static_cast<size_t>(index.highest)];
    out += "{\"pid\": " + std::to_string(p.pid) + ", \"folder\": " +
           (p.folder.empty() ? std::string("null") : JsonQuoted(p.folder)) +
           ", \"peak_bytes\": " + std::to_string(p.peak_bytes) + "}";
  } else {
    out += "null";
  }
  out += "\n}\n";
  return out;
}

bool WriteJobIndex(const std::string& job_dir, const JobIndex& index,
                   std::string* why) {
  ReportDirectory dir;
  if (!OpenJobDirectory(job_dir, &dir, why)) return false;
  ScopedFd dir_fd{dir.fd};
  return WriteFileAtomically(dir, kJobIndexName, JobIndexJson(index), why);
}

bool IsNoiseProcess(bool python, int64_t peak_bytes, int64_t threshold) {
  return threshold > 0 && !python && peak_bytes >= 0 && peak_bytes <= threshold;
}

bool IsNoiseProcess(const FileHeader& header, int64_t threshold) {
  const uint64_t generation =
      __atomic_load_n(&header.peak_generation, __ATOMIC_ACQUIRE);
  const int64_t peak =
      generation == 0
          ? 0
          : __atomic_load_n(&header.peak[generation % 2].total_bytes,
                            __ATOMIC_RELAXED);
  return IsNoiseProcess(
      __atomic_load_n(&header.python_seen, __ATOMIC_RELAXED) != 0, peak,
      threshold);
}

bool IsNoiseProcess(const JobProcess& process, int64_t threshold) {
  return IsNoiseProcess(process.python, process.peak_bytes, threshold);
}

}  // namespace tidemark
