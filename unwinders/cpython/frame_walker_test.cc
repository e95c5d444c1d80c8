#include "unwinders/cpython/frame_walker.h"

#include <vector>

#include "gtest/gtest.h"
#include "unwinders/cpython/fake_python.h"
#include "unwinders/cpython/frame_detail.h"

namespace tidemark {
namespace cpython {
namespace {

using testing::FakeCodeType;
using testing::FakeHeap;
using testing::FakeThread;

class FrameWalkerTest : public ::testing::TestWithParam<const Layout*> {
 protected:
  const Layout& layout() { return *GetParam(); }

  std::vector<RawFrame> Walk(const FakeThread& thread, int max = 16) {
    std::vector<RawFrame> frames(max + 1, RawFrame{0xdead, 0xdead});
    int n = WalkFrames(layout(), FakeCodeType(), thread.tstate(), frames.data(),
                       max);
    EXPECT_GE(n, 0);
    EXPECT_LE(n, max);
    EXPECT_EQ(frames[max].ip, 0xdeadu) << "wrote past max";
    frames.resize(n);
    return frames;
  }
};

TEST_P(FrameWalkerTest, WalksInnermostFirstWithOffsets) {
  FakeThread thread(layout());
  uintptr_t module = thread.heap().NewCode(layout(), "<module>", "m.py", 1);
  uintptr_t outer = thread.heap().NewCode(layout(), "outer", "m.py", 10);
  uintptr_t inner = thread.heap().NewCode(layout(), "inner", "m.py", 20);
  thread.Push(module, 40);
  thread.Push(outer, 12);
  thread.Push(inner, 6);

  std::vector<RawFrame> frames = Walk(thread);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].ip, inner);
  EXPECT_EQ(frames[1].ip, outer);
  EXPECT_EQ(frames[2].ip, module);
  for (const RawFrame& f : frames) EXPECT_EQ(f.kind(), FrameKind::kPython);
  EXPECT_EQ(UnpackFrameDetail(frames[0].detail()).byte_offset, 6);
  EXPECT_EQ(UnpackFrameDetail(frames[1].detail()).byte_offset, 12);
  EXPECT_EQ(UnpackFrameDetail(frames[2].detail()).byte_offset, 40);
  // The check value carries co_firstlineno.
  EXPECT_EQ(UnpackFrameDetail(frames[0].detail()).check & 0xffff, 20u);
  EXPECT_EQ(UnpackFrameDetail(frames[1].detail()).check & 0xffff, 10u);
}

TEST_P(FrameWalkerTest, StopsAtMax) {
  FakeThread thread(layout());
  uintptr_t code = thread.heap().NewCode(layout(), "f", "m.py", 1);
  for (int i = 0; i < 10; ++i) thread.Push(code, 2 * i);
  std::vector<RawFrame> frames = Walk(thread, 3);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(UnpackFrameDetail(frames[0].detail()).byte_offset, 18);
  EXPECT_EQ(UnpackFrameDetail(frames[2].detail()).byte_offset, 14);
  EXPECT_EQ(Walk(thread, 0).size(), 0u);
}

TEST_P(FrameWalkerTest, EmptyChainGivesNoFrames) {
  FakeThread thread(layout());
  EXPECT_EQ(Walk(thread).size(), 0u);
}

TEST_P(FrameWalkerTest, SkipsFramesNotRunningACodeObject) {
  FakeThread thread(layout());
  uintptr_t code = thread.heap().NewCode(layout(), "f", "m.py", 1);
  uintptr_t none = thread.heap().Allocate(64);  // e.g. 3.13's Py_None
  FakeHeap::Write<uintptr_t>(none, layout().object_type, 0x4242);
  thread.Push(code, 4);
  thread.Push(none, 0);
  std::vector<RawFrame> frames = Walk(thread);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].ip, code);
}

TEST_P(FrameWalkerTest, SkipsIncompleteFramesButNotGenerators) {
  if (layout().frame_owner < 0) GTEST_SKIP() << "no owner before 3.11";
  FakeThread thread(layout());
  // First traceable instruction at code unit 3 (byte 6).
  uintptr_t code = thread.heap().NewCode(layout(), "f", "m.py", 1, 3);
  thread.Push(code, 8);
  thread.Push(code, 4);                            // in its prologue
  thread.Push(code, 4, layout().owner_generator);  // generators are complete
  std::vector<RawFrame> frames = Walk(thread);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(UnpackFrameDetail(frames[0].detail()).byte_offset, 4);
  EXPECT_EQ(UnpackFrameDetail(frames[1].detail()).byte_offset, 8);
}

TEST_P(FrameWalkerTest, SkipsCStackShimFrames) {
  if (layout().owner_cstack < 0) GTEST_SKIP() << "no shim frames before 3.12";
  FakeThread thread(layout());
  uintptr_t code = thread.heap().NewCode(layout(), "f", "m.py", 1);
  uintptr_t shim = thread.heap().NewCode(layout(), "<shim>", "", 0);
  thread.Push(shim, 0, layout().owner_cstack);
  thread.Push(code, 2);
  thread.Push(shim, 0, layout().owner_cstack);
  thread.Push(code, 10);
  std::vector<RawFrame> frames = Walk(thread);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(UnpackFrameDetail(frames[0].detail()).byte_offset, 10);
  EXPECT_EQ(UnpackFrameDetail(frames[1].detail()).byte_offset, 2);
}

TEST_P(FrameWalkerTest, TerminatesOnACyclicChainOfSkippedFrames) {
  FakeThread thread(layout());
  uintptr_t not_code = thread.heap().Allocate(64);
  uintptr_t frame = thread.Push(not_code, 0);
  FakeHeap::Write<uintptr_t>(frame, layout().frame_previous, frame);
  EXPECT_EQ(Walk(thread).size(), 0u);
}

TEST_P(FrameWalkerTest, NegativeLastiBecomesNegativeOffset) {
  if (!layout().frame_lasti_is_index) GTEST_SKIP() << "3.10's f_lasti only";
  FakeThread thread(layout());
  uintptr_t code = thread.heap().NewCode(layout(), "f", "m.py", 1);
  thread.Push(code, -2);  // f_lasti == -1: not started
  std::vector<RawFrame> frames = Walk(thread);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(UnpackFrameDetail(frames[0].detail()).byte_offset, -2);
}

// Pushes the frames of one C-level call of the evaluator, outermost first,
// marked as `layout` marks a call's start: a shim under it (3.12+), its
// outermost frame's is_entry (3.11); on 3.10 every frame is a call anyway.
void PushCall(FakeThread& thread, const Layout& layout,
              const std::vector<uintptr_t>& codes, int byte_offset = 2) {
  if (layout.owner_cstack >= 0) {
    uintptr_t trampoline = thread.heap().NewCode(layout, "<shim>", "", 0);
    thread.Push(trampoline, 0, layout.owner_cstack);
  }
  for (size_t i = 0; i < codes.size(); ++i) {
    uintptr_t frame = thread.Push(codes[i], byte_offset);
    if (layout.frame_is_entry >= 0) {
      FakeHeap::Write<uint8_t>(frame, layout.frame_is_entry, i == 0 ? 1 : 0);
    }
  }
}

std::vector<int> Ends(const EvaluatorCalls& calls) {
  return std::vector<int>(calls.ends, calls.ends + calls.count);
}

TEST_P(FrameWalkerTest, TellsWhichFramesEachEvaluatorCallRan) {
  FakeThread thread(layout());
  std::vector<uintptr_t> code;
  for (const char* name : {"a", "b", "c", "d"}) {
    code.push_back(thread.heap().NewCode(layout(), name, "m.py", 1));
  }
  PushCall(thread, layout(), {code[0], code[1]});  // outer call: a -> b
  PushCall(thread, layout(), {code[2], code[3]});  // inner call: c -> d
  RawFrame frames[16];
  EvaluatorCalls calls;
  ASSERT_EQ(WalkFramesAndCalls(layout(), FakeCodeType(), thread.tstate(),
                               frames, 16, &calls),
            4);
  EXPECT_EQ(frames[0].ip, code[3]);
  EXPECT_EQ(frames[3].ip, code[0]);
  if (layout().frame_owner < 0) {
    // 3.10: one call per frame.
    EXPECT_EQ(Ends(calls), (std::vector<int>{1, 2, 3, 4}));
  } else {
    EXPECT_EQ(Ends(calls), (std::vector<int>{2, 4}));
  }
  EXPECT_TRUE(calls.complete);

  // The same walk without the calls writes the same frames.
  RawFrame plain[16];
  ASSERT_EQ(WalkFrames(layout(), FakeCodeType(), thread.tstate(), plain, 16),
            4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(plain[i], frames[i]);
}

TEST_P(FrameWalkerTest, ACallWhoseOnlyFrameIsSkippedStillCounts) {
  if (layout().frame_owner < 0) GTEST_SKIP() << "no prologue frames on 3.10";
  FakeThread thread(layout());
  uintptr_t outer = thread.heap().NewCode(layout(), "outer", "m.py", 1);
  // First traceable instruction at code unit 4; the frame is at byte 2.
  uintptr_t starting = thread.heap().NewCode(layout(), "init", "m.py", 9, 4);
  PushCall(thread, layout(), {outer});
  PushCall(thread, layout(), {starting});
  RawFrame frames[16];
  EvaluatorCalls calls;
  ASSERT_EQ(WalkFramesAndCalls(layout(), FakeCodeType(), thread.tstate(),
                               frames, 16, &calls),
            1);
  EXPECT_EQ(frames[0].ip, outer);
  // The inner call ran no frame the walk writes, and still comes first:
  // the evaluator frame a native walk meets first ran nothing shown.
  EXPECT_EQ(Ends(calls), (std::vector<int>{0, 1}));
  EXPECT_TRUE(calls.complete);
}

TEST_P(FrameWalkerTest, AWalkCutAtMaxIsNotComplete) {
  FakeThread thread(layout());
  uintptr_t code = thread.heap().NewCode(layout(), "f", "m.py", 1);
  for (int i = 0; i < 3; ++i) PushCall(thread, layout(), {code, code});
  RawFrame frames[16];
  EvaluatorCalls calls;
  ASSERT_EQ(WalkFramesAndCalls(layout(), FakeCodeType(), thread.tstate(),
                               frames, 3, &calls),
            3);
  EXPECT_FALSE(calls.complete);
  if (layout().frame_owner < 0) {
    EXPECT_EQ(Ends(calls), (std::vector<int>{1, 2, 3}));
  } else {
    EXPECT_EQ(Ends(calls), (std::vector<int>{2}));
  }
}

INSTANTIATE_TEST_SUITE_P(AllVersions, FrameWalkerTest,
                         ::testing::Values(&kLayoutPy310, &kLayoutPy311,
                                           &kLayoutPy312, &kLayoutPy313),
                         [](const auto& info) {
                           return "Py3" + std::to_string(info.param->minor);
                         });

}  // namespace
}  // namespace cpython
}  // namespace tidemark
