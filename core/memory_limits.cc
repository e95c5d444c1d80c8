#include "core/memory_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <new>
#include <string>
#include <vector>

namespace tidemark {
namespace {

// Reads up to size - 1 bytes of a small kernel file into `buffer` and
// terminates it; false when it cannot be opened or is empty. Never follows
// a symbolic link at the last component, never allocates.
bool ReadInto(const char* path, char* buffer, size_t size) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  size_t used = 0;
  while (used + 1 < size) {
    const ssize_t n = read(fd, buffer + used, size - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<size_t>(n);
  }
  close(fd);
  buffer[used] = '\0';
  return used > 0;
}

// `directory` + "/" + `file` into `out`; false when it does not fit.
bool JoinPath(const char* directory, const char* file, char* out, size_t size) {
  const size_t d = strlen(directory);
  const size_t f = strlen(file);
  if (d + 1 + f + 1 > size) return false;
  memcpy(out, directory, d + 1);
  out[d] = '/';  // over the copied terminator
  memcpy(out + d + 1, file, f + 1);
  return true;
}

bool ReadFileIn(const char* directory, const char* file, char* buffer,
                size_t size) {
  char path[MemoryLimits::kMaxDirectory + 64];
  return JoinPath(directory, file, path, sizeof(path)) &&
         ReadInto(path, buffer, size);
}

// Discovery only: the whole file, allocating.
std::string ReadWhole(const std::string& path) {
  std::string text;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// mountinfo escapes blanks and backslashes in paths as \ooo.
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' &&
        field[i + 1] <= '3' && field[i + 2] >= '0' && field[i + 2] <= '7' &&
        field[i + 3] >= '0' && field[i + 3] <= '7') {
      out += static_cast<char>((field[i + 1] - '0') * 64 +
                               (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<std::string> SplitBlanks(const std::string& line) {
  std::vector<std::string> fields;
  size_t from = 0;
  while (from < line.size()) {
    while (from < line.size() && line[from] == ' ') ++from;
    if (from >= line.size()) break;
    size_t end = line.find(' ', from);
    if (end == std::string::npos) end = line.size();
    fields.push_back(line.substr(from, end - from));
    from = end;
  }
  return fields;
}

bool HasListItem(const std::string& list, const char* item) {
  return ("," + list + ",").find(std::string(",") + item + ",") !=
         std::string::npos;
}

// The cgroup v1 flag that makes a cgroup's limit cover its children. Newer
// kernels always say 1; an unreadable flag counts as 1.
bool UsesHierarchy(const std::string& directory) {
  char text[32];
  int64_t value = 1;
  if (ReadFileIn(directory.c_str(), "memory.use_hierarchy", text,
                 sizeof(text))) {
    ParseDecimal(text, &value);
  }
  return value != 0;
}

std::string Parent(const std::string& directory) {
  const size_t slash = directory.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/"
                                                  : directory.substr(0, slash);
}

// The files of each cgroup version.
struct CgroupFiles {
  const char* limit;
  const char* usage;
  const char* inactive_file_key;  // in memory.stat
};
constexpr CgroupFiles kV2Files = {"memory.max", "memory.current",
                                  "inactive_file"};
constexpr CgroupFiles kV1Files = {
    "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"};

// What a candidate limit is, for its description.
enum class LimitKind { kCgroup, kMachine, kAddressSpace, kData };

struct Candidate {
  bool found = false;
  LimitKind kind = LimitKind::kMachine;
  int cgroup = -1;
  int64_t limit = 0;
  int64_t available = 0;

  void Consider(LimitKind k, int index, int64_t lim, int64_t avail) {
    if (avail < 0) avail = 0;
    if (found && avail >= available) return;
    found = true;
    kind = k;
    cgroup = index;
    limit = lim;
    available = avail;
  }
};

int64_t PageSize() {
  static const int64_t page = sysconf(_SC_PAGESIZE) > 0
                                  ? static_cast<int64_t>(sysconf(_SC_PAGESIZE))
                                  : 4096;
  return page;
}

void ConsiderResourceLimit(int resource, LimitKind kind, int64_t used_bytes,
                           Candidate* best) {
  struct rlimit limit;
  if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur >= (rlim_t{1} << 62)) {
    return;
  }
  const int64_t bytes = static_cast<int64_t>(limit.rlim_cur);
  best->Consider(kind, -1, bytes, bytes - used_bytes);
}

// The tightest of `cgroup` (null when no cgroup limit is known), the
// machine's available memory and the resource limits.
bool ReadTightest(const Headroom* cgroup, Headroom* out) {
  Candidate best;
  if (cgroup != nullptr) {
    best.Consider(LimitKind::kCgroup, 0, cgroup->limit, cgroup->available);
  }
  char text[2048];
  int64_t total = 0;
  int64_t available = 0;
  if (ReadInto("/proc/meminfo", text, sizeof(text)) &&
      ParseMeminfoText(text, &total, &available)) {
    best.Consider(LimitKind::kMachine, -1, total, available);
  }
  int64_t size_pages = 0;
  int64_t data_pages = 0;
  if (ReadInto("/proc/self/statm", text, sizeof(text)) &&
      ParseStatm(text, &size_pages, &data_pages)) {
    const int64_t page = PageSize();
    ConsiderResourceLimit(RLIMIT_AS, LimitKind::kAddressSpace,
                          size_pages * page, &best);
    ConsiderResourceLimit(RLIMIT_DATA, LimitKind::kData, data_pages * page,
                          &best);
  }
  if (!best.found) return false;
  out->limit = best.limit;
  out->available = best.available;
  char size_text[32];
  FormatBytes(best.limit, size_text, sizeof(size_text));
  switch (best.kind) {
    case LimitKind::kCgroup:
      memcpy(out->description, cgroup->description, sizeof(out->description));
      break;
    case LimitKind::kMachine:
      snprintf(out->description, sizeof(out->description),
               "the machine's available memory");
      break;
    case LimitKind::kAddressSpace:
      snprintf(out->description, sizeof(out->description), "RLIMIT_AS of %s",
               size_text);
      break;
    case LimitKind::kData:
      snprintf(out->description, sizeof(out->description), "RLIMIT_DATA of %s",
               size_text);
      break;
  }
  return true;
}

}  // namespace

bool ParseDecimal(const char* text, int64_t* value) {
  while (*text == ' ' || *text == '\t') ++text;
  if (*text < '0' || *text > '9') return false;
  int64_t v = 0;
  for (; *text >= '0' && *text <= '9'; ++text) {
    const int digit = *text - '0';
    if (v > (INT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *value = v;
  return true;
}

bool FindKeyedNumber(const char* text, const char* key, int64_t* value) {
  const size_t n = strlen(key);
  if (n == 0) return false;
  for (const char* line = text; *line != '\0';) {
    if (strncmp(line, key, n) == 0 &&
        (line[n] == ' ' || line[n] == '\t' || line[n] == ':')) {
      const char* number = line + n + (line[n] == ':' ? 1 : 0);
      return ParseDecimal(number, value);
    }
    const char* newline = strchr(line, '\n');
    if (newline == nullptr) break;
    line = newline + 1;
  }
  return false;
}

bool ParseMeminfoText(const char* text, int64_t* total, int64_t* available) {
  int64_t total_kib = 0;
  int64_t available_kib = 0;
  if (!FindKeyedNumber(text, "MemTotal", &total_kib) ||
      !FindKeyedNumber(text, "MemAvailable", &available_kib) ||
      total_kib <= 0 || total_kib > INT64_MAX / 1024 ||
      available_kib > INT64_MAX / 1024) {
    return false;
  }
  *total = total_kib * 1024;
  *available = available_kib * 1024;
  return true;
}

bool ParseCgroupLimitText(const char* text, int64_t* bytes) {
  int64_t value = 0;
  if (!ParseDecimal(text, &value) || value <= 0) return false;
  // v1 says "no limit" with 2^63 - 1 rounded down to a page.
  if (value >= (int64_t{1} << 62)) return false;
  *bytes = value;
  return true;
}

bool ParseStatm(const char* text, int64_t* size_pages, int64_t* data_pages) {
  // "size resident shared text lib data dt"
  int64_t fields[6];
  const char* at = text;
  for (int i = 0; i < 6; ++i) {
    if (!ParseDecimal(at, &fields[i])) return false;
    while (*at == ' ' || *at == '\t') ++at;
    while (*at >= '0' && *at <= '9') ++at;
  }
  *size_pages = fields[0];
  *data_pages = fields[5];
  return true;
}

bool ParseRssHighWaterMark(const char* text, int64_t* bytes) {
  int64_t kib = 0;
  if (!FindKeyedNumber(text, "VmHWM", &kib) || kib > INT64_MAX / 1024) {
    return false;
  }
  *bytes = kib * 1024;
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
    const size_t first = line.find(':');
    const size_t second =
        first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string id = line.substr(0, first);
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const bool match = v2 ? id == "0" && controllers.empty()
                          : HasListItem(controllers, "memory");
    if (match) {
      *path = line.substr(second + 1);
      return true;
    }
  }
  return false;
}

bool FindCgroupMount(const std::string& mountinfo_text, bool v2,
                     CgroupMount* out) {
  size_t from = 0;
  while (from < mountinfo_text.size()) {
    size_t end = mountinfo_text.find('\n', from);
    if (end == std::string::npos) end = mountinfo_text.size();
    const std::vector<std::string> fields =
        SplitBlanks(mountinfo_text.substr(from, end - from));
    from = end + 1;
    // "id parent major:minor root mount-point options [optional...] -
    // type source super-options"
    size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (fields.size() < 5 || dash + 1 >= fields.size()) continue;
    const std::string& type = fields[dash + 1];
    const std::string super_options =
        dash + 3 < fields.size() ? fields[dash + 3] : "";
    const bool match =
        v2 ? type == "cgroup2"
           : type == "cgroup" && HasListItem(super_options, "memory");
    if (!match) continue;
    // The kernel escapes a newline in a path as \012. Such a mount is taken
    // as absent: its directory would end up in one-line `tidemark:` messages
    // and in the stored profile's one-line description.
    const std::string root = Unescape(fields[3]);
    const std::string mount_point = Unescape(fields[4]);
    if (root.find('\n') != std::string::npos ||
        mount_point.find('\n') != std::string::npos) {
      continue;
    }
    out->root = root;
    out->mount_point = mount_point;
    return true;
  }
  return false;
}

bool CgroupDirectory(const CgroupMount& mount, const std::string& path,
                     std::string* directory) {
  if (path.empty() || path[0] != '/') return false;
  std::string below;
  if (mount.root == "/") {
    below = path;
  } else if (path == mount.root) {
    below = "/";
  } else if (path.compare(0, mount.root.size(), mount.root) == 0 &&
             path.size() > mount.root.size() &&
             path[mount.root.size()] == '/') {
    below = path.substr(mount.root.size());
  } else {
    return false;
  }
  *directory = below == "/" ? mount.mount_point : mount.mount_point + below;
  return true;
}

void FormatBytes(int64_t bytes, char* out, size_t size) {
  if (size == 0) return;
  if (bytes < 0) bytes = 0;
  static constexpr struct {
    int shift;
    const char* unit;
  } kUnits[] = {{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
  for (const auto& u : kUnits) {
    const int64_t scale = int64_t{1} << u.shift;
    if (bytes < scale) continue;
    int64_t whole = bytes / scale;
    int64_t tenths = ((bytes % scale) * 10 + scale / 2) / scale;
    if (tenths == 10) {
      ++whole;
      tenths = 0;
    }
    snprintf(out, size, "%lld.%lld %s", static_cast<long long>(whole),
             static_cast<long long>(tenths), u.unit);
    return;
  }
  snprintf(out, size, "%lld bytes", static_cast<long long>(bytes));
}

void MemoryLimits::Add(bool v2, const std::string& directory) {
  if (count_ >= kMaxCgroups ||
      directory.size() >= static_cast<size_t>(kMaxDirectory)) {
    return;
  }
  Cgroup& c = cgroups_[count_++];
  c.v2 = v2;
  memcpy(c.directory, directory.c_str(), directory.size() + 1);
}

void MemoryLimits::Discover(const std::string& proc_cgroup_text,
                            const std::string& mountinfo_text,
                            const std::string& fs_root) {
  count_ = 0;
  for (const bool v2 : {true, false}) {
    std::string path;
    CgroupMount mount;
    if (!ParseCgroupPath(proc_cgroup_text, v2, &path) ||
        !FindCgroupMount(mountinfo_text, v2, &mount)) {
      continue;
    }
    mount.mount_point = fs_root + mount.mount_point;
    // In a container without its own cgroup namespace the hierarchy may be
    // mounted at the container's cgroup while /proc/self/cgroup shows the
    // host's full path: drop leading components until the directory exists.
    std::string directory;
    for (;;) {
      if (CgroupDirectory(mount, path, &directory) && IsDirectory(directory)) {
        break;
      }
      directory.clear();
      if (path.size() <= 1) break;
      const size_t next = path.find('/', 1);
      path = next == std::string::npos ? "/" : path.substr(next);
    }
    if (directory.empty()) continue;
    const CgroupFiles& files = v2 ? kV2Files : kV1Files;
    // The cgroup, then each ancestor up to the hierarchy's root: a limit on
    // any of them can be what the kernel enforces.
    for (;;) {
      if (FileExists(directory + "/" + files.limit)) Add(v2, directory);
      if (directory.size() <= mount.mount_point.size()) break;
      const std::string parent = Parent(directory);
      if (parent.size() < mount.mount_point.size()) break;
      // A v1 parent without use_hierarchy does not charge its children.
      if (!v2 && !UsesHierarchy(parent)) break;
      directory = parent;
    }
  }
}

bool MemoryLimits::ReadCgroups(Headroom* out) const {
  Candidate best;
  for (int i = 0; i < count_; ++i) {
    const Cgroup& c = cgroups_[i];
    const CgroupFiles& files = c.v2 ? kV2Files : kV1Files;
    char text[64];
    int64_t limit = 0;
    int64_t usage = 0;
    if (!ReadFileIn(c.directory, files.limit, text, sizeof(text)) ||
        !ParseCgroupLimitText(text, &limit) ||
        !ReadFileIn(c.directory, files.usage, text, sizeof(text)) ||
        !ParseDecimal(text, &usage)) {
      continue;
    }
    // The kernel reclaims inactive page cache before it kills, so it is
    // not yet used up (the working set, as container runtimes count it).
    char stat[4096];
    int64_t inactive = 0;
    if (ReadFileIn(c.directory, "memory.stat", stat, sizeof(stat)) &&
        FindKeyedNumber(stat, files.inactive_file_key, &inactive) &&
        inactive < usage) {
      usage -= inactive;
    }
    best.Consider(LimitKind::kCgroup, i, limit, limit - usage);
  }
  if (!best.found) return false;
  out->limit = best.limit;
  out->available = best.available;
  char size_text[32];
  FormatBytes(best.limit, size_text, sizeof(size_text));
  const char* directory = cgroups_[best.cgroup].directory;
  // A long path keeps its end, which names the job.
  constexpr size_t kShown = 160;
  const size_t length = strlen(directory);
  snprintf(out->description, sizeof(out->description),
           "memory cgroup %s%s limit of %s", length > kShown ? "..." : "",
           length > kShown ? directory + length - kShown : directory,
           size_text);
  return true;
}

bool MemoryLimits::Read(Headroom* out) const {
  Headroom cgroup;
  const bool have_cgroup = ReadCgroups(&cgroup);
  return ReadTightest(have_cgroup ? &cgroup : nullptr, out);
}

int64_t MemoryLimits::ReadOomKillCount() const {
  int64_t total = -1;
  bool counted_v2 = false;
  for (int i = 0; i < count_; ++i) {
    const Cgroup& c = cgroups_[i];
    // v2's innermost cgroup already counts its whole subtree.
    if (c.v2 && counted_v2) continue;
    char text[1024];
    int64_t kills = 0;
    if (!ReadFileIn(c.directory, c.v2 ? "memory.events" : "memory.oom_control",
                    text, sizeof(text)) ||
        !FindKeyedNumber(text, "oom_kill", &kills)) {
      continue;
    }
    if (c.v2) counted_v2 = true;
    total = (total < 0 ? 0 : total) + kills;
  }
  return total;
}

namespace {

std::atomic<const MemoryLimits*> g_limits{nullptr};
std::atomic<bool> g_discovery_claimed{false};

}  // namespace

void InitMemoryLimits() {
  if (g_discovery_claimed.exchange(true)) return;
  // Static storage, never destroyed: the allocation path may read it while
  // the process exits.
  alignas(MemoryLimits) static char storage[sizeof(MemoryLimits)];
  MemoryLimits* limits = new (storage) MemoryLimits();
  limits->Discover(ReadWhole("/proc/self/cgroup"),
                   ReadWhole("/proc/self/mountinfo"), "");
  g_limits.store(limits, std::memory_order_release);
}

bool ReadHeadroom(Headroom* out) {
  const MemoryLimits* limits = g_limits.load(std::memory_order_acquire);
  if (limits != nullptr) return limits->Read(out);
  // Not discovered yet: the machine and the resource limits only.
  return ReadTightest(nullptr, out);
}

int64_t ReadOomKillCount() {
  InitMemoryLimits();
  const MemoryLimits* limits = g_limits.load(std::memory_order_acquire);
  return limits == nullptr ? -1 : limits->ReadOomKillCount();
}

int64_t ReadRssHighWaterMark() {
  // The file is a few KiB at most (long only in its signal and CPU masks,
  // which come after VmHWM), so a truncated read still holds the line.
  char text[4096];
  int64_t bytes = 0;
  return ReadInto("/proc/self/status", text, sizeof(text)) &&
                 ParseRssHighWaterMark(text, &bytes)
             ? bytes
             : 0;
}

}  // namespace tidemark
