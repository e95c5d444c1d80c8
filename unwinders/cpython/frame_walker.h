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

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_FRAME_WALKER_H_
