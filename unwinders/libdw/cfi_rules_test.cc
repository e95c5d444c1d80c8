#include "unwinders/libdw/cfi_rules.h"

#include <dwarf.h>

#include <cstdint>

#include "gtest/gtest.h"

namespace tidemark {
namespace libdw_unwind {
namespace {

Dwarf_Op Op(uint8_t atom, Dwarf_Word number = 0, Dwarf_Word number2 = 0) {
  Dwarf_Op op = {};
  op.atom = atom;
  op.number = number;
  op.number2 = number2;
  return op;
}

TEST(CompileCfa, RegisterPlusOffsetAndTheStoredCfa) {
  const Dwarf_Op bregx[] = {Op(DW_OP_bregx, kRsp, 16)};
  Rule rule = CompileCfa(bregx, 1);
  EXPECT_EQ(rule.kind, Rule::kRegisterPlus);
  EXPECT_EQ(rule.reg, kRsp);
  EXPECT_EQ(rule.offset, 16);
  const Dwarf_Op breg6[] = {Op(DW_OP_breg6, static_cast<Dwarf_Word>(-8)),
                            Op(DW_OP_deref)};
  rule = CompileCfa(breg6, 2);
  EXPECT_EQ(rule.kind, Rule::kAtRegisterPlus);
  EXPECT_EQ(rule.reg, kRbp);
  EXPECT_EQ(rule.offset, -8);
  const Dwarf_Op other[] = {Op(DW_OP_lit3)};
  EXPECT_EQ(CompileCfa(other, 1).kind, Rule::kInvalid);
}

TEST(CompileRegister, TheShapesLibdwGives) {
  Dwarf_Op mem[3] = {};
  EXPECT_EQ(CompileRegister(mem, 0).kind, Rule::kUndefined);
  EXPECT_EQ(CompileRegister(nullptr, 0).kind, Rule::kSameValue);
  const Dwarf_Op at_cfa[] = {
      Op(DW_OP_call_frame_cfa),
      Op(DW_OP_plus_uconst, static_cast<Dwarf_Word>(-8))};
  Rule rule = CompileRegister(at_cfa, 2);
  EXPECT_EQ(rule.kind, Rule::kAtCfaPlus);
  EXPECT_EQ(rule.offset, -8);
  const Dwarf_Op value[] = {Op(DW_OP_call_frame_cfa), Op(DW_OP_plus_uconst, 8),
                            Op(DW_OP_stack_value)};
  rule = CompileRegister(value, 3);
  EXPECT_EQ(rule.kind, Rule::kCfaPlus);
  EXPECT_EQ(rule.offset, 8);
  const Dwarf_Op other[] = {Op(DW_OP_lit1), Op(DW_OP_lit2), Op(DW_OP_plus)};
  EXPECT_EQ(CompileRegister(other, 3).kind, Rule::kInvalid);
}

// Rules of a function with a frame pointer, after its prologue:
// CFA = %rbp + 16, RA at CFA - 8, the caller's %rbp at CFA - 16.
FrameRules FramePointerRules() {
  FrameRules rules;
  rules.cfa = Rule{Rule::kRegisterPlus, kRbp, 16};
  rules.return_address = Rule{Rule::kAtCfaPlus, 0, -8};
  rules.rbp = Rule{Rule::kAtCfaPlus, 0, -16};
  return rules;
}

TEST(Step, FollowsTheRulesOnAFakeStack) {
  alignas(16) uint64_t stack[16] = {};
  const auto at = [&](int i) { return reinterpret_cast<uint64_t>(&stack[i]); };
  stack[4] = at(10);    // saved %rbp
  stack[5] = 0x401234;  // return address
  WalkState state{0x400000, at(2), at(4), true, at(0), at(16)};
  ASSERT_TRUE(Step(FramePointerRules(), &state));
  EXPECT_EQ(state.pc, 0x401234u);
  EXPECT_EQ(state.rsp, at(6));
  EXPECT_EQ(state.rbp, at(10));
  EXPECT_TRUE(state.rbp_known);
}

TEST(Step, RefusesReadsOutsideTheStackAndLostRegisters) {
  alignas(16) uint64_t stack[16] = {};
  const auto at = [&](int i) { return reinterpret_cast<uint64_t>(&stack[i]); };
  // %rbp points past the stack's end: the CFA would be outside it.
  WalkState state{0x400000, at(2), at(15), true, at(0), at(16)};
  EXPECT_FALSE(Step(FramePointerRules(), &state));
  // An unknown %rbp cannot give a CFA.
  state = WalkState{0x400000, at(2), at(4), false, at(0), at(16)};
  EXPECT_FALSE(Step(FramePointerRules(), &state));
  // An undefined return address is the stack's end.
  FrameRules end = FramePointerRules();
  end.return_address = Rule{Rule::kUndefined, 0, 0};
  state = WalkState{0x400000, at(2), at(4), true, at(0), at(16)};
  EXPECT_FALSE(Step(end, &state));
  // A CFA at or below the stack pointer is not a caller's frame.
  FrameRules down = FramePointerRules();
  down.cfa = Rule{Rule::kRegisterPlus, kRsp, 0};
  EXPECT_FALSE(Step(down, &state));
  // A register other than %rsp and %rbp is not followed.
  FrameRules other = FramePointerRules();
  other.cfa = Rule{Rule::kRegisterPlus, 3, 16};
  EXPECT_FALSE(Step(other, &state));
}

}  // namespace
}  // namespace libdw_unwind
}  // namespace tidemark
