#ifndef TIDEMARK_CORE_LIVE_TOTAL_H_
#define TIDEMARK_CORE_LIVE_TOTAL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/thread_state.h"

namespace tidemark {

// Sample mode's exact count of the bytes live in the process, kept apart
// from the sample so that the moment of the peak can be chosen by it
// (core/peak_moment.h) rather than by the sampled estimate, whose highest
// value over a run is biased upward (see core/sampler.h).
//
// Blocks. Each thread adds the allocator's size of every block it allocates
// and subtracts that of every block it frees, in its own
// ThreadState::live_bytes: a plain add (a relaxed store of its own value
// plus the size), no lock, no atomic read-modify-write. The size is the one
// the allocator keeps for the block, as the interposer measures it (glibc's
// chunk size, read from the word before the block; for another allocator
// its malloc_usable_size), the same number at allocation and at free: the
// requested size at malloc and the usable size at free would drift by up to
// 15 bytes per block.
//
// Threads. A thread's counter joins the registry the sum reads at the
// thread's first slow path or first free (a thread that only frees, such as
// the consumer of a queue, takes bytes away that other threads added; it
// must be counted). At its exit (a pthread key's destructor, while its TLS
// still exists) the counter is folded into a retired total and leaves the
// registry; what the thread frees after that (later destructors) is folded
// in at each free. A forked child starts over (StartFreshAfterFork).
//
// Mappings (anonymous mmap, each a system call) are counted by the tracker,
// which keeps every anonymous mapping's range so that munmap takes away
// exactly what was counted (AddMappedBytes).
//
// What the sum means. Blocks freed that were allocated before counting
// began (the few the dynamic linker made before the library started; a
// forked child's inherited heap) are subtracted without ever having been
// added: the sum is the process's live heap less a constant, the heap live
// when counting began. A constant offset does not move the moment at which
// the sum is highest. In a forked child that constant is the inherited
// heap: the moment chosen is the one at which the child's whole heap,
// inherited blocks included, was highest.
//
// Not counted: a block a signal handler allocates or frees between this
// thread's load and store of its counter (the handler's bytes are lost;
// allocating in a signal handler is unsafe anyway), and what a thread
// allocates after its exit destructor ran without freeing anything after.
class LiveTotal {
 public:
  using BlockSizeFn = size_t (*)(void* block);

  // ThreadState::live_registration.
  static constexpr int32_t kNotRegistered = 0;
  static constexpr int32_t kRegistered = 1;
  static constexpr int32_t kRetired = 2;

  // The interposer's measure of a live block (the allocator's usable size).
  // Until it is set (or with nullptr) every block measures 0 and Known() is
  // false: the session then lets the estimate choose the peak's moment, as
  // before. Call before tracking starts.
  static void SetBlockSizeFunction(BlockSizeFn fn);
  // Instead: the allocator keeps each block's size in the word just before
  // the block, the bits outside `mask` being flags (glibc's chunk header:
  // the chunk's size and three flag bits). The fast path then reads that
  // word, which the allocator has just written or is about to read, rather
  // than calling malloc_usable_size (two indirect calls and ~20
  // instructions per block, 10% of a PYTHONMALLOC=malloc job's time).
  static void SetBlockSizeFromHeaderWord(uintptr_t mask);

  // Whether the sum can be trusted: a block size function was given and a
  // thread's exit can be seen (the pthread key exists).
  static bool Known();

  // The fast path, inlined into every sample-mode allocation and free
  // (core/allocation_hooks.h): one indirect call to the allocator's size
  // function, an add and a store; a free also checks that the thread is
  // registered.
  static void CountAllocated(ThreadState& ts, void* block) {
    Add(ts, SizeOf(block));
  }
  static void CountFreeing(ThreadState& ts, void* block) {
    Add(ts, -SizeOf(block));
    if (__builtin_expect(ts.live_registration != kRegistered, 0)) {
      OnUnregisteredThread(ts);
    }
  }
  // A block the allocator resized in place and reported only afterwards
  // (jemalloc's expand hook): its size is already the new one when the
  // interposer reports the free and the allocation at the same address,
  // so those two cancel and the growth (new less old usable size, which
  // the allocator tells) is added here.
  static void CountResized(ThreadState& ts, int64_t growth) { Add(ts, growth); }
  // The measure in use, for a live block.
  static int64_t SizeOf(void* block) {
    const uintptr_t mask = header_mask_.load(std::memory_order_relaxed);
    if (__builtin_expect(mask != 0, 1)) {
      const uintptr_t header =
          reinterpret_cast<uintptr_t>(block) - sizeof(uintptr_t);
      return static_cast<int64_t>(*reinterpret_cast<const uintptr_t*>(header) &
                                  mask);
    }
    return static_cast<int64_t>(
        block_size_.load(std::memory_order_relaxed)(block));
  }

  // The slow path's check (any thread that allocates reaches a slow path
  // with its first allocation: its countdown starts at zero).
  static void EnsureRegistered(ThreadState& ts) {
    if (ts.live_registration != kRegistered) OnUnregisteredThread(ts);
  }

  // Registers a thread not yet registered; folds a retired thread's bytes
  // into the retired total. Takes the reentrancy guard itself.
  static void OnUnregisteredThread(ThreadState& ts);

  // Anonymous mappings' bytes, added and taken away by the tracker.
  static void AddMappedBytes(int64_t bytes) {
    mapped_.fetch_add(bytes, std::memory_order_relaxed);
  }

  // The exact live total now: every registered thread's counter, the
  // retired total and the mapped bytes. Takes the registry's lock (call it
  // inside a ReentrancyGuard); O(threads).
  static int64_t Sum();

  // In a forked child (the fork handler, the only thread, inside a
  // ReentrancyGuard): the other threads are gone and nothing is counted
  // yet; the forking thread is registered again, at zero.
  static void StartFreshAfterFork(ThreadState& forking_thread);

  // Registered threads (tests).
  static int RegisteredThreadsForTesting();

 private:
  static void Add(ThreadState& ts, int64_t bytes) {
    __atomic_store_n(&ts.live_bytes, ts.live_bytes + bytes, __ATOMIC_RELAXED);
  }

  static std::atomic<BlockSizeFn> block_size_;
  static std::atomic<uintptr_t> header_mask_;  // 0: block_size_ measures
  static std::atomic<int64_t> mapped_;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_LIVE_TOTAL_H_
