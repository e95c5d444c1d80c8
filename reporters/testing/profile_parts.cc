#include "reporters/testing/profile_parts.h"

#include <utility>

namespace tidemark {
namespace reporter_testing {

ProfileFrame Frame(FrameKind kind, std::string function, std::string file,
                   int line) {
  ProfileFrame frame;
  frame.kind = kind;
  frame.function = std::move(function);
  frame.file = std::move(file);
  frame.line = line;
  return frame;
}

ProfileFrame PythonFrame(std::string function, std::string file, int line) {
  return Frame(FrameKind::kPython, std::move(function), std::move(file), line);
}

ProfileFrame NativeFrame(std::string function, std::string object) {
  return Frame(FrameKind::kNative, std::move(function), std::move(object), 0);
}

ProfileStack Stack(std::vector<int> innermost_first, int64_t bytes,
                   int64_t allocations) {
  ProfileStack stack;
  stack.frames = std::move(innermost_first);
  stack.bytes = bytes;
  stack.allocations = allocations;
  return stack;
}

}  // namespace reporter_testing
}  // namespace tidemark
