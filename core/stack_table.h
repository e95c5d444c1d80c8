#ifndef TIDEMARK_CORE_STACK_TABLE_H_
#define TIDEMARK_CORE_STACK_TABLE_H_

#include <atomic>
#include <cstdint>

#include "core/chunked_array.h"
#include "core/frame.h"
#include "core/frame_names.h"
#include "core/spinlock.h"
#include "core/unwinder.h"

namespace tidemark {

// One distinct call stack. Immutable once published.
struct StackRecord {
  uint64_t hash;
  const RawFrame* frames;     // innermost first
  const uint32_t* locations;  // FrameNames ids, parallel to frames
  int32_t depth;
};

// Interns call stacks: equal stacks get the same dense id (1, 2, ...), so
// the tracker keeps one 4-byte id per allocation and per-stack counters
// become an array. Sharded by hash, each shard an open-addressing table of
// ids; a stack's frames are named once, when it is first seen. Memory grows
// with distinct stacks, never with allocations.
class ProfileStore;

class StackTable {
 public:
  static constexpr int kShards = 16;

  StackTable() = default;
  StackTable(const StackTable&) = delete;
  StackTable& operator=(const StackTable&) = delete;

  static uint64_t Hash(const RawFrame* frames, int depth);

  // New stacks are also copied into `store` (core/profile_store.h). Set
  // before the first Intern.
  void set_store(ProfileStore* store) { store_ = store; }

  // The id of the stack `frames[0..depth)` (with `hash` = Hash(frames,
  // depth)); new stacks are named through `names`/`unwinder`. Returns 0 when
  // the profiler's own memory is exhausted.
  uint32_t Intern(const RawFrame* frames, int depth, uint64_t hash,
                  FrameNames* names, Unwinder* unwinder);

  // True if stack `id` is exactly `frames[0..depth)`.
  bool Matches(uint32_t id, const RawFrame* frames, int depth,
               uint64_t hash) const;
  // The same without the hash (the caller has none): compares the frames.
  bool HasFrames(uint32_t id, const RawFrame* frames, int depth) const;

  const StackRecord* Get(uint32_t id) const { return records_.Get(id); }
  // Ids run from 1 to Count().
  uint32_t Count() const { return count_.load(std::memory_order_acquire); }

 private:
  struct alignas(64) Shard {
    SpinLock lock;
    uint32_t* slots;  // 0 = empty, else a stack id
    uint32_t capacity;
    uint32_t used;
  };

  uint32_t FindLocked(const Shard& s, const RawFrame* frames, int depth,
                      uint64_t hash) const;
  bool GrowLocked(Shard& s);
  uint32_t Publish(const RawFrame* frames, int depth, uint64_t hash,
                   FrameNames* names, Unwinder* unwinder);

  Shard shards_[kShards] = {};
  ChunkedArray<StackRecord> records_;
  SpinLock publish_lock_;
  std::atomic<uint32_t> count_{0};
  ProfileStore* store_ = nullptr;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_STACK_TABLE_H_
