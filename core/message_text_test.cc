#include "core/message_text.h"

#include <signal.h>

#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(MessageTextTest, ControlBytesAreSpelledOut) {
  EXPECT_EQ(EscapeControlBytes("a\nb"), "a\\nb");
  EXPECT_EQ(EscapeControlBytes("\r\t"), "\\r\\t");
  EXPECT_EQ(EscapeControlBytes("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(EscapeControlBytes(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(EscapeControlBytes("del\x7f"), "del\\x7f");
}

TEST(MessageTextTest, OtherTextIsKept) {
  EXPECT_EQ(EscapeControlBytes("/tmp/r\xc3\xa9sultats {pid} 'x'"),
            "/tmp/r\xc3\xa9sultats {pid} 'x'");
  EXPECT_EQ(EscapeControlBytes(""), "");
}

TEST(MessageTextTest, FixedBufferNeverSplitsAnEscape) {
  char out[8];
  // "ab" + "\x1b" (4) fits in 7; the next escape does not.
  EXPECT_EQ(EscapeControlBytes("ab\x1b\x1b", out, sizeof(out)), 6u);
  EXPECT_STREQ(out, "ab\\x1b");
  EXPECT_EQ(EscapeControlBytes("a\nb", out, sizeof(out)), 4u);
  EXPECT_STREQ(out, "a\\nb");
  EXPECT_EQ(EscapeControlBytes("abc", out, 1), 0u);
  EXPECT_STREQ(out, "");
}

TEST(MessageTextTest, SignalsByName) {
  EXPECT_EQ(SignalText(SIGKILL), "SIGKILL");
  EXPECT_EQ(SignalText(SIGTERM), "SIGTERM");
  EXPECT_EQ(SignalText(77), "signal 77");
}

}  // namespace
}  // namespace tidemark
