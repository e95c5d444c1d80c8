#include "unwinders/cpython/hybrid_stack.h"

#include <initializer_list>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace cpython {
namespace {

constexpr EvaluatorCode kEval{0x5000, 0x6000};

RawFrame N(uint64_t pc) { return RawFrame::Native(pc); }
RawFrame P(uint64_t code) { return RawFrame::Python(code, 1); }

EvaluatorCalls Calls(std::initializer_list<int> ends) {
  EvaluatorCalls calls;
  for (int end : ends) calls.ends[calls.count++] = static_cast<uint16_t>(end);
  calls.complete = true;
  return calls;
}

std::vector<RawFrame> Merge(const std::vector<RawFrame>& native,
                            const std::vector<RawFrame>& python,
                            const EvaluatorCalls& calls, int max = 64) {
  std::vector<RawFrame> out(max + 1, RawFrame{0xdead, 0});
  const int n = MergeHybridStack(native.data(), static_cast<int>(native.size()),
                                 python.data(), static_cast<int>(python.size()),
                                 calls, kEval, out.data(), max);
  EXPECT_EQ(out[max].ip, 0xdeadu) << "wrote past max";
  out.resize(n);
  return out;
}

TEST(HybridStackTest, EachEvaluatorFrameBecomesThePythonFramesItRan) {
  // malloc <- PyArray_Zeros <- [eval: zeros_like <- load] <- PyObject_Call
  //   <- [eval: main <- <module>] <- Py_RunMain <- main
  const std::vector<RawFrame> native = {
      N(0x100), N(0x200), N(0x5010), N(0x300), N(0x5800), N(0x400), N(0x500)};
  const std::vector<RawFrame> python = {P(0xA), P(0xB), P(0xC), P(0xD)};
  EXPECT_EQ(Merge(native, python, Calls({2, 4})),
            (std::vector<RawFrame>{N(0x100), N(0x200), P(0xA), P(0xB), N(0x300),
                                   P(0xC), P(0xD), N(0x400), N(0x500)}));
}

TEST(HybridStackTest, TheEvaluatorsEdgesAreReturnAddresses) {
  // A return address just past the evaluator's last byte is still a call
  // from inside it; one at its first byte is not (no call ends there).
  const std::vector<RawFrame> python = {P(0xA)};
  EXPECT_EQ(Merge({N(0x6000)}, python, Calls({1})),
            (std::vector<RawFrame>{P(0xA)}));
  EXPECT_EQ(Merge({N(0x5000)}, python, Calls({1})),
            (std::vector<RawFrame>{N(0x5000), P(0xA)}));
}

TEST(HybridStackTest, PythonFramesTheNativeWalkDidNotReachGoOutermost) {
  // A frame-pointer walk that stops at the evaluator (no frame pointer
  // there) found one evaluator frame of two.
  const std::vector<RawFrame> native = {N(0x100), N(0x5010)};
  const std::vector<RawFrame> python = {P(0xA), P(0xB), P(0xC)};
  EXPECT_EQ(Merge(native, python, Calls({1, 3})),
            (std::vector<RawFrame>{N(0x100), P(0xA), P(0xB), P(0xC)}));
  // No native frames at all: the Python stack as it is.
  EXPECT_EQ(Merge({}, python, Calls({1, 3})), python);
}

TEST(HybridStackTest, AnEvaluatorFrameBeyondThePythonCallsStaysNative) {
  const std::vector<RawFrame> native = {N(0x5010), N(0x5020), N(0x500)};
  EXPECT_EQ(Merge(native, {P(0xA)}, Calls({1})),
            (std::vector<RawFrame>{P(0xA), N(0x5020), N(0x500)}));
}

TEST(HybridStackTest, ACallThatRanNoShownFrameTakesItsEvaluatorFrameAway) {
  // The inner call's only frame was still in its prologue.
  const std::vector<RawFrame> native = {N(0x100), N(0x5010), N(0x200),
                                        N(0x5020)};
  EXPECT_EQ(Merge(native, {P(0xA)}, Calls({0, 1})),
            (std::vector<RawFrame>{N(0x100), N(0x200), P(0xA)}));
}

TEST(HybridStackTest, StopsAtMax) {
  const std::vector<RawFrame> native = {N(0x100), N(0x5010), N(0x200)};
  const std::vector<RawFrame> python = {P(0xA), P(0xB), P(0xC)};
  EXPECT_EQ(Merge(native, python, Calls({3}), 3),
            (std::vector<RawFrame>{N(0x100), P(0xA), P(0xB)}));
  EXPECT_EQ(Merge(native, python, Calls({3}), 0).size(), 0u);
}

}  // namespace
}  // namespace cpython
}  // namespace tidemark
