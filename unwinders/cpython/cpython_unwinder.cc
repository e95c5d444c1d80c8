#include "unwinders/cpython/cpython_unwinder.h"

#include <cstring>

#include "core/registry.h"
#include "unwinders/cpython/frame_detail.h"
#include "unwinders/cpython/frame_walker.h"
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

int CPythonUnwinder::Capture(RawFrame* frames, int max) {
  if (max <= 0) return 0;
  const cpython::PythonApi* api = runtime_.Get();
  if (api == nullptr) return 0;
  uintptr_t tstate = cpython::OwnThreadState(*api);
  if (tstate == 0) return 0;
  return cpython::WalkFrames(*api->layout, api->code_type, tstate, frames, max);
}

void CPythonUnwinder::Resolve(const RawFrame& frame, ResolvedFrame* out) {
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
