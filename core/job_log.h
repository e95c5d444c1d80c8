#ifndef TIDEMARK_CORE_JOB_LOG_H_
#define TIDEMARK_CORE_JOB_LOG_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/profile_format.h"

// The job log, J/processes.log: one line per event of any process of the
// job, appended by each process itself (every process of a job shares the
// file, so each line is one write() of at most kJobLogMaxLine bytes to a
// file opened O_APPEND: lines never interleave). Fields are separated by
// one TAB, the line ends with '\n':
//
//   start <pid> <parent_pid> <start_ticks> <started> <folder> <program>
//         <arg0> <arg1> ...
//   end   <pid> <start_ticks> <ending> <code> <peak_bytes> <python:0|1>
//         <folder>
//
// <started> is first|exec|child|fork; <folder> is the process's folder
// relative to J, or "-" when it has none; <ending> is exit|signal|exec|
// oom-exit and <code> the exit code or signal number. Inside a field '\\'
// is "\\\\", TAB "\\t", newline "\\n", any other control byte "\\xHH", and
// an argument that is exactly "..." is written "\\x2e..": a bare "..." as the
// last field means the arguments that did not fit were dropped. A process
// killed without notice has a start line and no end line.
namespace tidemark {

inline constexpr char kJobLogName[] = "processes.log";
inline constexpr size_t kJobLogMaxLine = 4096;

struct JobLogStart {
  pid_t pid;
  pid_t parent_pid;
  uint64_t start_ticks;
  profile_format::Started started;
  const char* folder;  // "" = none
  const char* program;
  const char* const* argv;
  int argc;
};

struct JobLogEnd {
  pid_t pid;
  uint64_t start_ticks;
  const char* ending;  // exit, signal, exec, oom-exit
  int code;
  int64_t peak_bytes;
  bool python;
  const char* folder;  // "" = none
};

// Format one line into `buffer` (at most min(capacity, kJobLogMaxLine)
// bytes, not NUL-terminated). No allocation, no stdio: async-signal-safe.
// Return the line's length (with '\n'), 0 if it cannot fit (arguments are
// dropped first; 0 only when the fixed fields alone do not fit) or a value
// is unusable (an unknown `started`, a null string).
size_t FormatJobLogStart(const JobLogStart& start, char* buffer,
                         size_t capacity);
size_t FormatJobLogEnd(const JobLogEnd& end, char* buffer, size_t capacity);

// Appends one line (as formatted above: ends with '\n', at most
// kJobLogMaxLine bytes) with one write(); creates the log if missing
// (openat on the job folder's descriptor, O_NOFOLLOW), and writes only to a
// regular file owned by the effective user. Async-signal-safe.
bool AppendJobLogLine(int job_dir_fd, const char* line, size_t length);
// The same by the log's absolute path, never creating it.
bool AppendJobLogLineAt(const char* log_path, const char* line, size_t length);

// One parsed line.
struct JobLogEntry {
  enum Kind { kStart, kEnd };
  Kind kind = kStart;
  pid_t pid = 0;
  uint64_t start_ticks = 0;
  std::string folder;  // "" = none
  // kStart:
  pid_t parent_pid = 0;
  profile_format::Started started = profile_format::kStartedFirst;
  std::string program;
  std::vector<std::string> argv;
  bool argv_truncated = false;  // the line ended with "..."
  // kEnd:
  std::string ending;  // exit, signal, exec, oom-exit
  int code = 0;
  int64_t peak_bytes = 0;
  bool python = false;
};

// Parses the whole log, in order. Tolerant: a malformed line (unknown kind
// or ending, a bad number or escape, a folder that is not a plain name, a
// last line without '\n') is skipped. Returns the number of lines skipped
// in *skipped when given. False only for a null `entries`.
bool ParseJobLog(const std::string& text, std::vector<JobLogEntry>* entries,
                 int* skipped = nullptr);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_JOB_LOG_H_
