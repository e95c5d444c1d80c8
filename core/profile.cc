#include "core/profile.h"

namespace tidemark {

std::string FormatFrame(const ProfileFrame& frame) {
  // The cut marker is no code: its name alone.
  if (frame.kind == FrameKind::kStackCut) return frame.function;
  std::string out = frame.function.empty() ? "???" : frame.function;
  out += " (";
  out += frame.file.empty() ? "???" : frame.file;
  if (frame.kind == FrameKind::kPython || frame.line > 0) {
    out += ':';
    out += std::to_string(frame.line);
  }
  out += ')';
  return out;
}

}  // namespace tidemark
