// Fuzzes the parsers of the kernel's memory files (core/memory_limits.h):
// /proc/meminfo, /proc/self/cgroup, /proc/self/status, /proc/self/statm,
// /proc/self/mountinfo, a cgroup's limit, usage, memory.stat, memory.events
// and memory.oom_control; the same bytes go to each. The allocation-free ones
// run on the allocation path, and all of them inside the profiled process, so
// a file the kernel (or a container runtime) fills oddly must never make them
// read out of bounds, overflow, or answer with numbers that cannot be.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/memory_limits.h"

namespace tidemark {
namespace {

void Check(bool ok) {
  if (!ok) abort();
}

}  // namespace
}  // namespace tidemark

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tidemark;  // NOLINT(google-build-using-namespace)
  const std::string text(reinterpret_cast<const char*>(data), size);

  for (bool v2 : {true, false}) {
    std::string path;
    if (ParseCgroupPath(text, v2, &path)) {
      Check(path.find('\n') == std::string::npos);
    }
  }

  // The allocation-free parsers see the text up to the first NUL, as from a
  // file read into a terminated buffer; the text after it is a
  // /proc/self/cgroup for the mounts found in the whole text (below).
  const size_t split = text.find('\0');
  const std::string first = text.substr(0, split);
  const std::string rest =
      split == std::string::npos ? std::string() : text.substr(split + 1);

  const char* c_text = first.c_str();
  int64_t value = -1;
  if (ParseDecimal(c_text, &value)) Check(value >= 0);
  for (const char* key : {"oom_kill", "inactive_file", "total_inactive_file",
                          "MemAvailable", ""}) {
    value = -1;
    if (FindKeyedNumber(c_text, key, &value)) Check(value >= 0);
  }
  int64_t total = 0;
  int64_t available = 0;
  if (ParseMeminfoText(c_text, &total, &available)) {
    Check(total > 0 && available >= 0);
  }
  int64_t bytes = 0;
  if (ParseCgroupLimitText(c_text, &bytes)) {
    Check(bytes > 0 && bytes < (int64_t{1} << 62));
  }
  int64_t size_pages = -1;
  int64_t data_pages = -1;
  if (ParseStatm(c_text, &size_pages, &data_pages)) {
    Check(size_pages >= 0 && data_pages >= 0);
  }
  int64_t hwm = -1;
  if (ParseRssHighWaterMark(c_text, &hwm)) Check(hwm >= 0 && hwm % 1024 == 0);
  char formatted[32];
  FormatBytes(value, formatted, sizeof(formatted));
  Check(memchr(formatted, '\0', sizeof(formatted)) != nullptr);
  FormatBytes(bytes, formatted, 4);  // truncated, still terminated
  Check(memchr(formatted, '\0', 4) != nullptr);

  for (bool v2 : {true, false}) {
    CgroupMount mount;
    if (!FindCgroupMount(text, v2, &mount)) continue;
    Check(mount.mount_point.find('\n') == std::string::npos);
    std::string path;
    std::string directory;
    if (ParseCgroupPath(rest, v2, &path) &&
        CgroupDirectory(mount, path, &directory)) {
      Check(directory.compare(0, mount.mount_point.size(), mount.mount_point) ==
            0);
    }
  }
  return 0;
}
