#ifndef TIDEMARK_UNWINDERS_CPYTHON_PYTHON_RUNTIME_H_
#define TIDEMARK_UNWINDERS_CPYTHON_PYTHON_RUNTIME_H_

#include <atomic>
#include <cstdint>

#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {

// The parts of the running interpreter the unwinder uses, found at run time:
// the preloaded library must not link against libpython (it also goes into
// programs without Python, and into every python version).
struct PythonApi {
  using ThisThreadStateFn = void* (*)();    // PyGILState_GetThisThreadState
  using Addr2LineFn = int (*)(void*, int);  // PyCode_Addr2Line

  const Layout* layout = nullptr;
  ThisThreadStateFn this_thread_state = nullptr;
  Addr2LineFn addr2line = nullptr;
  uintptr_t code_type = 0;     // &PyCode_Type
  uintptr_t unicode_type = 0;  // &PyUnicode_Type
  uintptr_t runtime = 0;       // &_PyRuntime, or 0 if not exported
  // PY_VERSION_HEX of the running interpreter (Py_Version, or parsed from
  // Py_GetVersion() on 3.10); 0 if its text could not be read.
  uint32_t version_hex = 0;
  // The evaluator's machine code (_PyEval_EvalFrameDefault, its symbol's
  // size from the dynamic symbol table), for hybrid stacks; empty when
  // not exported. An out-of-line part the compiler split off (GCC's
  // `.cold`, error paths) has no symbol of its own and is not in it.
  uint64_t evaluator_low = 0;
  uint64_t evaluator_high = 0;
};

// Finds the interpreter lazily, from the hot path. Lookups go through dlsym,
// which can allocate, so they run on first use (the caller's re-entrancy
// guard keeps those allocations untracked) and, while no Python is in the
// process, only again on the 2nd, 4th, 8th, ... call: a program that never
// loads Python pays one relaxed increment per call, and one that loads it
// late (embedding) is still noticed eventually.
class PythonRuntime {
 public:
  // Looks a symbol up in the process's global scope.
  using LookupFn = void* (*)(const char* name);
  // Tells the user something, one line ending in a newline.
  using SayFn = void (*)(const char* line);

  // `lookup` defaults to dlsym(RTLD_DEFAULT, name), `say` to a write() to
  // stderr; tests pass fakes.
  explicit PythonRuntime(LookupFn lookup = nullptr, SayFn say = nullptr);

  PythonRuntime(const PythonRuntime&) = delete;
  PythonRuntime& operator=(const PythonRuntime&) = delete;

  // The interpreter's API, or nullptr while none is found (yet), while
  // another thread is looking it up, and for ever if its version or build is
  // one this unwinder has no layout for. Lock-free; allocation-free after the
  // lookups.
  const PythonApi* Get();

  // Why the interpreter in the process cannot be read, once Get() has given
  // it up for good (an unsupported version or build): the one `tidemark:`
  // line said then, so that a report of `[no Python stack]` boxes is never
  // the first a user hears of it. Empty otherwise.
  const char* unsupported_line() const { return unsupported_line_; }
  // Whether an interpreter was found, readable or not (Get() first).
  bool Found() const {
    const int state = state_.load(std::memory_order_acquire);
    return state == kReady || state == kUnsupported;
  }

 private:
  enum State : int { kUnresolved, kResolving, kReady, kUnsupported };

  // Returns the state the lookups lead to, filling api_ when kReady and
  // unsupported_line_ when kUnsupported.
  State Resolve();
  // Writes unsupported_line_ ("Python stacks are off: <why>; ...").
  State Unsupported(const char* why);

  LookupFn lookup_;
  SayFn say_;
  char unsupported_line_[256] = {};
  std::atomic<int> state_{kUnresolved};
  std::atomic<uint32_t> calls_while_absent_{0};
  PythonApi api_;  // written once before state_ becomes kReady
};

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_PYTHON_RUNTIME_H_
