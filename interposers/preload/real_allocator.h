#ifndef TIDEMARK_INTERPOSERS_PRELOAD_REAL_ALLOCATOR_H_
#define TIDEMARK_INTERPOSERS_PRELOAD_REAL_ALLOCATOR_H_

#include <sys/types.h>

#include <atomic>
#include <cstddef>

#include "interposers/preload/bootstrap_heap.h"

namespace tidemark {
namespace preload {

// The functions our exported malloc & co forward to: for each name, the
// next definition in the dynamic linker's lookup order after
// libtidemark.so (dlsym(RTLD_NEXT, name)). Without another allocator that
// is glibc's; with LD_PRELOAD=libtidemark.so:libjemalloc.so.2 it is
// jemalloc's, which keeps serving the program and is merely observed. Each
// name goes to its own namesake (reallocarray to the next reallocarray,
// pvalloc to the next pvalloc, ...), so the program gets exactly what it
// would get without Tidemark, including where an allocator leaves a name to
// glibc (Debian's jemalloc has no reallocarray and no pvalloc).
//
// Forwarding to glibc's __libc_malloc & co instead is wrong: blocks from a
// preloaded jemalloc would reach glibc's free, and every program aborts.
//
// mmap, mmap64, munmap and mremap go to the next definition as well, not
// straight to the system call: a tool preloaded after us that wraps them
// (a sanitizer, another profiler, a userfaultfd-based pager) keeps working,
// and errno and argument checks stay the C library's, so the program sees
// exactly what it would without us. What it costs is nothing next to the
// system call itself. The raw system call remains only for the calls that
// arrive while the names are being looked up (and if a name were missing).
// Mappings an allocator makes for its own backing store (jemalloc calls mmap
// through the PLT, from inside our forwarded malloc) are not recorded; see
// hooks.cc.
//
// Each entry starts as a stub that looks up every name at once and then
// calls the real function, so the first intercepted call (in practice made
// by the dynamic linker or libc before any thread exists) pays for the
// lookup, and every later call is one load and an indirect call, with no
// "resolved yet?" test. dlsym may itself allocate: calls that come back to
// us on the thread that is looking names up are served from
// g_bootstrap_heap (mmap & co by the raw system call). Threads that race to
// be first each look the names up and store the same answers.
using MallocFn = void* (*)(size_t);
using CallocFn = void* (*)(size_t, size_t);
using ReallocFn = void* (*)(void*, size_t);
using ReallocArrayFn = void* (*)(void*, size_t, size_t);
using FreeFn = void (*)(void*);
using PosixMemalignFn = int (*)(void**, size_t, size_t);
using AlignedFn = void* (*)(size_t, size_t);  // aligned_alloc, memalign
using MmapFn = void* (*)(void*, size_t, int, int, int, off_t);
using MunmapFn = int (*)(void*, size_t);
using MremapFn = void* (*)(void*, size_t, size_t, int, ...);
using UsableSizeFn = size_t (*)(void*);

struct NextAllocator {
  std::atomic<MallocFn> malloc;
  std::atomic<CallocFn> calloc;
  std::atomic<ReallocFn> realloc;
  std::atomic<ReallocArrayFn> reallocarray;
  std::atomic<FreeFn> free;
  std::atomic<PosixMemalignFn> posix_memalign;
  std::atomic<AlignedFn> aligned_alloc;
  std::atomic<AlignedFn> memalign;
  std::atomic<MallocFn> valloc;
  std::atomic<MallocFn> pvalloc;
  std::atomic<MmapFn> mmap;
  std::atomic<MmapFn> mmap64;
  std::atomic<MunmapFn> munmap;
  std::atomic<MremapFn> mremap;
  // Not forwarded (the program's own calls go straight to the allocator):
  // the size the allocator keeps for a block, which sample mode's exact
  // live total counts (core/live_total.h). A function that answers 0 when
  // the next allocator has none (NextHasUsableSize).
  std::atomic<UsableSizeFn> malloc_usable_size;
};

extern NextAllocator g_next;

// The entry for a name, to call: e.g. Next(g_next.malloc)(size).
template <typename Fn>
inline Fn Next(const std::atomic<Fn>& entry) {
  return entry.load(std::memory_order_relaxed);
}

// What dlsym asks for while it looks the names up (a few dozen bytes with
// older glibc, nothing with 2.36 unless it fails). Blocks from it are never
// handed to the next allocator: free ignores them, realloc copies them into
// a real block. malloc_usable_size is not ours and must never see one; only
// the dynamic linker's own code holds them.
constexpr size_t kBootstrapBytes = 32 << 10;
extern BootstrapHeap<kBootstrapBytes> g_bootstrap_heap;

// Whether the next allocator has a malloc_usable_size (looks every name up
// first if that has not happened yet; false on the thread that is already
// looking them up, inside dlsym).
bool NextHasUsableSize();

// Whether the next malloc and free are glibc's own (defined in libc.so.6),
// whose chunk header keeps each block's size in the word before it: sample
// mode's live total reads that word instead of calling (core/live_total.h).
// Only on x86-64, where no memory tagging moves the header. Looks the names
// up first, as NextHasUsableSize does.
bool NextIsGlibcMalloc();

// Tests: looks names up with `lookup` from now on (nullptr: dlsym(RTLD_NEXT))
// and puts every entry back to its stub, so that the next call resolves
// again. Only while no other thread is allocating through the hooks.
using LookupFn = void* (*)(const char* name);
void ResetNextAllocatorForTesting(LookupFn lookup);

}  // namespace preload
}  // namespace tidemark

#endif  // TIDEMARK_INTERPOSERS_PRELOAD_REAL_ALLOCATOR_H_
