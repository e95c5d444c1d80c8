#ifndef TIDEMARK_CORE_MEMORY_PRESSURE_H_
#define TIDEMARK_CORE_MEMORY_PRESSURE_H_

#include <cstdint>
#include <string>

#include "core/memory_limits.h"  // ParseCgroupPath

namespace tidemark {

// How close the process is to running out of memory: the tightest of the
// limits core/memory_limits.h finds (its cgroup and their ancestors, the
// machine's MemAvailable, RLIMIT_AS and RLIMIT_DATA). The report thread's
// polling check uses it until the allocation-path watch
// (core/oom_watch.h) replaces it.
struct MemoryStatus {
  int64_t limit = 0;      // bytes the process may use at most
  int64_t available = 0;  // bytes it may still allocate
};

// Parsers for the kernel's files, separate so tests can feed them text.
// "/proc/meminfo" text -> MemTotal and MemAvailable, in bytes.
bool ParseMeminfo(const std::string& text, MemoryStatus* out);
// A limit file's contents ("max", or a byte count) -> bytes; false for
// "max" or a v1 "no limit" value (close to 2^63).
bool ParseLimit(const std::string& text, int64_t* bytes);
// A cgroup's limit and usage files' contents -> its limit and what is still
// available under it (0 once usage reaches the limit); false when the limit
// file sets no limit.
bool ParseCgroupMemory(const std::string& limit_text,
                       const std::string& usage_text, MemoryStatus* out);
// "/proc/self/status" text -> VmHWM in bytes; 0 if absent or unreadable.
int64_t ParseRssHighWaterMark(const std::string& status_text);

// Reads the current status (ReadHeadroom). Which cgroup files to read is
// worked out on the first call (InitMemoryLimits), which allocates.
bool ReadMemoryStatus(MemoryStatus* out);

// The kernel's high-water mark of resident memory for this process
// (VmHWM in /proc/self/status), in bytes; 0 if unknown.
int64_t ReadRssHighWaterMark();

// True when less than `fraction` of the limit is still available.
inline bool IsNearOutOfMemory(const MemoryStatus& status, double fraction) {
  return status.limit > 0 && static_cast<double>(status.available) <
                                 fraction * static_cast<double>(status.limit);
}

}  // namespace tidemark

#endif  // TIDEMARK_CORE_MEMORY_PRESSURE_H_
