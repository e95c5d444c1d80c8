#include "interposers/preload/hooks.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>

#include "core/allocation_hooks.h"
#include "core/live_total.h"
#include "core/thread_state.h"
#include "interposers/preload/anonymous_mapping.h"
#include "interposers/preload/real_allocator.h"

namespace tidemark {
namespace preload {
namespace {

std::atomic<bool> g_delivering{false};

// Every call into the next allocator is bracketed, so that a report signal
// landing inside it is deferred until it returns (ThreadState::in_allocator).
template <typename Fn, typename... Args>
inline auto InAllocator(Fn fn, Args... args) {
  AllocatorCall call;
  return fn(args...);
}

// Whether this event is the program's: the interposer is installed and the
// call did not come from inside the next allocator. glibc's reallocarray
// calls realloc through the PLT, that is back into our realloc; an
// allocator's own mmap calls (jemalloc's backing store) come back into our
// mmap. Those were counted (or are not the program's) at the outer call.
inline bool Recording() {
  return g_delivering.load(std::memory_order_relaxed) &&
         t_thread_state.in_allocator == 0;
}

inline void Allocated(void* p, size_t size) {
  if (Recording()) OnAllocation(p, size);
}

// A request the next allocator refused for want of memory. Only ENOMEM
// counts: EINVAL (a bad alignment) is the caller's mistake, not a limit.
// errno is left as the allocator set it.
inline void FailedIfOutOfMemory(size_t size) {
  if (errno == ENOMEM && Recording()) OnAllocationFailed(size);
}

inline void Freeing(void* p) {
  if (Recording()) OnFree(p);
}

// The next allocator's free, bracketed like every call into the allocator;
// exact mode's free calls it from inside the core (OnFreeThenRelease).
void ReleaseToNext(void* p) { InAllocator(Next(g_next.free), p); }

inline bool FromBootstrap(const void* p) {
  return __builtin_expect(g_bootstrap_heap.Contains(p), 0);
}

// The allocator's size of a live block, for sample mode's exact live total
// (core/live_total.h). A bootstrap block is never the allocator's: 0, both
// when it is made and (free ignores it) never freed.
size_t BlockSize(void* p) {
  if (FromBootstrap(p)) return 0;
  return Next(g_next.malloc_usable_size)(p);
}

// realloc of a block dlsym got while names were being looked up: copied
// into a block from the next allocator (recorded like any malloc); the
// bootstrap block itself is never given back.
void* ReallocFromBootstrap(void* ptr, size_t size) {
  void* p = Malloc(size);
  if (p != nullptr) {
    const size_t old_size = g_bootstrap_heap.SizeOf(ptr);
    memcpy(p, ptr, old_size < size ? old_size : size);
  }
  return p;
}

template <typename Fn>
void* MmapThrough(Fn fn, void* address, size_t length, int prot, int flags,
                  int fd, off_t offset) {
  void* p = fn(address, length, prot, flags, fd, offset);
  if (p == MAP_FAILED) {
    if (flags & MAP_ANONYMOUS) FailedIfOutOfMemory(length);
    return p;
  }
  if (!Recording()) return p;
  if (flags & MAP_ANONYMOUS) {
    OnMapping(p, length);
  } else if (flags & MAP_FIXED) {
    // A file mapping laid over tracked anonymous memory replaces it.
    OnUnmapping(p, length);
  }
  return p;
}

}  // namespace

void SetDelivering(bool on) {
  if (on) {
    if (NextIsGlibcMalloc()) {
      // The chunk's size, flags masked off: the word glibc keeps before
      // each block. Read inline, it costs nothing like a call (a bootstrap
      // block, possible only if names were looked up again while tracking,
      // as tests do, reads the bootstrap heap's own memory).
      LiveTotal::SetBlockSizeFromHeaderWord(~uintptr_t{7});
    } else {
      // Without the allocator's block sizes the live total is unknown, and
      // the session lets the estimate choose the peak's moment.
      LiveTotal::SetBlockSizeFunction(NextHasUsableSize() ? &BlockSize
                                                          : nullptr);
    }
  }
  g_delivering.store(on);
}

void* Malloc(size_t size) {
  void* p = InAllocator(Next(g_next.malloc), size);
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(size);
    return p;
  }
  Allocated(p, size);
  return p;
}

void* Calloc(size_t count, size_t size) {
  void* p = InAllocator(Next(g_next.calloc), count, size);
  if (__builtin_expect(p == nullptr, 0)) {
    // An overflowing count * size is a request no limit could grant, not
    // a sign of running out.
    size_t bytes;
    if (!__builtin_mul_overflow(count, size, &bytes)) {
      FailedIfOutOfMemory(bytes);
    }
    return p;
  }
  // A successful calloc proves count * size did not overflow.
  Allocated(p, count * size);
  return p;
}

void* Realloc(void* ptr, size_t size) {
  if (FromBootstrap(ptr)) return ReallocFromBootstrap(ptr, size);
  // The old block leaves the books before realloc can hand its address to
  // another thread. If realloc then fails the old block is still live but
  // no longer tracked: a rare undercount, never a wrong attribution. What
  // realloc(p, 0) and realloc(NULL, n) mean is the next allocator's
  // business; a NULL result is simply not recorded.
  Freeing(ptr);
  void* p = InAllocator(Next(g_next.realloc), ptr, size);
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(size);
    return p;
  }
  Allocated(p, size);
  return p;
}

void* ReallocArray(void* ptr, size_t count, size_t size) {
  size_t bytes;
  const bool overflows = __builtin_mul_overflow(count, size, &bytes);
  if (FromBootstrap(ptr)) {
    if (overflows) {
      errno = ENOMEM;
      return nullptr;
    }
    return ReallocFromBootstrap(ptr, bytes);
  }
  // On overflow the next reallocarray fails and leaves the block alone, so
  // the books must too.
  if (!overflows) Freeing(ptr);
  void* p = InAllocator(Next(g_next.reallocarray), ptr, count, size);
  if (overflows) return p;
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(bytes);
    return p;
  }
  Allocated(p, bytes);
  return p;
}

void Free(void* ptr) {
  if (FromBootstrap(ptr)) return;
  if (Recording()) {
    OnFreeThenRelease(ptr, &ReleaseToNext);
  } else {
    ReleaseToNext(ptr);
  }
}

int PosixMemalign(void** out, size_t alignment, size_t size) {
  const int result =
      InAllocator(Next(g_next.posix_memalign), out, alignment, size);
  if (result == 0) {
    Allocated(*out, size);
  } else if (result == ENOMEM && Recording()) {
    // posix_memalign reports through its result; errno stays untouched.
    OnAllocationFailed(size);
  }
  return result;
}

void* AlignedAlloc(size_t alignment, size_t size) {
  void* p = InAllocator(Next(g_next.aligned_alloc), alignment, size);
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(size);
    return p;
  }
  Allocated(p, size);
  return p;
}

void* Memalign(size_t alignment, size_t size) {
  void* p = InAllocator(Next(g_next.memalign), alignment, size);
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(size);
    return p;
  }
  Allocated(p, size);
  return p;
}

void* Valloc(size_t size) {
  void* p = InAllocator(Next(g_next.valloc), size);
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(size);
    return p;
  }
  Allocated(p, size);
  return p;
}

void* Pvalloc(size_t size) {
  void* p = InAllocator(Next(g_next.pvalloc), size);
  const size_t page = static_cast<size_t>(getpagesize());
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(size);
    return p;
  }
  Allocated(p, (size + page - 1) & ~(page - 1));
  return p;
}

void* Mmap(void* address, size_t length, int prot, int flags, int fd,
           off_t offset) {
  return MmapThrough(Next(g_next.mmap), address, length, prot, flags, fd,
                     offset);
}

void* Mmap64(void* address, size_t length, int prot, int flags, int fd,
             off_t offset) {
  return MmapThrough(Next(g_next.mmap64), address, length, prot, flags, fd,
                     offset);
}

int Munmap(void* address, size_t length) {
  // Books first, as with free: once unmapped, the range can be handed out
  // again by another thread's mmap. An allocator's own munmap (inside a
  // forwarded call) returns memory that was never in the books.
  if (Recording()) OnUnmapping(address, length);
  return Next(g_next.munmap)(address, length);
}

void* Mremap(void* old_address, size_t old_length, size_t new_length, int flags,
             void* new_address) {
  const bool recording = Recording();
  // A file mapping keeps being a file's pages when resized (Python's
  // mmap.resize() on a file): only anonymous memory is the program's heap.
  const bool anonymous =
      recording && KindOfMappingAt(reinterpret_cast<uintptr_t>(old_address)) !=
                       MappingKind::kFile;
  if (recording) OnUnmapping(old_address, old_length);
  void* p = Next(g_next.mremap)(old_address, old_length, new_length, flags,
                                new_address);
  // The grown (or moved) mapping is attributed to the code that resized it,
  // as realloc is.
  if (p != MAP_FAILED && anonymous) OnMapping(p, new_length);
  return p;
}

}  // namespace preload
}  // namespace tidemark
