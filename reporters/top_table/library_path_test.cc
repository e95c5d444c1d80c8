#include "reporters/top_table/library_path.h"

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(IsLibraryFileTest, RecognisesTheStandardLibrary) {
  EXPECT_TRUE(IsLibraryFile("/usr/lib/python3.11/json/decoder.py"));
  EXPECT_TRUE(IsLibraryFile("/usr/lib64/python3.12/threading.py"));
  EXPECT_TRUE(
      IsLibraryFile("/root/.pyenv/versions/3.13.0/lib/python3.13t/copy.py"));
  EXPECT_TRUE(IsLibraryFile("/usr/lib/python311.zip/json/decoder.py"));
  EXPECT_TRUE(IsLibraryFile("<frozen runpy>"));
  EXPECT_TRUE(IsLibraryFile("<frozen importlib._bootstrap>"));
}

TEST(IsLibraryFileTest, RecognisesThirdPartyPackages) {
  EXPECT_TRUE(
      IsLibraryFile("/usr/lib/python3/dist-packages/numpy/core/numeric.py"));
  EXPECT_TRUE(IsLibraryFile(
      "/home/u/venv/lib/python3.11/site-packages/pandas/io/parsers.py"));
  EXPECT_TRUE(IsLibraryFile("site-packages/x.py"));
}

TEST(IsLibraryFileTest, LeavesUserCodeAlone) {
  EXPECT_FALSE(IsLibraryFile("app.py"));
  EXPECT_FALSE(IsLibraryFile("/home/u/project/train.py"));
  EXPECT_FALSE(IsLibraryFile("/home/u/project/lib/helpers.py"));
  EXPECT_FALSE(IsLibraryFile("/home/u/lib/python_tools/x.py"));
  EXPECT_FALSE(IsLibraryFile("/home/u/lib/pythonic/x.py"));
  EXPECT_FALSE(IsLibraryFile("<string>"));
  EXPECT_FALSE(IsLibraryFile("<stdin>"));
  EXPECT_FALSE(IsLibraryFile(""));
  // A file merely named like a directory we look for is the user's.
  EXPECT_FALSE(IsLibraryFile("/home/u/site-packages"));
  EXPECT_FALSE(IsLibraryFile("/home/u/lib/python3.11"));
}

}  // namespace
}  // namespace tidemark
