#ifndef TIDEMARK_UNWINDERS_LIBDW_CFI_RULES_H_
#define TIDEMARK_UNWINDERS_LIBDW_CFI_RULES_H_

#include <elfutils/libdw.h>

#include <cstddef>
#include <cstdint>

namespace tidemark {
namespace libdw_unwind {

// x86-64's DWARF register numbers the walk follows. Only these: a frame's
// CFA and return address are computed from %rsp or %rbp in code compilers
// emit (after the prologue, where every return address points), so a rule
// that needs any other register ends the walk instead.
enum Register : int8_t { kRbp = 6, kRsp = 7, kReturnAddress = 16 };

// One CFI rule in the few shapes compilers emit, compiled from libdw's
// DWARF expressions so that a cached rule is applied without libdw (and
// without its malloc).
struct Rule {
  enum Kind : uint8_t {
    kInvalid = 0,     // not compiled: a shape this walk does not handle
    kUndefined,       // the register is lost (the RA: the stack's end)
    kSameValue,       // unchanged by this frame
    kRegisterPlus,    // value: reg + offset (the CFA's usual rule)
    kAtRegisterPlus,  // value: the word at reg + offset (a CFA expression)
    kAtCfaPlus,       // value: the word at CFA + offset (saved registers)
    kCfaPlus,         // value: CFA + offset (val_offset)
  };
  Kind kind = kInvalid;
  int8_t reg = 0;
  int64_t offset = 0;
};

// What libdw says about one code address: how to find the CFA, the
// return address and the caller's %rbp.
struct FrameRules {
  Rule cfa;
  Rule return_address;
  Rule rbp;
};

// The CFA rule from dwarf_frame_cfa's expression.
Rule CompileCfa(const Dwarf_Op* ops, size_t nops);
// A register rule from dwarf_frame_register's location description (no
// op: "same value" when *ops is null, else "undefined").
Rule CompileRegister(const Dwarf_Op* ops, size_t nops);

// The registers the walk knows, and the bounds its reads stay in.
struct WalkState {
  uint64_t pc;
  uint64_t rsp;
  uint64_t rbp;
  bool rbp_known;
  uint64_t low;  // reads stay inside [low, high): the thread's stack
  uint64_t high;
};

// Steps `state` from a frame to its caller by `rules`. False when the
// rules cannot be applied (an unknown register, a read out of bounds, an
// undefined return address, a CFA not above the stack pointer).
bool Step(const FrameRules& rules, WalkState* state);

}  // namespace libdw_unwind
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_LIBDW_CFI_RULES_H_
