#include "core/profile_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tidemark {
namespace {

using profile_format::Area;
using profile_format::CounterEntry;
using profile_format::ElementsPerChunk;
using profile_format::FileHeader;
using profile_format::kChunkBytes;
using profile_format::kChunkShift;
using profile_format::kMaxChunks;
using profile_format::LocationEntry;
using profile_format::SnapshotInfo;
using profile_format::StackEntry;

// A stack deeper than this was never stored (the unwinder's limit).
constexpr uint32_t kMaxDepth = kMaxStackDepth;
// How often a peak copy torn by a concurrent writer is taken again. A new
// peak is written in microseconds; a writer that moves the generation a
// thousand times in a row is not one to wait for.
constexpr int kMaxCopyTries = 1000;

using profile_format::kHeaderEnd;

// Fields the writer updates while the program runs: read each once, with
// acquire ordering, so what a count covers is read after the count.
template <typename T>
T Load(const T& field) {
  return __atomic_load_n(&field, __ATOMIC_ACQUIRE);
}
template <typename T>
T LoadRelaxed(const T& field) {
  return __atomic_load_n(&field, __ATOMIC_RELAXED);
}

// The once-written part of the header, for any source.
bool CheckHeader(const FileHeader* h, const std::string& name,
                 std::string* error) {
  if (h == nullptr) {
    *error = name + ": no header";
    return false;
  }
  if (memcmp(h->magic, profile_format::kMagic, sizeof(h->magic)) != 0) {
    *error = name + ": not a Tidemark stored profile (wrong magic)";
    return false;
  }
  if (h->version != profile_format::kVersion) {
    *error = name + ": format version " + std::to_string(h->version) +
             ", this reader knows version " +
             std::to_string(profile_format::kVersion);
    return false;
  }
  // An older header (before the working directory and the timeline) is as
  // good: it only lacks those.
  const bool known_size =
      h->header_bytes == sizeof(FileHeader) ||
      h->header_bytes == profile_format::kHeaderBytesBeforeInterposer ||
      h->header_bytes == profile_format::kHeaderBytesBeforeModules ||
      h->header_bytes == profile_format::kHeaderBytesBeforeTimeline;
  if (!known_size || h->chunk_bytes != kChunkBytes ||
      h->max_chunks != kMaxChunks) {
    *error = name + ": header of " + std::to_string(h->header_bytes) +
             " bytes, chunks of " + std::to_string(h->chunk_bytes) +
             " bytes, at most " + std::to_string(h->max_chunks) +
             " chunks per area; this reader expects " +
             std::to_string(sizeof(FileHeader)) + ", " +
             std::to_string(kChunkBytes) + " and " + std::to_string(kMaxChunks);
    return false;
  }
  return true;
}

// Chunk `index` of `area` inside an image of `size` bytes, or nullptr.
const uint8_t* ChunkInImage(const uint8_t* data, uint64_t size, Area area,
                            uint32_t index) {
  if (data == nullptr || size < sizeof(FileHeader)) return nullptr;
  if (static_cast<uint32_t>(area) >= profile_format::kAreaCount ||
      index >= kMaxChunks) {
    return nullptr;
  }
  const auto* h = reinterpret_cast<const FileHeader*>(data);
  const uint64_t offset = Load(h->chunk_offset[area][index]);
  if (offset == 0 || offset % kChunkBytes != 0 || offset < kHeaderEnd ||
      offset > size || size - offset < kChunkBytes) {
    return nullptr;
  }
  return data + offset;
}

bool CheckImage(const uint8_t* data, uint64_t size, const std::string& name,
                std::string* error) {
  if (size < sizeof(FileHeader)) {
    *error = name + ": " + std::to_string(size) +
             " bytes, too short for the header (" +
             std::to_string(sizeof(FileHeader)) + " bytes)";
    return false;
  }
  return CheckHeader(reinterpret_cast<const FileHeader*>(data), name, error);
}

// Reads a stored profile through `source`, every offset checked.
class Reader {
 public:
  explicit Reader(const StoredProfileSource& source)
      : source_(source), h_(source.header()), name_(source.display_name()) {}

  bool Read(StoredSnapshot which, Profile* profile, std::string* error) {
    if (!CheckHeader(h_, name_, error)) return false;
    if (!ReadFacts(profile, error)) return false;
    Snapshot snapshot;
    std::vector<CounterEntry> live;
    if (which == StoredSnapshot::kPeak) {
      if (!CopyPeak(&snapshot, error)) return false;
      int64_t live_bytes = 0;
      if (!CopyLive(&live, &live_bytes, error)) return false;
      profile->current_bytes = live_bytes;
      if (ReplacedByLive(snapshot, live_bytes)) {
        // The program was at its highest when it died or is right now: the
        // last stored peak is older and smaller.
        snapshot.counters = live;
        snapshot.info.total_bytes = live_bytes;
        snapshot.info.stack_count = static_cast<uint32_t>(
            snapshot.counters.empty() ? 0 : snapshot.counters.size() - 1);
        snapshot.info.nanoseconds = ElapsedNanoseconds();
        snapshot.present = true;
      }
    } else {
      if (!CopyOom(&snapshot, error)) return false;
      profile->out_of_memory = true;
      profile->oom_limit_bytes = LoadRelaxed(h_->oom_limit_bytes);
      profile->oom_available_bytes = LoadRelaxed(h_->oom_available_bytes);
      if (!ReadText(h_->oom_reason, sizeof(h_->oom_reason), "oom_reason",
                    &profile->oom_reason, error)) {
        return false;
      }
      profile->current_bytes = snapshot.info.total_bytes;
    }
    profile->peak_bytes = snapshot.present ? snapshot.info.total_bytes : 0;
    profile->peak_seconds =
        snapshot.present ? static_cast<double>(snapshot.info.nanoseconds) / 1e9
                         : -1;
    // The whole run's count when the header keeps one (the writer adds to
    // it as it goes); else the count as of the snapshot.
    const int64_t run_total = LoadRelaxed(h_->tracked_allocations);
    if (run_total > 0) {
      profile->tracked_allocations = run_total;
    } else if (snapshot.present) {
      profile->tracked_allocations = snapshot.info.tracked_allocations;
    }
    if (!FillStacks(snapshot.counters, profile, &profile->stacks, error)) {
      return false;
    }
    // What is live now, by stack, beside the peak (the out-of-memory
    // snapshot is itself what was live at its moment).
    if (which == StoredSnapshot::kPeak &&
        !FillStacks(live, profile, &profile->end_stacks, error)) {
      return false;
    }
    // After the locations: each native frame's module was stored before
    // the frame (core/module_map.h), so this count covers them all.
    return ReadModules(profile, error);
  }

  bool ReadPeakBytes(int64_t* peak_bytes, std::string* error) {
    if (!CheckHeader(h_, name_, error)) return false;
    Snapshot snapshot;
    if (!CopyPeak(&snapshot, error)) return false;
    std::vector<CounterEntry> live;
    int64_t live_bytes = 0;
    if (!CopyLive(&live, &live_bytes, error)) return false;
    *peak_bytes = ReplacedByLive(snapshot, live_bytes)
                      ? live_bytes
                      : snapshot.info.total_bytes;
    return true;
  }

  bool ReadEnding(StoredEnding* out, std::string* error) {
    if (!CheckHeader(h_, name_, error)) return false;
    const uint32_t ending = Load(h_->ending);
    if (ending > profile_format::kExecuted) {
      *error = name_ + ": unknown ending " + std::to_string(ending);
      return false;
    }
    out->pid = h_->pid;
    out->ending = static_cast<profile_format::Ending>(ending);
    out->exit_code = LoadRelaxed(h_->exit_code);
    out->signal_number = LoadRelaxed(h_->signal_number);
    out->final_reports_written = Load(h_->final_reports_written) == 1;
    out->has_out_of_memory = Load(h_->oom_state) == 1;
    out->incomplete = (Load(h_->flags) & profile_format::kFlagIncomplete) != 0;
    return true;
  }

 private:
  struct Snapshot {
    bool present = false;
    SnapshotInfo info = {};
    // Index = stack id; [0] unused.
    std::vector<CounterEntry> counters;
  };

  bool Fail(std::string* error, const std::string& what) {
    *error = name_ + ": " + what;
    return false;
  }

  // `field` (of `size` bytes) must hold a NUL.
  bool ReadText(const char* field, size_t size, const char* what,
                std::string* out, std::string* error) {
    if (memchr(field, '\0', size) == nullptr) {
      return Fail(error, std::string(what) + " is not NUL-terminated");
    }
    *out = field;
    return true;
  }

  // Nanoseconds from the start to the recorded end, or else to now.
  int64_t ElapsedNanoseconds() {
    if (Load(h_->ending) != profile_format::kRunning) {
      return std::max<int64_t>(0, LoadRelaxed(h_->end_nanoseconds));
    }
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const int64_t now_ns = static_cast<int64_t>(now.tv_sec) * 1000000000 +
                           static_cast<int64_t>(now.tv_nsec);
    // Unsigned arithmetic: the start is untrusted and may be anything.
    const int64_t elapsed =
        static_cast<int64_t>(static_cast<uint64_t>(now_ns) -
                             static_cast<uint64_t>(h_->start_monotonic_ns));
    return std::max<int64_t>(0, elapsed);
  }

  // Whether what is live now stands for the peak instead of the stored
  // copy: when there is no copy, or when it is higher, except in sample
  // mode with the moment chosen by the exact live total, where a higher
  // estimate now is the sample's noise, not a higher moment (the moment of
  // every report was offered to that choice before it was rendered).
  bool ReplacedByLive(const Snapshot& snapshot, int64_t live_bytes) const {
    if (!snapshot.present) return live_bytes > 0;
    if (LoadRelaxed(h_->peak_moment) == profile_format::kPeakMomentLiveTotal) {
      return false;
    }
    return live_bytes > snapshot.info.total_bytes;
  }

  bool ReadFacts(Profile* profile, std::string* error) {
    if (h_->mode > 1) {
      return Fail(error, "unknown mode " + std::to_string(h_->mode));
    }
    profile->mode = h_->mode == 0 ? "exact" : "sample";
    profile->pid = h_->pid;
    profile->parent_pid = h_->parent_pid;
    const char* started = profile_format::StartedName(
        static_cast<profile_format::Started>(LoadRelaxed(h_->started)));
    profile->started = started != nullptr ? started : "unknown";
    profile->inherited_bytes = LoadRelaxed(h_->inherited_bytes);
    profile->sample_interval_bytes =
        h_->mode == 1 ? h_->sample_interval_bytes : 0;
    if (h_->top_rows <= 0) {
      return Fail(error, "top_rows is " + std::to_string(h_->top_rows));
    }
    profile->top_rows = h_->top_rows;
    if (!ReadText(h_->unwinder, sizeof(h_->unwinder), "the unwinder name",
                  &profile->unwinder, error)) {
      return false;
    }
    if (h_->command_bytes > sizeof(h_->command)) {
      return Fail(error, "command_bytes " + std::to_string(h_->command_bytes) +
                             " exceeds the command field (" +
                             std::to_string(sizeof(h_->command)) + " bytes)");
    }
    profile->command.clear();
    size_t at = 0;
    while (at < h_->command_bytes) {
      const void* nul = memchr(h_->command + at, '\0', h_->command_bytes - at);
      if (nul == nullptr) {
        return Fail(error, "the command's last argument is not NUL-terminated");
      }
      const size_t end =
          static_cast<size_t>(static_cast<const char*>(nul) - h_->command);
      profile->command.emplace_back(h_->command + at, end - at);
      at = end + 1;
    }
    const uint32_t ending = Load(h_->ending);
    if (ending > profile_format::kExecuted) {
      return Fail(error, "unknown ending " + std::to_string(ending));
    }
    profile->has_exit_code = ending == profile_format::kExited;
    profile->exit_code = profile->has_exit_code ? h_->exit_code : 0;
    profile->rss_hwm_bytes = LoadRelaxed(h_->rss_hwm_bytes);
    profile->profiler_bytes = LoadRelaxed(h_->profiler_bytes);
    profile->deferred_reports = LoadRelaxed(h_->deferred_reports);
    profile->python_version =
        profile_format::PythonVersionText(LoadRelaxed(h_->python_version_hex));
    const uint32_t moment = LoadRelaxed(h_->peak_moment);
    profile->peak_moment = profile_format::PeakMomentName(moment);
    profile->live_bytes_at_peak_moment =
        moment == profile_format::kPeakMomentLiveTotal
            ? Load(h_->live_bytes_at_peak_moment)
            : 0;
    profile->wall_seconds = static_cast<double>(ElapsedNanoseconds()) / 1e9;
    profile->working_directory.clear();
    profile->timeline.clear();
    if (h_->header_bytes != profile_format::kHeaderBytesBeforeTimeline) {
      if (!ReadText(h_->working_directory, sizeof(h_->working_directory),
                    "the working directory", &profile->working_directory,
                    error) ||
          !CopyTimeline(&profile->timeline, error)) {
        return false;
      }
    }
    profile->interposer.clear();
    profile->allocator.clear();
    if (h_->header_bytes == sizeof(FileHeader) &&
        (!ReadText(h_->interposer, sizeof(h_->interposer),
                   "the interposer name", &profile->interposer, error) ||
         !ReadText(h_->allocator, sizeof(h_->allocator), "the allocator",
                   &profile->allocator, error))) {
      return false;
    }
    profile->peak_seconds = -1;
    profile->peak_bytes = 0;
    profile->current_bytes = 0;
    profile->tracked_allocations = 0;
    profile->out_of_memory = false;
    profile->oom_reason.clear();
    profile->oom_limit_bytes = 0;
    profile->oom_available_bytes = 0;
    profile->frames.clear();
    profile->stacks.clear();
    profile->modules.clear();
    return true;
  }

  static const char* AreaName(Area area) {
    switch (area) {
      case profile_format::kLiveArea:
        return "live counters";
      case profile_format::kPeakArea0:
        return "peak slot 0";
      case profile_format::kPeakArea1:
        return "peak slot 1";
      case profile_format::kOomArea:
        return "out-of-memory counters";
      case profile_format::kStackArea:
        return "stacks";
      case profile_format::kLocationArea:
        return "locations";
      case profile_format::kFramePool:
        return "frame pool";
      case profile_format::kStringPool:
        return "string pool";
      default:
        return "unknown area";
    }
  }

  // True when chunk `index` of `area` was never made: the header gives it
  // no place and the file is complete (an incomplete one may have kept it
  // in the process's memory).
  bool NeverMade(Area area, uint32_t index) const {
    return Load(h_->chunk_offset[area][index]) == 0 &&
           (Load(h_->flags) & profile_format::kFlagIncomplete) == 0;
  }

  std::string MissingChunk(Area area, uint32_t index) {
    return std::string("chunk ") + std::to_string(index) + " of the " +
           AreaName(area) + " is missing or lies outside the file (truncated?)";
  }

  // Element `id` of an array area, or nullptr with *error set.
  template <typename T>
  const T* Element(Area area, uint64_t id, std::string* error) {
    const uint64_t index = id / ElementsPerChunk<T>();
    if (index >= kMaxChunks) {
      Fail(error, std::string("id ") + std::to_string(id) + " is beyond the " +
                      AreaName(area));
      return nullptr;
    }
    const uint8_t* chunk = source_.chunk(area, static_cast<uint32_t>(index));
    if (chunk == nullptr) {
      Fail(error, MissingChunk(area, static_cast<uint32_t>(index)));
      return nullptr;
    }
    return reinterpret_cast<const T*>(chunk) + id % ElementsPerChunk<T>();
  }

  bool CheckCount(uint64_t count, const char* what, uint64_t per_chunk,
                  std::string* error) {
    if (count / per_chunk >= kMaxChunks) {
      return Fail(error, std::string(what) + " count " + std::to_string(count) +
                             " exceeds what the format can hold");
    }
    return true;
  }

  // Counters 1..count of `area` into `out` (index = stack id).
  bool CopyCounters(Area area, uint32_t count, std::vector<CounterEntry>* out,
                    int64_t* total, std::string* error) {
    // Grown chunk by chunk, so a corrupt count costs no more memory than
    // the chunks that are really there.
    out->assign(1, CounterEntry{0, 0});
    int64_t sum = 0;
    constexpr uint32_t kPerChunk = ElementsPerChunk<CounterEntry>();
    for (uint32_t id = 1; id <= count;) {
      const uint32_t index = id / kPerChunk;
      const uint8_t* chunk = source_.chunk(area, index);
      const uint32_t last = static_cast<uint32_t>(
          std::min<uint64_t>(count, uint64_t{index + 1} * kPerChunk - 1));
      if (chunk == nullptr) {
        // Counter chunks are made on a stack's first count, after the stack
        // is published: a process killed in between leaves a stack whose
        // chunk was never made, and its counters are zero. Only a chunk
        // the header places somewhere (or one an incomplete file kept in
        // memory) is really missing.
        if (!NeverMade(area, index)) {
          return Fail(error, MissingChunk(area, index));
        }
        out->resize(static_cast<size_t>(last) + 1, CounterEntry{0, 0});
        id = last + 1;
        continue;
      }
      const auto* entries = reinterpret_cast<const CounterEntry*>(chunk);
      out->resize(static_cast<size_t>(last) + 1, CounterEntry{0, 0});
      for (; id <= last; ++id) {
        const CounterEntry& e = entries[id % kPerChunk];
        CounterEntry& copy = (*out)[id];
        copy.bytes = LoadRelaxed(e.bytes);
        copy.allocations = LoadRelaxed(e.allocations);
        sum = static_cast<int64_t>(static_cast<uint64_t>(sum) +
                                   static_cast<uint64_t>(copy.bytes));
      }
    }
    if (total != nullptr) *total = sum;
    return true;
  }

  static SnapshotInfo LoadInfo(const SnapshotInfo& from) {
    SnapshotInfo info = {};
    info.total_bytes = LoadRelaxed(from.total_bytes);
    info.total_allocations = LoadRelaxed(from.total_allocations);
    info.stack_count = LoadRelaxed(from.stack_count);
    info.nanoseconds = LoadRelaxed(from.nanoseconds);
    info.tracked_allocations = LoadRelaxed(from.tracked_allocations);
    return info;
  }

  // One copy of the current peak slot; false with *error when it does not
  // hold together (which may be a torn copy: the caller decides).
  bool CopyPeakOnce(uint64_t generation, Snapshot* out, std::string* error) {
    const uint32_t stack_count = Load(h_->stack_count);
    if (!CheckCount(stack_count, "stack", ElementsPerChunk<StackEntry>(),
                    error)) {
      return false;
    }
    const uint32_t slot = static_cast<uint32_t>(generation % 2);
    out->present = true;
    out->info = LoadInfo(h_->peak[slot]);
    if (out->info.stack_count > stack_count) {
      return Fail(error, "peak slot " + std::to_string(slot) + " covers " +
                             std::to_string(out->info.stack_count) +
                             " stacks but only " + std::to_string(stack_count) +
                             " exist");
    }
    return CopyCounters(
        slot == 0 ? profile_format::kPeakArea0 : profile_format::kPeakArea1,
        out->info.stack_count, &out->counters, nullptr, error);
  }

  // One copy of the timeline's current buffer (profile_format.h, "The
  // timeline"); false with *error when it does not hold together.
  bool CopyTimelineOnce(uint64_t generation, std::vector<TimelinePoint>* out,
                        std::string* error) {
    const profile_format::TimelineBuffer& buffer =
        h_->timeline.buffers[generation % 2];
    const uint32_t count = Load(buffer.count);
    if (count > profile_format::kTimelinePoints) {
      return Fail(error, "the timeline holds " + std::to_string(count) +
                             " points (at most " +
                             std::to_string(profile_format::kTimelinePoints) +
                             ")");
    }
    out->clear();
    out->reserve(count);
    int64_t last = 0;
    for (uint32_t i = 0; i < count; ++i) {
      const profile_format::TimelineEntry& e = buffer.points[i];
      const int64_t nanoseconds = LoadRelaxed(e.nanoseconds);
      if (nanoseconds < last) {
        return Fail(error, "the timeline's point " + std::to_string(i) +
                               " is earlier than the one before it");
      }
      last = nanoseconds;
      TimelinePoint point;
      point.seconds = static_cast<double>(nanoseconds) / 1e9;
      point.tracked_bytes = LoadRelaxed(e.tracked_bytes);
      point.rss_bytes = LoadRelaxed(e.rss_bytes);
      out->push_back(point);
    }
    return true;
  }

  // The timeline, copied again while a writer moves it (a merge), like the
  // peak.
  bool CopyTimeline(std::vector<TimelinePoint>* out, std::string* error) {
    for (int attempt = 0; attempt < kMaxCopyTries; ++attempt) {
      const uint64_t generation = Load(h_->timeline.generation);
      std::string why;
      const bool ok = CopyTimelineOnce(generation, out, &why);
#if !defined(__SANITIZE_THREAD__)
      __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
      if (LoadRelaxed(h_->timeline.generation) != generation) continue;
      if (!ok) {
        *error = std::move(why);
        return false;
      }
      return true;
    }
    return Fail(error, "the timeline changed during each of " +
                           std::to_string(kMaxCopyTries) +
                           " attempts to copy it");
  }

  bool CopyPeak(Snapshot* out, std::string* error) {
    for (int attempt = 0; attempt < kMaxCopyTries; ++attempt) {
      const uint64_t generation = Load(h_->peak_generation);
      if (generation == 0) {
        *out = Snapshot();
        return true;
      }
      std::string why;
      const bool ok = CopyPeakOnce(generation, out, &why);
      // Everything copied above is read before the generation is read again
      // (a seqlock's reader side). ThreadSanitizer does not support fences
      // (GCC refuses them there); x86 keeps loads in order anyway.
#if !defined(__SANITIZE_THREAD__)
      __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
      if (LoadRelaxed(h_->peak_generation) != generation) continue;
      if (!ok) {
        *error = std::move(why);
        return false;
      }
      return true;
    }
    return Fail(error, "the peak changed during each of " +
                           std::to_string(kMaxCopyTries) +
                           " attempts to copy it");
  }

  bool CopyLive(std::vector<CounterEntry>* out, int64_t* total,
                std::string* error) {
    const uint32_t stack_count = Load(h_->stack_count);
    if (!CheckCount(stack_count, "stack", ElementsPerChunk<StackEntry>(),
                    error)) {
      return false;
    }
    return CopyCounters(profile_format::kLiveArea, stack_count, out, total,
                        error);
  }

  bool CopyOom(Snapshot* out, std::string* error) {
    if (Load(h_->oom_state) != 1) {
      return Fail(error, "no out-of-memory snapshot was stored");
    }
    const uint32_t stack_count = Load(h_->stack_count);
    if (!CheckCount(stack_count, "stack", ElementsPerChunk<StackEntry>(),
                    error)) {
      return false;
    }
    out->present = true;
    out->info = LoadInfo(h_->oom);
    if (out->info.stack_count > stack_count) {
      return Fail(error, "the out-of-memory snapshot covers " +
                             std::to_string(out->info.stack_count) +
                             " stacks but only " + std::to_string(stack_count) +
                             " exist");
    }
    return CopyCounters(profile_format::kOomArea, out->info.stack_count,
                        &out->counters, nullptr, error);
  }

  // `bytes` at `offset` of the string pool (never across a chunk).
  bool ReadPoolBytes(uint64_t offset, uint64_t pool_bytes, size_t bytes,
                     const std::string& what, void* out, std::string* error) {
    const uint64_t within = offset & (kChunkBytes - 1);
    if (offset > pool_bytes || pool_bytes - offset < bytes ||
        within + bytes > kChunkBytes) {
      return Fail(error, what + " at string pool offset " +
                             std::to_string(offset) +
                             " is not inside one chunk of the " +
                             std::to_string(pool_bytes) + " bytes in use");
    }
    const uint32_t index = static_cast<uint32_t>(offset >> kChunkShift);
    const uint8_t* chunk = source_.chunk(profile_format::kStringPool, index);
    if (chunk == nullptr) {
      return Fail(error, MissingChunk(profile_format::kStringPool, index));
    }
    memcpy(out, chunk + within, bytes);
    return true;
  }

  // The module map (profile_format::ModuleEntry), when the header has one.
  bool ReadModules(Profile* profile, std::string* error) {
    profile->modules.clear();
    if (h_->header_bytes != sizeof(FileHeader) &&
        h_->header_bytes != profile_format::kHeaderBytesBeforeInterposer) {
      return true;
    }
    const uint32_t count = Load(h_->module_count);
    if (count > profile_format::kMaxModules) {
      return Fail(error, "module_count " + std::to_string(count) + " exceeds " +
                             std::to_string(profile_format::kMaxModules));
    }
    const uint64_t string_bytes = Load(h_->string_pool_bytes);
    for (uint32_t i = 0; i < count; ++i) {
      const std::string what = "module " + std::to_string(i);
      profile_format::ModuleEntry entry;
      if (!ReadPoolBytes(LoadRelaxed(h_->module_entries[i]), string_bytes,
                         sizeof(entry), what, &entry, error)) {
        return false;
      }
      if (entry.build_id_bytes > profile_format::kMaxBuildIdBytes ||
          entry.end < entry.start) {
        return Fail(error, what + " has a build id of " +
                               std::to_string(entry.build_id_bytes) +
                               " bytes or ends before it starts");
      }
      ProfileModule module;
      if (!ReadString(entry.path, string_bytes, what + "'s path", &module.path,
                      error)) {
        return false;
      }
      module.start = entry.start;
      module.end = entry.end;
      module.bias = entry.bias;
      module.build_id.assign(reinterpret_cast<const char*>(entry.build_id),
                             entry.build_id_bytes);
      profile->modules.push_back(std::move(module));
    }
    return true;
  }

  // The NUL-terminated string at `offset` of the string pool.
  bool ReadString(uint64_t offset, uint64_t pool_bytes, uint32_t location,
                  const char* what, std::string* out, std::string* error) {
    return ReadString(offset, pool_bytes,
                      "location " + std::to_string(location) + "'s " + what,
                      out, error);
  }
  bool ReadString(uint64_t offset, uint64_t pool_bytes, const std::string& what,
                  std::string* out, std::string* error) {
    if (offset >= pool_bytes) {
      return Fail(error, what + " is at string pool offset " +
                             std::to_string(offset) + " but the pool holds " +
                             std::to_string(pool_bytes) + " bytes");
    }
    const uint64_t index = offset >> kChunkShift;
    const uint8_t* chunk = source_.chunk(profile_format::kStringPool,
                                         static_cast<uint32_t>(index));
    if (chunk == nullptr) {
      return Fail(error, MissingChunk(profile_format::kStringPool,
                                      static_cast<uint32_t>(index)));
    }
    const uint64_t within = offset & (kChunkBytes - 1);
    // A string never crosses a chunk, nor the used part of the pool.
    const uint64_t limit =
        std::min<uint64_t>(kChunkBytes, pool_bytes - (offset - within));
    const char* start = reinterpret_cast<const char*>(chunk) + within;
    const void* nul = memchr(start, '\0', limit - within);
    if (nul == nullptr) {
      return Fail(error, what + " (string pool offset " +
                             std::to_string(offset) +
                             ") is not NUL-terminated within its chunk");
    }
    out->assign(start,
                static_cast<size_t>(static_cast<const char*>(nul) - start));
    return true;
  }

  bool ReadLocation(uint32_t id, uint64_t string_bytes, ProfileFrame* frame,
                    std::string* error) {
    const LocationEntry* entry =
        Element<LocationEntry>(profile_format::kLocationArea, id, error);
    if (entry == nullptr) return false;
    const LocationEntry copy = *entry;
    if (copy.kind > static_cast<uint32_t>(FrameKind::kStackCut)) {
      return Fail(error, "location " + std::to_string(id) +
                             " has unknown kind " + std::to_string(copy.kind));
    }
    frame->kind = static_cast<FrameKind>(copy.kind);
    frame->line = copy.line;
    frame->address =
        frame->kind == FrameKind::kNative ? copy.address : uint64_t{0};
    if (frame->kind == FrameKind::kNative && frame->address != 0 &&
        !ReadString(copy.file, string_bytes, id, "file", &frame->module,
                    error)) {
      return false;
    }
    return ReadString(copy.function, string_bytes, id, "function",
                      &frame->function, error) &&
           ReadString(copy.file, string_bytes, id, "file", &frame->file, error);
  }

  // The stacks with bytes in `counters` into `stacks`, largest first; their
  // frames go into profile->frames, each location once across calls.
  bool FillStacks(const std::vector<CounterEntry>& counters, Profile* profile,
                  std::vector<ProfileStack>* stacks, std::string* error) {
    const uint32_t location_count = Load(h_->location_count);
    const uint64_t frame_bytes = Load(h_->frame_pool_bytes);
    const uint64_t string_bytes = Load(h_->string_pool_bytes);
    if (!CheckCount(location_count, "location",
                    ElementsPerChunk<LocationEntry>(), error)) {
      return false;
    }
    const uint64_t kPoolLimit = uint64_t{kMaxChunks} * kChunkBytes;
    if (frame_bytes > kPoolLimit || string_bytes > kPoolLimit) {
      return Fail(error, "pool sizes " + std::to_string(frame_bytes) + " and " +
                             std::to_string(string_bytes) +
                             " exceed what the format can hold");
    }
    for (size_t id = 1; id < counters.size(); ++id) {
      const CounterEntry& counter = counters[id];
      if (counter.bytes <= 0) continue;
      const StackEntry* found = Element<StackEntry>(
          profile_format::kStackArea, static_cast<uint64_t>(id), error);
      if (found == nullptr) return false;
      const StackEntry entry = *found;
      const std::string stack_name = "stack " + std::to_string(id);
      if (entry.depth > kMaxDepth) {
        return Fail(error, stack_name + " has depth " +
                               std::to_string(entry.depth) + " (at most " +
                               std::to_string(kMaxDepth) + ")");
      }
      ProfileStack stack;
      stack.bytes = counter.bytes;
      stack.allocations = counter.allocations;
      if (entry.depth > 0) {
        const uint64_t size = uint64_t{entry.depth} * sizeof(uint32_t);
        const uint64_t within = entry.frames & (kChunkBytes - 1);
        if (entry.frames > frame_bytes || frame_bytes - entry.frames < size ||
            within + size > kChunkBytes) {
          return Fail(error, stack_name + "'s " + std::to_string(entry.depth) +
                                 " frames at frame pool offset " +
                                 std::to_string(entry.frames) +
                                 " are not inside one chunk of the " +
                                 std::to_string(frame_bytes) + " bytes in use");
        }
        const uint32_t index =
            static_cast<uint32_t>(entry.frames >> kChunkShift);
        const uint8_t* chunk = source_.chunk(profile_format::kFramePool, index);
        if (chunk == nullptr) {
          return Fail(error, MissingChunk(profile_format::kFramePool, index));
        }
        stack.frames.reserve(entry.depth);
        for (uint32_t i = 0; i < entry.depth; ++i) {
          uint32_t location;
          memcpy(&location, chunk + within + i * sizeof(uint32_t),
                 sizeof(location));
          if (location == 0 || location > location_count) {
            return Fail(error, stack_name + " refers to location " +
                                   std::to_string(location) + " but only " +
                                   std::to_string(location_count) + " exist");
          }
          auto [it, inserted] = frame_index_.try_emplace(
              location, static_cast<int>(profile->frames.size()));
          if (inserted) {
            ProfileFrame frame;
            if (!ReadLocation(location, string_bytes, &frame, error)) {
              return false;
            }
            profile->frames.push_back(std::move(frame));
          }
          stack.frames.push_back(it->second);
        }
      }
      stacks->push_back(std::move(stack));
    }
    // Largest first; equal sizes keep stack id order, so the output is
    // the same every time.
    std::stable_sort(stacks->begin(), stacks->end(),
                     [](const ProfileStack& a, const ProfileStack& b) {
                       return a.bytes > b.bytes;
                     });
    return true;
  }

  const StoredProfileSource& source_;
  const FileHeader* h_;
  std::string name_;
  std::unordered_map<uint32_t, int> frame_index_;  // location id -> index
};

}  // namespace

ProfileFile::~ProfileFile() {
  if (data_ != nullptr) {
    munmap(const_cast<uint8_t*>(data_), static_cast<size_t>(size_));
  }
}

std::unique_ptr<ProfileFile> ProfileFile::Open(const std::string& path,
                                               std::string* error) {
  // O_NONBLOCK: a FIFO planted under the name must not hang the reader.
  const int fd =
      open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + strerror(errno);
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    std::string display = path;
    while (display.size() > 1 && display.back() == '/') display.pop_back();
    auto file = OpenIn(fd, display, error);
    close(fd);
    return file;
  }
  return Map(fd, path, error);
}

std::unique_ptr<ProfileFile> ProfileFile::OpenIn(
    int dir_fd, const std::string& display_path, std::string* error) {
  return OpenAt(dir_fd, profile_format::kFileName, display_path, error);
}

std::unique_ptr<ProfileFile> ProfileFile::OpenAt(
    int dir_fd, const std::string& name, const std::string& display_path,
    std::string* error) {
  const std::string path = display_path + "/" + name;
  if (name.empty() || name.find('/') != std::string::npos || name == "." ||
      name == "..") {
    *error = path + ": not a file name";
    return nullptr;
  }
  const int fd = openat(dir_fd, name.c_str(),
                        O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + strerror(errno);
    return nullptr;
  }
  return Map(fd, path, error);
}

std::unique_ptr<ProfileFile> ProfileFile::Map(int fd, const std::string& path,
                                              std::string* error) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *error = "cannot open " + path + ": " + strerror(errno);
    close(fd);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = path + ": not a regular file";
    close(fd);
    return nullptr;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < sizeof(FileHeader)) {
    close(fd);
    CheckImage(nullptr, size, path, error);
    return nullptr;
  }
  void* data =
      mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (data == MAP_FAILED) {
    *error = "cannot map " + path + ": " + strerror(errno);
    return nullptr;
  }
  std::unique_ptr<ProfileFile> file(new ProfileFile());
  file->path_ = path;
  file->data_ = static_cast<const uint8_t*>(data);
  file->size_ = size;
  if (!CheckImage(file->data_, size, path, error)) return nullptr;
  return file;
}

const FileHeader* ProfileFile::header() const {
  return reinterpret_cast<const FileHeader*>(data_);
}

const uint8_t* ProfileFile::chunk(Area area, uint32_t index) const {
  return ChunkInImage(data_, size_, area, index);
}

std::unique_ptr<StoredProfileBuffer> StoredProfileBuffer::Create(
    const void* data, size_t size, const std::string& display_name,
    std::string* error) {
  std::unique_ptr<StoredProfileBuffer> buffer(new StoredProfileBuffer());
  buffer->name_ = display_name;
  buffer->words_.assign((size + 7) / 8, 0);
  if (size > 0) memcpy(buffer->words_.data(), data, size);
  buffer->size_ = size;
  if (!CheckImage(buffer->mutable_data(), size, display_name, error)) {
    return nullptr;
  }
  return buffer;
}

const FileHeader* StoredProfileBuffer::header() const {
  return reinterpret_cast<const FileHeader*>(words_.data());
}

const uint8_t* StoredProfileBuffer::chunk(Area area, uint32_t index) const {
  return ChunkInImage(reinterpret_cast<const uint8_t*>(words_.data()), size_,
                      area, index);
}

bool ReadStoredProfile(const StoredProfileSource& source, StoredSnapshot which,
                       Profile* profile, std::string* error) {
  return Reader(source).Read(which, profile, error);
}

bool ReadStoredEnding(const StoredProfileSource& source, StoredEnding* out,
                      std::string* error) {
  return Reader(source).ReadEnding(out, error);
}

bool ReadStoredPeakBytes(const StoredProfileSource& source, int64_t* peak_bytes,
                         std::string* error) {
  return Reader(source).ReadPeakBytes(peak_bytes, error);
}

}  // namespace tidemark
