#ifndef TIDEMARK_CORE_THREAD_STATE_H_
#define TIDEMARK_CORE_THREAD_STATE_H_

#include <cstdint>

#include "core/frame.h"

namespace tidemark {

// Per-thread state of the allocation path. Plain data in initial-exec TLS:
// reading it is one %fs-relative load, it needs no constructor, and (unlike a
// C++ thread_local with a destructor) touching it never calls malloc.
struct ThreadState {
  // Non-zero while this thread runs profiler code: allocations made then
  // (by the profiler itself, or by libraries it calls) are not tracked.
  int32_t reentrancy_depth;
  // Sample mode: bytes this thread may still allocate before its next
  // sample. Signed so the fast path is one subtraction and a sign test.
  int64_t bytes_until_sample;
  // State of this thread's random number generator (0 = not seeded yet).
  uint64_t rng_state;
  // The last stack this thread interned, to skip the shared table when the
  // same line allocates again (a loop, a growing container).
  uint64_t last_stack_hash;
  uint32_t last_stack_id;
  int32_t last_stack_depth;
};

extern thread_local ThreadState t_thread_state
    __attribute__((tls_model("initial-exec")));

// Marks the current thread as running profiler code for its lifetime.
class ReentrancyGuard {
 public:
  ReentrancyGuard() { ++t_thread_state.reentrancy_depth; }
  ~ReentrancyGuard() { --t_thread_state.reentrancy_depth; }
  ReentrancyGuard(const ReentrancyGuard&) = delete;
  ReentrancyGuard& operator=(const ReentrancyGuard&) = delete;
};

inline bool InProfilerCode() { return t_thread_state.reentrancy_depth != 0; }

}  // namespace tidemark

#endif  // TIDEMARK_CORE_THREAD_STATE_H_
