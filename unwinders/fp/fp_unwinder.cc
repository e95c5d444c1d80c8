#include "unwinders/fp/fp_unwinder.h"

#include <algorithm>

#include "core/registry.h"
#include "unwinders/fp/frame_pointer_walk.h"
#include "unwinders/native_common/stack_bounds.h"

namespace tidemark {

// Not inlined: the walk starts at this function's own frame, which must
// exist (built with frame pointers, as the whole project is).
__attribute__((noinline)) int FpUnwinder::Capture(RawFrame* frames, int max) {
  constexpr int kOwnFramesRoom = 16;  // the profiler's frames, dropped
  uint64_t pcs[128 + kOwnFramesRoom];
  const int room = std::min<int>(max + kOwnFramesRoom, 128 + kOwnFramesRoom);
  const auto frame = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
  const native::StackRange range = native::CurrentStackRange(frame);
  if (range.high == 0) return 0;
  const int n = fp::WalkFramePointers(frame, frame, range.high, pcs, room);
  return Emit(pcs, n, frames, max);
}

TIDEMARK_REGISTER_UNWINDER("fp", FpUnwinder)

}  // namespace tidemark
