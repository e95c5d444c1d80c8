#include "interposers/preload/real_allocator.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tidemark {
namespace preload {

void* RealMmap(void* address, size_t length, int prot, int flags, int fd,
               long offset) {
  return reinterpret_cast<void*>(
      syscall(SYS_mmap, address, length, prot, flags, fd, offset));
}

int RealMunmap(void* address, size_t length) {
  return static_cast<int>(syscall(SYS_munmap, address, length));
}

void* RealMremap(void* old_address, size_t old_length, size_t new_length,
                 int flags, void* new_address) {
  return reinterpret_cast<void*>(syscall(SYS_mremap, old_address, old_length,
                                         new_length, flags, new_address));
}

}  // namespace preload
}  // namespace tidemark
