#ifndef TIDEMARK_UNWINDERS_CPYTHON_THREAD_STATE_H_
#define TIDEMARK_UNWINDERS_CPYTHON_THREAD_STATE_H_

#include <cstdint>

#include "unwinders/cpython/python_runtime.h"

namespace tidemark {
namespace cpython {

// The calling thread's own PyThreadState, or 0 when it has none that is safe
// to read: a thread Python never saw, Python not (or no longer) initialized,
// or another thread finalizing the interpreter.
//
// It must be the thread's own state (PyGILState_GetThisThreadState reads a
// thread-local), not the GIL holder's: allocations happen on threads that have
// released the GIL too, and on 3.11 PyThreadState_Get() answers for whichever
// thread holds it.
uintptr_t OwnThreadState(const PythonApi& api);

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_THREAD_STATE_H_
