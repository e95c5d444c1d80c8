#include "unwinders/cpython/frame_detail.h"

#include "core/frame.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace cpython {
namespace {

TEST(FrameDetailTest, RoundTripsThroughRawFrame) {
  for (int32_t offset : {0, 2, 1234, 0x7ffffffe, -2}) {
    FrameDetail in{offset, 0xabcdef};
    RawFrame frame = RawFrame::Python(0x7f0012345670, PackFrameDetail(in));
    EXPECT_EQ(frame.kind(), FrameKind::kPython);
    EXPECT_EQ(frame.ip, 0x7f0012345670u);
    FrameDetail out = UnpackFrameDetail(frame.detail());
    EXPECT_EQ(out.byte_offset, offset);
    EXPECT_EQ(out.check, 0xabcdefu);
  }
}

TEST(FrameDetailTest, CheckIsTruncatedTo24Bits) {
  FrameDetail out = UnpackFrameDetail(PackFrameDetail({8, 0xff123456}));
  EXPECT_EQ(out.check, 0x123456u);
  EXPECT_EQ(out.byte_offset, 8);
  // Must fit in the 56 bits RawFrame::Python keeps.
  EXPECT_EQ(PackFrameDetail({-1, 0xffffffff}) >> RawFrame::kKindShift, 0u);
}

TEST(CodeCheckValueTest, DependsOnFirstLineAndStrings) {
  uint32_t a = CodeCheckValue(10, 0x7f0000001000, 0x7f0000002000);
  EXPECT_EQ(a & 0xffff, 10u);
  EXPECT_LE(a, kCheckMask);
  EXPECT_NE(a, CodeCheckValue(11, 0x7f0000001000, 0x7f0000002000));
  EXPECT_NE(a, CodeCheckValue(10, 0x7f0000001010, 0x7f0000002000));
  EXPECT_EQ(a, CodeCheckValue(10, 0x7f0000001000, 0x7f0000002000));
}

}  // namespace
}  // namespace cpython
}  // namespace tidemark
