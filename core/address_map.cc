#include "core/address_map.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace tidemark {

static_assert(AddressMap::kShards == 64, "the top 6 bits pick the shard");

namespace {

// Grown when more than 5/8 full: linear probing stays short below that.
bool TooFull(uint32_t used, uint32_t capacity) {
  return uint64_t{used} * 8 > uint64_t{capacity} * 5;
}

}  // namespace

int64_t AddressMap::FindLocked(const Shard& s, uintptr_t address, uint64_t h) {
  if (s.entries == nullptr) return -1;
  for (uint32_t i = HomeOf(s, h);; i = (i + 1) & s.mask) {
    const uint64_t a = s.entries[i].address;
    if (a == address) return i;
    if (a == 0) return -1;
  }
}

int64_t AddressMap::WeightOf(const Shard& s, const Entry& e) {
  if (__builtin_expect(e.weight != kLargeWeight, 1)) return e.weight;
  return s.large->at(e.address);
}

void AddressMap::SetWeight(Shard& s, Entry& e, int64_t weight) {
  if (__builtin_expect(static_cast<uint64_t>(weight) < kLargeWeight, 1)) {
    if (e.weight == kLargeWeight) s.large->erase(e.address);
    e.weight = static_cast<uint32_t>(weight);
    return;
  }
  if (s.large == nullptr) {
    void* memory = InternalAllocator::Allocate(sizeof(LargeWeights));
    if (memory == nullptr) throw std::bad_alloc();
    s.large = new (memory) LargeWeights();
  }
  (*s.large)[e.address] = weight;
  e.weight = kLargeWeight;
}

bool AddressMap::GrowLocked(Shard& s) {
  const uint32_t bits = s.entries == nullptr ? kMinBits : s.bits + 1;
  if (bits > 31) return false;
  const uint32_t capacity = uint32_t{1} << bits;
  Entry* entries = static_cast<Entry*>(
      InternalAllocator::Allocate(sizeof(Entry) * capacity));
  if (entries == nullptr) return false;
  // A big table is touched all over at random: huge pages (where the
  // system gives them on request) spare a TLB miss per lookup. The memset
  // below touches every page anyway, so they cost no extra memory.
  if (sizeof(Entry) * capacity >= (size_t{2} << 20)) {
    madvise(entries, sizeof(Entry) * capacity, MADV_HUGEPAGE);
  }
  memset(static_cast<void*>(entries), 0, sizeof(Entry) * capacity);
  Entry* old = s.entries;
  const uint32_t old_capacity = old == nullptr ? 0 : s.mask + 1;
  s.mask = capacity - 1;
  __atomic_store_n(&s.bits, bits, __ATOMIC_RELAXED);
  for (uint32_t j = 0; j < old_capacity; ++j) {
    if (old[j].address == 0) continue;
    uint32_t i =
        static_cast<uint32_t>((Mix(old[j].address) << 6) >> (64 - bits));
    while (entries[i].address != 0) i = (i + 1) & s.mask;
    entries[i] = old[j];
  }
  __atomic_store_n(&s.entries, entries, __ATOMIC_RELAXED);
  if (old != nullptr) {
    InternalAllocator::Free(old, sizeof(Entry) * old_capacity);
  }
  return true;
}

bool AddressMap::Insert(uintptr_t address, TrackedBlock block,
                        TrackedBlock* replaced, bool sole) {
  const uint64_t h = Mix(address);
  Shard& s = shards_[h >> kShardShift];
  ShardHold hold(s.lock, sole);
  const int64_t found = FindLocked(s, address, h);
  if (found >= 0) {
    Entry& e = s.entries[found];
    *replaced = TrackedBlock{e.stack_id, WeightOf(s, e)};
    e.stack_id = block.stack_id;
    SetWeight(s, e, block.weight);
    return true;
  }
  const uint32_t capacity = s.entries == nullptr ? 0 : s.mask + 1;
  if (capacity == 0 || TooFull(s.used + 1, capacity)) {
    // Out of memory: go on filling the table while it keeps an empty
    // entry (every probe ends at one).
    if (!GrowLocked(s) && (capacity == 0 || s.used + 2 > capacity)) {
      throw std::bad_alloc();
    }
  }
  uint32_t i = HomeOf(s, h);
  while (s.entries[i].address != 0) i = (i + 1) & s.mask;
  Entry& e = s.entries[i];
  e.address = address;
  e.stack_id = block.stack_id;
  e.weight = 0;
  try {
    SetWeight(s, e, block.weight);
  } catch (...) {
    e.address = 0;  // nothing else was moved: the table is as it was
    throw;
  }
  ++s.used;
  return false;
}

bool AddressMap::Remove(uintptr_t address, TrackedBlock* removed, bool sole) {
  const uint64_t h = Mix(address);
  Shard& s = shards_[h >> kShardShift];
  ShardHold hold(s.lock, sole);
  return RemoveLocked(s, address, h, removed);
}

bool AddressMap::RemoveReleasing(uintptr_t address, TrackedBlock* removed,
                                 void (*release)(void* ptr), bool sole) {
  const uint64_t h = Mix(address);
  Shard& s = shards_[h >> kShardShift];
  ShardHold hold(s.lock, sole);
  // After the lock: a locked instruction may wait for loads in flight.
  if (s.entries != nullptr) __builtin_prefetch(&s.entries[HomeOf(s, h)]);
  release(reinterpret_cast<void*>(address));
  return RemoveLocked(s, address, h, removed);
}

bool AddressMap::RemoveLocked(Shard& s, uintptr_t address, uint64_t h,
                              TrackedBlock* removed) {
  const int64_t found = FindLocked(s, address, h);
  if (found < 0) return false;
  uint32_t hole = static_cast<uint32_t>(found);
  Entry& e = s.entries[hole];
  *removed = TrackedBlock{e.stack_id, WeightOf(s, e)};
  if (e.weight == kLargeWeight) s.large->erase(address);
  // Backward-shift deletion: move later entries of the run into the hole
  // when their home is not between the hole and where they are, so every
  // entry stays reachable from its home without tombstones.
  for (uint32_t j = (hole + 1) & s.mask;; j = (j + 1) & s.mask) {
    const uint64_t a = s.entries[j].address;
    if (a == 0) break;
    const uint32_t home = HomeOf(s, Mix(a));
    // Distance from home to j, and from the hole to j, around the table.
    if (((j - home) & s.mask) >= ((j - hole) & s.mask)) {
      s.entries[hole] = s.entries[j];
      hole = j;
    }
  }
  s.entries[hole].address = 0;
  --s.used;
  return true;
}

void AddressMap::DropTableLocked(Shard& s) {
  if (s.entries != nullptr) {
    Entry* old = s.entries;
    const uint32_t capacity = s.mask + 1;
    __atomic_store_n(&s.entries, static_cast<Entry*>(nullptr),
                     __ATOMIC_RELAXED);
    InternalAllocator::Free(old, sizeof(Entry) * capacity);
  }
  __atomic_store_n(&s.bits, 0u, __ATOMIC_RELAXED);
  s.mask = 0;
  s.used = 0;
  if (s.large != nullptr) {
    s.large->~LargeWeights();
    InternalAllocator::Free(s.large, sizeof(LargeWeights));
    s.large = nullptr;
  }
}

void AddressMap::Clear() {
  for (Shard& s : shards_) {
    SpinLockHolder hold(s.lock);
    DropTableLocked(s);
  }
}

int64_t AddressMap::Size() const {
  int64_t n = 0;
  for (const Shard& s : shards_) {
    SpinLockHolder hold(s.lock);
    n += s.used;
  }
  return n;
}

}  // namespace tidemark
