#include "unwinders/cpython/frame_walker.h"

#include "unwinders/cpython/frame_detail.h"
#include "unwinders/cpython/raw_memory.h"

namespace tidemark {
namespace cpython {
namespace {

constexpr int kCodeUnitSize = 2;  // sizeof(_Py_CODEUNIT)

// The innermost frame of `tstate`, or 0.
uintptr_t InnermostFrame(const Layout& layout, uintptr_t tstate) {
  uintptr_t frame = ReadPointerAt(tstate, layout.tstate_frame);
  if (layout.cframe_current_frame < 0) return frame;
  // 3.11 and 3.12: tstate->cframe->current_frame.
  if (!IsPlausiblePointer(frame)) return 0;
  return ReadPointerAt(frame, layout.cframe_current_frame);
}

// If `frame` is running a code object, stores it and the frame's detail.
bool DescribeFrame(const Layout& layout, uintptr_t code_type, uintptr_t frame,
                   uintptr_t* code_out, uint64_t* detail_out) {
  int owner = -1;
  if (layout.frame_owner >= 0) {
    // CPython declares the field `char owner` (signed on the x86-64 ABI);
    // read it with that signedness, as the interpreter does.
    // NOLINTNEXTLINE(bugprone-signed-char-misuse): mirrors CPython's type.
    owner = ReadAt<signed char>(frame, layout.frame_owner);
    // The shim an entry into the eval loop pushes: it belongs to C.
    if (owner == layout.owner_cstack) return false;
  }

  uintptr_t code = ReadPointerAt(frame, layout.frame_code);
  if (!IsPlausiblePointer(code) ||
      ReadPointerAt(code, layout.object_type) != code_type) {
    return false;
  }

  int64_t byte_offset;
  if (layout.frame_lasti_is_index) {
    // 3.10: f_lasti counts code units; -1 before the first one.
    byte_offset =
        int64_t{ReadAt<int>(frame, layout.frame_instr)} * kCodeUnitSize;
  } else {
    uintptr_t instr = ReadPointerAt(frame, layout.frame_instr);
    uintptr_t first = code + layout.code_adaptive;
    int first_traceable = ReadAt<int>(code, layout.code_firsttraceable);
    // CPython's _PyFrame_IsIncomplete: a frame still in its prologue (cell
    // and free-variable setup) is not yet part of the visible stack.
    if (owner != layout.owner_generator &&
        instr <
            first + static_cast<uintptr_t>(first_traceable) * kCodeUnitSize) {
      return false;
    }
    byte_offset = static_cast<int64_t>(instr - first);
  }
  if (byte_offset < INT32_MIN || byte_offset > INT32_MAX) return false;

  FrameDetail detail;
  detail.byte_offset = static_cast<int32_t>(byte_offset);
  detail.check = CodeCheckValue(ReadAt<int>(code, layout.code_firstlineno),
                                ReadPointerAt(code, layout.code_name),
                                ReadPointerAt(code, layout.code_filename));
  *code_out = code;
  *detail_out = PackFrameDetail(detail);
  return true;
}

// The walk; with `kCalls`, also where each evaluator call ends.
template <bool kCalls>
int Walk(const Layout& layout, uintptr_t code_type, uintptr_t tstate,
         RawFrame* frames, int max, EvaluatorCalls* calls) {
  int written = 0;
  // Links followed, skipped frames included: a bound in case the chain is
  // cyclic or corrupt. Shim frames at most double the chain's length.
  int budget = 2 * max + 16;
  uintptr_t frame = InnermostFrame(layout, tstate);
  for (; written < max && budget > 0 && IsPlausiblePointer(frame);
       frame = ReadPointerAt(frame, layout.frame_previous), --budget) {
    uintptr_t code;
    uint64_t detail;
    const bool described =
        DescribeFrame(layout, code_type, frame, &code, &detail);
    if (described) frames[written++] = RawFrame::Python(code, detail);
    if (kCalls) {
      bool ends_call;
      if (layout.owner_cstack >= 0) {
        // 3.12+: the shim is not described; it closes the call above it.
        ends_call = !described && layout.frame_owner >= 0 &&
                    ReadAt<signed char>(frame, layout.frame_owner) ==
                        layout.owner_cstack;
      } else if (layout.frame_is_entry >= 0) {
        ends_call = ReadAt<uint8_t>(frame, layout.frame_is_entry) != 0;
      } else {
        ends_call = true;  // 3.10
      }
      if (ends_call && calls->count < EvaluatorCalls::kMax) {
        calls->ends[calls->count++] = static_cast<uint16_t>(written);
      }
    }
  }
  if (kCalls) {
    // Stopped at the chain's end (not at `max`, the budget or a bad link).
    calls->complete = frame == 0;
    // 3.11's outermost frame is an entry, 3.12's has its shim; frames after
    // the last end at the chain's end would be a chain cut short.
    if (calls->complete && calls->count > 0 &&
        calls->ends[calls->count - 1] != written) {
      calls->complete = false;
    }
  }
  return written;
}

}  // namespace

int WalkFrames(const Layout& layout, uintptr_t code_type, uintptr_t tstate,
               RawFrame* frames, int max) {
  return Walk<false>(layout, code_type, tstate, frames, max, nullptr);
}

int WalkFramesAndCalls(const Layout& layout, uintptr_t code_type,
                       uintptr_t tstate, RawFrame* frames, int max,
                       EvaluatorCalls* calls) {
  calls->count = 0;
  calls->complete = false;
  return Walk<true>(layout, code_type, tstate, frames, max, calls);
}

}  // namespace cpython
}  // namespace tidemark
