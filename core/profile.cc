#include "core/profile.h"

namespace tidemark {

std::string FormatFrame(const ProfileFrame& frame) {
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
