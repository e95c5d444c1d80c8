#ifndef TIDEMARK_CORE_PROFILE_FORMAT_H_
#define TIDEMARK_CORE_PROFILE_FORMAT_H_

#include <cstdint>

// The stored profile: the one file every report is rendered from, kept up to
// date in the output folder while the program runs (a MAP_SHARED mapping), so
// that a process killed by SIGKILL or by the kernel's OOM killer leaves it
// behind, complete enough to render. Format version 1.
//
// Layout. The file starts with a FileHeader at offset 0. Everything else
// lives in 64 KiB chunks appended to the file as they are needed; a chunk
// belongs to one Area and its file offset is in FileHeader::chunk_offset
// [area][index] (0: never created). Areas are either arrays of fixed-size
// elements indexed by a dense id (element `id` of area A is in chunk
// id / ElementsPerChunk, at (id % ElementsPerChunk) * element size), or byte
// pools addressed by a pool offset (chunk offset >> kChunkShift, within it
// offset & (kChunkBytes - 1)); an item in a pool never crosses a chunk.
// All integers are little-endian (the file is read on the machine that wrote
// it), all offsets are from the start of the file or pool, never pointers.
//
// Publication (one writer process, readers possibly in other processes at
// any moment, or after the writer was killed at any instruction):
//  - Append-only data (stacks, locations, pool bytes, chunks) is written
//    first and counted after: a reader trusts only ids <= the published
//    count, and a count is stored (release) only after what it covers and
//    the chunk offsets it needs.
//  - The peak is double-buffered. A new peak is written into the slot that
//    is not current (PeakSlot header and its area), then `peak_generation`
//    is incremented (release); the current slot is peak_generation % 2, and
//    generation 0 means no peak yet. A reader in another process copies the
//    slot, then re-reads the generation; if it moved, the copy may be torn
//    and it copies again. After the writer died, the generation is final.
//  - Live counters (kLiveArea) are updated in place (atomic adds); after a
//    kill they say what was live at the moment of death, each counter exact,
//    the set at most one in-flight allocation per thread away from a single
//    instant.
namespace tidemark {
namespace profile_format {

inline constexpr char kFileName[] = "profile.tidemark";
inline constexpr char kMagic[8] = {'T', 'I', 'D', 'E', 'M', 'R', 'K', '1'};
inline constexpr uint32_t kVersion = 1;

inline constexpr uint32_t kChunkShift = 16;
inline constexpr uint32_t kChunkBytes = uint32_t{1} << kChunkShift;
inline constexpr uint32_t kMaxChunks = 4096;  // per area: 256 MiB

enum Area : uint32_t {
  kLiveArea = 0,      // CounterEntry per stack id: live now
  kPeakArea0 = 1,     // CounterEntry per stack id: peak slot 0
  kPeakArea1 = 2,     // CounterEntry per stack id: peak slot 1
  kOomArea = 3,       // CounterEntry per stack id: live when memory ran out
  kStackArea = 4,     // StackEntry per stack id
  kLocationArea = 5,  // LocationEntry per location id
  kFramePool = 6,     // uint32 location ids, a stack's innermost first
  kStringPool = 7,    // NUL-terminated UTF-8 names
  kAreaCount = 8,
};

// Per stack id, in the live, peak and oom areas. Id 0 is never used.
struct CounterEntry {
  int64_t bytes;        // estimated in sample mode
  int64_t allocations;  // estimated in sample mode
};
static_assert(sizeof(CounterEntry) == 16, "layout");

struct StackEntry {
  uint64_t frames;  // kFramePool offset of `depth` uint32 location ids
  uint32_t depth;   // 0: no frame (an allocation with no Python stack)
  uint32_t reserved;
};
static_assert(sizeof(StackEntry) == 16, "layout");

struct LocationEntry {
  uint32_t kind;      // FrameKind
  int32_t line;       // 0 when unknown
  uint64_t function;  // kStringPool offset
  uint64_t file;      // kStringPool offset (for native frames, the object)
  uint64_t reserved;
};
static_assert(sizeof(LocationEntry) == 32, "layout");

template <typename T>
constexpr uint32_t ElementsPerChunk() {
  return kChunkBytes / sizeof(T);
}

// Which snapshot of counters a PeakSlot or the oom record describes.
struct SnapshotInfo {
  int64_t total_bytes;        // sum of the entries' bytes
  int64_t total_allocations;  // sum of the entries' allocations
  uint32_t stack_count;       // entries 1..stack_count are meaningful
  uint32_t reserved;
  int64_t nanoseconds;          // since FileHeader::start_monotonic_ns
  int64_t tracked_allocations;  // recorded over the run until then
};
static_assert(sizeof(SnapshotInfo) == 40, "layout");

enum Ending : uint32_t {
  kRunning = 0,   // no end recorded: still running, or killed without notice
  kExited = 1,    // exit(): exit_code is set
  kSignal = 2,    // a report signal (SIGTERM, SIGINT) is about to kill it
  kOomExit = 3,   // --oom-exit ended it after the out-of-memory report
  kExecuted = 4,  // replaced by exec (recorded by the image that followed)
};

// How a process came to be profiled (FileHeader::started).
enum Started : uint32_t {
  kStartedFirst = 0,  // the job's first process (or its image after exec)
  kStartedExec = 1,   // replaced an earlier profiled image of the same pid
  kStartedChild = 2,  // a new program started by a process of the job
  kStartedFork = 3,   // forked without exec: a fresh profile from the fork
};

// "first", "exec", "child", "fork" (the job log and the reports' word);
// nullptr for a value outside the enum.
inline const char* StartedName(Started started) {
  switch (started) {
    case kStartedFirst:
      return "first";
    case kStartedExec:
      return "exec";
    case kStartedChild:
      return "child";
    case kStartedFork:
      return "fork";
  }
  return nullptr;
}

inline constexpr uint32_t kFlagIncomplete = 1;  // a chunk could not be stored

// What chose the moment the peak slots hold (FileHeader::peak_moment).
enum PeakMoment : uint32_t {
  // Not recorded: a file written before the field existed.
  kPeakMomentUnknown = 0,
  // Exact mode: the moment the tracked total was highest, exact by
  // construction (the total is the sum of the exact counters).
  kPeakMomentExactTotal = 1,
  // Sample mode: the moment the exact live total, counted apart from the
  // sample (core/live_total.h), was highest among the sampled events and
  // reports; the slots hold the estimates at that moment (core/sampler.h).
  kPeakMomentLiveTotal = 2,
  // Sample mode without an exact live total (the allocator gives no block
  // sizes): the moment the estimate itself was highest, which is biased
  // upward under churn (the highest of a noisy series).
  kPeakMomentEstimate = 3,
};

// "exact_total", "exact_live_total", "estimate", "unknown": summary.json's
// word for each.
inline const char* PeakMomentName(uint32_t moment) {
  switch (moment) {
    case kPeakMomentExactTotal:
      return "exact_total";
    case kPeakMomentLiveTotal:
      return "exact_live_total";
    case kPeakMomentEstimate:
      return "estimate";
    default:
      return "unknown";
  }
}

struct FileHeader {
  // --- Written once, before the file is first published under its name.
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;  // sizeof(FileHeader)
  uint32_t chunk_bytes;   // kChunkBytes
  uint32_t max_chunks;    // kMaxChunks
  int32_t pid;
  uint32_t mode;                  // 0 exact, 1 sample
  int64_t sample_interval_bytes;  // 0 in exact mode
  int64_t start_realtime_ns;      // CLOCK_REALTIME at start
  int64_t start_monotonic_ns;     // CLOCK_MONOTONIC at start
  int32_t top_rows;
  uint32_t command_bytes;  // bytes used in `command`
  char unwinder[64];       // NUL-terminated
  char reporters[512];     // NUL-terminated, comma-separated
  // The command line, each argument NUL-terminated; cut at a whole argument
  // when it does not fit (command_truncated = 1).
  char command[8192];
  uint32_t command_truncated;
  uint32_t reserved0;

  // --- Updated while the program runs (see "Publication" above).
  uint32_t flags;           // kFlag*
  uint32_t stack_count;     // StackEntry ids 1..stack_count are complete
  uint32_t location_count;  // LocationEntry ids 1..location_count
  uint32_t reserved1;
  uint64_t file_bytes;         // bytes of the file in use (chunks end here)
  uint64_t frame_pool_bytes;   // kFramePool bytes in use
  uint64_t string_pool_bytes;  // kStringPool bytes in use
  uint64_t peak_generation;    // current slot = generation % 2; 0: none
  SnapshotInfo peak[2];
  // Out of memory: oom_state 1 once `oom` and kOomArea are complete.
  uint32_t oom_state;
  uint32_t reserved2;
  SnapshotInfo oom;
  int64_t oom_limit_bytes;      // the limit that was nearly reached
  int64_t oom_available_bytes;  // what was left under it
  char oom_reason[256];         // one sentence, NUL-terminated
  // How the program ended, written just before the end (ending last).
  uint32_t ending;  // Ending
  int32_t exit_code;
  int32_t signal_number;
  uint32_t final_reports_written;  // 1: the final reports exist
  int64_t end_nanoseconds;         // since start_monotonic_ns
  int64_t rss_hwm_bytes;           // VmHWM, refreshed at each report
  int64_t profiler_bytes;          // the profiler's own memory, ditto
  int64_t tracked_allocations;     // recorded so far (atomic adds)
  // --- The process within its job (core/job.h); written before publication
  // except python_seen, set once the first Python frame is recorded.
  int64_t inherited_bytes;  // forked child: live in the parent at the fork
  int32_t parent_pid;
  uint32_t started;      // Started
  uint64_t start_ticks;  // /proc/self/stat starttime: survives exec
  uint32_t python_seen;  // 1: an allocation with a Python frame was recorded
  // How the moment of the peak is chosen (PeakMoment), written before
  // publication. Added in place of a reserved word: a file written before
  // it holds 0 (kPeakMomentUnknown) there.
  uint32_t peak_moment;
  // Signal reports deferred so far (core/report_trigger.h), refreshed at
  // each report. Added in place of a reserved word, so version 1 still
  // reads: a file written before it holds 0 there.
  int64_t deferred_reports;
  // With kPeakMomentLiveTotal: the exact live total (core/live_total.h) at
  // the moment of the current peak, stored right after each peak copy is
  // published (a kill in between leaves the previous moment's). In place of
  // a reserved word: 0 in older files.
  int64_t live_bytes_at_peak_moment;
  uint64_t reserved3;

  uint64_t chunk_offset[kAreaCount][kMaxChunks];
};

}  // namespace profile_format
}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROFILE_FORMAT_H_
