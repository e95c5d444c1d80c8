#include "core/stack_table.h"

#include <cstring>

#include "core/internal_allocator.h"
#include "core/profile_store.h"

namespace tidemark {
namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;

uint64_t RotateLeft(uint64_t x, int bits) {
  return (x << bits) | (x >> (64 - bits));
}

// One round of xxHash64's accumulator: the input's multiplication is off
// the dependency chain, which is an add, a rotation and a multiply.
uint64_t Round(uint64_t acc, uint64_t input) {
  acc += input * kPrime2;
  acc = RotateLeft(acc, 31);
  return acc * kPrime1;
}

}  // namespace

// Runs on every tracked allocation whose stack is not among the thread's
// recent stacks (Tracker::CurrentStack), over every frame: the addresses
// and the details go into two independent lanes, so two frames' rounds
// overlap in the pipeline, and a final avalanche (xxHash64's) spreads every
// input bit over the bits the tables index with.
uint64_t StackTable::Hash(const RawFrame* frames, int depth) {
  uint64_t ips = kPrime3 ^ static_cast<uint64_t>(depth);
  uint64_t details = kPrime1;
  for (int i = 0; i < depth; ++i) {
    ips = Round(ips, frames[i].ip);
    details = Round(details, frames[i].aux);
  }
  uint64_t h = ips ^ RotateLeft(details, 27);
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  return h ^ (h >> 32);
}

bool StackTable::Matches(uint32_t id, const RawFrame* frames, int depth,
                         uint64_t hash) const {
  const StackRecord* r = records_.Get(id);
  return r != nullptr && r->hash == hash && HasFrames(id, frames, depth);
}

bool StackTable::HasFrames(uint32_t id, const RawFrame* frames,
                           int depth) const {
  const StackRecord* r = records_.Get(id);
  return r != nullptr && r->depth == depth &&
         memcmp(r->frames, frames, sizeof(RawFrame) * depth) == 0;
}

uint32_t StackTable::FindLocked(const Shard& s, const RawFrame* frames,
                                int depth, uint64_t hash) const {
  if (s.capacity == 0) return 0;
  const uint32_t mask = s.capacity - 1;
  for (uint32_t i = static_cast<uint32_t>(hash >> 32) & mask;;
       i = (i + 1) & mask) {
    const uint32_t id = s.slots[i];
    if (id == 0) return 0;
    if (Matches(id, frames, depth, hash)) return id;
  }
}

bool StackTable::GrowLocked(Shard& s) {
  const uint32_t capacity = s.capacity == 0 ? 256 : s.capacity * 2;
  uint32_t* slots = static_cast<uint32_t*>(
      InternalAllocator::Allocate(sizeof(uint32_t) * capacity));
  if (slots == nullptr) return false;
  memset(slots, 0, sizeof(uint32_t) * capacity);
  const uint32_t mask = capacity - 1;
  for (uint32_t j = 0; j < s.capacity; ++j) {
    const uint32_t id = s.slots[j];
    if (id == 0) continue;
    uint32_t i = static_cast<uint32_t>(records_.Get(id)->hash >> 32) & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = id;
  }
  InternalAllocator::Free(s.slots, sizeof(uint32_t) * s.capacity);
  s.slots = slots;
  s.capacity = capacity;
  return true;
}

uint32_t StackTable::Publish(const RawFrame* frames, int depth, uint64_t hash,
                             FrameNames* names, Unwinder* unwinder) {
  RawFrame* frame_copy = nullptr;
  uint32_t* locations = nullptr;
  if (depth > 0) {
    frame_copy = static_cast<RawFrame*>(
        InternalAllocator::Allocate(sizeof(RawFrame) * depth));
    locations = static_cast<uint32_t*>(
        InternalAllocator::Allocate(sizeof(uint32_t) * depth));
    if (frame_copy == nullptr || locations == nullptr) return 0;
    memcpy(frame_copy, frames, sizeof(RawFrame) * depth);
    for (int i = 0; i < depth; ++i) {
      locations[i] = names->Intern(frames[i], unwinder);
    }
  }
  SpinLockHolder hold(publish_lock_);
  const uint32_t id = count_.load(std::memory_order_relaxed) + 1;
  StackRecord* r = records_.GetOrCreate(id);
  if (r == nullptr) return 0;
  *r = StackRecord{hash, frame_copy, locations, depth};
  // In id order (under the publish lock), as the stored profile requires.
  if (store_ != nullptr) store_->AddStack(id, locations, depth);
  count_.store(id, std::memory_order_release);
  return id;
}

uint32_t StackTable::Intern(const RawFrame* frames, int depth, uint64_t hash,
                            FrameNames* names, Unwinder* unwinder) {
  Shard& s = shards_[hash & (kShards - 1)];
  {
    SpinLockHolder hold(s.lock);
    if (uint32_t id = FindLocked(s, frames, depth, hash)) return id;
  }
  // A new stack. Naming its frames can take a while (the first time a
  // Python function is seen its line table is read), so it happens outside
  // the shard lock; a racing thread may publish the same stack first, in
  // which case its id wins and ours is an unused record.
  const uint32_t fresh = Publish(frames, depth, hash, names, unwinder);
  if (fresh == 0) return 0;
  SpinLockHolder hold(s.lock);
  if (uint32_t id = FindLocked(s, frames, depth, hash)) return id;
  if ((s.used + 1) * 2 > s.capacity && !GrowLocked(s)) return 0;
  const uint32_t mask = s.capacity - 1;
  uint32_t i = static_cast<uint32_t>(hash >> 32) & mask;
  while (s.slots[i] != 0) i = (i + 1) & mask;
  s.slots[i] = fresh;
  ++s.used;
  return fresh;
}

}  // namespace tidemark
