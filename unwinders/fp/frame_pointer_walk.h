#ifndef TIDEMARK_UNWINDERS_FP_FRAME_POINTER_WALK_H_
#define TIDEMARK_UNWINDERS_FP_FRAME_POINTER_WALK_H_

#include <cstdint>

namespace tidemark {
namespace fp {

// Follows the frame-pointer chain from `frame` (a frame's saved-%rbp slot:
// [frame] is the caller's frame, [frame + 8] the return address into it),
// writing up to `max` return addresses into `pcs`, innermost first.
//
// Never reads outside [low, high) (the thread's stack mapping, so no read
// can fault), and stops cleanly where the chain stops being one: a frame
// outside the bounds or misaligned, a next frame not strictly above this
// one (stacks grow down, so a real chain only goes up), a zero return
// address. Code built without frame pointers keeps %rbp as an ordinary
// register; the walk then skips the callers whose frames it cannot see or
// stops early, but never faults or loops.
int WalkFramePointers(uint64_t frame, uint64_t low, uint64_t high,
                      uint64_t* pcs, int max);

}  // namespace fp
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_FP_FRAME_POINTER_WALK_H_
