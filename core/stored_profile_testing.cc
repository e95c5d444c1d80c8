#include "core/stored_profile_testing.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace tidemark {
namespace {

using namespace profile_format;  // NOLINT(google-build-using-namespace)

// Lays the image out as the writer would: the header, then chunks appended
// as each area needs them.
class ImageBuilder {
 public:
  ImageBuilder() : image_(kHeaderEnd, '\0') {}

  FileHeader* header() { return reinterpret_cast<FileHeader*>(&image_[0]); }
  std::string& image() { return image_; }

  // The file offset of byte `offset` of area `area`, making its chunk.
  uint64_t At(Area area, uint64_t offset) {
    const uint64_t index = offset >> kChunkShift;
    uint64_t& chunk = header()->chunk_offset[area][index];
    if (chunk == 0) {
      chunk = image_.size();
      image_.resize(image_.size() + kChunkBytes, '\0');
    }
    // resize() may have moved the string: re-read through header().
    return header()->chunk_offset[area][index] + (offset & (kChunkBytes - 1));
  }

  template <typename T>
  void Put(Area area, uint64_t id, const T& value) {
    const uint64_t per_chunk = ElementsPerChunk<T>();
    const uint64_t offset =
        (id / per_chunk) * kChunkBytes + (id % per_chunk) * sizeof(T);
    memcpy(&image_[At(area, offset)], &value, sizeof(T));
  }

  // Bytes into a pool, never across a chunk; returns the pool offset.
  uint64_t Append(Area area, uint64_t* used, const void* data, size_t size) {
    const uint64_t within = *used & (kChunkBytes - 1);
    if (within + size > kChunkBytes) *used += kChunkBytes - within;
    const uint64_t offset = *used;
    if (size > 0) memcpy(&image_[At(area, offset)], data, size);
    *used += size;
    return offset;
  }

 private:
  std::string image_;
};

}  // namespace

std::string BuildStoredProfileImage(const TestStoredProfile& p) {
  ImageBuilder b;
  {
    FileHeader* h = b.header();
    memcpy(h->magic, kMagic, sizeof(kMagic));
    h->version = kVersion;
    h->header_bytes = sizeof(FileHeader);
    h->chunk_bytes = kChunkBytes;
    h->max_chunks = kMaxChunks;
    h->pid = p.pid;
    h->mode = p.mode;
    h->sample_interval_bytes = p.sample_interval_bytes;
    h->start_realtime_ns = 1'700'000'000'000'000'000;
    h->start_monotonic_ns = p.start_monotonic_ns;
    h->top_rows = p.top_rows;
    snprintf(h->unwinder, sizeof(h->unwinder), "%s", p.unwinder.c_str());
    snprintf(h->reporters, sizeof(h->reporters), "%s", p.reporters.c_str());
    uint32_t used = 0;
    for (const std::string& arg : p.command) {
      if (used + arg.size() + 1 > sizeof(h->command)) {
        h->command_truncated = 1;
        break;
      }
      memcpy(h->command + used, arg.c_str(), arg.size() + 1);
      used += static_cast<uint32_t>(arg.size() + 1);
    }
    h->command_bytes = used;
  }

  uint64_t frame_bytes = 0;
  uint64_t string_bytes = 0;
  std::map<std::string, uint64_t> strings;
  std::map<std::tuple<std::string, std::string, int, int, uint64_t>, uint32_t>
      locations;
  auto intern_string = [&](const std::string& text) {
    auto it = strings.find(text);
    if (it != strings.end()) return it->second;
    const uint64_t offset =
        b.Append(kStringPool, &string_bytes, text.c_str(), text.size() + 1);
    strings.emplace(text, offset);
    return offset;
  };
  uint32_t location_count = 0;
  SnapshotInfo peak = {};
  SnapshotInfo other = {};
  SnapshotInfo oom = {};
  const uint32_t current_slot = static_cast<uint32_t>(p.peak_generation % 2);
  uint32_t stack_id = 0;
  for (const TestStack& stack : p.stacks) {
    ++stack_id;
    std::vector<uint32_t> ids;
    for (const TestFrame& frame : stack.frames) {
      auto key = std::make_tuple(frame.function, frame.file, frame.line,
                                 static_cast<int>(frame.kind), frame.address);
      auto it = locations.find(key);
      if (it == locations.end()) {
        LocationEntry entry = {};
        entry.kind = static_cast<uint32_t>(frame.kind);
        entry.line = frame.line;
        entry.function = intern_string(frame.function);
        entry.file = intern_string(frame.file);
        entry.address = frame.address;
        b.Put(kLocationArea, ++location_count, entry);
        it = locations.emplace(key, location_count).first;
      }
      ids.push_back(it->second);
    }
    StackEntry entry = {};
    entry.depth = static_cast<uint32_t>(ids.size());
    entry.frames = b.Append(kFramePool, &frame_bytes, ids.data(),
                            ids.size() * sizeof(uint32_t));
    b.Put(kStackArea, stack_id, entry);
    b.Put(kLiveArea, stack_id,
          CounterEntry{stack.live_bytes, stack.live_allocations});
    if (p.peak_generation != 0) {
      // The slot in use last, so that its chunk ends the file: any cut
      // of the file loses it.
      b.Put(current_slot == 0 ? kPeakArea1 : kPeakArea0, stack_id,
            CounterEntry{stack.peak_bytes * 7 + 1, 99});
      b.Put(current_slot == 0 ? kPeakArea0 : kPeakArea1, stack_id,
            CounterEntry{stack.peak_bytes, stack.peak_allocations});
      peak.total_bytes += stack.peak_bytes;
      peak.total_allocations += stack.peak_allocations;
      other.total_bytes += stack.peak_bytes * 7 + 1;
    }
    if (p.has_oom) {
      b.Put(kOomArea, stack_id,
            CounterEntry{stack.oom_bytes, stack.oom_allocations});
      oom.total_bytes += stack.oom_bytes;
      oom.total_allocations += stack.oom_allocations;
    }
  }
  std::vector<uint64_t> module_offsets;
  for (const TestModule& m : p.modules) {
    profile_format::ModuleEntry entry = {};
    entry.start = m.start;
    entry.end = m.end;
    entry.bias = m.bias;
    entry.path = intern_string(m.path);
    entry.build_id_bytes = static_cast<uint32_t>(m.build_id.size());
    memcpy(entry.build_id, m.build_id.data(),
           std::min(m.build_id.size(), sizeof(entry.build_id)));
    module_offsets.push_back(
        b.Append(kStringPool, &string_bytes, &entry, sizeof(entry)));
  }
  FileHeader* h = b.header();
  h->module_count = static_cast<uint32_t>(module_offsets.size());
  for (size_t i = 0; i < module_offsets.size(); ++i) {
    h->module_entries[i] = module_offsets[i];
  }
  h->flags = p.flags;
  h->stack_count = stack_id;
  h->location_count = location_count;
  h->file_bytes = b.image().size();
  h->frame_pool_bytes = frame_bytes;
  h->string_pool_bytes = string_bytes;
  h->peak_generation = p.peak_generation;
  if (p.peak_generation != 0) {
    peak.stack_count = stack_id;
    peak.nanoseconds = p.peak_nanoseconds;
    peak.tracked_allocations = p.peak_tracked_allocations;
    other.stack_count = stack_id;
    other.nanoseconds = p.peak_nanoseconds / 2;
    h->peak[current_slot] = peak;
    h->peak[1 - current_slot] = other;
  }
  if (p.has_oom) {
    oom.stack_count = stack_id;
    oom.nanoseconds = p.oom_nanoseconds;
    oom.tracked_allocations = p.oom_tracked_allocations;
    h->oom = oom;
    h->oom_limit_bytes = p.oom_limit_bytes;
    h->oom_available_bytes = p.oom_available_bytes;
    snprintf(h->oom_reason, sizeof(h->oom_reason), "%s", p.oom_reason.c_str());
    h->oom_state = 1;
  }
  h->ending = p.ending;
  h->exit_code = p.exit_code;
  h->signal_number = p.signal_number;
  h->final_reports_written = p.final_reports_written ? 1 : 0;
  h->end_nanoseconds = p.end_nanoseconds;
  h->rss_hwm_bytes = p.rss_hwm_bytes;
  h->profiler_bytes = p.profiler_bytes;
  h->deferred_reports = p.deferred_reports;
  h->inherited_bytes = p.inherited_bytes;
  h->parent_pid = p.parent_pid;
  h->started = p.started;
  h->start_ticks = p.start_ticks;
  h->python_seen = p.python_seen ? 1 : 0;
  h->peak_moment = p.peak_moment;
  h->live_bytes_at_peak_moment = p.live_bytes_at_peak_moment;
  h->python_version_hex = p.python_version_hex;
  snprintf(h->working_directory, sizeof(h->working_directory), "%s",
           p.working_directory.c_str());
  snprintf(h->interposer, sizeof(h->interposer), "%s", p.interposer.c_str());
  snprintf(h->allocator, sizeof(h->allocator), "%s", p.allocator.c_str());
  h->timeline.generation = p.timeline_generation;
  h->timeline.interval_ns = 200'000'000;
  TimelineBuffer& current = h->timeline.buffers[p.timeline_generation % 2];
  TimelineBuffer& stale = h->timeline.buffers[1 - p.timeline_generation % 2];
  current.count = static_cast<uint32_t>(
      std::min<size_t>(p.timeline.size(), kTimelinePoints));
  for (uint32_t i = 0; i < current.count; ++i) {
    current.points[i] = p.timeline[i];
    stale.points[i] = TimelineEntry{p.timeline[i].nanoseconds * 3,
                                    p.timeline[i].tracked_bytes * 7 + 1, 5};
  }
  stale.count = current.count;
  if (p.older_header) h->header_bytes = kHeaderBytesBeforeTimeline;
  if (p.header_before_interposer) {
    h->header_bytes = profile_format::kHeaderBytesBeforeInterposer;
  }
  if (p.header_before_modules) {
    h->header_bytes = profile_format::kHeaderBytesBeforeModules;
  }
  return b.image();
}

bool WriteStoredProfileFile(const std::string& path,
                            const TestStoredProfile& profile,
                            std::string* error) {
  const std::string image = BuildStoredProfileImage(profile);
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
           0644);
  if (fd < 0) {
    *error = "cannot create " + path + ": " + strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < image.size()) {
    const ssize_t n = write(fd, image.data() + done, image.size() - done);
    if (n <= 0) {
      *error = "cannot write " + path + ": " + strerror(errno);
      close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  return true;
}

int64_t ElementOffset(const std::string& image, Area area, uint64_t id,
                      uint64_t element_bytes) {
  if (image.size() < sizeof(FileHeader)) return -1;
  const uint64_t per_chunk = kChunkBytes / element_bytes;
  const uint64_t index = id / per_chunk;
  if (index >= kMaxChunks) return -1;
  const auto* h = reinterpret_cast<const FileHeader*>(image.data());
  const uint64_t chunk = h->chunk_offset[area][index];
  if (chunk == 0) return -1;
  return static_cast<int64_t>(chunk + (id % per_chunk) * element_bytes);
}

}  // namespace tidemark
