#ifndef TIDEMARK_UNWINDERS_CPYTHON_FRAME_DETAIL_H_
#define TIDEMARK_UNWINDERS_CPYTHON_FRAME_DETAIL_H_

#include <cstdint>

namespace tidemark {
namespace cpython {

// What a Python RawFrame carries besides its code object's address (see
// RawFrame::Python): the byte offset of the current instruction, which
// PyCode_Addr2Line turns into a line, and a 24-bit check value taken from the
// code object. The core tells frames apart by (address, detail); the check
// keeps a code object freed and replaced at the same address by another
// function from being mistaken for the first one in most cases.
//
//   bits  0..31  byte offset (signed: 3.10's f_lasti is -1 before the first
//                instruction, and PyCode_Addr2Line maps negative offsets to
//                co_firstlineno)
//   bits 32..55  check value
struct FrameDetail {
  int32_t byte_offset;
  uint32_t check;  // only the low 24 bits are kept
};

constexpr uint32_t kCheckMask = (uint32_t{1} << 24) - 1;

inline uint64_t PackFrameDetail(FrameDetail d) {
  return static_cast<uint64_t>(static_cast<uint32_t>(d.byte_offset)) |
         (static_cast<uint64_t>(d.check & kCheckMask) << 32);
}

inline FrameDetail UnpackFrameDetail(uint64_t packed) {
  FrameDetail d;
  d.byte_offset = static_cast<int32_t>(static_cast<uint32_t>(packed));
  d.check = static_cast<uint32_t>(packed >> 32) & kCheckMask;
  return d;
}

// The check value of a code object: the low 16 bits of co_firstlineno, and 8
// bits mixed from the addresses of its name and file strings (stable for the
// code object's lifetime, different across modules and most functions).
inline uint32_t CodeCheckValue(int first_line, uintptr_t name,
                               uintptr_t filename) {
  uint32_t mixed = static_cast<uint32_t>((name >> 4) ^ (filename >> 4) ^
                                         (name >> 12) ^ (filename >> 12));
  return (static_cast<uint32_t>(first_line) & 0xffff) | ((mixed & 0xff) << 16);
}

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_FRAME_DETAIL_H_
