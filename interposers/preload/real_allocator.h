#ifndef TIDEMARK_INTERPOSERS_PRELOAD_REAL_ALLOCATOR_H_
#define TIDEMARK_INTERPOSERS_PRELOAD_REAL_ALLOCATOR_H_

#include <cstddef>

// glibc's own entry points behind malloc & co. Forwarding to these instead
// of dlsym(RTLD_NEXT, "malloc") avoids the bootstrap problem (dlsym itself
// allocates) and works before any constructor has run.
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

// The kernel's mmap family, called directly: before constructors run there
// is no "next" mmap to look up, and the system call is all glibc's wrapper
// does on x86-64 Linux anyway (besides setting errno, which these do too).
void* RealMmap(void* address, size_t length, int prot, int flags, int fd,
               long offset);
int RealMunmap(void* address, size_t length);
void* RealMremap(void* old_address, size_t old_length, size_t new_length,
                 int flags, void* new_address);

}  // namespace preload
}  // namespace tidemark

#endif  // TIDEMARK_INTERPOSERS_PRELOAD_REAL_ALLOCATOR_H_
