#include "interposers/preload/hooks.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>

#include "core/allocation_hooks.h"
#include "core/thread_state.h"
#include "interposers/preload/real_allocator.h"

namespace tidemark {
namespace preload {
namespace {

std::atomic<bool> g_delivering{false};

// Every call into glibc's allocator is bracketed, so that a report signal
// landing inside it is deferred until it returns (ThreadState::in_allocator).
template <typename Fn, typename... Args>
inline auto InAllocator(Fn fn, Args... args) {
  AllocatorCall call;
  return fn(args...);
}

inline bool Delivering() {
  return g_delivering.load(std::memory_order_relaxed);
}

inline void Allocated(void* p, size_t size) {
  if (Delivering()) OnAllocation(p, size);
}

inline void Freeing(void* p) {
  if (Delivering()) OnFree(p);
}

}  // namespace

void SetDelivering(bool on) { g_delivering.store(on); }

void* Malloc(size_t size) {
  void* p = InAllocator(__libc_malloc, size);
  Allocated(p, size);
  return p;
}

void* Calloc(size_t count, size_t size) {
  void* p = InAllocator(__libc_calloc, count, size);
  // A successful calloc proves count * size did not overflow.
  Allocated(p, count * size);
  return p;
}

void* Realloc(void* ptr, size_t size) {
  if (ptr == nullptr) return Malloc(size);
  if (size == 0) {
    // glibc frees the block and returns NULL.
    Free(ptr);
    return nullptr;
  }
  // The old block leaves the books before realloc can hand its address to
  // another thread. If realloc then fails the old block is still live but
  // no longer tracked: a rare undercount, never a wrong attribution.
  Freeing(ptr);
  void* p = InAllocator(__libc_realloc, ptr, size);
  Allocated(p, size);
  return p;
}

void* ReallocArray(void* ptr, size_t count, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return Realloc(ptr, bytes);
}

void Free(void* ptr) {
  Freeing(ptr);
  InAllocator(__libc_free, ptr);
}

int PosixMemalign(void** out, size_t alignment, size_t size) {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0 ||
      alignment == 0) {
    return EINVAL;
  }
  const int saved = errno;
  void* p = InAllocator(__libc_memalign, alignment, size);
  if (p == nullptr) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  Allocated(p, size);
  return 0;
}

void* AlignedAlloc(size_t alignment, size_t size) {
  return Memalign(alignment, size);
}

void* Memalign(size_t alignment, size_t size) {
  void* p = InAllocator(__libc_memalign, alignment, size);
  Allocated(p, size);
  return p;
}

void* Valloc(size_t size) {
  void* p = InAllocator(__libc_valloc, size);
  Allocated(p, size);
  return p;
}

void* Pvalloc(size_t size) {
  void* p = InAllocator(__libc_pvalloc, size);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  Allocated(p, (size + page - 1) & ~(page - 1));
  return p;
}

void* Mmap(void* address, size_t length, int prot, int flags, int fd,
           long offset) {
  void* p = RealMmap(address, length, prot, flags, fd, offset);
  if (p == MAP_FAILED || !Delivering()) return p;
  if (flags & MAP_ANONYMOUS) {
    OnMapping(p, length);
  } else if (flags & MAP_FIXED) {
    // A file mapping laid over tracked anonymous memory replaces it.
    OnUnmapping(p, length);
  }
  return p;
}

int Munmap(void* address, size_t length) {
  // Books first, as with free: once unmapped, the range can be handed out
  // again by another thread's mmap.
  if (Delivering()) OnUnmapping(address, length);
  return RealMunmap(address, length);
}

void* Mremap(void* old_address, size_t old_length, size_t new_length, int flags,
             void* new_address) {
  if (Delivering()) OnUnmapping(old_address, old_length);
  void* p = RealMremap(old_address, old_length, new_length, flags, new_address);
  // The grown (or moved) mapping is attributed to the code that resized it,
  // as realloc is.
  if (p != MAP_FAILED && Delivering()) OnMapping(p, new_length);
  return p;
}

}  // namespace preload
}  // namespace tidemark
