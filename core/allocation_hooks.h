#ifndef TIDEMARK_CORE_ALLOCATION_HOOKS_H_
#define TIDEMARK_CORE_ALLOCATION_HOOKS_H_

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "core/live_total.h"
#include "core/sampled_address_filter.h"
#include "core/sampler.h"
#include "core/thread_state.h"

namespace tidemark {

// What interposers call for each event they see. The checks that decide
// "nothing to do" are inline here, so that in sample mode an allocation that
// is not sampled costs a load of the tracking state, a TLS load, one
// subtraction and a branch, plus a comparison of the size with the interval,
// with no lock and no atomic read-modify-write, and the allocator's size of
// the block (glibc's header word, or a call to another allocator's
// malloc_usable_size) added to the thread's exact live total
// (core/live_total.h), which chooses the peak's moment in sample mode; a
// free subtracts it. Everything else is in the out-of-line *Slow functions
// (tracker.cc).

enum TrackingState : int {
  kTrackingOff = 0,
  kTrackingExact = 1,
  kTrackingSample = 2
};

// Set by the session once configured; off again in forked children and
// after the final report.
extern std::atomic<int> g_tracking_state;

void OnAllocationSlow(void* ptr, size_t size, int state);
void OnFreeSlow(void* ptr);
void OnFreeReleasingSlow(void* ptr, void (*release)(void* ptr));
void OnMappingSlow(void* address, size_t length, int state);
void OnUnmappingSlow(void* address, size_t length);
void OnAllocationFailedSlow(size_t size);

inline void OnAllocation(void* ptr, size_t size) {
  const int state = g_tracking_state.load(std::memory_order_relaxed);
  if (__builtin_expect(state == kTrackingOff || ptr == nullptr, 0)) return;
  ThreadState& ts = t_thread_state;
  if (ts.reentrancy_depth != 0) return;
  // Blocks of at least the interval are always recorded (core/sampler.h),
  // whatever the countdown says; the slow path gives their bytes back to
  // the countdown.
  if (state == kTrackingSample) {
    LiveTotal::CountAllocated(ts, ptr);
    if (__builtin_expect(
            !Sampler::TakeFromCountdown(ts, static_cast<int64_t>(size)), 1)) {
      return;
    }
  }
  OnAllocationSlow(ptr, size, state);
}

// Call before the memory is actually released (so that no other thread can
// be handed the same address while it is still in the map).
inline void OnFree(void* ptr) {
  const int state = g_tracking_state.load(std::memory_order_relaxed);
  if (state == kTrackingOff || ptr == nullptr) return;
  ThreadState& ts = t_thread_state;
  if (ts.reentrancy_depth != 0) return;
  if (state == kTrackingSample) {
    LiveTotal::CountFreeing(ts, ptr);
    if (__builtin_expect(!SampledAddressFilter::MaybeContains(
                             reinterpret_cast<uintptr_t>(ptr)),
                         1)) {
      return;
    }
  }
  OnFreeSlow(ptr);
}

// A free that ends with the block released through `release` (the next
// allocator's free), for an interposer that can hand it over. Sample mode
// and tracking off: OnFree, then release. Exact mode: the core takes the
// lock of the block's entry in the address map, starts loading the entry,
// releases the block and then removes the entry. The entry of a block
// allocated long ago is a cache miss, and so is the allocator's own
// bookkeeping of the block: this way they overlap, where removing the
// entry first makes the program wait for one and then the other. The
// entry stays locked until it is gone, so no other thread can be handed
// the address and record it in between.
inline void OnFreeThenRelease(void* ptr, void (*release)(void* ptr)) {
  if (g_tracking_state.load(std::memory_order_relaxed) == kTrackingExact &&
      ptr != nullptr && t_thread_state.reentrancy_depth == 0) {
    OnFreeReleasingSlow(ptr, release);
    return;
  }
  OnFree(ptr);  // sample mode: the live total and the sampled-address check
  release(ptr);
}

// A block the allocator resized in place and reports after the fact
// (jemalloc's expand hook), `size` being what the program asked for and
// `usable_growth` the allocator's new usable size less the old: to the
// books, a free of the old block and an allocation of the new one at the
// same address (no other thread can be handed the address in between: the
// block never stopped being the program's). Sample mode's live total
// measures the block at its new size both times, so the growth is added.
inline void OnResizedInPlace(void* ptr, size_t size, int64_t usable_growth) {
  const int state = g_tracking_state.load(std::memory_order_relaxed);
  if (state == kTrackingOff || ptr == nullptr) return;
  ThreadState& ts = t_thread_state;
  if (ts.reentrancy_depth != 0) return;
  if (state == kTrackingSample) LiveTotal::CountResized(ts, usable_growth);
  OnFree(ptr);
  OnAllocation(ptr, size);
}

// Anonymous mappings made by the program itself (pymalloc arenas,
// mmap.mmap(-1, n), numpy's huge pages are malloc's business, not these).
// Each is a system call: in sample mode too every one goes to the slow
// path, which counts it in the live total and asks the countdown whether
// it is sampled.
inline void OnMapping(void* address, size_t length) {
  const int state = g_tracking_state.load(std::memory_order_relaxed);
  if (state == kTrackingOff) return;
  if (t_thread_state.reentrancy_depth != 0) return;
  OnMappingSlow(address, length, state);
}

inline void OnUnmapping(void* address, size_t length) {
  if (g_tracking_state.load(std::memory_order_relaxed) == kTrackingOff) return;
  if (t_thread_state.reentrancy_depth != 0) return;
  OnUnmappingSlow(address, length);
}

// An allocation of `size` bytes that the next allocator refused (NULL from
// malloc & co with ENOMEM, MAP_FAILED with ENOMEM from an anonymous mmap):
// the out-of-memory watch fires at once (core/oom_watch.h). Same rules as
// OnAllocation: nothing while tracking is off or inside the profiler (the
// interposer also skips calls made from inside the allocator). errno is
// what the allocator set when this returns.
inline void OnAllocationFailed(size_t size) {
  if (g_tracking_state.load(std::memory_order_relaxed) == kTrackingOff ||
      size == 0) {
    return;
  }
  if (t_thread_state.reentrancy_depth != 0) return;
  const int saved_errno = errno;
  OnAllocationFailedSlow(size);
  errno = saved_errno;
}

}  // namespace tidemark

#endif  // TIDEMARK_CORE_ALLOCATION_HOOKS_H_
