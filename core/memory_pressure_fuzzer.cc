// Fuzzes the parsers of the kernel's memory files (/proc/meminfo,
// /proc/self/cgroup, /proc/self/status, a cgroup's limit and usage): the
// same bytes go to each. They run inside the profiled process, so a file
// the kernel (or a container runtime) fills oddly must never make them read
// out of bounds, overflow, or answer with numbers that cannot be.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/memory_pressure.h"

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

  MemoryStatus status;
  if (ParseMeminfo(text, &status)) {
    Check(status.limit > 0 && status.available >= 0);
  }
  for (bool v2 : {true, false}) {
    std::string path;
    if (ParseCgroupPath(text, v2, &path)) {
      Check(path.find('\n') == std::string::npos);
    }
  }
  int64_t bytes = 0;
  if (ParseLimit(text, &bytes)) Check(bytes > 0 && bytes < (int64_t{1} << 62));
  Check(ParseRssHighWaterMark(text) >= 0);

  // Limit and usage: the text before and after the first NUL.
  const size_t split = text.find('\0');
  const std::string limit = text.substr(0, split);
  const std::string usage =
      split == std::string::npos ? std::string() : text.substr(split + 1);
  if (ParseCgroupMemory(limit, usage, &status)) {
    Check(status.limit > 0 && status.available >= 0 &&
          status.available <= status.limit);
  }
  return 0;
}
