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
// there is no lock over the whole map.
class AddressMap {
 public:
  static constexpr int kShards = 64;

  AddressMap() = default;
  AddressMap(const AddressMap&) = delete;
  AddressMap& operator=(const AddressMap&) = delete;

  // Records a block. If the address was already present (the profiler missed
  // its free), the stale entry is returned through *replaced so its bytes can
  // be taken back out, and the function returns true.
  bool Insert(uintptr_t address, TrackedBlock block, TrackedBlock* replaced);

  // Removes a block, returning false if the address was not tracked (freed
  // memory allocated before tracking began, or not sampled).
  bool Remove(uintptr_t address, TrackedBlock* removed);

  // Number of blocks currently tracked (sums the shards; not for hot paths).
  int64_t Size() const;

  // Forgets every block (a forked child starts fresh). Drops each shard's
  // table whole rather than erasing entry by entry.
  void Clear();

 private:
  using Map = absl::flat_hash_map<
      uintptr_t, TrackedBlock, absl::Hash<uintptr_t>, std::equal_to<uintptr_t>,
      InternalStlAllocator<std::pair<const uintptr_t, TrackedBlock>>>;

  struct alignas(64) Shard {
    mutable SpinLock lock;
    Map map;
  };

  static int ShardOf(uintptr_t address) {
    // Heap blocks are 16-byte aligned and neighbours come from one thread;
    // mixing the bits spreads a thread's consecutive blocks over shards.
    uint64_t x = address >> 4;
    x *= 0x9E3779B97F4A7C15ULL;
    return static_cast<int>(x >> 58);  // top 6 bits: 64 shards
  }

  Shard shards_[kShards];
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_ADDRESS_MAP_H_
