// The unwinder in a process without Python: it must find nothing, crash on
// nothing, and be registered. (With Python: cpython_unwinder_e2e_test.)
#include "unwinders/cpython/cpython_unwinder.h"

#include <cstring>
#include <memory>
#include <thread>

#include "core/registry.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(CPythonUnwinderTest, IsRegisteredAsCpython) {
  std::unique_ptr<Unwinder> unwinder(UnwinderRegistry::Create("cpython"));
  ASSERT_NE(unwinder, nullptr);
  EXPECT_NE(dynamic_cast<CPythonUnwinder*>(unwinder.get()), nullptr);
}

TEST(CPythonUnwinderTest, CapturesNothingWithoutPython) {
  CPythonUnwinder unwinder;
  RawFrame frames[8];
  for (int i = 0; i < 100; ++i) EXPECT_EQ(unwinder.Capture(frames, 8), 0);
  std::thread t([&] { EXPECT_EQ(unwinder.Capture(frames, 8), 0); });
  t.join();
  EXPECT_EQ(unwinder.Capture(frames, 0), 0);
}

TEST(CPythonUnwinderTest, ResolvesUnknownFramesToUnknown) {
  CPythonUnwinder unwinder;
  ResolvedFrame out;
  std::memset(&out, 'x', sizeof(out));
  unwinder.Resolve(RawFrame::Python(0x1000, 0), &out);
  EXPECT_STREQ(out.function, "<unknown>");
  EXPECT_STREQ(out.file, "");
  EXPECT_EQ(out.line, 0);
}

}  // namespace
}  // namespace tidemark
