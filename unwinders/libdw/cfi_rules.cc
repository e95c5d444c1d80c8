#include "unwinders/libdw/cfi_rules.h"

#include <dwarf.h>

#include <cstring>

namespace tidemark {
namespace libdw_unwind {
namespace {

// The register and offset of a DW_OP_bregN / DW_OP_bregx op; false for
// any other op.
bool BaseRegister(const Dwarf_Op& op, int* reg, int64_t* offset) {
  if (op.atom >= DW_OP_breg0 && op.atom <= DW_OP_breg31) {
    *reg = op.atom - DW_OP_breg0;
    *offset = static_cast<int64_t>(op.number);
    return true;
  }
  if (op.atom == DW_OP_bregx) {
    *reg = static_cast<int>(op.number);
    *offset = static_cast<int64_t>(op.number2);
    return true;
  }
  return false;
}

Rule Make(Rule::Kind kind, int reg, int64_t offset) {
  Rule rule;
  rule.kind = kind;
  rule.reg = static_cast<int8_t>(reg);
  rule.offset = offset;
  return rule;
}

bool Read(const WalkState& state, uint64_t address, uint64_t* value) {
  if (address < state.low || address > state.high - 8 || (address & 7) != 0) {
    return false;
  }
  memcpy(value, reinterpret_cast<const void*>(address), sizeof(*value));
  return true;
}

bool RegisterValue(const WalkState& state, int reg, uint64_t* value) {
  if (reg == kRsp) {
    *value = state.rsp;
    return true;
  }
  if (reg == kRbp && state.rbp_known) {
    *value = state.rbp;
    return true;
  }
  return false;
}

// Applies a register rule; *known false when the register is lost.
bool Apply(const Rule& rule, const WalkState& state, uint64_t cfa,
           uint64_t current, uint64_t* value, bool* known) {
  *known = true;
  switch (rule.kind) {
    case Rule::kUndefined:
      *known = false;
      return true;
    case Rule::kSameValue:
      *value = current;
      return true;
    case Rule::kAtCfaPlus:
      return Read(state, cfa + static_cast<uint64_t>(rule.offset), value);
    case Rule::kCfaPlus:
      *value = cfa + static_cast<uint64_t>(rule.offset);
      return true;
    case Rule::kRegisterPlus: {
      uint64_t base;
      if (!RegisterValue(state, rule.reg, &base)) return false;
      *value = base + static_cast<uint64_t>(rule.offset);
      return true;
    }
    case Rule::kAtRegisterPlus: {
      uint64_t base;
      if (!RegisterValue(state, rule.reg, &base)) return false;
      return Read(state, base + static_cast<uint64_t>(rule.offset), value);
    }
    case Rule::kInvalid:
      break;
  }
  return false;
}

}  // namespace

Rule CompileCfa(const Dwarf_Op* ops, size_t nops) {
  int reg;
  int64_t offset;
  if (nops == 1 && BaseRegister(ops[0], &reg, &offset)) {
    return Make(Rule::kRegisterPlus, reg, offset);
  }
  // The CFA stored in the frame (stack realignment: DW_OP_breg6 -8;
  // DW_OP_deref).
  if (nops == 2 && BaseRegister(ops[0], &reg, &offset) &&
      ops[1].atom == DW_OP_deref) {
    return Make(Rule::kAtRegisterPlus, reg, offset);
  }
  return Rule{};
}

Rule CompileRegister(const Dwarf_Op* ops, size_t nops) {
  if (nops == 0) {
    return Make(ops == nullptr ? Rule::kSameValue : Rule::kUndefined, 0, 0);
  }
  const bool value = ops[nops - 1].atom == DW_OP_stack_value;
  const size_t n = value ? nops - 1 : nops;
  if (n == 0 || ops[0].atom != DW_OP_call_frame_cfa) {
    int reg;
    int64_t offset;
    // The register rule: another register's value.
    if (value && n == 1 && BaseRegister(ops[0], &reg, &offset)) {
      return Make(Rule::kRegisterPlus, reg, offset);
    }
    return Rule{};
  }
  // CFA alone, CFA + N as DW_OP_plus_uconst N, or as DW_OP_consts N;
  // DW_OP_plus.
  const bool plus_uconst = n == 2 && ops[1].atom == DW_OP_plus_uconst;
  const bool plus_const =
      n == 3 && (ops[1].atom == DW_OP_consts || ops[1].atom == DW_OP_constu) &&
      ops[2].atom == DW_OP_plus;
  if (n != 1 && !plus_uconst && !plus_const) return Rule{};
  const int64_t offset = n == 1 ? 0 : static_cast<int64_t>(ops[1].number);
  return Make(value ? Rule::kCfaPlus : Rule::kAtCfaPlus, 0, offset);
}

bool Step(const FrameRules& rules, WalkState* state) {
  uint64_t cfa;
  bool known;
  if (!Apply(rules.cfa, *state, 0, 0, &cfa, &known) || !known) return false;
  // The caller's frame is above this one.
  if (cfa <= state->rsp || cfa > state->high) return false;
  uint64_t pc;
  if (!Apply(rules.return_address, *state, cfa, state->pc, &pc, &known) ||
      !known || pc == 0) {
    return false;
  }
  uint64_t rbp = 0;
  bool rbp_known = false;
  if (rules.rbp.kind == Rule::kSameValue) {
    rbp = state->rbp;
    rbp_known = state->rbp_known;
  } else if (!Apply(rules.rbp, *state, cfa, state->rbp, &rbp, &rbp_known)) {
    rbp_known = false;  // a lost %rbp ends the walk only if a rule needs it
  }
  state->pc = pc;
  state->rsp = cfa;
  state->rbp = rbp;
  state->rbp_known = rbp_known;
  return true;
}

}  // namespace libdw_unwind
}  // namespace tidemark
