#include "unwinders/libunwind/libunwind_unwinder.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/module_map.h"
#include "core/registry.h"

namespace tidemark {
namespace {

// libunwind's unw_caching_policy_t value for a cache per thread.
constexpr int kCachePerThread = 2;  // UNW_CACHE_PER_THREAD

void Say(const char* text) {
  ssize_t ignored = write(2, text, strlen(text));
  (void)ignored;
}

}  // namespace

LibunwindUnwinder::LibunwindUnwinder() {
  void* library = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    Say("tidemark: the libunwind unwinder cannot load libunwind.so.8; "
        "native stacks are off\n");
    return;
  }
  auto set_caching = reinterpret_cast<int (*)(void*, int)>(
      dlsym(library, "_ULx86_64_set_caching_policy"));
  auto* space =
      static_cast<void**>(dlsym(library, "_ULx86_64_local_addr_space"));
  flush_cache_ =
      reinterpret_cast<FlushCache>(dlsym(library, "_Ux86_64_flush_cache"));
  if (space != nullptr) address_space_ = *space;
  if (set_caching != nullptr && address_space_ != nullptr) {
    set_caching(address_space_, kCachePerThread);
  }
  backtrace_ = reinterpret_cast<Backtrace>(dlsym(library, "unw_backtrace"));
  unloads_seen_.store(ModuleMap::Get().unloads());
}

int LibunwindUnwinder::Capture(RawFrame* frames, int max) {
  if (backtrace_ == nullptr) return 0;
  const uint64_t unloads = ModuleMap::Get().unloads();
  if (__builtin_expect(unloads != unloads_seen_.load(std::memory_order_relaxed),
                       0)) {
    unloads_seen_.store(unloads, std::memory_order_relaxed);
    if (flush_cache_ != nullptr && address_space_ != nullptr) {
      flush_cache_(address_space_, 0, 0);  // 0, 0: everything
    }
  }
  constexpr int kOwnFramesRoom = 16;  // the profiler's frames, dropped
  void* pcs[128 + kOwnFramesRoom];
  const int room = std::min<int>(max + kOwnFramesRoom, 128 + kOwnFramesRoom);
  const int n = std::max(0, backtrace_(pcs, room));
  static_assert(sizeof(void*) == sizeof(uint64_t), "64-bit");
  return Emit(reinterpret_cast<const uint64_t*>(pcs), n, frames, max);
}

TIDEMARK_REGISTER_UNWINDER("libunwind", LibunwindUnwinder)

}  // namespace tidemark
