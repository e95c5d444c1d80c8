#include "core/memory_pressure.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace tidemark {
namespace {

// Reads a small kernel file whole; they are a few KiB at most.
bool ReadSmallFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    out->append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return !out->empty();
}

// The value of "KEY:   123 kB" in meminfo-style text, in bytes.
bool FindKibField(const std::string& text, const char* key, int64_t* bytes) {
  const std::string needle = std::string(key) + ":";
  size_t at = text.compare(0, needle.size(), needle) == 0
                  ? 0
                  : text.find("\n" + needle);
  if (at == std::string::npos) return false;
  if (at != 0) ++at;  // past the newline
  const char* value = text.c_str() + at + needle.size();
  char* end = nullptr;
  const int64_t kib = strtoll(value, &end, 10);
  // Past INT64_MAX / 1024 the byte count would overflow.
  if (end == value || kib < 0 || kib > INT64_MAX / 1024) return false;
  *bytes = kib * 1024;
  return true;
}

}  // namespace

bool ParseMeminfo(const std::string& text, MemoryStatus* out) {
  int64_t total = 0;
  int64_t available = 0;
  if (!FindKibField(text, "MemTotal", &total) ||
      !FindKibField(text, "MemAvailable", &available) || total <= 0) {
    return false;
  }
  out->limit = total;
  out->available = available;
  return true;
}

bool ParseLimit(const std::string& text, int64_t* bytes) {
  if (text.compare(0, 3, "max") == 0) return false;
  char* end = nullptr;
  const int64_t value = strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || value <= 0) return false;
  // cgroup v1 says "no limit" with a page-rounded 2^63 - 1.
  if (value >= (int64_t{1} << 62)) return false;
  *bytes = value;
  return true;
}

bool ParseCgroupMemory(const std::string& limit_text,
                       const std::string& usage_text, MemoryStatus* out) {
  int64_t limit = 0;
  if (!ParseLimit(limit_text, &limit)) return false;
  // A usage that does not parse counts as none, as before; a negative one
  // cannot be real and would overflow `limit - usage`.
  const int64_t usage = std::max<int64_t>(
      0, static_cast<int64_t>(strtoll(usage_text.c_str(), nullptr, 10)));
  out->limit = limit;
  out->available = limit > usage ? limit - usage : 0;
  return true;
}

bool ReadMemoryStatus(MemoryStatus* out) {
  InitMemoryLimits();
  Headroom headroom;
  if (!ReadHeadroom(&headroom) || headroom.limit <= 0) return false;
  out->limit = headroom.limit;
  out->available = std::min(headroom.available, headroom.limit);
  return true;
}

int64_t ParseRssHighWaterMark(const std::string& status_text) {
  int64_t bytes = 0;
  return FindKibField(status_text, "VmHWM", &bytes) ? bytes : 0;
}

int64_t ReadRssHighWaterMark() {
  std::string text;
  return ReadSmallFile("/proc/self/status", &text) ? ParseRssHighWaterMark(text)
                                                   : 0;
}

}  // namespace tidemark
