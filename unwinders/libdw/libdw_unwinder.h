#ifndef TIDEMARK_UNWINDERS_LIBDW_LIBDW_UNWINDER_H_
#define TIDEMARK_UNWINDERS_LIBDW_LIBDW_UNWINDER_H_

#include <cstdint>

#include "core/libdw_api.h"
#include "core/module_record.h"
#include "core/spinlock.h"
#include "unwinders/libdw/cfi_rules.h"
#include "unwinders/native_common/native_unwinder.h"

namespace tidemark {

// `libdw`: the native stack by the modules' DWARF call-frame information
// (.eh_frame), read with elfutils libdw; for code where neither frame
// pointers nor libunwind get through.
//
// elfutils 0.188 has no local unwinder that is safe inside malloc (its
// dwfl_getthread_frames attaches to a process through ptrace, which a
// process cannot do to itself), so the walk is Tidemark's own: per frame,
// the rules for the CFA, the return address and %rbp at the return
// address (cfi_rules.h), applied to the thread's stack within its bounds.
// What libdw cannot do without malloc is asking for those rules
// (dwarf_cfi_addrframe returns a malloc'd frame; the first question about
// a module opens its file). So rules are cached, compiled, in a table kept
// in the unwinder (made at start) keyed by address: a stack seen before is
// unwound without libdw and without malloc. A new address asks libdw,
// whose allocations go to the next allocator untracked (the capture runs
// inside the profiler's reentrancy guard, after the program's malloc
// returned, so no allocator lock is held) — except when the event comes
// from inside the allocator itself (an mmap the allocator makes, with its
// own lock held: ThreadState::in_allocator), where the walk stops at the
// first uncached address instead. libdw is not thread-safe: the questions
// and the cache are under one lock. The cache is cleared when the module
// map sees an unload.
class LibdwUnwinder : public native::NativeUnwinder {
 public:
  LibdwUnwinder();
  // The modules' CFI and files (the profiler's unwinder lives as long as
  // the process; tests make and drop them).
  ~LibdwUnwinder() override;
  int Capture(RawFrame* frames, int max) override;

 private:
  struct ModuleCfi {
    const ModuleRecord* module;
    Elf* elf;
    Dwarf_CFI* cfi;  // nullptr: the module has none, or no file
  };
  struct CacheEntry {
    uint64_t pc;  // 0: empty
    libdw_unwind::FrameRules rules;
  };
  static constexpr uint32_t kCacheEntries = 4096;
  static constexpr int kMaxModules = 512;

  // The rules at `pc` (a return address minus one). Under lock_.
  bool RulesFor(uint64_t pc, libdw_unwind::FrameRules* out);
  Dwarf_CFI* CfiFor(const ModuleRecord* module);

  const LibdwApi* dw_ = nullptr;
  SpinLock lock_;
  CacheEntry cache_[kCacheEntries] = {};
  ModuleCfi modules_[kMaxModules] = {};
  int module_count_ = 0;
  uint64_t unloads_seen_ = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_LIBDW_LIBDW_UNWINDER_H_
