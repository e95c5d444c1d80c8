#ifndef TIDEMARK_UNWINDERS_NATIVE_COMMON_STACK_BOUNDS_H_
#define TIDEMARK_UNWINDERS_NATIVE_COMMON_STACK_BOUNDS_H_

#include <cstdint>

namespace tidemark {
namespace native {

// The mapping that holds a thread's stack, [low, high): what a stack walk
// may read without faulting. A walk reads only between the current stack
// pointer and `high`.
struct StackRange {
  uint64_t low = 0;
  uint64_t high = 0;  // 0: unknown
};

// The range of the mapping holding `sp`, read from /proc/self/maps with
// plain system calls (no malloc: this runs inside the allocation hook).
// {0, 0} when no mapping holds it.
StackRange FindMapping(uint64_t sp);

// The calling thread's stack range, looked up once per thread (and again
// when `sp` falls outside what was found: the main thread's stack grew,
// or a signal handler runs on an alternate stack).
StackRange CurrentStackRange(uint64_t sp);

}  // namespace native
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_NATIVE_COMMON_STACK_BOUNDS_H_
