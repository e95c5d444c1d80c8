#include "core/json_text.h"

#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(JsonTextTest, EscapesWhatJsonRequires) {
  EXPECT_EQ(JsonQuoted(""), "\"\"");
  EXPECT_EQ(JsonQuoted("job.py"), "\"job.py\"");
  EXPECT_EQ(JsonQuoted("say \"hi\" \\ bye"), "\"say \\\"hi\\\" \\\\ bye\"");
  EXPECT_EQ(JsonQuoted("a\nb\tc\rd"), "\"a\\nb\\tc\\rd\"");
  EXPECT_EQ(JsonQuoted(std::string("\x1b[0m\x7f\0", 6)),
            "\"\\u001b[0m\\u007f\\u0000\"");
}

TEST(JsonTextTest, KeepsWellFormedUtf8AndReplacesTheRest) {
  // é, €, U+1F600.
  EXPECT_EQ(JsonQuoted("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
            "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(JsonQuoted("\xff"), "\"" + fffd + "\"");
  EXPECT_EQ(JsonQuoted("a\xc3"), "\"a" + fffd + "\"");           // cut short
  EXPECT_EQ(JsonQuoted("\xc0\xaf"), "\"" + fffd + fffd + "\"");  // overlong
  EXPECT_EQ(JsonQuoted("\xed\xa0\x80"),                          // surrogate
            "\"" + fffd + fffd + fffd + "\"");
  EXPECT_EQ(JsonQuoted("\xf4\x90\x80\x80"),  // above U+10FFFF
            "\"" + fffd + fffd + fffd + fffd + "\"");
}

}  // namespace
}  // namespace tidemark
