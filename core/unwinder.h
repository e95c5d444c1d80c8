#ifndef TIDEMARK_CORE_UNWINDER_H_
#define TIDEMARK_CORE_UNWINDER_H_

#include <string>

#include "core/frame.h"

namespace tidemark {

// Captures the calling thread's call stack at a tracked allocation.
//
// Capture() runs inside malloc for every tracked allocation (exact mode) or
// every sampled one (sample mode): it must not allocate, lock, or call into
// anything that might, and must tolerate being called on any thread at any
// time, including before the interpreter exists and during its teardown.
// Resolve() runs once per distinct frame, on the thread that captured it and
// while that frame is still live, so an unwinder may read the objects its
// frames point at (e.g. Python code objects) then and only then.
class Unwinder {
 public:
  virtual ~Unwinder() = default;

  // Innermost frame first. Returns the number of frames written (0..max).
  virtual int Capture(RawFrame* frames, int max) = 0;

  // Names a frame this unwinder captured. Must not call malloc.
  virtual void Resolve(const RawFrame& frame, ResolvedFrame* out) = 0;
  // Whether the runtime this unwinder reads (an interpreter) is in the
  // process: a process that has one is never noise (core/job_index.h),
  // even when sampling caught none of its frames. May allocate (lookups);
  // called at start, never on the allocation path.
  virtual bool FoundRuntime() { return false; }
  // The Python interpreter's version as CPython's PY_VERSION_HEX
  // (0xMMmmppLS), for the reports' facts; 0 when unknown or not Python.
  // Called at start, after FoundRuntime.
  virtual uint32_t PythonVersionHex() { return 0; }

  // Hybrid stacks ("cpython+libunwind", core/unwinder_spec.h): from now on
  // Capture also walks the native stack with `native` and puts its own
  // frames in place of the native frames that ran them, and Resolve names
  // `native`'s frames through it. False, with one sentence in *error, when
  // this unwinder cannot take in another's frames. Called once, at start;
  // `native` lives as long as this unwinder.
  virtual bool ComposeWith(Unwinder* native, std::string* error) {
    (void)native;
    *error = "it cannot take in another unwinder's frames";
    return false;
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_UNWINDER_H_
