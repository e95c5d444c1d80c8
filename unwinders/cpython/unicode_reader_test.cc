#include "unwinders/cpython/unicode_reader.h"

#include <string>

#include "gtest/gtest.h"
#include "unwinders/cpython/fake_python.h"

namespace tidemark {
namespace cpython {
namespace {

using testing::FakeHeap;
using testing::FakeUnicodeType;

class UnicodeReaderTest : public ::testing::TestWithParam<const Layout*> {
 protected:
  std::string Read(uintptr_t str, size_t size = 64) {
    char out[64];
    EXPECT_LE(size, sizeof(out));
    if (!CopyUnicodeAsUtf8(*GetParam(), FakeUnicodeType(), str, out, size)) {
      return "<false>";
    }
    return out;
  }

  FakeHeap heap_;
};

TEST_P(UnicodeReaderTest, ReadsCompactAscii) {
  EXPECT_EQ(Read(heap_.NewString(*GetParam(), U"main", 1)), "main");
  EXPECT_EQ(Read(heap_.NewString(*GetParam(), U"", 1)), "");
}

TEST_P(UnicodeReaderTest, ConvertsEachKindToUtf8) {
  const Layout& l = *GetParam();
  EXPECT_EQ(Read(heap_.NewString(l, U"f\u00fcnf", 1)), "f\xc3\xbcnf");
  EXPECT_EQ(Read(heap_.NewString(l, U"\u03bb\u4e2d", 2)),
            "\xce\xbb\xe4\xb8\xad");
  EXPECT_EQ(Read(heap_.NewString(l, U"x\U00020000", 4)), "x\xf0\xa0\x80\x80");
}

TEST_P(UnicodeReaderTest, TruncatesAtACharacterBoundary) {
  const Layout& l = *GetParam();
  EXPECT_EQ(Read(heap_.NewString(l, U"abcdef", 1), 4), "abc");
  // "a" + two 2-byte characters: 5 bytes; 4 bytes of room holds "a\u00e9".
  EXPECT_EQ(Read(heap_.NewString(l, U"a\u00e9\u00e9", 1), 5), "a\xc3\xa9");
  EXPECT_EQ(Read(heap_.NewString(l, U"\U00020000", 4), 4), "");
  EXPECT_EQ(Read(heap_.NewString(l, U"abc", 1), 1), "");
}

TEST_P(UnicodeReaderTest, RejectsWhatIsNotAString) {
  const Layout& l = *GetParam();
  EXPECT_EQ(Read(0), "<false>");
  uintptr_t not_a_string = heap_.NewString(l, U"abc", 1);
  FakeHeap::Write<uintptr_t>(not_a_string, l.object_type, 0x1234);
  EXPECT_EQ(Read(not_a_string), "<false>");
  uintptr_t bad_kind = heap_.NewString(l, U"abc", 1);
  FakeHeap::Write<uint32_t>(
      bad_kind, l.unicode_state,
      (3u << l.state_kind_shift) | (1u << l.state_compact_bit));
  EXPECT_EQ(Read(bad_kind), "<false>");
}

TEST_P(UnicodeReaderTest, ReadsNonCompactStringsThroughTheirDataPointer) {
  const Layout& l = *GetParam();
  FakeHeap heap;
  uintptr_t str = heap.Allocate(l.unicode_data_any + 8);
  uintptr_t data = heap.Allocate(16);
  FakeHeap::Write<char>(data, 0, 'h');
  FakeHeap::Write<char>(data, 1, 'i');
  FakeHeap::Write<uintptr_t>(str, l.object_type, FakeUnicodeType());
  FakeHeap::Write<int64_t>(str, l.unicode_length, 2);
  FakeHeap::Write<uintptr_t>(str, l.unicode_data_any, data);
  uint32_t state = 1u << l.state_kind_shift;
  FakeHeap::Write<uint32_t>(str, l.unicode_state, state);
  if (l.state_ready_bit >= 0) {
    EXPECT_EQ(Read(str), "<false>");  // not ready: no data yet
    state |= 1u << l.state_ready_bit;
    FakeHeap::Write<uint32_t>(str, l.unicode_state, state);
  }
  EXPECT_EQ(Read(str), "hi");
}

INSTANTIATE_TEST_SUITE_P(AllVersions, UnicodeReaderTest,
                         ::testing::Values(&kLayoutPy310, &kLayoutPy311,
                                           &kLayoutPy312, &kLayoutPy313));

TEST(EncodeUtf8Test, ReplacesSurrogatesAndOutOfRange) {
  char out[4];
  ASSERT_EQ(EncodeUtf8(0xd800, out), 3);
  EXPECT_EQ(std::string(out, 3), "\xef\xbf\xbd");
  ASSERT_EQ(EncodeUtf8(0x110000, out), 3);
  EXPECT_EQ(std::string(out, 3), "\xef\xbf\xbd");
  ASSERT_EQ(EncodeUtf8(0x7f, out), 1);
  ASSERT_EQ(EncodeUtf8(0x7ff, out), 2);
  ASSERT_EQ(EncodeUtf8(0xffff, out), 3);
  ASSERT_EQ(EncodeUtf8(0x10ffff, out), 4);
}

}  // namespace
}  // namespace cpython
}  // namespace tidemark
