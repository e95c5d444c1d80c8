#include "core/address_map.h"

namespace tidemark {

static_assert(AddressMap::kShards == 64, "ShardOf takes the top 6 bits");

bool AddressMap::Insert(uintptr_t address, TrackedBlock block,
                        TrackedBlock* replaced) {
  Shard& s = shards_[ShardOf(address)];
  SpinLockHolder hold(s.lock);
  auto [it, inserted] = s.map.try_emplace(address, block);
  if (inserted) return false;
  *replaced = it->second;
  it->second = block;
  return true;
}

bool AddressMap::Remove(uintptr_t address, TrackedBlock* removed) {
  Shard& s = shards_[ShardOf(address)];
  SpinLockHolder hold(s.lock);
  auto it = s.map.find(address);
  if (it == s.map.end()) return false;
  *removed = it->second;
  s.map.erase(it);
  return true;
}

void AddressMap::Clear() {
  for (Shard& s : shards_) {
    SpinLockHolder hold(s.lock);
    Map().swap(s.map);
  }
}

int64_t AddressMap::Size() const {
  int64_t n = 0;
  for (const Shard& s : shards_) {
    SpinLockHolder hold(s.lock);
    n += static_cast<int64_t>(s.map.size());
  }
  return n;
}

}  // namespace tidemark
