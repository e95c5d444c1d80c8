#include "reporters/common/source_lines.h"

#include <sys/stat.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using ::testing::ElementsAre;

class SourceLinesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTestDirectory("source_lines");
    WriteFile(dir_ + "/job.py",
              "import numpy as np\n"
              "\n"
              "    x = np.zeros(10)   \r\n"
              "last line without newline");
  }
  std::vector<std::string> Read(const std::vector<SourceRequest>& requests,
                                const std::string& working_directory = "") {
    return ReadSourceLines(requests, working_directory, &stats_);
  }
  std::string dir_;
  SourceReadStats stats_;
};

TEST_F(SourceLinesTest, ReadsLinesOfAnAbsolutePathTrimmedInRequestOrder) {
  const std::string job = dir_ + "/job.py";
  EXPECT_THAT(
      Read({{job, 3},
            {job, 1},
            {job, 2},
            {job, 4},
            {job, 5},
            {job, 0},
            {job, -3},
            {job, 3}}),
      ElementsAre("x = np.zeros(10)", "import numpy as np", "",
                  "last line without newline", "", "", "", "x = np.zeros(10)"));
  EXPECT_EQ(stats_.files_read, 1);  // once, for all eight requests
  EXPECT_EQ(stats_.bytes_read, 19 + 1 + 25 + 25);  // the whole file
}

TEST_F(SourceLinesTest, RelativeNamesAreReadFromTheWorkingDirectory) {
  EXPECT_THAT(Read({{"job.py", 3}}, dir_), ElementsAre("x = np.zeros(10)"));
  EXPECT_THAT(Read({{"job.py", 3}}, ""), ElementsAre(""));  // unknown
  EXPECT_EQ(stats_.files_read, 1);
}

TEST_F(SourceLinesTest, NamesWithoutAFileHaveNoText) {
  EXPECT_THAT(Read({{"<string>", 1},
                    {"<frozen importlib._bootstrap>", 1},
                    {dir_ + "/missing.py", 1},
                    {dir_, 1},  // a folder
                    {"", 1}},
                   dir_),
              ElementsAre("", "", "", "", ""));
  EXPECT_EQ(stats_.files_read, 0);
}

TEST_F(SourceLinesTest, NeverReadsAFifoOrAFileOverTheCap) {
  const std::string fifo = dir_ + "/pipe.py";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string big = "first = 1\n";
  big.resize(static_cast<size_t>(kMaxSourceFileBytes) + 1, '#');
  WriteFile(dir_ + "/big.py", big);
  big.resize(static_cast<size_t>(kMaxSourceFileBytes));
  WriteFile(dir_ + "/just_fits.py", big);
  // The FIFO has no writer: opening it blocking would hang the test.
  EXPECT_THAT(
      Read({{fifo, 1}, {dir_ + "/big.py", 1}, {dir_ + "/just_fits.py", 1}}),
      ElementsAre("", "", "first = 1"));
  EXPECT_EQ(stats_.files_read, 1);
  EXPECT_EQ(stats_.bytes_read, kMaxSourceFileBytes);
}

TEST_F(SourceLinesTest, StopsOpeningFilesPastTheTotalCap) {
  // Each file just fits; after kMaxSourceBytesTotal bytes no more are read.
  std::string fits = "v = 1\n";
  fits.resize(static_cast<size_t>(kMaxSourceFileBytes), '#');
  const int files =
      static_cast<int>(kMaxSourceBytesTotal / kMaxSourceFileBytes);
  std::vector<SourceRequest> requests;
  for (int i = 0; i <= files; ++i) {
    const std::string path = dir_ + "/f" + std::to_string(100 + i) + ".py";
    WriteFile(path, fits);
    requests.push_back({path, 1});
  }
  const std::vector<std::string> texts = Read(requests);
  EXPECT_EQ(stats_.files_read, files);
  EXPECT_EQ(texts[static_cast<size_t>(files) - 1], "v = 1");
  EXPECT_EQ(texts[static_cast<size_t>(files)], "");  // the one too many
}

TEST_F(SourceLinesTest, LongAndUnprintableLinesAreCutAndCleaned) {
  // 200 two-byte characters: the cut lands between characters, never inside.
  std::string long_line;
  for (int i = 0; i < 200; ++i) long_line += "\xC3\xA9";  // "é"
  WriteFile(dir_ + "/long.py", long_line + "\nx = '\x1b[31m'\tok\n");
  std::string expected;
  for (size_t i = 0; i < kMaxSourceLineBytes / 2; ++i) expected += "\xC3\xA9";
  EXPECT_THAT(Read({{dir_ + "/long.py", 1}, {dir_ + "/long.py", 2}}),
              ElementsAre(expected + "\xE2\x80\xA6", "x = ' [31m' ok"));
}

}  // namespace
}  // namespace tidemark
