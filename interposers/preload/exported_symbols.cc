// The C symbols that LD_PRELOAD puts in front of the C library's (and of any
// allocator preloaded after us). Only the preloaded
// library links this file (tools:libtidemark.so); tests and benchmarks call
// the bodies in hooks.h directly.
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "interposers/preload/hooks.h"

namespace hooks = ::tidemark::preload;

#define TIDEMARK_EXPORT extern "C" __attribute__((visibility("default")))

TIDEMARK_EXPORT void* malloc(size_t size) { return hooks::Malloc(size); }
TIDEMARK_EXPORT void* calloc(size_t count, size_t size) {
  return hooks::Calloc(count, size);
}
TIDEMARK_EXPORT void* realloc(void* ptr, size_t size) {
  return hooks::Realloc(ptr, size);
}
TIDEMARK_EXPORT void* reallocarray(void* ptr, size_t count, size_t size) {
  return hooks::ReallocArray(ptr, count, size);
}
TIDEMARK_EXPORT void free(void* ptr) { hooks::Free(ptr); }
// glibc keeps cfree only for old binaries; it was always free.
TIDEMARK_EXPORT void cfree(void* ptr) { hooks::Free(ptr); }
TIDEMARK_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) {
  return hooks::PosixMemalign(out, alignment, size);
}
TIDEMARK_EXPORT void* aligned_alloc(size_t alignment, size_t size) {
  return hooks::AlignedAlloc(alignment, size);
}
TIDEMARK_EXPORT void* memalign(size_t alignment, size_t size) {
  return hooks::Memalign(alignment, size);
}
TIDEMARK_EXPORT void* valloc(size_t size) { return hooks::Valloc(size); }
TIDEMARK_EXPORT void* pvalloc(size_t size) { return hooks::Pvalloc(size); }

TIDEMARK_EXPORT void* mmap(void* address, size_t length, int prot, int flags,
                           int fd, off_t offset) {
  return hooks::Mmap(address, length, prot, flags, fd, offset);
}
TIDEMARK_EXPORT void* mmap64(void* address, size_t length, int prot, int flags,
                             int fd, off_t offset) {
  return hooks::Mmap64(address, length, prot, flags, fd, offset);
}
TIDEMARK_EXPORT int munmap(void* address, size_t length) {
  return hooks::Munmap(address, length);
}
TIDEMARK_EXPORT void* mremap(void* old_address, size_t old_length,
                             size_t new_length, int flags, ...) {
  void* new_address = nullptr;
  if (flags & MREMAP_FIXED) {
    va_list args;
    va_start(args, flags);
    new_address = va_arg(args, void*);
    va_end(args);
  }
  return hooks::Mremap(old_address, old_length, new_length, flags, new_address);
}
