#ifndef TIDEMARK_CORE_MODULE_MAP_H_
#define TIDEMARK_CORE_MODULE_MAP_H_

#include <link.h>

#include <atomic>
#include <cstdint>

#include "core/frame.h"
#include "core/module_record.h"
#include "core/profile_format.h"
#include "core/spinlock.h"

namespace tidemark {

class ProfileStore;

// The process's module map, kept so that native frames, captured as bare
// return addresses, can be named at report time (core/native_symbols.h),
// even in another process and after this one died: each module seen is
// also copied into the stored profile. Entries are never removed, so a
// library dlclose'd before the report still names the frames captured in
// it; a library loaded again gets a second entry only if it lands
// elsewhere.
//
// Refreshed from dl_iterate_phdr when the loader's counters of loads and
// unloads moved (RefreshIfChanged: one locked call that stops after the
// first object), which native unwinders do when they name a new frame, so
// every named frame's module is in the map. Nothing here calls malloc:
// records, paths and the table come from the profiler's own arena, so it
// runs inside the allocation hook.
class ModuleMap {
 public:
  static constexpr uint32_t kMaxModules = profile_format::kMaxModules;

  // The process's map (constant-initialized).
  static ModuleMap& Get();

  // New modules are also copied into `store`; those already seen are
  // copied now. Not thread-safe against a concurrent refresh: call at
  // start (or in a fork handler, the only thread).
  void set_store(ProfileStore* store);

  // Refreshes the map if the loader loaded or unloaded anything since the
  // last look. Never waits: if another thread is refreshing, returns at
  // once (the caller names its frame with the map as it is).
  void RefreshIfChanged();

  // The most recently added module whose loaded range holds `address`,
  // or nullptr. Lock-free.
  const ModuleRecord* Find(uint64_t address) const;

  uint32_t count() const { return count_.load(std::memory_order_acquire); }
  // The loader's count of unloads at the last refresh: an unwinder that
  // caches what it learnt per address drops its cache when this moves.
  uint64_t unloads() const { return unloads_.load(std::memory_order_relaxed); }
  const ModuleRecord* at(uint32_t i) const { return records_[i]; }

  // Writes `address`'s module into `out->file` (its path; "" when no
  // module holds it) and leaves the function empty: how a native
  // unwinder's Resolve records a frame for deferred symbolization.
  static void ResolveNative(uint64_t address, ResolvedFrame* out);

 private:
  struct Loaded;
  static int OnObject(dl_phdr_info* info, size_t size, void* data);
  static int OnCounters(dl_phdr_info* info, size_t size, void* data);
  void AddLocked(const ModuleRecord& candidate);

  SpinLock lock_;
  std::atomic<uint32_t> count_{0};
  std::atomic<uint64_t> unloads_{0};
  // Loader counters at the last refresh (dlpi_adds, dlpi_subs); ~0: never.
  unsigned long long adds_ = ~0ULL;
  unsigned long long subs_ = ~0ULL;
  ModuleRecord* records_[kMaxModules] = {};
  ProfileStore* store_ = nullptr;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_MODULE_MAP_H_
