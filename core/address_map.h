#ifndef TIDEMARK_CORE_ADDRESS_MAP_H_
#define TIDEMARK_CORE_ADDRESS_MAP_H_

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "core/internal_allocator.h"
#include "core/spinlock.h"

namespace tidemark {

// What the tracker remembers about one live tracked heap block.
struct TrackedBlock {
  uint32_t stack_id;
  // Bytes this block stands for: its size in exact mode, its unbiased
  // estimate in sample mode.
  int64_t weight;
};

// Live tracked heap blocks keyed by address. Sharded by address with one
// small lock per shard, so threads allocating at the same time rarely meet;
// there is no lock over the whole map, and no lock at all while one thread
// is the only one to have written it (core/sole_writer.h).
//
// Each shard is an open-addressing table of 16-byte entries (the address,
// the stack id and the weight side by side, four to a cache line) with
// linear probing and backward-shift deletion (no tombstones). In exact mode
// every free looks its block up here, usually a block allocated long ago
// whose entry is no longer in any cache: one entry is one cache line, where
// a table with separate control bytes and slots costs two misses. Weights
// of 4 GiB and more, rare, keep 0xFFFFFFFF in the entry and their value in
// a small side map of the shard.
class AddressMap {
 public:
  static constexpr int kShards = 64;

  AddressMap() = default;
  AddressMap(const AddressMap&) = delete;
  AddressMap& operator=(const AddressMap&) = delete;

  // Records a block. If the address was already present (the profiler missed
  // its free), the stale entry is returned through *replaced so its bytes can
  // be taken back out, and the function returns true. Throws std::bad_alloc
  // when the profiler's own memory is exhausted (the tracker catches it).
  //
  // `sole`: the caller is the books' sole writer (core/sole_writer.h), so
  // no other thread touches the map and the shard's lock is not taken.
  bool Insert(uintptr_t address, TrackedBlock block, TrackedBlock* replaced,
              bool sole = false);

  // Removes a block, returning false if the address was not tracked (freed
  // memory allocated before tracking began, or not sampled).
  bool Remove(uintptr_t address, TrackedBlock* removed, bool sole = false);
  // The same, calling release(address) (the next allocator's free) with
  // the entry's shard locked, after starting to load the entry and before
  // removing it: the entry's cache miss overlaps the allocator's work, and
  // no other thread can record the address again before it is removed.
  // `release` must not come back into the profiler.
  bool RemoveReleasing(uintptr_t address, TrackedBlock* removed,
                       void (*release)(void* ptr), bool sole = false);

  // Starts bringing the entry of `address` into the cache, ahead of a
  // Remove: the free path issues it before its other work.
  // Reads the shard without its lock (a table being replaced only makes
  // the hint useless: a prefetch never faults).
  void Prefetch(uintptr_t address) const {
    const uint64_t h = Mix(address);
    const Shard& s = shards_[h >> kShardShift];
    const Entry* entries = __atomic_load_n(&s.entries, __ATOMIC_RELAXED);
    const uint32_t bits = __atomic_load_n(&s.bits, __ATOMIC_RELAXED);
    if (entries != nullptr && bits != 0) {
      __builtin_prefetch(entries + ((h << 6) >> (64 - bits)));
    }
  }

  // Number of blocks currently tracked (sums the shards; not for hot paths).
  int64_t Size() const;

  // Forgets every block (a forked child starts fresh). Drops each shard's
  // table whole rather than erasing entry by entry.
  void Clear();

 private:
  // address 0: an empty entry (no tracked block starts at address 0).
  struct Entry {
    uint64_t address;
    uint32_t stack_id;
    uint32_t weight;  // kLargeWeight: the value is in the shard's side map
  };
  static_assert(sizeof(Entry) == 16, "four entries to a cache line");
  static constexpr uint32_t kLargeWeight = 0xFFFFFFFFu;
  static constexpr uint32_t kMinBits = 6;  // 64 entries, 1 KiB

  using LargeWeights = absl::flat_hash_map<
      uintptr_t, int64_t, absl::Hash<uintptr_t>, std::equal_to<uintptr_t>,
      InternalStlAllocator<std::pair<const uintptr_t, int64_t>>>;

  struct alignas(64) Shard {
    mutable SpinLock lock;
    // entries and bits are also read by Prefetch without the lock, so
    // they are written with atomic stores.
    Entry* entries = nullptr;
    uint32_t mask = 0;  // capacity - 1 (capacity a power of two)
    uint32_t bits = 0;  // log2(capacity), at least kMinBits once allocated
    uint32_t used = 0;
    LargeWeights* large = nullptr;
  };

  // The top 6 bits of the product pick the shard, the bits below it the
  // home entry. Heap blocks are 16-byte aligned and neighbours come from
  // one thread; the multiplication spreads a thread's consecutive blocks
  // over shards and entries.
  static constexpr int kShardShift = 58;
  static uint64_t Mix(uintptr_t address) {
    return (static_cast<uint64_t>(address) >> 4) * 0x9E3779B97F4A7C15ULL;
  }
  static uint32_t HomeOf(const Shard& s, uint64_t h) {
    return static_cast<uint32_t>((h << 6) >> (64 - s.bits));
  }

  // The shard's lock, unless the caller is the sole writer.
  class ShardHold {
   public:
    ShardHold(SpinLock& lock, bool sole) : lock_(sole ? nullptr : &lock) {
      if (lock_ != nullptr) lock_->lock();
    }
    ~ShardHold() {
      if (lock_ != nullptr) lock_->unlock();
    }
    ShardHold(const ShardHold&) = delete;
    ShardHold& operator=(const ShardHold&) = delete;

   private:
    SpinLock* lock_;
  };

  static bool RemoveLocked(Shard& s, uintptr_t address, uint64_t h,
                           TrackedBlock* removed);
  // The index of `address` in `s`, or -1.
  static int64_t FindLocked(const Shard& s, uintptr_t address, uint64_t h);
  // Doubles the table (or makes the first one); false when out of memory.
  static bool GrowLocked(Shard& s);
  static int64_t WeightOf(const Shard& s, const Entry& e);
  // Stores `weight` into `e` (and the side map when large).
  static void SetWeight(Shard& s, Entry& e, int64_t weight);
  static void DropTableLocked(Shard& s);

  Shard shards_[kShards];
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_ADDRESS_MAP_H_
