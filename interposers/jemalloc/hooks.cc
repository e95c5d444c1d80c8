#include "interposers/jemalloc/hooks.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include <atomic>
#include <string>

#include "core/allocation_hooks.h"
#include "core/live_total.h"

namespace tidemark {
namespace jemalloc {
namespace {

void* ObjectBase(void* address) {
  Dl_info info;
  if (address == nullptr || dladdr(address, &info) == 0) return nullptr;
  return info.dli_fbase;
}

}  // namespace

size_t RequestedBytes(int kind, const uintptr_t args_raw[3]) {
  switch (kind) {
    case kAllocPosixMemalign:  // (memptr, alignment, size)
      return args_raw[2];
    case kAllocAlignedAlloc:  // (alignment, size)
    case kAllocMemalign:
    case kAllocRealloc:  // (ptr, size)
    case kAllocRallocx:  // (ptr, size, flags)
      return args_raw[1];
    case kAllocCalloc:  // (count, size); jemalloc checked the product
      return args_raw[0] * args_raw[1];
    default:  // malloc, valloc, mallocx: (size, ...)
      return args_raw[0];
  }
}

void OnAlloc(void* /*extra*/, int kind, void* result, uintptr_t result_raw,
             uintptr_t args_raw[3]) {
  const size_t bytes = RequestedBytes(kind, args_raw);
  // posix_memalign answers through its result code; the rest through the
  // pointer.
  const bool failed =
      kind == kAllocPosixMemalign ? result_raw != 0 : result == nullptr;
  if (__builtin_expect(failed, 0)) {
    const bool out_of_memory =
        kind == kAllocPosixMemalign ? result_raw == ENOMEM : errno == ENOMEM;
    if (out_of_memory) OnAllocationFailed(bytes);
    return;
  }
  OnAllocation(result, bytes);
}

void OnDalloc(void* /*extra*/, int /*kind*/, void* address,
              uintptr_t* /*args_raw*/) {
  // Before jemalloc releases the block: no other thread can have been
  // handed the address yet.
  OnFree(address);
}

void OnExpand(void* /*extra*/, int /*kind*/, void* address, size_t old_usize,
              size_t new_usize, uintptr_t /*result_raw*/,
              uintptr_t args_raw[4]) {
  // realloc and rallocx: (ptr, size, ...); xallocx: the usable size is all
  // the program can rely on.
  const size_t bytes = args_raw[1] != 0 ? args_raw[1] : new_usize;
  OnResizedInPlace(
      address, bytes,
      static_cast<int64_t>(new_usize) - static_cast<int64_t>(old_usize));
}

bool FindJemalloc(Jemalloc* out, std::string* error) {
  auto mallctl = reinterpret_cast<MallctlFn>(dlsym(RTLD_DEFAULT, "mallctl"));
  if (mallctl == nullptr) {
    *error =
        "jemalloc is not in this process (no mallctl): start the program "
        "with jemalloc linked in or LD_PRELOAD=libjemalloc.so.2";
    return false;
  }
  void* base = ObjectBase(reinterpret_cast<void*>(mallctl));
  Jemalloc found;
  found.mallctl = mallctl;
  // jemalloc's own malloc_usable_size, from the object that defines
  // mallctl (the process's, as just checked).
  Dl_info info;
  void* object = nullptr;
  if (dladdr(reinterpret_cast<void*>(mallctl), &info) != 0 &&
      info.dli_fname != nullptr) {
    object = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  }
  if (object != nullptr) {
    found.usable_size =
        reinterpret_cast<UsableSizeFn>(dlsym(object, "malloc_usable_size"));
    dlclose(object);  // NOLOAD took a reference; the object stays
  }
  if (ObjectBase(reinterpret_cast<void*>(found.usable_size)) != base) {
    found.usable_size = nullptr;
  }
  const char* version = nullptr;
  size_t length = sizeof(version);
  if (mallctl("version", &version, &length, nullptr, 0) == 0 &&
      version != nullptr) {
    found.version = version;
  }
  *out = found;
  return true;
}

namespace {

// The probe that tells whether the program's malloc is this jemalloc's:
// hooks that only note that an allocation reached them, installed around
// one malloc call of this library's (which resolves as every other
// library's does; dlsym's answer for "malloc" would be the executable's
// PLT entry, which says nothing). Any thread's allocation meanwhile counts:
// it went through this jemalloc too.
std::atomic<bool> g_probe_reached{false};
void ProbeAlloc(void*, int, void*, uintptr_t, uintptr_t*) {
  g_probe_reached.store(true);
}
void ProbeDalloc(void*, int, void*, uintptr_t*) {}
void ProbeExpand(void*, int, void*, size_t, size_t, uintptr_t, uintptr_t*) {}

int Install(const Jemalloc& jemalloc, Hooks hooks, void** handle) {
  // jemalloc copies the structure; it need not outlive the call.
  *handle = nullptr;
  size_t length = sizeof(*handle);
  return jemalloc.mallctl("experimental.hooks.install", handle, &length, &hooks,
                          sizeof(hooks));
}

}  // namespace

bool ProbeProgramsMalloc(const Jemalloc& jemalloc, std::string* error) {
  void* probe = nullptr;
  const int code = Install(
      jemalloc, {&ProbeAlloc, &ProbeDalloc, &ProbeExpand, nullptr}, &probe);
  if (code != 0 || probe == nullptr) {
    *error = "jemalloc " +
             (jemalloc.version.empty() ? std::string("(version unknown)")
                                       : jemalloc.version) +
             " offers no experimental.hooks.install (mallctl error " +
             std::to_string(code) + ")";
    return false;
  }
  g_probe_reached.store(false);
  void* volatile block = malloc(1);
  free(block);
  RemoveHooks(jemalloc, probe);
  if (!g_probe_reached.load()) {
    Dl_info info;
    const bool named =
        dladdr(reinterpret_cast<void*>(jemalloc.mallctl), &info) != 0 &&
        info.dli_fname != nullptr;
    *error = std::string("the jemalloc in ") +
             (named ? info.dli_fname : "this process") +
             " is not the program's malloc (another allocator comes first "
             "in the lookup order)";
    return false;
  }
  return true;
}

bool InstallHooks(const Jemalloc& jemalloc, void** handle, std::string* error) {
  const int code =
      Install(jemalloc, {&OnAlloc, &OnDalloc, &OnExpand, nullptr}, handle);
  if (code != 0 || *handle == nullptr) {
    *error = "jemalloc " +
             (jemalloc.version.empty() ? std::string("(version unknown)")
                                       : jemalloc.version) +
             " refused the hooks (mallctl error " + std::to_string(code) + ")";
    return false;
  }
  // Unknown without it: the session then lets the estimate choose the
  // peak's moment.
  LiveTotal::SetBlockSizeFunction(jemalloc.usable_size);
  return true;
}

void RemoveHooks(const Jemalloc& jemalloc, void* handle) {
  jemalloc.mallctl("experimental.hooks.remove", nullptr, nullptr, &handle,
                   sizeof(handle));
}

}  // namespace jemalloc
}  // namespace tidemark
