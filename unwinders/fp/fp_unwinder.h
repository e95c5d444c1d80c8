#ifndef TIDEMARK_UNWINDERS_FP_FP_UNWINDER_H_
#define TIDEMARK_UNWINDERS_FP_FP_UNWINDER_H_

#include "unwinders/native_common/native_unwinder.h"

namespace tidemark {

// `fp`: the native stack by its frame-pointer chain, bounded by the
// thread's stack mapping (frame_pointer_walk.h). The cheapest native
// unwinder, exact where every caller keeps frame pointers (this project's
// own code does, -fno-omit-frame-pointer); code built without them is
// skipped or ends the stack early, never a fault.
class FpUnwinder : public native::NativeUnwinder {
 public:
  int Capture(RawFrame* frames, int max) override;
};

}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_FP_FP_UNWINDER_H_
