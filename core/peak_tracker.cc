#include "core/peak_tracker.h"

#include <string.h>
#include <time.h>

#include <algorithm>

#include "core/profile_store.h"
#include "core/sole_writer.h"

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

void PeakTracker::StampInfo(pf::SnapshotInfo* info) const {
  info->nanoseconds = NowNanoseconds();
  info->tracked_allocations =
      store_ == nullptr
          ? 0
          : __atomic_load_n(&store_->mutable_header()->tracked_allocations,
                            __ATOMIC_RELAXED);
}

namespace {

// Copies a stack's counters (`bytes`, `allocations`) into the slot's entry
// `id`, adding the difference to the sums. False if the entry could not
// be made (out of memory); the sums then leave it out, as the slot does.
bool CopyEntry(uint32_t id, int64_t bytes, int64_t allocations,
               ChunkedArray<PeakTracker::Entry>* into, int64_t* total_bytes,
               int64_t* total_allocations) {
  // An entry that stays zero needs no chunk: a missing chunk reads as
  // zeros.
  const bool zero = bytes == 0 && allocations == 0;
  PeakTracker::Entry* e = zero ? into->Get(id) : into->GetOrCreate(id);
  if (e == nullptr) return zero;
  *total_bytes += bytes - e->bytes;
  *total_allocations += allocations - e->allocations;
  e->bytes = bytes;
  e->allocations = allocations;
  return true;
}

}  // namespace

bool PeakTracker::CopyLive(uint32_t n, ChunkedArray<Entry>* into,
                           pf::SnapshotInfo* info) {
  // Summed from zero: what the entries held before does not matter.
  int64_t total_bytes = 0;
  int64_t total_allocations = 0;
  bool whole = true;
  for (uint32_t id = 1; id <= n; ++id) {
    const Counters* c = live_.Get(id);
    int64_t bytes = 0;
    int64_t allocations = 0;
    if (c != nullptr) {
      // seq_cst: see CopyIntoNextSlot.
      bytes = c->bytes.load(std::memory_order_seq_cst);
      allocations = c->allocations.load(std::memory_order_seq_cst);
    }
    // An entry that stays zero needs no chunk: a missing chunk reads as
    // zeros.
    const bool zero = bytes == 0 && allocations == 0;
    Entry* e = zero ? into->Get(id) : into->GetOrCreate(id);
    if (e == nullptr) {
      whole = whole && zero;
      continue;
    }
    e->bytes = bytes;
    e->allocations = allocations;
    total_bytes += bytes;
    total_allocations += allocations;
  }
  info->total_bytes = total_bytes;
  info->total_allocations = total_allocations;
  info->stack_count = n;
  return whole;
}

bool PeakTracker::CopyLogged(uint64_t from, uint64_t to,
                             ChunkedArray<Entry>* into, pf::SnapshotInfo* info,
                             bool* entry_lost) {
  int64_t total_bytes = info->total_bytes;
  int64_t total_allocations = info->total_allocations;
  uint32_t highest = info->stack_count;
  for (uint64_t position = from; position != to; ++position) {
    const LogEntry* entry = log_.Get(position & (log_capacity() - 1));
    const uint64_t value =
        entry == nullptr ? 0 : entry->load(std::memory_order_acquire);
    // Position p's entry is valid only with p's lap in its tag: an older
    // tag is an entry not yet written (its writer is between taking the
    // position and storing it), a newer one an entry overwritten by a
    // later lap.
    if (value >> 32 != LogValue(position, 0) >> 32) return false;
    const uint32_t id = static_cast<uint32_t>(value);
    const Counters* c = live_.Get(id);
    if (c == nullptr) continue;  // enlisted only after a count: unreachable
    if (!CopyEntry(id, c->bytes.load(std::memory_order_seq_cst),
                   c->allocations.load(std::memory_order_seq_cst), into,
                   &total_bytes, &total_allocations)) {
      *entry_lost = true;
    }
    highest = std::max(highest, id);
  }
  info->total_bytes = total_bytes;
  info->total_allocations = total_allocations;
  // Stacks up to the highest one counted so far are meaningful (the same n
  // as a whole copy's); every id copied above is within it.
  info->stack_count =
      std::max(highest, max_stack_id_.load(std::memory_order_acquire));
  return true;
}

void PeakTracker::CaptureLiveForOutOfMemory(pf::SnapshotInfo* info) {
  SpinLockHolder hold(snapshot_lock_);
  SoleWriter::BeforeReading();
  CopyLive(max_stack_id_.load(std::memory_order_acquire), &out_of_memory_,
           info);
  StampInfo(info);
}

void PeakTracker::NoteChanged(uint32_t stack_id) {
  // seq_cst, after the counter's seq_cst update: see CopyIntoNextSlot.
  const uint64_t epoch = epoch_.load(std::memory_order_seq_cst);
  std::atomic<uint64_t>* stamp = stamps_.GetOrCreate(stack_id);
  // Without a stamp (out of memory) every change is logged: slower, right.
  if (stamp != nullptr && stamp->load(std::memory_order_acquire) == epoch) {
    return;  // logged in this epoch already
  }
  const uint64_t position = log_end_.fetch_add(1, std::memory_order_seq_cst);
  LogEntry* entry = log_.GetOrCreate(position & (log_capacity() - 1));
  // Without the entry (out of memory) the position stays unwritten, and
  // every copy that reaches it is whole.
  if (entry != nullptr) {
    entry->store(LogValue(position, stack_id), std::memory_order_release);
  }
  // Stored after the entry: a thread that finds the stamp current knows the
  // stack's entry in this epoch is taken (and, but for a lack of memory,
  // written).
  if (stamp != nullptr) stamp->store(epoch, std::memory_order_release);
}

void PeakTracker::Add(uint32_t stack_id, int64_t bytes, bool sole) {
  Counters* c = live_.GetOrCreate(stack_id);
  if (c == nullptr) return;
  // seq_cst (the same locked add as relaxed on x86): see CopyIntoNextSlot;
  // the sole writer's plain stores have the reader's barrier instead.
  SoleWriter::Add(c->bytes, bytes, sole);
  SoleWriter::Add(c->allocations, 1, sole);
  SoleWriter::Add(total_, bytes, sole, std::memory_order_relaxed);
  // The updates before the epoch's load in NoteChanged, for the compiler.
  std::atomic_signal_fence(std::memory_order_seq_cst);
  uint32_t seen = max_stack_id_.load(std::memory_order_relaxed);
  while (stack_id > seen && !max_stack_id_.compare_exchange_weak(
                                seen, stack_id, std::memory_order_release)) {
  }
  NoteChanged(stack_id);
}

void PeakTracker::Remove(uint32_t stack_id, int64_t bytes, bool sole) {
  // The peak can only be lost here: copy it first if the total is at a new
  // high (two relaxed loads when it is not).
  if (!moment_chosen_elsewhere()) CaptureIfPeak();
  Counters* c = live_.Get(stack_id);
  if (c == nullptr) return;
  SoleWriter::Add(c->bytes, -bytes, sole);
  SoleWriter::Add(c->allocations, -1, sole);
  SoleWriter::Add(total_, -bytes, sole, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  NoteChanged(stack_id);
}

void PeakTracker::StartFreshAfterFork() {
  SpinLockHolder hold(snapshot_lock_);
  total_.store(0, std::memory_order_relaxed);
  peak_total_.store(0, std::memory_order_relaxed);
  recent_high_.store(0, std::memory_order_relaxed);
  // The counters are zeroed behind the log's back (here, or by the store
  // when it starts over): each slot's next copy is whole.
  slot_copy_whole_[0] = slot_copy_whole_[1] = true;
  if (store_ != nullptr && store_->file_backed()) return;
  live_.ZeroAll();
  __atomic_store_n(generation_, 0, __ATOMIC_RELEASE);
  memset(static_cast<void*>(slots_), 0, 2 * sizeof(pf::SnapshotInfo));
}

// Why a copy misses no change (the log's invariant). Call R_C the log end a
// capture C reads, just before it moves the epoch on; captures run one at a
// time, so R only grows. Take a change M to stack X, made by a thread that
// then read epoch e:
//  1. X has an entry at some position p >= R_{C_e}, C_e being the capture
//     that started epoch e: the thread took p itself after reading e, or
//     found X's stamp at e, stored by a thread that took p after reading e
//     (and wrote the entry before the stamp). Either way p was taken after
//     the epoch became e, so after C_e read R_{C_e}.
//  2. Each slot is brought from its last position to R_C at each copy into
//     it, so over a slot's copies every position is covered once, by a
//     capture C with R_C > p >= R_{C_e}: a capture after C_e, so one that
//     moved the epoch past e.
//  3. That capture reads X's counters after M: the counter update, the
//     thread's epoch load, the capture's epoch increment and its counter
//     loads are all seq_cst, and the thread's load did not see the
//     increment (it read e), so M comes before the increment, which comes
//     before the capture's loads (the store-buffering pattern; on x86 the
//     locked instructions give this for free).
// An entry the capture cannot read (not yet written, overwritten, beyond
// the ring) makes the copy whole, which reads every counter after the
// increment: by 3, every M it would have stood for. A change whose thread
// is still between its counter update and its log entry when a copy runs
// may miss that copy (the thread was mid-change), never the next ones of
// either slot. Hence: every change that completed before a copy started is
// in it, and once threads stop, the next copy equals the live counters.
void PeakTracker::CopyIntoNextSlot() {
  const uint64_t generation = __atomic_load_n(generation_, __ATOMIC_RELAXED);
  const uint64_t next = generation + 1;
  const int s = static_cast<int>(next % 2);
  ChunkedArray<Entry>* into = &peak_[s];
  pf::SnapshotInfo* info = &slots_[s];
  // The log's end first, then the new epoch (see above).
  const uint64_t end = log_end_.load(std::memory_order_seq_cst);
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  // A sole writer's updates carry no barrier: this is its other side
  // (step 3 above holds with it; core/sole_writer.h).
  SoleWriter::BeforeReading();
  const uint64_t from = slot_log_position_[s];
  bool entry_lost = false;
  // A range longer than the ring has wrapped round: the tags would say so
  // entry by entry, this says it at once.
  const bool logged = !slot_copy_whole_[s] && end - from <= log_capacity() &&
                      CopyLogged(from, end, into, info, &entry_lost);
  if (!logged) {
    entry_lost =
        !CopyLive(max_stack_id_.load(std::memory_order_acquire), into, info);
  }
  // An entry that could not be made is missing from the slot until a
  // whole copy makes it.
  slot_copy_whole_[s] = entry_lost;
  slot_log_position_[s] = end;
  StampInfo(info);
  // Last: the slot becomes the current peak only once it is whole.
  __atomic_store_n(generation_, next, __ATOMIC_RELEASE);
}

void PeakTracker::CaptureNow() {
  SpinLockHolder hold(snapshot_lock_);
  const int64_t total = total_.load(std::memory_order_relaxed);
  CopyIntoNextSlot();
  peak_total_.store(total, std::memory_order_relaxed);
  // The peak may have gone down (the moment is chosen elsewhere): the
  // recent high stays at or below it, as CaptureIfPeak's check needs.
  int64_t high = recent_high_.load(std::memory_order_relaxed);
  while (high > total && !recent_high_.compare_exchange_weak(
                             high, total, std::memory_order_relaxed)) {
  }
}

void PeakTracker::CaptureIfPeak() {
  // Checked once without the lock: this runs before every tracked free.
  // The recent high is never above the peak (see below), so a total at or
  // below it is no new peak either: the common case costs what comparing
  // with the peak did.
  const int64_t seen = total_.load(std::memory_order_relaxed);
  if (seen <= recent_high_.load(std::memory_order_relaxed)) return;
  // Out of line, so that the check above needs no stack frame.
  NoteNewHigh(seen);
}

void PeakTracker::NoteNewHigh(int64_t seen) {
  if (seen > peak_total_.load(std::memory_order_relaxed)) {
    SpinLockHolder hold(snapshot_lock_);
    const int64_t total = total_.load(std::memory_order_relaxed);
    // Unless another thread captured this peak while we waited.
    if (total > peak_total_.load(std::memory_order_relaxed)) {
      CopyIntoNextSlot();
      peak_total_.store(total, std::memory_order_relaxed);
    }
  }
  // A new high since the timeline's last point; capped at the peak, so
  // that the check above never skips a peak (a cap that matters only when
  // threads race: the peak copy re-read a lower total).
  RaiseRecentHigh(std::min(seen, peak_total_.load(std::memory_order_relaxed)));
}

void PeakTracker::RaiseRecentHigh(int64_t total) {
  int64_t high = recent_high_.load(std::memory_order_relaxed);
  while (total > high && !recent_high_.compare_exchange_weak(
                             high, total, std::memory_order_relaxed)) {
  }
}

int64_t PeakTracker::TakeRecentHigh() {
  const int64_t total = total_.load(std::memory_order_relaxed);
  // The next span starts from what is live now, but never above the peak
  // (CaptureIfPeak's check relies on it); a total above the peak not yet
  // copied is counted by the next decrease, which copies it.
  const int64_t floor =
      std::min(total, peak_total_.load(std::memory_order_relaxed));
  const int64_t high = recent_high_.exchange(floor, std::memory_order_relaxed);
  return std::max(high, total);
}

}  // namespace tidemark
