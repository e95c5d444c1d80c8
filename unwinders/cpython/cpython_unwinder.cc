#include "unwinders/cpython/cpython_unwinder.h"

#include <cstring>

#include "core/registry.h"
#include "unwinders/cpython/frame_detail.h"
#include "unwinders/cpython/frame_walker.h"
#include "unwinders/cpython/hybrid_stack.h"
#include "unwinders/cpython/raw_memory.h"
#include "unwinders/cpython/thread_state.h"
#include "unwinders/cpython/unicode_reader.h"

namespace tidemark {
namespace {

constexpr char kUnknownFunction[] = "<unknown>";

void SetUnknown(ResolvedFrame* out) {
  std::memcpy(out->function, kUnknownFunction, sizeof(kUnknownFunction));
  out->file[0] = '\0';
  out->line = 0;
}

}  // namespace

bool CPythonUnwinder::ComposeWith(Unwinder* native, std::string* error) {
  (void)error;
  native_.reset(native);
  return true;
}

int CPythonUnwinder::CaptureHybrid(RawFrame* frames, int max) {
  // The native walk may hold more frames than the stack keeps: the Python
  // frames take the evaluator's place, and the C frames between calls of
  // the evaluator are its own.
  constexpr int kNativeMax = 256;
  constexpr int kPythonMax = 160;
  RawFrame native[kNativeMax];
  const int native_count = native_->Capture(native, kNativeMax);
  const cpython::PythonApi* api = runtime_.Get();
  uintptr_t tstate = api == nullptr ? 0 : cpython::OwnThreadState(*api);
  if (tstate == 0) {
    const int n = native_count < max ? native_count : max;
    for (int i = 0; i < n; ++i) frames[i] = native[i];
    return n;
  }
  RawFrame python[kPythonMax];
  cpython::EvaluatorCalls calls;
  const int python_count =
      cpython::WalkFramesAndCalls(*api->layout, api->code_type, tstate, python,
                                  max < kPythonMax ? max : kPythonMax, &calls);
  return cpython::MergeHybridStack(
      native, native_count, python, python_count, calls,
      cpython::EvaluatorCode{api->evaluator_low, api->evaluator_high}, frames,
      max);
}

int CPythonUnwinder::Capture(RawFrame* frames, int max) {
  if (max <= 0) return 0;
  if (native_ != nullptr) return CaptureHybrid(frames, max);
  const cpython::PythonApi* api = runtime_.Get();
  if (api == nullptr) return 0;
  uintptr_t tstate = cpython::OwnThreadState(*api);
  if (tstate == 0) return 0;
  return cpython::WalkFrames(*api->layout, api->code_type, tstate, frames, max);
}

void CPythonUnwinder::Resolve(const RawFrame& frame, ResolvedFrame* out) {
  if (native_ != nullptr && frame.kind() == FrameKind::kNative) {
    native_->Resolve(frame, out);
    return;
  }
  SetUnknown(out);
  const cpython::PythonApi* api = runtime_.Get();
  if (api == nullptr || frame.kind() != FrameKind::kPython) return;
  const cpython::Layout& layout = *api->layout;
  uintptr_t code = frame.ip;
  // The frame is live (see Unwinder), so its code object is; the type check
  // only guards against a frame this unwinder did not capture.
  if (!cpython::IsPlausiblePointer(code) ||
      cpython::ReadPointerAt(code, layout.object_type) != api->code_type) {
    return;
  }

  uintptr_t name = 0;
  if (layout.code_qualname >= 0) {
    name = cpython::ReadPointerAt(code, layout.code_qualname);
  }
  if (!cpython::CopyUnicodeAsUtf8(layout, api->unicode_type, name,
                                  out->function, sizeof(out->function)) &&
      !cpython::CopyUnicodeAsUtf8(
          layout, api->unicode_type,
          cpython::ReadPointerAt(code, layout.code_name), out->function,
          sizeof(out->function))) {
    std::memcpy(out->function, kUnknownFunction, sizeof(kUnknownFunction));
  }
  cpython::CopyUnicodeAsUtf8(layout, api->unicode_type,
                             cpython::ReadPointerAt(code, layout.code_filename),
                             out->file, sizeof(out->file));
  // Exported API; walks co_linetable without allocating. -1: no line.
  int line =
      api->addr2line(reinterpret_cast<void*>(code),
                     cpython::UnpackFrameDetail(frame.detail()).byte_offset);
  out->line = line > 0 ? line : 0;
}

TIDEMARK_REGISTER_UNWINDER("cpython", CPythonUnwinder)

}  // namespace tidemark
