#include "unwinders/fp/frame_pointer_walk.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace tidemark {
namespace fp {
namespace {

// A fake stack: frames are pairs (saved frame, return address) at known
// word offsets in an array the walk is bounded to.
class FakeStack {
 public:
  uint64_t At(int word) const { return reinterpret_cast<uint64_t>(&w_[word]); }
  void Frame(int word, uint64_t next, uint64_t pc) {
    w_[word] = next;
    w_[word + 1] = pc;
  }
  uint64_t low() const { return At(0); }
  uint64_t high() const { return At(kWords); }

 private:
  static constexpr int kWords = 64;
  alignas(16) uint64_t w_[kWords] = {};
};

TEST(WalkFramePointers, FollowsTheChainInOrderUntilItEnds) {
  FakeStack s;
  s.Frame(2, s.At(10), 0x1111);
  s.Frame(10, s.At(20), 0x2222);
  s.Frame(20, 0, 0x3333);  // the outermost: next frame 0 goes down
  uint64_t pcs[8];
  ASSERT_EQ(WalkFramePointers(s.At(2), s.low(), s.high(), pcs, 8), 3);
  EXPECT_EQ(pcs[0], 0x1111u);
  EXPECT_EQ(pcs[1], 0x2222u);
  EXPECT_EQ(pcs[2], 0x3333u);
}

TEST(WalkFramePointers, StopsAtMax) {
  FakeStack s;
  s.Frame(2, s.At(10), 0x1111);
  s.Frame(10, s.At(20), 0x2222);
  s.Frame(20, 0, 0x3333);
  uint64_t pcs[2];
  EXPECT_EQ(WalkFramePointers(s.At(2), s.low(), s.high(), pcs, 2), 2);
  EXPECT_EQ(pcs[1], 0x2222u);
}

TEST(WalkFramePointers, NeverReadsOutsideTheBounds) {
  FakeStack s;
  // A chain leading out of the stack (into unmapped memory, as a junk %rbp
  // from code without frame pointers would): the walk stops before it.
  s.Frame(2, 0x10, 0x1111);
  uint64_t pcs[8];
  EXPECT_EQ(WalkFramePointers(s.At(2), s.low(), s.high(), pcs, 8), 1);
  // A start outside the bounds reads nothing at all.
  EXPECT_EQ(WalkFramePointers(0x10, s.low(), s.high(), pcs, 8), 0);
  // The last two words of the stack are readable; one past is not.
  s.Frame(62, 0, 0x4444);
  EXPECT_EQ(WalkFramePointers(s.At(62), s.low(), s.high(), pcs, 8), 1);
  EXPECT_EQ(WalkFramePointers(s.At(63), s.low(), s.high(), pcs, 8), 0);
}

TEST(WalkFramePointers, StopsOnMisalignedOrNonIncreasingFrames) {
  FakeStack s;
  s.Frame(10, s.At(4), 0x1111);  // points down: a loop or junk
  s.Frame(4, s.At(10), 0x2222);
  uint64_t pcs[8];
  EXPECT_EQ(WalkFramePointers(s.At(10), s.low(), s.high(), pcs, 8), 1);
  s.Frame(20, s.At(30) + 3, 0x3333);  // misaligned next frame
  EXPECT_EQ(WalkFramePointers(s.At(20), s.low(), s.high(), pcs, 8), 1);
  s.Frame(40, s.At(40), 0x5555);  // points at itself
  EXPECT_EQ(WalkFramePointers(s.At(40), s.low(), s.high(), pcs, 8), 1);
  s.Frame(50, s.At(56), 0);  // a zero return address ends the stack
  EXPECT_EQ(WalkFramePointers(s.At(50), s.low(), s.high(), pcs, 8), 0);
}

}  // namespace
}  // namespace fp
}  // namespace tidemark
