#include "core/memory_pressure.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

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
  const std::string needle = std::string("\n") + key + ":";
  size_t at = ("\n" + text).find(needle);
  if (at == std::string::npos) return false;
  const char* value = text.c_str() + at + needle.size() - 1;
  char* end = nullptr;
  const int64_t kib = strtoll(value, &end, 10);
  if (end == value || kib < 0) return false;
  *bytes = kib * 1024;
  return true;
}

// Tightens `status` with the cgroup limit found under `directory`.
void ApplyCgroupLimit(const std::string& limit_file,
                      const std::string& usage_file, MemoryStatus* status) {
  std::string text;
  int64_t limit = 0;
  if (!ReadSmallFile(limit_file, &text) || !ParseLimit(text, &limit)) return;
  int64_t usage = 0;
  if (!ReadSmallFile(usage_file, &text)) return;
  usage = strtoll(text.c_str(), nullptr, 10);
  const int64_t available = limit > usage ? limit - usage : 0;
  if (status->limit == 0 || available < status->available) {
    status->limit = limit;
    status->available = available;
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

bool ReadMemoryStatus(MemoryStatus* out) {
  MemoryStatus status;
  std::string text;
  if (ReadSmallFile("/proc/meminfo", &text)) ParseMeminfo(text, &status);
  std::string cgroups;
  if (ReadSmallFile("/proc/self/cgroup", &cgroups)) {
    std::string path;
    if (ParseCgroupPath(cgroups, /*v2=*/true, &path)) {
      const std::string dir = "/sys/fs/cgroup" + path;
      ApplyCgroupLimit(dir + "/memory.max", dir + "/memory.current", &status);
    }
    if (ParseCgroupPath(cgroups, /*v2=*/false, &path)) {
      // In a container the v1 hierarchy is mounted at the container's own
      // cgroup, so the path's leading components may not exist under the
      // mount: try the full path, then drop components from the front.
      for (;;) {
        const std::string dir = "/sys/fs/cgroup/memory" + path;
        if (access((dir + "/memory.limit_in_bytes").c_str(), R_OK) == 0) {
          ApplyCgroupLimit(dir + "/memory.limit_in_bytes",
                           dir + "/memory.usage_in_bytes", &status);
          break;
        }
        size_t next = path.find('/', 1);
        if (path.size() <= 1) break;
        path = next == std::string::npos ? "/" : path.substr(next);
      }
    }
  }
  if (status.limit <= 0) return false;
  *out = status;
  return true;
}

}  // namespace tidemark
