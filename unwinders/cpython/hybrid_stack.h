#ifndef TIDEMARK_UNWINDERS_CPYTHON_HYBRID_STACK_H_
#define TIDEMARK_UNWINDERS_CPYTHON_HYBRID_STACK_H_

#include <cstdint>

#include "core/frame.h"
#include "unwinders/cpython/frame_walker.h"

namespace tidemark {
namespace cpython {

// The machine code of CPython's evaluator, _PyEval_EvalFrameDefault: a
// native frame whose return address falls in it is a C-level call of the
// evaluator, running Python frames. (A return address is the instruction
// after the call, so the call itself is at address - 1.)
struct EvaluatorCode {
  uint64_t low = 0;
  uint64_t high = 0;  // one past the end
  bool Holds(uint64_t return_address) const {
    return return_address > low && return_address - 1 < high;
  }
};

// A hybrid stack, innermost first: the native frames, each frame of the
// evaluator replaced by the Python frames that call ran (the k-th evaluator
// frame met, innermost first, by the k-th call of `calls`: both walks go
// from the innermost frame outwards, and every C-level call of the
// evaluator is one native frame and one call). Then:
//  - Python frames the native walk found no evaluator frame for (it could
//    not go further, or was cut at its limit) follow, in order, at the
//    outer end, so the Python part of the stack is never lost;
//  - an evaluator frame beyond the Python calls (a walk of Python cut
//    short) stays a native frame.
// Writes at most `max` frames; returns the count.
int MergeHybridStack(const RawFrame* native, int native_count,
                     const RawFrame* python, int python_count,
                     const EvaluatorCalls& calls, EvaluatorCode evaluator,
                     RawFrame* out, int max);

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_HYBRID_STACK_H_
