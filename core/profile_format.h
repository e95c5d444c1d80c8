#ifndef TIDEMARK_CORE_PROFILE_FORMAT_H_
#define TIDEMARK_CORE_PROFILE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

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
  // Native frames: the return address, named at report time against the
  // module map (ModuleEntry); 0 in Python frames and in older files (which
  // had a reserved word here and never stored native frames).
  uint64_t address;
};
static_assert(sizeof(LocationEntry) == 32, "layout");

// One loaded object (the executable, a shared library, the vDSO) as the
// process mapped it: native frames are named at report time against these,
// in whatever process renders the report. Stored in kStringPool (an item
// never crosses a chunk; read with memcpy, no alignment assumed).
inline constexpr uint32_t kMaxModules = 2048;
inline constexpr uint32_t kMaxBuildIdBytes = 32;
struct ModuleEntry {
  uint64_t start;  // lowest address of its loaded segments
  uint64_t end;    // one past the highest
  uint64_t bias;   // load bias: run-time address = ELF address + bias
  uint64_t path;   // kStringPool offset: absolute path, or the vDSO's name
  uint32_t build_id_bytes;  // 0: none found
  uint32_t reserved;
  uint8_t build_id[kMaxBuildIdBytes];  // NT_GNU_BUILD_ID, as in the file
};
static_assert(sizeof(ModuleEntry) == 72, "layout");

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

// --- The timeline: the process's memory over time, kept in the header in
// a bounded space whatever the run's length (core/timeline.h writes it).
//
// A point closes a span of time that starts at the point before it (or at
// the start): `nanoseconds` is when the span ended (since
// FileHeader::start_monotonic_ns), `tracked_bytes` the highest tracked
// total seen during the span (exact mode: exactly, the tracker's total
// before each decrease; sample mode: the estimate at the span's moment
// with the highest exact live total, as the peak is chosen), and
// `rss_bytes` the kernel's resident set size (/proc/self/statm) at the
// end of the span, 0 when unknown. A plot draws the span (previous point,
// point] at `tracked_bytes` (a step), and the RSS as a line through the
// points.
//
// Points are appended at most every `interval_ns` (plus one at the start
// and one at each report, whatever the interval). When the current buffer
// is full, its points are merged in pairs (the later time, the higher
// tracked bytes and the higher RSS of each pair) into the other buffer,
// the new point is appended there, the interval doubles, and `generation`
// is incremented (release) last: the current buffer is generation % 2.
// So a run of any length keeps between kTimelinePoints / 2 and
// kTimelinePoints points, evenly spread.
//
// Publication: a point is written whole, then its buffer's count is
// stored (release); a merge writes only the buffer that is not current,
// and publishes it through the generation, as the peak slots are. A reader
// copies count and points of the current buffer, then re-reads the
// generation and copies again if it moved. After a kill at any
// instruction, the current buffer holds whole points only.
inline constexpr uint32_t kTimelinePoints = 512;
inline constexpr uint32_t kWorkingDirectoryBytes = 4096;
// The interval stops doubling here (2^50 ns, 13 days).
inline constexpr int64_t kTimelineMaxIntervalNs = int64_t{1} << 50;

// "3.11.2", "3.13.0rc1", "3.12.0a7": a PY_VERSION_HEX as Python prints
// its version; empty for 0 (unknown).
inline std::string PythonVersionText(uint32_t hex) {
  if (hex == 0) return "";
  std::string text = std::to_string(hex >> 24) + "." +
                     std::to_string((hex >> 16) & 0xff) + "." +
                     std::to_string((hex >> 8) & 0xff);
  const uint32_t level = (hex >> 4) & 0xf;
  if (level == 0xA || level == 0xB || level == 0xC) {
    text += level == 0xA ? "a" : level == 0xB ? "b" : "rc";
    text += std::to_string(hex & 0xf);
  }
  return text;
}

struct TimelineEntry {
  int64_t nanoseconds;    // the end of the span, since the start
  int64_t tracked_bytes;  // the highest tracked total in the span
  int64_t rss_bytes;      // VmRSS at the end of the span; 0: unknown
};
static_assert(sizeof(TimelineEntry) == 24, "layout");

struct TimelineBuffer {
  uint32_t count;  // points[0..count) are whole
  uint32_t reserved;
  TimelineEntry points[kTimelinePoints];
};

struct TimelineRecord {
  uint64_t generation;  // current buffer = generation % 2
  int64_t interval_ns;  // the spacing points are appended at now; 0: none
  TimelineBuffer buffers[2];
};
static_assert(sizeof(TimelineRecord) == 16 + 2 * (8 + 24 * kTimelinePoints),
              "layout");

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
  // The Python interpreter's PY_VERSION_HEX (0xMMmmppLS) at start, 0 when
  // unknown (no Python found then). Written before publication. In place of
  // a reserved word: 0 in older files.
  uint32_t python_version_hex;
  uint32_t reserved3;

  uint64_t chunk_offset[kAreaCount][kMaxChunks];

  // --- Added after chunk_offset, which made the header longer (see
  // kHeaderBytesBeforeTimeline below: a file written before them reads as
  // having neither). Both sizes round up to the same first chunk offset.
  // The program's working directory when profiling started (a forked
  // child keeps its parent's), absolute and NUL-terminated; empty when
  // unknown, or longer than the field (never cut). Written before
  // publication.
  char working_directory[kWorkingDirectoryBytes];
  // Memory over time, bounded whatever the run's length (TimelineRecord).
  TimelineRecord timeline;

  // --- Added after the timeline (kHeaderBytesBeforeModules: a file written
  // before reads with no module). The process's module map
  // (core/module_map.h): every shared object and the executable seen
  // mapped while the run captured native frames, in the order they were
  // first seen, never removed (a library dlclose'd before the report still
  // names its frames). Entry i is a ModuleEntry at kStringPool offset
  // module_entries[i], written before module_count covers it (release).
  uint32_t module_count;
  uint32_t reserved4;
  uint64_t module_entries[kMaxModules];

  // --- Added after the module map (kHeaderBytesBeforeInterposer: a file
  // written before reads with neither). How the allocations were seen: the
  // interposer backend's name ("preload", "glibc", "jemalloc") and whose
  // blocks its events are (Interposer::Allocator()), NUL-terminated, cut
  // to fit. Written before publication.
  char interposer[64];
  char allocator[192];
};

// header_bytes of a file written before the interposer's name and
// allocator were kept (format version 1 all the same): it reads with
// neither.
inline constexpr uint32_t kHeaderBytesBeforeInterposer =
    offsetof(FileHeader, interposer);
static_assert(kHeaderBytesBeforeInterposer == 316632,
              "the older header's size is fixed by the files it wrote");

// header_bytes of a file written before the module map existed (format
// version 1 all the same): it has a working directory and a timeline, and
// reads with no module (it cannot hold a native frame to name).
inline constexpr uint32_t kHeaderBytesBeforeModules =
    offsetof(FileHeader, module_count);
static_assert(kHeaderBytesBeforeModules == 300240,
              "the older header's size is fixed by the files it wrote");

// header_bytes of a file written before working_directory and timeline
// existed (format version 1 all the same): the reader accepts it and reads
// an empty working directory and no timeline. The bytes after it up to the
// first chunk were reserved and left zero in such a file, but are not read.
inline constexpr uint32_t kHeaderBytesBeforeTimeline =
    offsetof(FileHeader, working_directory);
static_assert(kHeaderBytesBeforeTimeline == 271536,
              "the older header's size is fixed by the files it wrote");
// Where the first chunk may start (the header rounded up to a chunk):
// the same for both header sizes, so an older file's chunk offsets stay
// valid.
inline constexpr uint64_t kHeaderEnd =
    (sizeof(FileHeader) + kChunkBytes - 1) / kChunkBytes * kChunkBytes;
static_assert(kHeaderEnd ==
                  (uint64_t{kHeaderBytesBeforeTimeline} + kChunkBytes - 1) /
                      kChunkBytes * kChunkBytes,
              "the new fields must fit before the first chunk");

}  // namespace profile_format
}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROFILE_FORMAT_H_
