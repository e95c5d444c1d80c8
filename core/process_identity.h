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
// be read (no /proc, the process is gone). Async-signal-safe.
uint64_t ReadStartTicks(pid_t pid);

// The field-22 value of a /proc/PID/stat line. The command name (field 2)
// may hold spaces and parentheses, so fields are counted after the last
// ')'. 0 when the line is malformed.
uint64_t ParseStartTicks(const char* stat_line, size_t length);

// The name a process's report folder carries: the last part of argv[0],
// with characters outside [A-Za-z0-9._+-] replaced by '_' and at most 40
// bytes; "process" when nothing is left.
std::string ProgramName(const std::string& argv0);

// "1234-python3".
std::string ProcessFolderName(pid_t pid, const std::string& program);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROCESS_IDENTITY_H_
