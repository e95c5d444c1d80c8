#ifndef TIDEMARK_CORE_MEMORY_LIMITS_H_
#define TIDEMARK_CORE_MEMORY_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace tidemark {

// Every memory limit that applies to this process, and how much is left
// under the tightest one:
//   - its memory cgroup and every ancestor up to the hierarchy's root, in
//     cgroup v2 (memory.max against memory.current) and v1
//     (memory.limit_in_bytes against memory.usage_in_bytes), usage minus
//     the inactive file cache the kernel reclaims before it kills;
//   - the machine's MemAvailable (/proc/meminfo), against MemTotal;
//   - RLIMIT_AS against the address space in use (/proc/self/statm size),
//     and RLIMIT_DATA against the data segment (statm data), which are what
//     the kernel compares when it refuses an mmap or brk.
// Where the cgroups are is worked out once, at start (that may allocate);
// reading the headroom afterwards allocates nothing and takes no lock, so
// the out-of-memory watch can call it from inside the allocation path.

// The tightest limit at one moment.
struct Headroom {
  int64_t available = 0;  // bytes still available under `limit`
  int64_t limit = 0;      // bytes
  // Which limit, e.g. "memory cgroup /sys/fs/cgroup/memory/a/b limit of
  // 400.0 MiB", "RLIMIT_AS of 1.0 GiB", "the machine's available memory".
  char description[256] = {};
};

// The cgroups this process's memory is charged to, innermost first, in
// fixed storage so that reading them needs no memory.
class MemoryLimits {
 public:
  static constexpr int kMaxCgroups = 24;
  static constexpr int kMaxDirectory = 1024;

  // Finds the cgroup directories from the text of /proc/self/cgroup and
  // /proc/self/mountinfo; `fs_root` is put in front of every mount point
  // ("" for the real file system; tests point it at a fake tree).
  // Allocates. A directory too long for the fixed storage is left out.
  void Discover(const std::string& proc_cgroup_text,
                const std::string& mountinfo_text, const std::string& fs_root);

  // Tightest headroom over the cgroups, the machine and the resource
  // limits. False when none is known (no limit at all). Allocation-free.
  bool Read(Headroom* out) const;
  // Tightest headroom over the cgroups only. Allocation-free.
  bool ReadCgroups(Headroom* out) const;

  // How many processes the kernel's OOM killer killed in these cgroups: v2's
  // memory.events of the innermost cgroup (already counting its whole
  // subtree, so ancestors would count kills elsewhere), or v1's
  // memory.oom_control summed over the cgroup and its ancestors (v1 counts a
  // kill only in the victim's own cgroup, even when the limit it hit is an
  // ancestor's: checked here). -1 when no counter could be read.
  int64_t ReadOomKillCount() const;

  int cgroup_count() const { return count_; }
  const char* cgroup_directory(int i) const { return cgroups_[i].directory; }
  bool cgroup_is_v2(int i) const { return cgroups_[i].v2; }

 private:
  struct Cgroup {
    bool v2;
    char directory[kMaxDirectory];
  };
  void Add(bool v2, const std::string& directory);

  int count_ = 0;
  Cgroup cgroups_[kMaxCgroups];
};

// The process-wide instance. InitMemoryLimits() discovers this process's
// cgroups (call once at start, before any thread reads; allocates);
// ReadHeadroom() before that sees only the machine and the resource limits.
void InitMemoryLimits();
bool ReadHeadroom(Headroom* out);
// For the launcher: see MemoryLimits::ReadOomKillCount. Discovers the
// cgroups itself if InitMemoryLimits was not called.
int64_t ReadOomKillCount();
// The kernel's high-water mark of this process's resident memory (VmHWM
// in /proc/self/status), in bytes; 0 if unknown. Allocation-free: the
// session refreshes it from the out-of-memory callback, on the allocating
// thread of a process that is about to run out.
int64_t ReadRssHighWaterMark();

// --- Parsers, separate so tests and the fuzzer can feed them text. None
// allocates; `text` is NUL-terminated.

// A non-negative decimal at the start of `text` (after blanks); false on no
// digits or overflow.
bool ParseDecimal(const char* text, int64_t* value);
// The number after `key` on the line that starts with `key` followed by a
// blank or ':' ("oom_kill 3", "inactive_file 4096", "MemAvailable: 12 kB");
// false when there is no such line or no number.
bool FindKeyedNumber(const char* text, const char* key, int64_t* value);
// /proc/meminfo -> MemTotal and MemAvailable in bytes.
bool ParseMeminfoText(const char* text, int64_t* total, int64_t* available);
// A cgroup limit file ("max\n", or bytes) -> bytes; false for no limit
// ("max", or v1's page-rounded 2^63 - 1 and anything from 2^62 up).
bool ParseCgroupLimitText(const char* text, int64_t* bytes);
// /proc/self/statm -> total size and data+stack, in pages.
bool ParseStatm(const char* text, int64_t* size_pages, int64_t* data_pages);
// /proc/self/status -> VmHWM in bytes; false when there is no such line, no
// number, or more KiB than int64_t can count in bytes.
bool ParseRssHighWaterMark(const char* text, int64_t* bytes);
// The cgroup path of this process in "/proc/self/cgroup" text: the v2
// entry ("0::/path") if `v2`, else the v1 memory controller's entry.
bool ParseCgroupPath(const std::string& text, bool v2, std::string* path);

// Where the cgroup hierarchies are mounted, from /proc/self/mountinfo.
struct CgroupMount {
  std::string mount_point;  // e.g. /sys/fs/cgroup/memory
  std::string root;         // the cgroup shown there, e.g. "/" or "/docker/x"
};
bool FindCgroupMount(const std::string& mountinfo_text, bool v2,
                     CgroupMount* out);
// The directory of cgroup `path` under `mount`, then its ancestors up to
// the mount point, innermost first. A path outside the mount's root (a
// container's view) is tried with leading components dropped by the
// caller; this only maps what lies below the root.
bool CgroupDirectory(const CgroupMount& mount, const std::string& path,
                     std::string* directory);

// "400.0 MiB", "1.5 GiB", "728.0 TiB", "512 bytes" into `out` (always
// terminated).
void FormatBytes(int64_t bytes, char* out, size_t size);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_MEMORY_LIMITS_H_
