#ifndef TIDEMARK_CORE_PROCESS_IDENTITY_H_
#define TIDEMARK_CORE_PROCESS_IDENTITY_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace tidemark {

// When process `pid` (0: this one) started, in clock ticks after boot
// (/proc/PID/stat, field 22). exec keeps it, a new process gets its own, so
// (pid, start ticks) names one process for its whole life across exec, and
// tells a reused pid from the one a folder was made for. 0 when it cannot
// be read (no /proc, the process is gone).
uint64_t ReadStartTicks(pid_t pid);

// Whether process `pid` exists, is not a zombie, and (when `start_ticks` is
// not 0) started at `start_ticks` (/proc/PID/stat field 22): a recycled pid
// is another process.
bool ProcessRunning(pid_t pid, uint64_t start_ticks);
// The state (field 3) and start time (field 22) from /proc/PID/stat's text.
bool ParseProcStat(const std::string& text, char* state, uint64_t* start_ticks);

// The name a process's report folder carries: the last part of argv[0],
// with characters outside [A-Za-z0-9._+-] replaced by '_' and at most 40
// bytes; "process" when nothing is left.
std::string ProgramName(const std::string& argv0);

// "1234-python3".
std::string ProcessFolderName(pid_t pid, const std::string& program);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROCESS_IDENTITY_H_
