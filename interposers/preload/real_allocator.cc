#include "interposers/preload/real_allocator.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

// glibc's own entry points: used only if a name cannot be found at all
// (dlsym finds glibc's definitions in any dynamically linked process, so in
// practice never).
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void __libc_free(void* ptr);
void* __libc_memalign(size_t alignment, size_t size);
void* __libc_valloc(size_t size);
void* __libc_pvalloc(size_t size);
}

namespace tidemark {
namespace preload {
namespace {

// Non-zero while this thread is looking the names up: its allocations then
// come from dlsym and are served by the bootstrap heap. Plain initial-exec
// TLS (see TIDEMARK_HOOK_COPTS): reading it never allocates.
thread_local int t_resolving;

std::atomic<bool> g_resolved{false};

// dlsym(RTLD_NEXT) searches after the object that calls it, so this must be
// our own code (it is: this file is linked into libtidemark.so).
void* LookUpNext(const char* name) { return dlsym(RTLD_NEXT, name); }

std::atomic<LookupFn> g_lookup{&LookUpNext};

bool ValidAlignment(size_t alignment) {
  return alignment != 0 && (alignment & (alignment - 1)) == 0;
}

size_t PageSize() { return static_cast<size_t>(getpagesize()); }

// --- The kernel's mmap family, for calls made while the names are being
// looked up (and if the C library had no mmap at all). ---

void* SyscallMmap(void* address, size_t length, int prot, int flags, int fd,
                  off_t offset) {
  return reinterpret_cast<void*>(
      syscall(SYS_mmap, address, length, prot, flags, fd, offset));
}

int SyscallMunmap(void* address, size_t length) {
  return static_cast<int>(syscall(SYS_munmap, address, length));
}

void* SyscallMremap(void* old_address, size_t old_length, size_t new_length,
                    int flags, ...) {
  void* new_address = nullptr;
  if (flags & MREMAP_FIXED) {
    va_list args;
    va_start(args, flags);
    new_address = va_arg(args, void*);
    va_end(args);
  }
  return reinterpret_cast<void*>(syscall(SYS_mremap, old_address, old_length,
                                         new_length, flags, new_address));
}

// An allocator without malloc_usable_size: every block measures 0, and
// NextHasUsableSize() says so.
size_t NoUsableSize(void* /*ptr*/) { return 0; }

// reallocarray for a C library without one (glibc before 2.26).
void* ReallocArrayByRealloc(void* ptr, size_t count, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return Next(g_next.realloc)(ptr, bytes);
}

int PosixMemalignByMemalign(void** out, size_t alignment, size_t size) {
  if (!ValidAlignment(alignment) || alignment % sizeof(void*) != 0) {
    return EINVAL;
  }
  void* p = Next(g_next.memalign)(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

template <typename Fn>
Fn Find(LookupFn lookup, const char* name, Fn fallback) {
  void* found = lookup(name);
  return found != nullptr ? reinterpret_cast<Fn>(found) : fallback;
}

// Looks every name up, then publishes them all. Returns false, doing
// nothing, when called again on the thread that is already looking names up
// (dlsym allocating): the caller then serves the request itself.
bool Resolve() {
  if (__builtin_expect(g_resolved.load(std::memory_order_acquire), 1)) {
    return true;
  }
  if (t_resolving != 0) return false;
  t_resolving = 1;
  const int saved_errno = errno;
  const LookupFn lookup = g_lookup.load();
  // Everything is looked up before anything is stored: until then every
  // entry is still a stub, so what dlsym allocates meanwhile comes from the
  // bootstrap heap, and what it frees goes back there, consistently.
  const auto malloc_fn = Find<MallocFn>(lookup, "malloc", &__libc_malloc);
  const auto calloc_fn = Find<CallocFn>(lookup, "calloc", &__libc_calloc);
  const auto realloc_fn = Find<ReallocFn>(lookup, "realloc", &__libc_realloc);
  const auto reallocarray_fn =
      Find<ReallocArrayFn>(lookup, "reallocarray", &ReallocArrayByRealloc);
  const auto free_fn = Find<FreeFn>(lookup, "free", &__libc_free);
  const auto posix_memalign_fn =
      Find<PosixMemalignFn>(lookup, "posix_memalign", &PosixMemalignByMemalign);
  const auto aligned_alloc_fn =
      Find<AlignedFn>(lookup, "aligned_alloc", &__libc_memalign);
  const auto memalign_fn =
      Find<AlignedFn>(lookup, "memalign", &__libc_memalign);
  const auto valloc_fn = Find<MallocFn>(lookup, "valloc", &__libc_valloc);
  const auto pvalloc_fn = Find<MallocFn>(lookup, "pvalloc", &__libc_pvalloc);
  const auto mmap_fn = Find<MmapFn>(lookup, "mmap", &SyscallMmap);
  const auto mmap64_fn = Find<MmapFn>(lookup, "mmap64", &SyscallMmap);
  const auto munmap_fn = Find<MunmapFn>(lookup, "munmap", &SyscallMunmap);
  const auto mremap_fn = Find<MremapFn>(lookup, "mremap", &SyscallMremap);
  const auto usable_size_fn =
      Find<UsableSizeFn>(lookup, "malloc_usable_size", &NoUsableSize);

  g_next.malloc.store(malloc_fn, std::memory_order_relaxed);
  g_next.calloc.store(calloc_fn, std::memory_order_relaxed);
  g_next.realloc.store(realloc_fn, std::memory_order_relaxed);
  g_next.reallocarray.store(reallocarray_fn, std::memory_order_relaxed);
  g_next.free.store(free_fn, std::memory_order_relaxed);
  g_next.posix_memalign.store(posix_memalign_fn, std::memory_order_relaxed);
  g_next.aligned_alloc.store(aligned_alloc_fn, std::memory_order_relaxed);
  g_next.memalign.store(memalign_fn, std::memory_order_relaxed);
  g_next.valloc.store(valloc_fn, std::memory_order_relaxed);
  g_next.pvalloc.store(pvalloc_fn, std::memory_order_relaxed);
  g_next.mmap.store(mmap_fn, std::memory_order_relaxed);
  g_next.mmap64.store(mmap64_fn, std::memory_order_relaxed);
  g_next.munmap.store(munmap_fn, std::memory_order_relaxed);
  g_next.mremap.store(mremap_fn, std::memory_order_relaxed);
  g_next.malloc_usable_size.store(usable_size_fn, std::memory_order_relaxed);
  g_resolved.store(true, std::memory_order_release);
  errno = saved_errno;
  t_resolving = 0;
  return true;
}

// --- The stubs each entry starts as: resolve, then call the real function;
// or, on the thread inside dlsym, serve the call from the bootstrap heap.
// A realloc or free of a bootstrap block never gets here (hooks.cc handles
// those first); a real block cannot exist on the resolving thread before
// resolution, so there is nothing else such a realloc or free could mean. ---

void* ResolvingMalloc(size_t size) {
  if (!Resolve()) return g_bootstrap_heap.Allocate(size);
  return Next(g_next.malloc)(size);
}

void* ResolvingCalloc(size_t count, size_t size) {
  if (!Resolve()) {
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) {
      errno = ENOMEM;
      return nullptr;
    }
    return g_bootstrap_heap.Allocate(bytes);  // never reused: still zero
  }
  return Next(g_next.calloc)(count, size);
}

void* ResolvingRealloc(void* ptr, size_t size) {
  if (!Resolve()) {
    if (ptr == nullptr) return g_bootstrap_heap.Allocate(size);
    errno = ENOMEM;
    return nullptr;
  }
  return Next(g_next.realloc)(ptr, size);
}

void* ResolvingReallocArray(void* ptr, size_t count, size_t size) {
  if (!Resolve()) {
    size_t bytes;
    if (ptr != nullptr || __builtin_mul_overflow(count, size, &bytes)) {
      errno = ENOMEM;
      return nullptr;
    }
    return g_bootstrap_heap.Allocate(bytes);
  }
  return Next(g_next.reallocarray)(ptr, count, size);
}

void ResolvingFree(void* ptr) {
  if (!Resolve()) return;
  Next(g_next.free)(ptr);
}

int ResolvingPosixMemalign(void** out, size_t alignment, size_t size) {
  if (!Resolve()) {
    if (!ValidAlignment(alignment) || alignment % sizeof(void*) != 0) {
      return EINVAL;
    }
    void* p = g_bootstrap_heap.Allocate(size, alignment);
    if (p == nullptr) return ENOMEM;
    *out = p;
    return 0;
  }
  return Next(g_next.posix_memalign)(out, alignment, size);
}

void* BootstrapAligned(size_t alignment, size_t size) {
  if (!ValidAlignment(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  return g_bootstrap_heap.Allocate(size, alignment);
}

void* ResolvingAlignedAlloc(size_t alignment, size_t size) {
  if (!Resolve()) return BootstrapAligned(alignment, size);
  return Next(g_next.aligned_alloc)(alignment, size);
}

void* ResolvingMemalign(size_t alignment, size_t size) {
  if (!Resolve()) return BootstrapAligned(alignment, size);
  return Next(g_next.memalign)(alignment, size);
}

void* ResolvingValloc(size_t size) {
  if (!Resolve()) return g_bootstrap_heap.Allocate(size, PageSize());
  return Next(g_next.valloc)(size);
}

void* ResolvingPvalloc(size_t size) {
  if (!Resolve()) {
    const size_t page = PageSize();
    return g_bootstrap_heap.Allocate((size + page - 1) & ~(page - 1), page);
  }
  return Next(g_next.pvalloc)(size);
}

void* ResolvingMmap(void* address, size_t length, int prot, int flags, int fd,
                    off_t offset) {
  if (!Resolve()) return SyscallMmap(address, length, prot, flags, fd, offset);
  return Next(g_next.mmap)(address, length, prot, flags, fd, offset);
}

void* ResolvingMmap64(void* address, size_t length, int prot, int flags, int fd,
                      off_t offset) {
  if (!Resolve()) return SyscallMmap(address, length, prot, flags, fd, offset);
  return Next(g_next.mmap64)(address, length, prot, flags, fd, offset);
}

int ResolvingMunmap(void* address, size_t length) {
  if (!Resolve()) return SyscallMunmap(address, length);
  return Next(g_next.munmap)(address, length);
}

void* ResolvingMremap(void* old_address, size_t old_length, size_t new_length,
                      int flags, ...) {
  void* new_address = nullptr;
  if (flags & MREMAP_FIXED) {
    va_list args;
    va_start(args, flags);
    new_address = va_arg(args, void*);
    va_end(args);
  }
  if (!Resolve()) {
    return SyscallMremap(old_address, old_length, new_length, flags,
                         new_address);
  }
  return Next(g_next.mremap)(old_address, old_length, new_length, flags,
                             new_address);
}

// A block measured before the names are resolved can only be the
// bootstrap heap's (see real_allocator.h), which the next allocator must
// never see.
size_t ResolvingMallocUsableSize(void* ptr) {
  if (!Resolve()) return 0;
  return Next(g_next.malloc_usable_size)(ptr);
}

}  // namespace

// Constant-initialised (function addresses only): valid before any
// constructor runs, which is when the first malloc arrives.
NextAllocator g_next = {
    {&ResolvingMalloc},
    {&ResolvingCalloc},
    {&ResolvingRealloc},
    {&ResolvingReallocArray},
    {&ResolvingFree},
    {&ResolvingPosixMemalign},
    {&ResolvingAlignedAlloc},
    {&ResolvingMemalign},
    {&ResolvingValloc},
    {&ResolvingPvalloc},
    {&ResolvingMmap},
    {&ResolvingMmap64},
    {&ResolvingMunmap},
    {&ResolvingMremap},
    {&ResolvingMallocUsableSize},
};

bool NextHasUsableSize() {
  return Resolve() && Next(g_next.malloc_usable_size) != &NoUsableSize;
}

namespace {

bool DefinedInGlibc(const void* function) {
  Dl_info info;
  if (dladdr(function, &info) == 0 || info.dli_fname == nullptr) return false;
  const char* slash = strrchr(info.dli_fname, '/');
  return strcmp(slash != nullptr ? slash + 1 : info.dli_fname, "libc.so.6") ==
         0;
}

}  // namespace

bool NextIsGlibcMalloc() {
#if defined(__x86_64__)
  return Resolve() &&
         DefinedInGlibc(reinterpret_cast<const void*>(Next(g_next.malloc))) &&
         DefinedInGlibc(reinterpret_cast<const void*>(Next(g_next.free)));
#else
  return false;
#endif
}

BootstrapHeap<kBootstrapBytes> g_bootstrap_heap;

void ResetNextAllocatorForTesting(LookupFn lookup) {
  g_lookup.store(lookup != nullptr ? lookup : &LookUpNext);
  g_resolved.store(false);
  g_next.malloc.store(&ResolvingMalloc);
  g_next.calloc.store(&ResolvingCalloc);
  g_next.realloc.store(&ResolvingRealloc);
  g_next.reallocarray.store(&ResolvingReallocArray);
  g_next.free.store(&ResolvingFree);
  g_next.posix_memalign.store(&ResolvingPosixMemalign);
  g_next.aligned_alloc.store(&ResolvingAlignedAlloc);
  g_next.memalign.store(&ResolvingMemalign);
  g_next.valloc.store(&ResolvingValloc);
  g_next.pvalloc.store(&ResolvingPvalloc);
  g_next.mmap.store(&ResolvingMmap);
  g_next.mmap64.store(&ResolvingMmap64);
  g_next.munmap.store(&ResolvingMunmap);
  g_next.mremap.store(&ResolvingMremap);
  g_next.malloc_usable_size.store(&ResolvingMallocUsableSize);
}

}  // namespace preload
}  // namespace tidemark
