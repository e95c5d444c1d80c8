#ifndef TIDEMARK_UNWINDERS_CPYTHON_CPYTHON_UNWINDER_H_
#define TIDEMARK_UNWINDERS_CPYTHON_CPYTHON_UNWINDER_H_

#include <memory>
#include <string>

#include "core/frame.h"
#include "core/unwinder.h"
#include "unwinders/cpython/python_runtime.h"

namespace tidemark {

// Captures the Python call stack of the calling thread, innermost first: one
// RawFrame::Python per interpreter frame, holding the code object's address
// and the current instruction's offset. Works with CPython 3.10 to 3.13,
// found at run time in whatever process it is loaded into; where there is no
// (supported) Python, or the thread has no Python state, it captures nothing.
// Registered as "cpython".
class CPythonUnwinder : public Unwinder {
 public:
  CPythonUnwinder() = default;

  int Capture(RawFrame* frames, int max) override;

  // Names the frame from its code object: co_qualname (co_name on 3.10),
  // co_filename and the line of the captured instruction.
  void Resolve(const RawFrame& frame, ResolvedFrame* out) override;
  // A supported interpreter is in the process (looked up now if need be).
  // An interpreter this unwinder cannot read still makes the process a
  // Python process (never noise): the user was told why its stacks are off.
  bool FoundRuntime() override {
    runtime_.Get();
    return runtime_.Found();
  }
  uint32_t PythonVersionHex() override {
    const cpython::PythonApi* api = runtime_.Get();
    return api == nullptr ? 0 : api->version_hex;
  }
  // Hybrid stacks: `native`'s frames, each of the evaluator's replaced by
  // the Python frames it ran (cpython/hybrid_stack.h). Takes ownership.
  bool ComposeWith(Unwinder* native, std::string* error) override;

 private:
  int CaptureHybrid(RawFrame* frames, int max);

  cpython::PythonRuntime runtime_;
  std::unique_ptr<Unwinder> native_;
};

}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_CPYTHON_UNWINDER_H_
