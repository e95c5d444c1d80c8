#ifndef TIDEMARK_INTERPOSERS_PRELOAD_HOOKS_H_
#define TIDEMARK_INTERPOSERS_PRELOAD_HOOKS_H_

#include <sys/types.h>

#include <cstddef>

namespace tidemark {
namespace preload {

// The bodies of the exported allocation functions (exported_symbols.cc
// binds the C names to these). Kept apart from the C names so benchmarks
// and tests can call them without replacing their own malloc. Each forwards
// to the next definition of its own name (real_allocator.h) and tells the
// core what the program allocated and freed; calls made from inside the
// next allocator (an allocator's own mmap, glibc's reallocarray calling
// realloc) are forwarded without being recorded.
void* Malloc(size_t size);
void* Calloc(size_t count, size_t size);
void* Realloc(void* ptr, size_t size);
void* ReallocArray(void* ptr, size_t count, size_t size);
void Free(void* ptr);
int PosixMemalign(void** out, size_t alignment, size_t size);
void* AlignedAlloc(size_t alignment, size_t size);
void* Memalign(size_t alignment, size_t size);
void* Valloc(size_t size);
void* Pvalloc(size_t size);
void* Mmap(void* address, size_t length, int prot, int flags, int fd,
           off_t offset);
void* Mmap64(void* address, size_t length, int prot, int flags, int fd,
             off_t offset);
int Munmap(void* address, size_t length);
void* Mremap(void* old_address, size_t old_length, size_t new_length, int flags,
             void* new_address);

// Whether the preload interposer was chosen (Install()ed); until then the
// functions above only forward.
void SetDelivering(bool on);

}  // namespace preload
}  // namespace tidemark

#endif  // TIDEMARK_INTERPOSERS_PRELOAD_HOOKS_H_
