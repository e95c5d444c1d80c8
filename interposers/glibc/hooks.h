#ifndef TIDEMARK_INTERPOSERS_GLIBC_HOOKS_H_
#define TIDEMARK_INTERPOSERS_GLIBC_HOOKS_H_

#include <cstddef>
#include <string>

namespace tidemark {
namespace glibc {

// glibc's own hook variables. Since glibc 2.34 only libc_malloc_debug.so
// reads them: its malloc, free, realloc, calloc and memalign family (which
// the program binds to when that library comes before libc.so.6 in the
// lookup order) call the hook instead of allocating. libc.so.6's own
// __malloc_hook & co are kept for old binaries only and read by nobody.
using MallocHookFn = void* (*)(size_t size, const void* caller);
using ReallocHookFn = void* (*)(void* ptr, size_t size, const void* caller);
using MemalignHookFn = void* (*)(size_t alignment, size_t size,
                                 const void* caller);
using FreeHookFn = void (*)(void* ptr, const void* caller);

struct HookVariables {
  MallocHookFn* malloc_hook = nullptr;
  ReallocHookFn* realloc_hook = nullptr;
  MemalignHookFn* memalign_hook = nullptr;
  FreeHookFn* free_hook = nullptr;
};

// The hooks. Each allocates with glibc's allocator itself, straight through
// its public entry points (__libc_malloc, __libc_free, __libc_realloc,
// __libc_memalign), which never read the hooks: so the hooks stay in place
// for the whole run and no thread ever sees them unset. The classic dance
// (unset the hook, call malloc, set it again) lets another thread's malloc
// through unseen, or hooked twice, while one thread is inside. calloc comes
// through MallocHook (the debug library zeroes the block itself), valloc,
// pvalloc, aligned_alloc and posix_memalign through MemalignHook.
void* MallocHook(size_t size, const void* caller);
void* ReallocHook(void* ptr, size_t size, const void* caller);
void* MemalignHook(size_t alignment, size_t size, const void* caller);
void FreeHook(void* ptr, const void* caller);

// The variables libc_malloc_debug.so.0 reads; false with one sentence
// saying why when it is not loaded (or glibc's checking mode is on).
bool FindHookVariables(HookVariables* out, std::string* error);

// Points the variables at the hooks (after letting the debug library run
// its one-time initialisation, which would otherwise reset them), and sets
// sample mode's block measure to glibc's chunk header. False with a reason
// when the process's malloc is not the debug library's (a probe hook sees
// whether one malloc call reaches it: another allocator may come first) or
// another hook is already in place (someone else's).
bool InstallHooks(const HookVariables& variables, std::string* error);

// Puts the variables back to null: the debug library then calls glibc's
// allocator directly, the same heap.
void UninstallHooks(const HookVariables& variables);

}  // namespace glibc
}  // namespace tidemark

#endif  // TIDEMARK_INTERPOSERS_GLIBC_HOOKS_H_
