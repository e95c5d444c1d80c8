#include "unwinders/cpython/python_version.h"

#include "gtest/gtest.h"

namespace tidemark {
namespace cpython {
namespace {

TEST(VersionFromHexTest, DecodesMajorAndMinor) {
  PythonVersion v = VersionFromHex(0x030B02F0);  // 3.11.2 final
  EXPECT_EQ(v.major, 3);
  EXPECT_EQ(v.minor, 11);
  v = VersionFromHex(0x030D00F0);
  EXPECT_EQ(v.minor, 13);
}

TEST(ParseVersionStringTest, ReadsMajorAndMinor) {
  PythonVersion v;
  ASSERT_TRUE(
      ParseVersionString("3.10.13 (main, Jan  1 2024) [GCC 12.2.0]", &v));
  EXPECT_EQ(v.major, 3);
  EXPECT_EQ(v.minor, 10);
  ASSERT_TRUE(ParseVersionString("3.9", &v));
  EXPECT_EQ(v.minor, 9);
}

TEST(ParseVersionStringTest, RejectsWhatIsNotAVersion) {
  PythonVersion v{7, 7};
  EXPECT_FALSE(ParseVersionString(nullptr, &v));
  EXPECT_FALSE(ParseVersionString("", &v));
  EXPECT_FALSE(ParseVersionString("3", &v));
  EXPECT_FALSE(ParseVersionString("3.", &v));
  EXPECT_FALSE(ParseVersionString("x3.10", &v));
  EXPECT_FALSE(ParseVersionString("3.10000", &v));
  EXPECT_EQ(v.major, 7);  // untouched on failure
  EXPECT_EQ(v.minor, 7);
}

TEST(VersionHexFromStringTest, ReadsTheWholeVersionAsPyVersionHex) {
  EXPECT_EQ(VersionHexFromString("3.10.13 (main, Jan  1 2024) [GCC 12.2.0]"),
            0x030A0DF0u);
  EXPECT_EQ(VersionHexFromString("3.13.0rc1 (main, ...)"), 0x030D00C1u);
  EXPECT_EQ(VersionHexFromString("3.12.0a7+ (heads/main)"), 0x030C00A7u);
  EXPECT_EQ(VersionHexFromString("3.11.0b2"), 0x030B00B2u);
  EXPECT_EQ(VersionHexFromString(nullptr), 0u);
  EXPECT_EQ(VersionHexFromString("3.10"), 0u);
  EXPECT_EQ(VersionHexFromString("3.10.x"), 0u);
  EXPECT_EQ(VersionHexFromString("3.13.0rc"), 0u);    // a level needs a serial
  EXPECT_EQ(VersionHexFromString("3.13.0rc16"), 0u);  // serials fit 4 bits
  EXPECT_EQ(VersionHexFromString("3.256.0"), 0u);
}

TEST(IsFreeThreadedBuildTest, SpotsTheNoGilBuild) {
  EXPECT_TRUE(IsFreeThreadedBuild(
      "3.13.0 experimental free-threading build (main, Oct  7 2024)"));
  EXPECT_FALSE(IsFreeThreadedBuild("3.13.0 (main, Oct  7 2024) [GCC 12.2.0]"));
  EXPECT_FALSE(IsFreeThreadedBuild(nullptr));
}

}  // namespace
}  // namespace cpython
}  // namespace tidemark
