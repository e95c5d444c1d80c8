#include "unwinders/cpython/thread_state.h"

#include <pthread.h>

#include "unwinders/cpython/raw_memory.h"

namespace tidemark {
namespace cpython {

uintptr_t OwnThreadState(const PythonApi& api) {
  // Reads a thread-local (pthread_getspecific); returns null before
  // Py_Initialize and after Py_Finalize has dropped the key.
  uintptr_t tstate = reinterpret_cast<uintptr_t>(api.this_thread_state());
  if (!IsPlausiblePointer(tstate)) return 0;
  const Layout& layout = *api.layout;

  // CPython records pthread_self() of the thread a state belongs to. A
  // mismatch means what we were handed is not (or no longer) this thread's.
  if (ReadAt<unsigned long>(tstate, layout.tstate_thread_id) !=
      static_cast<unsigned long>(pthread_self())) {
    return 0;
  }

  // While another thread runs Py_Finalize it frees the states and frame
  // stacks of daemon threads that may still be running C code with the GIL
  // released (and allocating). Those threads must not walk their frames.
  if (api.runtime != 0) {
    uintptr_t finalizing =
        ReadPointerAt(api.runtime, layout.runtime_finalizing);
    if (finalizing != 0 && finalizing != tstate) return 0;
  }
  return tstate;
}

}  // namespace cpython
}  // namespace tidemark
