#include "core/peak_tracker.h"

#include <string.h>
#include <time.h>

#include "core/profile_store.h"

namespace tidemark {

namespace pf = profile_format;

void PeakTracker::AttachStore(ProfileStore* store) {
  store_ = store;
  live_.set_chunk_source(store, pf::kLiveArea);
  peak_[0].set_chunk_source(store, pf::kPeakArea0);
  peak_[1].set_chunk_source(store, pf::kPeakArea1);
  out_of_memory_.set_chunk_source(store, pf::kOomArea);
  pf::FileHeader* header = store->mutable_header();
  generation_ = &header->peak_generation;
  slots_ = header->peak;
}

int64_t PeakTracker::NowNanoseconds() const {
  if (store_ != nullptr) return store_->NowNanoseconds();
  return 0;
}

void PeakTracker::CopyLive(uint32_t n, ChunkedArray<Entry>* into,
                           pf::SnapshotInfo* info) {
  int64_t total_bytes = 0;
  int64_t total_allocations = 0;
  for (uint32_t id = 1; id <= n; ++id) {
    const Counters* c = live_.Get(id);
    const int64_t bytes =
        c == nullptr ? 0 : c->bytes.load(std::memory_order_relaxed);
    // An entry that stays zero needs no chunk: a missing chunk reads as
    // zeros.
    Entry* e = bytes == 0 ? into->Get(id) : into->GetOrCreate(id);
    if (e == nullptr) continue;
    e->bytes = bytes;
    e->allocations =
        c == nullptr ? 0 : c->allocations.load(std::memory_order_relaxed);
    total_bytes += e->bytes;
    total_allocations += e->allocations;
  }
  info->total_bytes = total_bytes;
  info->total_allocations = total_allocations;
  info->stack_count = n;
  info->nanoseconds = NowNanoseconds();
  info->tracked_allocations =
      store_ == nullptr
          ? 0
          : __atomic_load_n(&store_->mutable_header()->tracked_allocations,
                            __ATOMIC_RELAXED);
}

void PeakTracker::CaptureLiveForOutOfMemory(pf::SnapshotInfo* info) {
  SpinLockHolder hold(snapshot_lock_);
  CopyLive(max_stack_id_.load(std::memory_order_acquire), &out_of_memory_,
           info);
}

void PeakTracker::Add(uint32_t stack_id, int64_t bytes) {
  Counters* c = live_.GetOrCreate(stack_id);
  if (c == nullptr) return;
  c->bytes.fetch_add(bytes, std::memory_order_relaxed);
  c->allocations.fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(bytes, std::memory_order_relaxed);
  uint32_t seen = max_stack_id_.load(std::memory_order_relaxed);
  while (stack_id > seen && !max_stack_id_.compare_exchange_weak(
                                seen, stack_id, std::memory_order_release)) {
  }
}

void PeakTracker::Remove(uint32_t stack_id, int64_t bytes) {
  // The peak can only be lost here: copy it first if the total is at a new
  // high (two relaxed loads when it is not).
  if (!moment_chosen_elsewhere_) CaptureIfPeak();
  Counters* c = live_.Get(stack_id);
  if (c == nullptr) return;
  c->bytes.fetch_sub(bytes, std::memory_order_relaxed);
  c->allocations.fetch_sub(1, std::memory_order_relaxed);
  total_.fetch_sub(bytes, std::memory_order_relaxed);
}

void PeakTracker::StartFreshAfterFork() {
  SpinLockHolder hold(snapshot_lock_);
  total_.store(0, std::memory_order_relaxed);
  peak_total_.store(0, std::memory_order_relaxed);
  if (store_ != nullptr && store_->file_backed()) return;
  live_.ZeroAll();
  __atomic_store_n(generation_, 0, __ATOMIC_RELEASE);
  memset(static_cast<void*>(slots_), 0, 2 * sizeof(pf::SnapshotInfo));
}

void PeakTracker::CaptureIfPeak() {
  // Checked once without the lock: this runs before every tracked free.
  if (total_.load(std::memory_order_relaxed) <=
      peak_total_.load(std::memory_order_relaxed)) {
    return;
  }
  SpinLockHolder hold(snapshot_lock_);
  const int64_t total = total_.load(std::memory_order_relaxed);
  if (total <= peak_total_.load(std::memory_order_relaxed)) {
    return;  // another thread captured this peak while we waited
  }
  // Other threads may allocate or free while we copy; the copy is then a
  // mix of moments a few instructions apart, which is as exact as a peak of
  // a multi-threaded program can be defined without stopping it.
  // The copy goes into the slot that is not current; entries above n were
  // never allocated to (n only grows), so a slot holds no stale entry that
  // a reader would count.
  const uint64_t generation = __atomic_load_n(generation_, __ATOMIC_RELAXED);
  const uint64_t next = generation + 1;
  CopyLive(max_stack_id_.load(std::memory_order_acquire), &peak_[next % 2],
           &slots_[next % 2]);
  // Last: the slot becomes the current peak only once it is whole.
  __atomic_store_n(generation_, next, __ATOMIC_RELEASE);
  peak_total_.store(total, std::memory_order_relaxed);
}

void PeakTracker::CaptureNow() {
  SpinLockHolder hold(snapshot_lock_);
  const uint64_t next = __atomic_load_n(generation_, __ATOMIC_RELAXED) + 1;
  CopyLive(max_stack_id_.load(std::memory_order_acquire), &peak_[next % 2],
           &slots_[next % 2]);
  __atomic_store_n(generation_, next, __ATOMIC_RELEASE);
  peak_total_.store(slots_[next % 2].total_bytes, std::memory_order_relaxed);
}

}  // namespace tidemark
