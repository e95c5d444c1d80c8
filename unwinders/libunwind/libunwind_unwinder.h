#ifndef TIDEMARK_UNWINDERS_LIBUNWIND_LIBUNWIND_UNWINDER_H_
#define TIDEMARK_UNWINDERS_LIBUNWIND_LIBUNWIND_UNWINDER_H_

#include <atomic>
#include <cstdint>

#include "unwinders/native_common/native_unwinder.h"

namespace tidemark {

// `libunwind`: the native stack by libunwind's local unwinder
// (unw_backtrace: DWARF CFI from .eh_frame, with its per-thread cache of
// what it learnt per address, so a repeated stack costs little), which
// crosses code built without frame pointers.
//
// libunwind is loaded with dlopen(RTLD_LOCAL) when the unwinder is chosen,
// not linked: Debian's libunwind.so exports _Unwind_RaiseException and the
// rest of the C++ exception ABI, and a library the preloaded one needs
// would come before libgcc_s in every program's lookup order, taking over
// its exceptions. Its cache is flushed when the module map sees an unload
// (core/module_map.h), so code loaded where unloaded code was is not
// unwound with the old code's rules.
class LibunwindUnwinder : public native::NativeUnwinder {
 public:
  LibunwindUnwinder();
  int Capture(RawFrame* frames, int max) override;
  // Whether libunwind could be loaded (else Capture records nothing).
  bool loaded() const { return backtrace_ != nullptr; }

 private:
  using Backtrace = int (*)(void**, int);
  using FlushCache = void (*)(void*, uint64_t, uint64_t);
  Backtrace backtrace_ = nullptr;
  FlushCache flush_cache_ = nullptr;
  void* address_space_ = nullptr;  // unw_local_addr_space
  std::atomic<uint64_t> unloads_seen_{0};
};

}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_LIBUNWIND_LIBUNWIND_UNWINDER_H_
