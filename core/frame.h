#ifndef TIDEMARK_CORE_FRAME_H_
#define TIDEMARK_CORE_FRAME_H_

#include <cstdint>

namespace tidemark {

// The most frames a stack keeps, its root included; a deeper stack keeps its
// innermost kMaxStackDepth - 1 frames under a kStackCut root.
constexpr int kMaxStackDepth = 128;
// The name of that root, as reports print it.
constexpr char kStackCutName[] = "[stack cut: deeper than 128 frames]";

// Where a frame came from. Kept in the top bits of RawFrame::aux so a frame
// stays two words: stacks are hashed and compared word by word on every
// tracked allocation.
enum class FrameKind : uint8_t {
  kNative = 0,  // ip is a return address
  kPython = 1,  // ip is a code object; aux has the instruction offset
  // Not a frame: the root of a stack cut at the depth limit, standing for
  // the outer frames that were not recorded (so that the innermost ones do
  // not pass for a root of their own). Named by the core, never an unwinder.
  kStackCut = 2,
};

// One frame as captured on the hot path: cheap to take, named later (once per
// distinct frame), never dereferenced by the core.
struct RawFrame {
  uint64_t ip;
  uint64_t aux;

  static constexpr int kKindShift = 56;

  static RawFrame Native(uint64_t pc) { return RawFrame{pc, 0}; }
  // `detail` is unwinder-defined (e.g. instruction offset plus a check value
  // that tells a reused code-object address apart); it must fit in 56 bits.
  static RawFrame Python(uint64_t code, uint64_t detail) {
    return RawFrame{code, (uint64_t{1} << kKindShift) |
                              (detail & ((uint64_t{1} << kKindShift) - 1))};
  }
  static RawFrame StackCut() { return RawFrame{0, uint64_t{2} << kKindShift}; }
  FrameKind kind() const { return static_cast<FrameKind>(aux >> kKindShift); }
  uint64_t detail() const { return aux & ((uint64_t{1} << kKindShift) - 1); }

  bool operator==(const RawFrame& o) const {
    return ip == o.ip && aux == o.aux;
  }
};

// A frame with names, written by an Unwinder into fixed buffers so resolving
// never calls malloc (it runs inside the allocation hook, once per new frame).
struct ResolvedFrame {
  static constexpr int kMaxName = 256;
  static constexpr int kMaxFile = 1024;
  char function[kMaxName];
  char file[kMaxFile];
  int line;  // 0 when unknown
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_FRAME_H_
