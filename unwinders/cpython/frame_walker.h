#ifndef TIDEMARK_UNWINDERS_CPYTHON_FRAME_WALKER_H_
#define TIDEMARK_UNWINDERS_CPYTHON_FRAME_WALKER_H_

#include <cstdint>

#include "core/frame.h"
#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {

// Walks the interpreter frames of thread state `tstate` (which must be the
// calling thread's own, so the chain cannot change underneath), innermost
// first, writing RawFrame::Python(code object, PackFrameDetail(...)) for each
// frame that is running a code object. Skips frames that are not: C-stack
// shim frames (3.12+), frames whose executable is not a code object
// (`code_type` is &PyCode_Type), and frames still being set up (3.11+). Never
// allocates. Returns the number of frames written, at most `max`.
int WalkFrames(const Layout& layout, uintptr_t code_type, uintptr_t tstate,
               RawFrame* frames, int max);

// Which frames of a walk each C-level call of CPython's evaluator
// (_PyEval_EvalFrameDefault) was running, innermost call first: what a
// hybrid stack needs to put each evaluator frame of a native walk in place
// of the Python frames it ran. A native walk finds the evaluator calls
// innermost first too, so the k-th evaluator frame it meets ran group k.
//  - 3.10: every frame is a call of its own.
//  - 3.11: a call's outermost frame has is_entry set.
//  - 3.12+: each call pushes a shim frame (owned by the C stack) under its
//    outermost frame.
struct EvaluatorCalls {
  static constexpr int kMax = 2 * 128 + 16;  // a walk's link budget
  // Calls whose frames were all walked. Call k's written frames are
  // [k == 0 ? 0 : ends[k - 1], ends[k]); a call can have none (its only
  // frame was skipped, e.g. still in its prologue).
  int count = 0;
  uint16_t ends[kMax];
  // Whether the walk reached the outermost frame: when not (`max` frames
  // written first), frames after ends[count - 1] belong to a call whose
  // outer part, and the calls beyond it, were not walked.
  bool complete = false;
};

// WalkFrames, also filling `calls`.
int WalkFramesAndCalls(const Layout& layout, uintptr_t code_type,
                       uintptr_t tstate, RawFrame* frames, int max,
                       EvaluatorCalls* calls);

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_FRAME_WALKER_H_
