#ifndef TIDEMARK_CORE_STORED_PROFILE_TESTING_H_
#define TIDEMARK_CORE_STORED_PROFILE_TESTING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/frame.h"
#include "core/profile_format.h"

namespace tidemark {

// For tests: valid stored-profile images (core/profile_format.h) built from
// a plain description, so the reader, the fuzzer's seeds and the report tool
// can be tested without a profiled process.
struct TestFrame {
  std::string function;
  std::string file;
  int line = 0;
  FrameKind kind = FrameKind::kPython;
  uint64_t address = 0;  // native frames: LocationEntry::address
};

// A module of the stored module map (profile_format::ModuleEntry).
struct TestModule {
  std::string path;
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t bias = 0;
  std::string build_id;
};

struct TestStack {
  std::vector<TestFrame> frames;  // innermost first
  int64_t live_bytes = 0;
  int64_t live_allocations = 0;
  int64_t peak_bytes = 0;
  int64_t peak_allocations = 0;
  int64_t oom_bytes = 0;
  int64_t oom_allocations = 0;
};

struct TestStoredProfile {
  int pid = 4242;
  uint32_t mode = 0;  // 0 exact, 1 sample
  int64_t sample_interval_bytes = 0;
  std::vector<std::string> command = {"python3", "script.py"};
  std::string unwinder = "cpython";
  std::string reporters = "folded,summary_json";
  int top_rows = 10;
  int64_t start_monotonic_ns = 1000;
  // 0: no peak recorded (the peak slots stay empty). The current slot is
  // generation % 2; the other slot gets different, wrong numbers, so a
  // reader of the wrong slot is caught.
  uint64_t peak_generation = 1;
  int64_t peak_nanoseconds = 3'200'000'000;
  int64_t peak_tracked_allocations = 0;
  bool has_oom = false;
  int64_t oom_nanoseconds = 5'000'000'000;
  int64_t oom_tracked_allocations = 0;
  std::string oom_reason = "the cgroup's memory.max is nearly reached";
  int64_t oom_limit_bytes = 0;
  int64_t oom_available_bytes = 0;
  profile_format::Ending ending = profile_format::kRunning;
  int exit_code = 0;
  int signal_number = 0;
  bool final_reports_written = false;
  int64_t end_nanoseconds = 0;
  int64_t rss_hwm_bytes = 0;
  int64_t profiler_bytes = 0;
  int64_t deferred_reports = 0;
  uint32_t flags = 0;
  // The process within its job.
  int64_t inherited_bytes = 0;
  int parent_pid = 0;
  profile_format::Started started = profile_format::kStartedFirst;
  uint64_t start_ticks = 0;
  bool python_seen = false;
  // What chose the peak's moment (FileHeader::peak_moment) and the exact
  // live total then.
  uint32_t peak_moment = profile_format::kPeakMomentUnknown;
  int64_t live_bytes_at_peak_moment = 0;
  uint32_t python_version_hex = 0;  // 0: unknown
  std::vector<TestStack> stacks;    // stack ids 1, 2, ... in this order
  // The working directory, and the timeline's current points (in buffer
  // timeline_generation % 2; the other buffer gets different, wrong
  // points, so a reader of the wrong buffer is caught).
  std::string working_directory = "/home/user/project";
  uint64_t timeline_generation = 1;
  std::vector<profile_format::TimelineEntry> timeline;
  // A file written before the working directory and the timeline existed:
  // header_bytes is profile_format::kHeaderBytesBeforeTimeline (and the
  // fields above are still filled in, as garbage the reader must ignore).
  bool older_header = false;
  // The module map, and a file written before it existed (header_bytes is
  // profile_format::kHeaderBytesBeforeModules; the modules are still
  // written, as garbage the reader must ignore).
  std::vector<TestModule> modules;
  bool header_before_modules = false;
  // How allocations were seen, and a file written before they were kept
  // (header_bytes profile_format::kHeaderBytesBeforeInterposer; the fields
  // are still written, as garbage the reader must ignore).
  std::string interposer = "glibc";
  std::string allocator = "glibc's malloc, through its hook variables";
  bool header_before_interposer = false;
};

// The file's bytes.
std::string BuildStoredProfileImage(const TestStoredProfile& profile);

// Writes the image to `path` (created or replaced). False with a reason.
bool WriteStoredProfileFile(const std::string& path,
                            const TestStoredProfile& profile,
                            std::string* error);

// Where element `id` of array area `area` lies in `image`, or -1.
int64_t ElementOffset(const std::string& image, profile_format::Area area,
                      uint64_t id, uint64_t element_bytes);

// The header of `image` (at least sizeof(FileHeader) bytes), for changing it.
inline profile_format::FileHeader* MutableHeader(std::string* image) {
  return reinterpret_cast<profile_format::FileHeader*>(&(*image)[0]);
}

}  // namespace tidemark

#endif  // TIDEMARK_CORE_STORED_PROFILE_TESTING_H_
