#include "interposers/glibc/hooks.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <string>

#include "core/allocation_hooks.h"
#include "core/live_total.h"
#include "core/thread_state.h"

// glibc's allocator itself (libc.so.6, public since glibc 2.0): what the
// debug library calls when no hook is set. They never read the hooks.
extern "C" {
void* __libc_malloc(size_t size);
void __libc_free(void* ptr);
void* __libc_realloc(void* ptr, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
}

namespace tidemark {
namespace glibc {
namespace {

constexpr char kDebugLibrary[] = "libc_malloc_debug.so.0";
// The hook variables are compat symbols of the first x86-64 glibc.
constexpr char kHookVersion[] = "GLIBC_2.2.5";

// Every call into glibc's allocator is bracketed, so that a report signal
// landing inside it is deferred until it returns (ThreadState::in_allocator).
template <typename Fn, typename... Args>
inline auto InAllocator(Fn fn, Args... args) {
  AllocatorCall call;
  return fn(args...);
}

void ReleaseToGlibc(void* ptr) { InAllocator(&__libc_free, ptr); }

inline void FailedIfOutOfMemory(size_t size) {
  if (errno == ENOMEM) OnAllocationFailed(size);
}

// glibc's malloc checking (MALLOC_CHECK_, the glibc.malloc.check tunable)
// lays blocks out its own way; hooks that allocate with __libc_malloc
// would mix the two kinds.
// The probe that tells whether the process's malloc is the debug
// library's: set as __malloc_hook for one malloc call. It serves any
// thread's malloc meanwhile, as the real hook would.
std::atomic<bool> g_probe_reached{false};
void* ProbeMallocHook(size_t size, const void* /*caller*/) {
  g_probe_reached.store(true);
  return __libc_malloc(size);
}

bool MallocCheckingOn() {
  const char* check = getenv("MALLOC_CHECK_");
  if (check != nullptr && check[0] != '\0' && strcmp(check, "0") != 0) {
    return true;
  }
  const char* tunables = getenv("GLIBC_TUNABLES");
  return tunables != nullptr &&
         strstr(tunables, "glibc.malloc.check") != nullptr;
}

}  // namespace

void* MallocHook(size_t size, const void* /*caller*/) {
  void* p = InAllocator(&__libc_malloc, size);
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(size);
    return p;
  }
  OnAllocation(p, size);
  return p;
}

void* ReallocHook(void* ptr, size_t size, const void* /*caller*/) {
  // The old block leaves the books before realloc can hand its address to
  // another thread (as the preload backend does; a failed realloc leaves
  // it live but untracked: a rare undercount).
  OnFree(ptr);
  void* p = InAllocator(&__libc_realloc, ptr, size);
  if (__builtin_expect(p == nullptr, 0)) {
    // realloc(p, 0) frees and answers NULL: no failure.
    if (size != 0) FailedIfOutOfMemory(size);
    return p;
  }
  OnAllocation(p, size);
  return p;
}

void* MemalignHook(size_t alignment, size_t size, const void* /*caller*/) {
  void* p = InAllocator(&__libc_memalign, alignment, size);
  if (__builtin_expect(p == nullptr, 0)) {
    FailedIfOutOfMemory(size);
    return p;
  }
  OnAllocation(p, size);
  return p;
}

void FreeHook(void* ptr, const void* /*caller*/) {
  if (ptr == nullptr) return;
  OnFreeThenRelease(ptr, &ReleaseToGlibc);
}

bool FindHookVariables(HookVariables* out, std::string* error) {
  if (MallocCheckingOn()) {
    *error =
        "glibc's malloc checking is on (MALLOC_CHECK_ or the "
        "glibc.malloc.check tunable), whose blocks the hooks cannot handle";
    return false;
  }
  void* debug = dlopen(kDebugLibrary, RTLD_LAZY | RTLD_NOLOAD);
  if (debug == nullptr) {
    *error = std::string(kDebugLibrary) +
             " is not loaded: since glibc 2.34 only it reads __malloc_hook "
             "& co (preload it, as tidemark --interposer=glibc does)";
    return false;
  }
  HookVariables found;
  found.malloc_hook =
      static_cast<MallocHookFn*>(dlvsym(debug, "__malloc_hook", kHookVersion));
  found.realloc_hook = static_cast<ReallocHookFn*>(
      dlvsym(debug, "__realloc_hook", kHookVersion));
  found.memalign_hook = static_cast<MemalignHookFn*>(
      dlvsym(debug, "__memalign_hook", kHookVersion));
  found.free_hook =
      static_cast<FreeHookFn*>(dlvsym(debug, "__free_hook", kHookVersion));
  // NOLOAD took a reference; the library stays (it was preloaded).
  dlclose(debug);
  if (found.malloc_hook == nullptr || found.realloc_hook == nullptr ||
      found.memalign_hook == nullptr || found.free_hook == nullptr) {
    *error = std::string(kDebugLibrary) + " has no __malloc_hook & co";
    return false;
  }
  *out = found;
  return true;
}

bool InstallHooks(const HookVariables& v, std::string* error) {
  // The debug library's first malloc (or realloc, or memalign) runs its
  // one-time set-up, which sets all three hooks back to null: let it run
  // now, so it cannot undo ours. volatile: the pair must not be elided.
  void* volatile first = malloc(1);
  free(first);
  // Whether the program's malloc reaches the debug library at all: this
  // library's own call resolves as every other library's does (dlsym's
  // answer would be the executable's PLT entry, which says nothing).
  MallocHookFn previous = __atomic_load_n(v.malloc_hook, __ATOMIC_ACQUIRE);
  g_probe_reached.store(false);
  __atomic_store_n(v.malloc_hook, &ProbeMallocHook, __ATOMIC_RELEASE);
  void* volatile probe = malloc(1);
  __atomic_store_n(v.malloc_hook, previous, __ATOMIC_RELEASE);
  const bool reached = g_probe_reached.load();
  // Not through the hooks' free: the block is glibc's either way.
  free(probe);
  if (!reached) {
    Dl_info info;
    void* bound = dlsym(RTLD_NEXT, "malloc");
    *error = std::string("the process's malloc is not ") + kDebugLibrary +
             "'s (another allocator comes first in the lookup order" +
             (bound != nullptr && dladdr(bound, &info) != 0 &&
                      info.dli_fname != nullptr
                  ? std::string(", e.g. ") + info.dli_fname
                  : std::string()) +
             "), so glibc's hooks would see nothing";
    return false;
  }
  if (__atomic_load_n(v.malloc_hook, __ATOMIC_ACQUIRE) != nullptr ||
      __atomic_load_n(v.realloc_hook, __ATOMIC_ACQUIRE) != nullptr ||
      __atomic_load_n(v.memalign_hook, __ATOMIC_ACQUIRE) != nullptr ||
      __atomic_load_n(v.free_hook, __ATOMIC_ACQUIRE) != nullptr) {
    *error =
        "glibc's malloc hooks are already in use (mcheck, mtrace or "
        "another tool)";
    return false;
  }
#if defined(__x86_64__)
  // The chunk's size, flags masked off: the word glibc keeps before each
  // block (as the preload backend reads it behind glibc's malloc).
  LiveTotal::SetBlockSizeFromHeaderWord(~uintptr_t{7});
#else
  LiveTotal::SetBlockSizeFunction(&malloc_usable_size);
#endif
  // free first: a block allocated through the malloc hook must never reach
  // an unhooked free (its entry would stay in the books). A free of a
  // block allocated before is harmless (not in the books).
  __atomic_store_n(v.free_hook, &FreeHook, __ATOMIC_RELEASE);
  __atomic_store_n(v.realloc_hook, &ReallocHook, __ATOMIC_RELEASE);
  __atomic_store_n(v.memalign_hook, &MemalignHook, __ATOMIC_RELEASE);
  __atomic_store_n(v.malloc_hook, &MallocHook, __ATOMIC_RELEASE);
  return true;
}

void UninstallHooks(const HookVariables& v) {
  // The reverse order: allocations stop being seen before frees do.
  __atomic_store_n(v.malloc_hook, nullptr, __ATOMIC_RELEASE);
  __atomic_store_n(v.memalign_hook, nullptr, __ATOMIC_RELEASE);
  __atomic_store_n(v.realloc_hook, nullptr, __ATOMIC_RELEASE);
  __atomic_store_n(v.free_hook, nullptr, __ATOMIC_RELEASE);
}

}  // namespace glibc
}  // namespace tidemark
