#ifndef TIDEMARK_INTERPOSERS_JEMALLOC_HOOKS_H_
#define TIDEMARK_INTERPOSERS_JEMALLOC_HOOKS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace tidemark {
namespace jemalloc {

// jemalloc's experimental hooks (jemalloc 5.1 and later,
// mallctl("experimental.hooks.install")), declared here by their documented
// shape (include/jemalloc/internal/hook.h of jemalloc 5.x): no jemalloc
// header or library at build time; whether the running jemalloc offers them
// is asked at run time. The allocation hook runs after the block is made,
// the free hook before it is released, the expand hook after a realloc
// grew or shrank a block in place; a realloc that moves calls the
// allocation hook for the new block, then the free hook for the old.
enum AllocKind : int {
  kAllocMalloc = 0,
  kAllocPosixMemalign = 1,
  kAllocAlignedAlloc = 2,
  kAllocCalloc = 3,
  kAllocMemalign = 4,
  kAllocValloc = 5,
  kAllocMallocx = 6,
  kAllocRealloc = 7,
  kAllocRallocx = 8,
};

using AllocHookFn = void (*)(void* extra, int kind, void* result,
                             uintptr_t result_raw, uintptr_t args_raw[3]);
using DallocHookFn = void (*)(void* extra, int kind, void* address,
                              uintptr_t args_raw[3]);
using ExpandHookFn = void (*)(void* extra, int kind, void* address,
                              size_t old_usize, size_t new_usize,
                              uintptr_t result_raw, uintptr_t args_raw[4]);

struct Hooks {
  AllocHookFn alloc_hook;
  DallocHookFn dalloc_hook;
  ExpandHookFn expand_hook;
  void* extra;
};

// The bytes the program asked for, from an allocation hook's arguments
// (calloc: count x size; posix_memalign: the third argument; ...).
size_t RequestedBytes(int kind, const uintptr_t args_raw[3]);

// The hooks, reporting to the core (core/allocation_hooks.h).
void OnAlloc(void* extra, int kind, void* result, uintptr_t result_raw,
             uintptr_t args_raw[3]);
void OnDalloc(void* extra, int kind, void* address, uintptr_t args_raw[3]);
void OnExpand(void* extra, int kind, void* address, size_t old_usize,
              size_t new_usize, uintptr_t result_raw, uintptr_t args_raw[4]);

using MallctlFn = int (*)(const char* name, void* oldp, size_t* oldlenp,
                          void* newp, size_t newlen);
using UsableSizeFn = size_t (*)(void* ptr);

// The running jemalloc, found at run time: the object that defines mallctl
// must be the one that defines the process's malloc (a jemalloc some
// library carries privately serves nobody else).
struct Jemalloc {
  MallctlFn mallctl = nullptr;
  UsableSizeFn usable_size = nullptr;
  std::string version;
};
bool FindJemalloc(Jemalloc* out, std::string* error);

// Whether the program's malloc is this jemalloc's, and it offers
// experimental.hooks.install: hooks that only note that an allocation
// reached them, installed around one malloc call of this library's (which
// resolves as every other library's does; dlsym's answer for "malloc"
// would be the executable's PLT entry, which says nothing). False with a
// reason otherwise (e.g. under a sanitizer, whose malloc comes first).
bool ProbeProgramsMalloc(const Jemalloc& jemalloc, std::string* error);

// Installs the hooks (and sample mode's block measure, jemalloc's usable
// size); *handle is what RemoveHooks needs. False with a reason when
// jemalloc refuses them.
bool InstallHooks(const Jemalloc& jemalloc, void** handle, std::string* error);
void RemoveHooks(const Jemalloc& jemalloc, void* handle);

}  // namespace jemalloc
}  // namespace tidemark

#endif  // TIDEMARK_INTERPOSERS_JEMALLOC_HOOKS_H_
