#ifndef TIDEMARK_CORE_PROFILE_STORE_H_
#define TIDEMARK_CORE_PROFILE_STORE_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/chunked_array.h"
#include "core/frame.h"
#include "core/profile_format.h"
#include "core/profile_reader.h"
#include "core/spinlock.h"

namespace tidemark {

struct ModuleRecord;

// The writing side of the stored profile (core/profile_format.h): the
// process's own copy of everything its reports are rendered from, kept in
// `profile.tidemark` in the report folder through MAP_SHARED mappings, so
// that it outlives the process however it dies.
//
// The tracker's per-stack counters live directly in the file (the store is
// the ChunkSource of their ChunkedArrays); stacks and frame names are
// copied in once, when they are first seen. Growing the file happens on
// the allocation path and may happen in a signal handler, so it uses only
// system calls: the file is reopened by its absolute path for each new
// chunk (open, fstat to check it is still the file this process made,
// fallocate so a full disk fails here and not as SIGBUS on a later store,
// mmap, close). No descriptor stays open: the program never sees one it
// did not open, and cannot close it under us.
//
// When the file cannot be made or grown (a full disk, a folder on a file
// system without fallocate), chunks come from the profiler's own memory
// instead: the reports written by the process itself are unaffected, the
// file is marked incomplete (kFlagIncomplete) and one line says so.
class ProfileStore final : public StoredProfileSource, public ChunkSource {
 public:
  struct Facts {
    pid_t pid = 0;
    bool sample_mode = false;
    int64_t sample_interval_bytes = 0;
    int64_t start_realtime_ns = 0;
    int64_t start_monotonic_ns = 0;
    int top_rows = 10;
    std::string unwinder;
    std::string reporters;
    std::vector<std::string> command;
    pid_t parent_pid = 0;
    profile_format::Started started = profile_format::kStartedFirst;
    uint64_t start_ticks = 0;
    int64_t inherited_bytes = 0;
    // What chooses the peak's moment (FileHeader::peak_moment).
    profile_format::PeakMoment peak_moment = profile_format::kPeakMomentUnknown;
    // The program's working directory at start (absolute); stored empty
    // (unknown) when it does not fit FileHeader::working_directory.
    std::string working_directory;
    // The interpreter's PY_VERSION_HEX; 0 when unknown.
    uint32_t python_version_hex = 0;
    // FileHeader::interposer and ::allocator.
    std::string interposer;
    std::string allocator;
  };

  // A store backed by a new `profile.tidemark` in the open folder `dir_fd`,
  // whose absolute path is `dir_path`: written under a temporary name and
  // renamed into place once its header is complete, replacing a previous
  // run's file. Returns nullptr with a reason.
  static ProfileStore* CreateInDirectory(int dir_fd,
                                         const std::string& dir_path,
                                         const Facts& facts, std::string* why);
  // A store in the profiler's own memory only (tests; a folder that cannot
  // hold the file).
  static ProfileStore* CreateInMemory(const Facts& facts);

  // In a forked child (the fork handler, the only thread), for a
  // file-backed store: moves the store to a new profile.tidemark in the
  // open folder `dir_fd` (absolute path `dir_path`), written like
  // CreateInDirectory's, with the same chunks at the same offsets: the
  // stacks, frame names and their pools copied, every counter zero, and a
  // header of `facts` (the child's) with no peak, ending or count of the
  // parent's. Every chunk and the header are then mapped from the new file
  // at the addresses they had, so every pointer into the store stays valid,
  // and the parent's file is never written. Chunks the parent kept in
  // memory (its file could not grow) stay in memory, their counters zeroed,
  // and the new file is marked incomplete. Returns false with a reason,
  // leaving the store as it was, if the new file cannot be made (the
  // child must then stop tracking). Allocates: call it inside a
  // ReentrancyGuard.
  bool StartOverInDirectory(int dir_fd, const std::string& dir_path,
                            const Facts& facts, std::string* why);
  // The same for a store in memory (private to the child after the fork):
  // a header of `facts`, stacks and names kept, counters zeroed.
  void StartOverInMemory(const Facts& facts);

  ProfileStore(const ProfileStore&) = delete;
  ProfileStore& operator=(const ProfileStore&) = delete;

  // StoredProfileSource: what the reader renders the process's own reports
  // from.
  const profile_format::FileHeader* header() const override { return header_; }
  const uint8_t* chunk(profile_format::Area area,
                       uint32_t index) const override;
  profile_format::FileHeader* mutable_header() { return header_; }

  // ChunkSource: a zeroed chunk of `area`, in the file when possible.
  // Async-signal-safe. nullptr when even the fallback memory is exhausted.
  void* NewChunk(uint32_t area, uint32_t index, size_t bytes) override;

  // Copies a newly named frame (`id` = the FrameNames id, assigned in
  // increasing order under FrameNames' lock) and publishes it.
  void AddLocation(uint32_t id, FrameKind kind, const char* function,
                   const char* file, int line, uint64_t address = 0);
  // Copies module `index` of the module map (core/module_map.h; indices
  // assigned in increasing order under its lock) and publishes it.
  void AddModule(uint32_t index, const ModuleRecord& module);
  // Copies a newly interned stack (`id` assigned in increasing order under
  // StackTable's publish lock; `locations` innermost first) and publishes
  // it.
  void AddStack(uint32_t id, const uint32_t* locations, int depth);

  // Nanoseconds since the start (CLOCK_MONOTONIC). Async-signal-safe.
  int64_t NowNanoseconds() const;

  bool file_backed() const { return path_[0] != '\0'; }

  // The file is about to be removed: later chunks (threads still allocating
  // while the process exits) come from memory, silently.
  void Retire() {
    __atomic_fetch_or(&header_->flags, profile_format::kFlagIncomplete,
                      __ATOMIC_RELEASE);
  }
  // The file's absolute path ("" for an in-memory store).
  const char* path() const { return path_; }

 private:
  ProfileStore() = default;

  static ProfileStore* NewStore();
  static void FillHeader(const Facts& facts, profile_format::FileHeader* h);
  // A forked child's header: `facts`, and this store's stacks, names,
  // pools and chunk layout; nothing else of the parent's run.
  void FillChildHeader(const Facts& facts, profile_format::FileHeader* h);
  // Zeroes the counter chunks the store keeps in its own memory.
  void ZeroCountersInMemory();
  uint8_t* ChunkFor(profile_format::Area area, uint32_t index);
  void* FileChunk(uint64_t offset);
  // Appends `bytes` to a pool, never across a chunk; UINT64_MAX on failure.
  uint64_t AppendToPool(profile_format::Area pool, uint64_t* used,
                        const void* data, size_t bytes);
  void MarkIncomplete(const char* why);

  profile_format::FileHeader* header_ = nullptr;
  // chunks_[area][index]: where this process reaches each chunk.
  uint8_t** chunks_ = nullptr;
  char path_[4096] = {};
  dev_t device_ = 0;
  ino_t inode_ = 0;
  SpinLock grow_lock_;  // new chunks and the file's size
  SpinLock pool_lock_;  // the two pools' cursors
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROFILE_STORE_H_
