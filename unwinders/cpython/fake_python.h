#ifndef TIDEMARK_UNWINDERS_CPYTHON_FAKE_PYTHON_H_
#define TIDEMARK_UNWINDERS_CPYTHON_FAKE_PYTHON_H_

// Test helpers: CPython-shaped objects built in plain memory from a Layout,
// so the readers can be tested against every version's table without that
// version's interpreter.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {
namespace testing {

// Stand-ins for &PyCode_Type and &PyUnicode_Type: any distinct addresses.
inline uintptr_t FakeCodeType() {
  static char type;
  return reinterpret_cast<uintptr_t>(&type);
}
inline uintptr_t FakeUnicodeType() {
  static char type;
  return reinterpret_cast<uintptr_t>(&type);
}

// Owns zeroed, pointer-aligned blocks and writes fields into them.
class FakeHeap {
 public:
  uintptr_t Allocate(size_t bytes) {
    blocks_.push_back(std::make_unique<uint64_t[]>(bytes / 8 + 1));
    return reinterpret_cast<uintptr_t>(blocks_.back().get());
  }

  template <typename T>
  static void Write(uintptr_t base, int offset, T value) {
    std::memcpy(reinterpret_cast<void*>(base + offset), &value, sizeof(value));
  }

  // A compact str of `kind` (1, 2 or 4 bytes per code point) holding
  // `code_points`; ASCII strings get the shorter header as in CPython.
  uintptr_t NewString(const Layout& l, const std::u32string& code_points,
                      int kind) {
    bool ascii = true;
    for (char32_t c : code_points) ascii = ascii && c < 0x80;
    int header = ascii ? l.unicode_ascii_data : l.unicode_compact_data;
    uintptr_t s = Allocate(header + (code_points.size() + 1) * kind);
    Write<uintptr_t>(s, l.object_type, FakeUnicodeType());
    Write<int64_t>(s, l.unicode_length, code_points.size());
    uint32_t state = (uint32_t(kind) << l.state_kind_shift) |
                     (1u << l.state_compact_bit) |
                     (uint32_t(ascii) << l.state_ascii_bit);
    if (l.state_ready_bit >= 0) state |= 1u << l.state_ready_bit;
    Write<uint32_t>(s, l.unicode_state, state);
    for (size_t i = 0; i < code_points.size(); ++i) {
      uintptr_t at = s + header + i * kind;
      if (kind == 1) Write<uint8_t>(at, 0, code_points[i]);
      if (kind == 2) Write<uint16_t>(at, 0, code_points[i]);
      if (kind == 4) Write<uint32_t>(at, 0, code_points[i]);
    }
    return s;
  }

  // A code object named `name` from `file`, starting at `first_line`, whose
  // first traceable instruction is code unit `first_traceable`.
  uintptr_t NewCode(const Layout& l, const std::string& name,
                    const std::string& file, int first_line,
                    int first_traceable = 0) {
    uintptr_t code = Allocate(1024);
    Write<uintptr_t>(code, l.object_type, FakeCodeType());
    std::u32string wide_name(name.begin(), name.end());
    std::u32string wide_file(file.begin(), file.end());
    Write<uintptr_t>(code, l.code_name, NewString(l, wide_name, 1));
    if (l.code_qualname >= 0) {
      Write<uintptr_t>(code, l.code_qualname,
                       NewString(l, U"Q." + wide_name, 1));
    }
    Write<uintptr_t>(code, l.code_filename, NewString(l, wide_file, 1));
    Write<int>(code, l.code_firstlineno, first_line);
    if (l.code_firsttraceable >= 0) {
      Write<int>(code, l.code_firsttraceable, first_traceable);
    }
    return code;
  }

 private:
  std::vector<std::unique_ptr<uint64_t[]>> blocks_;
};

// Frame owner value of an ordinary function frame (FRAME_OWNED_BY_THREAD).
constexpr int kOwnedByThread = 0;

// A thread state and a frame chain laid out as `layout` says.
class FakeThread {
 public:
  explicit FakeThread(const Layout& layout) : l_(layout) {
    tstate_ = heap_.Allocate(512);
  }

  FakeHeap& heap() { return heap_; }

  // Pushes a frame (becoming the innermost) running `code` at `byte_offset`.
  uintptr_t Push(uintptr_t code, int byte_offset, int owner = kOwnedByThread) {
    uintptr_t frame = heap_.Allocate(256);
    FakeHeap::Write<uintptr_t>(frame, l_.frame_code, code);
    FakeHeap::Write<uintptr_t>(frame, l_.frame_previous, innermost_);
    if (l_.frame_lasti_is_index) {
      FakeHeap::Write<int>(frame, l_.frame_instr, byte_offset / 2);
    } else {
      FakeHeap::Write<uintptr_t>(frame, l_.frame_instr,
                                 code + l_.code_adaptive + byte_offset);
      FakeHeap::Write<signed char>(frame, l_.frame_owner, owner);
    }
    innermost_ = frame;
    Publish();
    return frame;
  }

  uintptr_t tstate() const { return tstate_; }

 private:
  void Publish() {
    if (l_.cframe_current_frame < 0) {
      FakeHeap::Write<uintptr_t>(tstate_, l_.tstate_frame, innermost_);
      return;
    }
    if (cframe_ == 0) cframe_ = heap_.Allocate(64);
    FakeHeap::Write<uintptr_t>(tstate_, l_.tstate_frame, cframe_);
    FakeHeap::Write<uintptr_t>(cframe_, l_.cframe_current_frame, innermost_);
  }

  const Layout& l_;
  FakeHeap heap_;
  uintptr_t tstate_ = 0;
  uintptr_t cframe_ = 0;
  uintptr_t innermost_ = 0;
};

}  // namespace testing
}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_FAKE_PYTHON_H_
