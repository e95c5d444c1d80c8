#include "reporters/common/source_lines.h"

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

class SourceLinesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("source_lines");
    ASSERT_FALSE(dir_.empty());
    WriteFile(dir_ + "/job.py",
              "import numpy as np\n"
              "\n"
              "    x = np.zeros(10)   \r\n"
              "last line without newline");
  }
  std::string dir_;
};

TEST_F(SourceLinesTest, ReadsLinesOfAnAbsolutePathTrimmed) {
  SourceLines lines("");
  EXPECT_EQ(lines.Line(dir_ + "/job.py", 1), "import numpy as np");
  EXPECT_EQ(lines.Line(dir_ + "/job.py", 2), "");
  EXPECT_EQ(lines.Line(dir_ + "/job.py", 3), "x = np.zeros(10)");
  EXPECT_EQ(lines.Line(dir_ + "/job.py", 4), "last line without newline");
  EXPECT_EQ(lines.Line(dir_ + "/job.py", 5), "");
  EXPECT_EQ(lines.Line(dir_ + "/job.py", 0), "");
  EXPECT_EQ(lines.Line(dir_ + "/job.py", -3), "");
  EXPECT_EQ(lines.files_read(), 1);  // cached after the first line
}

TEST_F(SourceLinesTest, RelativeNamesAreReadFromTheWorkingDirectory) {
  SourceLines lines(dir_);
  EXPECT_EQ(lines.Line("job.py", 3), "x = np.zeros(10)");
  SourceLines unknown("");
  EXPECT_EQ(unknown.Line("job.py", 3), "");
  EXPECT_EQ(unknown.files_read(), 0);
}

TEST_F(SourceLinesTest, NamesWithoutAFileHaveNoText) {
  SourceLines lines(dir_);
  EXPECT_EQ(lines.Line("<string>", 1), "");
  EXPECT_EQ(lines.Line("<frozen importlib._bootstrap>", 1), "");
  EXPECT_EQ(lines.Line(dir_ + "/missing.py", 1), "");
  EXPECT_EQ(lines.Line(dir_, 1), "");  // a folder
  EXPECT_EQ(lines.files_read(), 0);
}

TEST_F(SourceLinesTest, NeverReadsAFifoOrAFileOverTheCap) {
  const std::string fifo = dir_ + "/pipe.py";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  SourceLines lines("");
  EXPECT_EQ(lines.Line(fifo, 1), "");  // returns at once, no writer needed

  std::string big = "first = 1\n";
  big.resize(static_cast<size_t>(kMaxSourceFileBytes) + 1, '#');
  WriteFile(dir_ + "/big.py", big);
  EXPECT_EQ(lines.Line(dir_ + "/big.py", 1), "");
  big.resize(static_cast<size_t>(kMaxSourceFileBytes));
  WriteFile(dir_ + "/just_fits.py", big);
  EXPECT_EQ(lines.Line(dir_ + "/just_fits.py", 1), "first = 1");
  EXPECT_EQ(lines.files_read(), 1);
}

TEST_F(SourceLinesTest, LongAndUnprintableLinesAreCutAndCleaned) {
  // 200 two-byte characters: the cut lands between characters, never inside.
  std::string long_line;
  for (int i = 0; i < 200; ++i) long_line += "\xC3\xA9";  // "é"
  WriteFile(dir_ + "/long.py", long_line + "\nx = '\x1b[31m'\tok\n");
  SourceLines lines("");
  const std::string cut = lines.Line(dir_ + "/long.py", 1);
  std::string expected;
  for (size_t i = 0; i < kMaxSourceLineBytes / 2; ++i) expected += "\xC3\xA9";
  EXPECT_EQ(cut, expected + "\xE2\x80\xA6");
  EXPECT_EQ(lines.Line(dir_ + "/long.py", 2), "x = ' [31m' ok");
}

}  // namespace
}  // namespace tidemark
