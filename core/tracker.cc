#include "core/tracker.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <new>

#include "core/allocation_hooks.h"
#include "core/live_total.h"
#include "core/module_map.h"
#include "core/oom_watch.h"
#include "core/profile_store.h"
#include "core/report_trigger.h"
#include "core/sampled_address_filter.h"
#include "core/sampler.h"
#include "core/sole_writer.h"

namespace tidemark {

std::atomic<int> g_tracking_state{kTrackingOff};

namespace {

// Only sample mode's frees consult the filter; exact mode skips its two
// atomic updates per block. The mode never changes while blocks are live
// (only to "off", when nothing consults it any more).
bool UsesAddressFilter() {
  return g_tracking_state.load(std::memory_order_relaxed) != kTrackingExact;
}

}  // namespace

Tracker& Tracker::Get() {
  alignas(Tracker) static char storage[sizeof(Tracker)];
  static Tracker* tracker = new (storage) Tracker();
  return *tracker;
}

void Tracker::AttachStore(ProfileStore* store) {
  static_assert(sizeof(std::atomic<int64_t>) == sizeof(int64_t) &&
                    alignof(std::atomic<int64_t>) == alignof(int64_t),
                "the header's counter is used as an atomic");
  store_ = store;
  tracked_allocations_ = reinterpret_cast<std::atomic<int64_t>*>(
      &store->mutable_header()->tracked_allocations);
  python_seen_ = &store->mutable_header()->python_seen;
  stacks_.set_store(store);
  names_.set_store(store);
  ModuleMap::Get().set_store(store);  // names native frames at report time
  peak_.AttachStore(store);
  moment_.set_published(&store->mutable_header()->live_bytes_at_peak_moment);
  timeline_.Attach(&store->mutable_header()->timeline,
                   &store->mutable_header()->start_monotonic_ns);
}

void Tracker::CheckTimeline() {
  if (timeline_.Due()) AddTimelinePoint(/*force=*/false);
}

void Tracker::AddTimelinePoint(bool force) {
  if (!timeline_.TryLock()) return;
  if (force || timeline_.Due()) {
    // The span's highest tracked total: exact (and sample mode without a
    // live total) from the tracker's decreases; sample mode with one, the
    // estimate at the span's highest live total, as the peak is chosen.
    const int64_t tracked = peak_moment_by_live_total()
                                ? moment_.TakeSpanEstimate(peak_)
                                : peak_.TakeRecentHigh();
    timeline_.AppendLocked(tracked);
  }
  timeline_.Unlock();
}

void Tracker::ChoosePeakMomentByLiveTotal(bool on) {
  peak_.set_moment_chosen_elsewhere(on);
}

void Tracker::ConsiderPeakMoment() {
  if (!peak_moment_by_live_total()) return;
  moment_.Consider(LiveTotal::Sum(), &peak_);
}

void Tracker::CaptureForReport() {
  if (peak_moment_by_live_total()) {
    ConsiderPeakMoment();
  } else {
    peak_.CaptureForReport();
  }
  // Each report closes a span of the timeline, whatever the interval.
  AddTimelinePoint(/*force=*/true);
}

void Tracker::OnAnonymousPieceRemoved(void* /*tracker*/,
                                      RangeMap::Piece piece) {
  LiveTotal::AddMappedBytes(-piece.weight);
}

void Tracker::CountAnonymousMapping(uintptr_t address, uint64_t length) {
  // A mapping laid over others replaces them: Add takes them out first.
  anonymous_.Add(address, length,
                 RangeMap::Piece{0, static_cast<int64_t>(length)},
                 &Tracker::OnAnonymousPieceRemoved, this);
  LiveTotal::AddMappedBytes(static_cast<int64_t>(length));
}

void Tracker::UncountAnonymousMapping(uintptr_t address, uint64_t length) {
  anonymous_.Remove(address, length, &Tracker::OnAnonymousPieceRemoved, this);
}

int64_t Tracker::StartFreshAfterFork() {
  ReentrancyGuard guard;  // the tables' locks (and their memory's)
  const int64_t inherited = peak_.current_bytes();
  blocks_.Clear();
  mappings_.Clear();
  anonymous_.Clear();
  SampledAddressFilter::Clear();
  peak_.StartFreshAfterFork();
  SoleWriter::ResetAfterFork();
  moment_.Reset();
  timeline_.ResetAfterFork();
  LiveTotal::StartFreshAfterFork(t_thread_state);
  missed_frees_.store(0, std::memory_order_relaxed);
  if (store_ == nullptr || !store_->file_backed()) {
    tracked_allocations_->store(0, std::memory_order_relaxed);
  }
  return inherited;
}

namespace {

// The key of a stack's entry among a thread's recent stacks: its innermost
// frame (where allocations from different lines of one function differ)
// and its depth, mixed; the top bits pick the entry.
uint64_t InnermostKey(const RawFrame* frames, int depth) {
  uint64_t key = static_cast<uint64_t>(depth) * 0x9E3779B97F4A7C15ULL;
  if (depth > 0) {
    key ^= (frames[0].ip + frames[0].aux * 0xC2B2AE3D27D4EB4FULL) *
           0xFF51AFD7ED558CCDULL;
  }
  return key | 1;  // never 0
}

static_assert((kRecentStacks & (kRecentStacks - 1)) == 0 && kRecentStacks <= 64,
              "the entry is the key's top bits");

// Looked at only until the first Python frame is seen (python_seen_).
bool HasPythonFrame(const RawFrame* frames, int depth) {
  for (int i = 0; i < depth; ++i) {
    if (frames[i].kind() == FrameKind::kPython) return true;
  }
  return false;
}

}  // namespace

uint32_t Tracker::CurrentStack(ThreadState& state) {
  // One frame more than is kept tells a stack of exactly kMaxDepth frames
  // from a deeper one, whose root is then the cut marker.
  RawFrame frames[kMaxDepth + 1];
  int depth =
      unwinder_ == nullptr ? 0 : unwinder_->Capture(frames, kMaxDepth + 1);
  if (depth > kMaxDepth) {
    depth = kMaxDepth;
    frames[kMaxDepth - 1] = RawFrame::StackCut();
  }
  // A stack with a Python frame makes this a Python process; a native
  // unwinder's stacks alone do not.
  if (depth > 0 && python_seen_ != nullptr &&
      __atomic_load_n(python_seen_, __ATOMIC_RELAXED) == 0 &&
      HasPythonFrame(frames, depth)) {
    __atomic_store_n(python_seen_, 1, __ATOMIC_RELAXED);
  }
  // Loops and growing containers allocate from a few lines again and
  // again: a stack among this thread's recent ones is confirmed by
  // comparing its frames (a mismatch usually shows in the innermost one),
  // without hashing it or touching the shared table. Stack records never
  // change once published, so no lock is needed to read them.
  const uint64_t key = InnermostKey(frames, depth);
  RecentStack& recent =
      state.recent_stacks[key >> (64 - __builtin_ctz(kRecentStacks))];
  if (recent.innermost_key == key && recent.depth == depth &&
      stacks_.HasFrames(recent.id, frames, depth)) {
    return recent.id;
  }
  const uint64_t hash = StackTable::Hash(frames, depth);
  const uint32_t id = stacks_.Intern(frames, depth, hash, &names_, unwinder_);
  if (id != 0) recent = RecentStack{key, id, depth};
  return id;
}

namespace {

// One update of the books (the address map, the counters): plain when
// this thread is their sole writer (core/sole_writer.h), locked otherwise.
// A scope, so that a throw (out of memory) still leaves it.
class BooksUpdate {
 public:
  BooksUpdate() : sole_(SoleWriter::Enter(t_thread_state)) {}
  ~BooksUpdate() { SoleWriter::Leave(sole_); }
  BooksUpdate(const BooksUpdate&) = delete;
  BooksUpdate& operator=(const BooksUpdate&) = delete;
  bool sole() const { return sole_; }

 private:
  const bool sole_;
};

// What RangeMap's callback needs to take a piece's bytes out.
struct PieceContext {
  PeakTracker* peak;
  bool sole;
};

}  // namespace

void Tracker::AddBlock(uintptr_t address, uint32_t stack_id, int64_t weight) {
  BooksUpdate update;
  TrackedBlock replaced;
  if (blocks_.Insert(address, TrackedBlock{stack_id, weight}, &replaced,
                     update.sole())) {
    peak_.Remove(replaced.stack_id, replaced.weight, update.sole());
    missed_frees_.fetch_add(1, std::memory_order_relaxed);
  } else if (UsesAddressFilter()) {
    SampledAddressFilter::Add(address);
  }
  // The run's count, kept anyway, also says when to ask for a timeline
  // point (its old value). Before the block is counted: a point closes the
  // span before it.
  const uint64_t recorded = static_cast<uint64_t>(SoleWriter::Add(
      *tracked_allocations_, 1, update.sole(), std::memory_order_relaxed));
  if (__builtin_expect(
          recorded % kTimelineCheckEvery == 0 || weight >= kTimelineBigEvent,
          0)) {
    CheckTimeline();
  }
  peak_.Add(stack_id, weight, update.sole());
}

bool Tracker::RemoveBlock(uintptr_t address) {
  BooksUpdate update;
  TrackedBlock removed;
  if (!blocks_.Remove(address, &removed, update.sole())) return false;
  if (UsesAddressFilter()) SampledAddressFilter::Remove(address);
  peak_.Remove(removed.stack_id, removed.weight, update.sole());
  if (__builtin_expect(removed.weight >= kTimelineBigEvent, 0)) {
    CheckTimeline();
  }
  return true;
}

bool Tracker::RemoveBlockReleasing(uintptr_t address,
                                   void (*release)(void* ptr)) {
  BooksUpdate update;
  TrackedBlock removed;
  if (!blocks_.RemoveReleasing(address, &removed, release, update.sole())) {
    return false;
  }
  if (UsesAddressFilter()) SampledAddressFilter::Remove(address);
  peak_.Remove(removed.stack_id, removed.weight, update.sole());
  if (__builtin_expect(removed.weight >= kTimelineBigEvent, 0)) {
    CheckTimeline();
  }
  return true;
}

void Tracker::OnPieceRemoved(void* context, RangeMap::Piece piece) {
  const PieceContext* c = static_cast<const PieceContext*>(context);
  c->peak->Remove(piece.stack_id, piece.weight, c->sole);
}

void Tracker::AddMapping(uintptr_t address, uint64_t length, uint32_t stack_id,
                         int64_t weight) {
  BooksUpdate update;
  PieceContext context{&peak_, update.sole()};
  mappings_.Add(address, length, RangeMap::Piece{stack_id, weight},
                &Tracker::OnPieceRemoved, &context);
  // Each mapping is a system call: a clock read more is nothing.
  CheckTimeline();
  peak_.Add(stack_id, weight, update.sole());
  // Mappings are rare: the locked add whoever writes.
  tracked_allocations_->fetch_add(1, std::memory_order_relaxed);
}

void Tracker::RemoveMapping(uintptr_t address, uint64_t length) {
  BooksUpdate update;
  PieceContext context{&peak_, update.sole()};
  mappings_.Remove(address, length, &Tracker::OnPieceRemoved, &context);
  CheckTimeline();
}

void DisableTrackingAfterFailure(const char* why) {
  if (g_tracking_state.exchange(kTrackingOff) == kTrackingOff) return;
  char line[256];
  int n = snprintf(line, sizeof(line),
                   "tidemark: profiling stopped: %s; the program continues "
                   "unprofiled\n",
                   why);
  if (n > 0) {
    ssize_t ignored = write(2, line, static_cast<size_t>(n));
    (void)ignored;
  }
}

// The slow paths behind core/allocation_hooks.h. Each runs with the
// reentrancy guard held, so whatever the profiler (or a library it calls,
// such as the unwinder's dlsym) allocates is not tracked.

void OnAllocationSlow(void* ptr, size_t size, int state) {
  ThreadState& ts = t_thread_state;
  ReentrancyGuard guard;
  int64_t weight = static_cast<int64_t>(size);
  if (state == kTrackingSample) {
    // Every thread that allocates gets here with its first allocation.
    LiveTotal::EnsureRegistered(ts);
    weight = Sampler::OnCountdownCrossed(ts, size);
    if (weight == 0) return;
    ReportTrigger::OnSampledAllocation();
  }
  try {
    Tracker& t = Tracker::Get();
    // Sampled events are rare: each asks for a timeline point (before the
    // block is added, so that a point closes the span before it).
    if (state == kTrackingSample) t.CheckTimeline();
    // The map entry of a fresh address is a cache miss; loading it while
    // the stack is captured hides it.
    t.PrefetchBlock(reinterpret_cast<uintptr_t>(ptr));
    t.AddBlock(reinterpret_cast<uintptr_t>(ptr), t.CurrentStack(ts), weight);
    // Right after the sampled block is added, to the estimate and (by the
    // inline hook) to the live total: see core/sampler.h for why after.
    if (state == kTrackingSample) t.ConsiderPeakMoment();
    OomWatch::OnAllocated(ts, weight);
  } catch (...) {
    DisableTrackingAfterFailure("the profiler ran out of memory");
  }
}

void OnFreeSlow(void* ptr) {
  // First, before the guard's own work: the block's map entry, and the
  // line before the block, where glibc's free reads the chunk's size
  // right after. Both are misses when the block is old; overlapping them
  // costs the program one wait instead of two. (A prefetch never faults,
  // whatever the allocator keeps there.)
  Tracker::Get().PrefetchBlock(reinterpret_cast<uintptr_t>(ptr));
  __builtin_prefetch(static_cast<char*>(ptr) - 8);
  ReentrancyGuard guard;
  try {
    Tracker::Get().RemoveBlock(reinterpret_cast<uintptr_t>(ptr));
  } catch (...) {
    DisableTrackingAfterFailure("the profiler ran out of memory");
  }
}

void OnFreeReleasingSlow(void* ptr, void (*release)(void* ptr)) {
  ReentrancyGuard guard;
  try {
    // The block is released inside, before anything that could throw.
    Tracker::Get().RemoveBlockReleasing(reinterpret_cast<uintptr_t>(ptr),
                                        release);
  } catch (...) {
    DisableTrackingAfterFailure("the profiler ran out of memory");
  }
}

void OnMappingSlow(void* address, size_t length, int state) {
  ThreadState& ts = t_thread_state;
  // Sample mode comes here with every mapping (each is a system call): the
  // live total counts them all; the sample only those the countdown picks.
  const bool sampled =
      state != kTrackingSample ||
      Sampler::TakeFromCountdown(ts, static_cast<int64_t>(length));
  ReentrancyGuard guard;
  try {
    Tracker& t = Tracker::Get();
    const bool live_total =
        state == kTrackingSample && t.peak_moment_by_live_total();
    if (live_total) {
      t.CountAnonymousMapping(reinterpret_cast<uintptr_t>(address), length);
    }
    if (!sampled) return;
    int64_t weight = static_cast<int64_t>(length);
    if (state == kTrackingSample) {
      weight = Sampler::OnCountdownCrossed(ts, length);
      if (weight == 0) return;
    }
    t.AddMapping(reinterpret_cast<uintptr_t>(address), length,
                 t.CurrentStack(ts), weight);
    if (live_total) t.ConsiderPeakMoment();
    OomWatch::OnAllocated(ts, weight);
  } catch (...) {
    DisableTrackingAfterFailure("the profiler ran out of memory");
  }
}

void OnAllocationFailedSlow(size_t size) {
  ReentrancyGuard guard;
  OomWatch::OnAllocationFailed(size > static_cast<size_t>(INT64_MAX)
                                   ? INT64_MAX
                                   : static_cast<int64_t>(size));
}

void OnUnmappingSlow(void* address, size_t length) {
  ReentrancyGuard guard;
  try {
    Tracker& t = Tracker::Get();
    if (t.peak_moment_by_live_total() &&
        g_tracking_state.load(std::memory_order_relaxed) == kTrackingSample) {
      // Every unmapping comes here, sampled or not, so its moment owes
      // nothing to the sample: the moment before it is offered.
      t.ConsiderPeakMoment();
      t.UncountAnonymousMapping(reinterpret_cast<uintptr_t>(address), length);
    }
    t.RemoveMapping(reinterpret_cast<uintptr_t>(address), length);
  } catch (...) {
    DisableTrackingAfterFailure("the profiler ran out of memory");
  }
}

}  // namespace tidemark
