#include "reporters/common/text.h"

#include "gtest/gtest.h"

namespace tidemark {
namespace {

// The steps NextUtf8 takes through `text`, as "3" for a valid 3-byte code
// point and "!2" for a 2-byte ill-formed piece.
std::string Steps(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    Utf8Step step = NextUtf8(text);
    if (!out.empty()) out += ' ';
    if (!step.valid) out += '!';
    out += std::to_string(step.length);
    text.remove_prefix(static_cast<size_t>(step.length));
  }
  return out;
}

TEST(NextUtf8Test, AcceptsWellFormedSequences) {
  EXPECT_EQ(Steps("a"), "1");
  EXPECT_EQ(Steps("\xC3\xA9"), "2");          // é
  EXPECT_EQ(Steps("\xE2\x82\xAC"), "3");      // €
  EXPECT_EQ(Steps("\xF0\x9F\x90\x8D"), "4");  // 🐍
  EXPECT_EQ(Steps("\xF4\x8F\xBF\xBF"), "4");  // U+10FFFF
  EXPECT_EQ(Steps("\xED\x9F\xBF"), "3");      // U+D7FF
}

TEST(NextUtf8Test, RejectsIllFormedSequencesByMaximalSubpart) {
  EXPECT_EQ(Steps("\x80"), "!1");                       // stray continuation
  EXPECT_EQ(Steps("\xC0\xAF"), "!1 !1");                // overlong '/'
  EXPECT_EQ(Steps("\xE0\x80\xAF"), "!1 !1 !1");         // overlong
  EXPECT_EQ(Steps("\xED\xA0\x80"), "!1 !1 !1");         // surrogate U+D800
  EXPECT_EQ(Steps("\xF4\x90\x80\x80"), "!1 !1 !1 !1");  // above U+10FFFF
  EXPECT_EQ(Steps("\xFF"), "!1");
  EXPECT_EQ(Steps("\xE2\x82"), "!2");     // truncated at the end
  EXPECT_EQ(Steps("\xE2\x82x"), "!2 1");  // truncated mid-text
  EXPECT_EQ(Steps("\xF0\x9F\x90"), "!3");
}

TEST(PrintableTextTest, KeepsPrintableUtf8) {
  EXPECT_EQ(PrintableText("caf\xC3\xA9 (app.py:3)"), "caf\xC3\xA9 (app.py:3)");
  EXPECT_EQ(PrintableText(""), "");
}

TEST(PrintableTextTest, TurnsControlCharactersIntoSpaces) {
  EXPECT_EQ(PrintableText("a\nb\r\tc\x1B[31md\x7F"), "a b  c [31md ");
  EXPECT_EQ(PrintableText("x\xC2\x9By\xC2\xA0z"), "x y\xC2\xA0z");  // C1 CSI
  EXPECT_EQ(PrintableText(std::string_view("a\0b", 3)), "a b");
}

TEST(PrintableTextTest, ReplacesIllFormedBytes) {
  EXPECT_EQ(PrintableText("d\xFFta.py"), "d\xEF\xBF\xBDta.py");
  EXPECT_EQ(PrintableText("\xE2\x82"), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace tidemark
