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

// Tightens `status` with the cgroup limit found under `directory`.
void ApplyCgroupLimit(const std::string& limit_file,
                      const std::string& usage_file, MemoryStatus* status) {
  std::string limit_text;
  std::string usage_text;
  MemoryStatus cgroup;
  if (!ReadSmallFile(limit_file, &limit_text) ||
      !ReadSmallFile(usage_file, &usage_text) ||
      !ParseCgroupMemory(limit_text, usage_text, &cgroup)) {
    return;
  }
  if (status->limit == 0 || cgroup.available < status->available) {
    *status = cgroup;
  }
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

bool ParseCgroupPath(const std::string& text, bool v2, std::string* path) {
  size_t from = 0;
  while (from < text.size()) {
    size_t end = text.find('\n', from);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(from, end - from);
    from = end + 1;
    // "hierarchy-id:controllers:path"
    size_t first = line.find(':');
    size_t second =
        first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string id = line.substr(0, first);
    const std::string controllers = line.substr(first + 1, second - first - 1);
    bool match;
    if (v2) {
      match = id == "0" && controllers.empty();
    } else {
      match = ("," + controllers + ",").find(",memory,") != std::string::npos;
    }
    if (match) {
      *path = line.substr(second + 1);
      return true;
    }
  }
  return false;
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

namespace {

// The (limit, usage) file pairs of this process's memory cgroups.
using CgroupFiles = std::vector<std::pair<std::string, std::string>>;

CgroupFiles FindCgroupFiles() {
  CgroupFiles files;
  std::string cgroups;
  if (!ReadSmallFile("/proc/self/cgroup", &cgroups)) return files;
  std::string path;
  if (ParseCgroupPath(cgroups, /*v2=*/true, &path)) {
    const std::string dir = "/sys/fs/cgroup" + path;
    files.emplace_back(dir + "/memory.max", dir + "/memory.current");
  }
  if (ParseCgroupPath(cgroups, /*v2=*/false, &path)) {
    // In a container the v1 hierarchy is mounted at the container's own
    // cgroup, so the path's leading components may not exist under the
    // mount: try the full path, then drop components from the front.
    for (;;) {
      const std::string dir = "/sys/fs/cgroup/memory" + path;
      if (access((dir + "/memory.limit_in_bytes").c_str(), R_OK) == 0) {
        files.emplace_back(dir + "/memory.limit_in_bytes",
                           dir + "/memory.usage_in_bytes");
        break;
      }
      size_t next = path.find('/', 1);
      if (path.size() <= 1) break;
      path = next == std::string::npos ? "/" : path.substr(next);
    }
  }
  return files;
}

}  // namespace

bool ReadMemoryStatus(MemoryStatus* out) {
  // Found once; never destroyed, as the report thread may still read it
  // while the process exits.
  static const CgroupFiles* const cgroup_files =
      new CgroupFiles(FindCgroupFiles());
  MemoryStatus status;
  std::string text;
  if (ReadSmallFile("/proc/meminfo", &text)) ParseMeminfo(text, &status);
  for (const auto& [limit_file, usage_file] : *cgroup_files) {
    ApplyCgroupLimit(limit_file, usage_file, &status);
  }
  if (status.limit <= 0) return false;
  *out = status;
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
