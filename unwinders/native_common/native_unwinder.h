#ifndef TIDEMARK_UNWINDERS_NATIVE_COMMON_NATIVE_UNWINDER_H_
#define TIDEMARK_UNWINDERS_NATIVE_COMMON_NATIVE_UNWINDER_H_

#include <cstdint>

#include "core/frame.h"
#include "core/unwinder.h"

namespace tidemark {
namespace native {

// The loaded range of the object holding `address` (the whole object:
// every PT_LOAD segment), {0, 0} when none. Allocation-free; not for the
// hook path (it takes the loader's lock).
struct CodeRange {
  uint64_t low = 0;
  uint64_t high = 0;
  bool Holds(uint64_t pc) const { return pc >= low && pc < high; }
};
CodeRange ObjectHolding(const void* address);

// What the native unwinders share: frames are bare return addresses
// (RawFrame::Native), named at report time (core/native_symbols.h); naming
// one now only records its module (core/module_map.h). The profiler's own
// frames at the inner end of a stack (the unwinder, the tracker, the
// exported malloc) are left out: a stack starts at the program's call.
class NativeUnwinder : public Unwinder {
 public:
  NativeUnwinder();
  void Resolve(const RawFrame& frame, ResolvedFrame* out) override;

  // Frames inside `range` at the inner end are dropped (default: the
  // object this code is linked into, libtidemark.so). Tests, whose code
  // is all in one executable, set an empty range.
  void set_own_code(CodeRange range) { own_code_ = range; }

 protected:
  // Copies `pcs[0..n)` into `frames` (at most `max`), innermost first,
  // dropping the profiler's own leading frames. Returns the count.
  int Emit(const uint64_t* pcs, int n, RawFrame* frames, int max) const;

  CodeRange own_code_;
};

}  // namespace native
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_NATIVE_COMMON_NATIVE_UNWINDER_H_
