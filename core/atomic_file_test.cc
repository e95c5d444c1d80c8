#include "core/atomic_file.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int CountEntries(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n;
}

TEST(AtomicFileTest, ReplacesContentsAndLeavesNoTemporary) {
  std::string dir = std::string(getenv("TEST_TMPDIR")) + "/atomic";
  mkdir(dir.c_str(), 0755);
  std::string path = dir + "/report.txt";
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(path, "first", &error)) << error;
  ASSERT_TRUE(WriteFileAtomically(path, std::string(100000, 'x'), &error));
  EXPECT_EQ(ReadAll(path), std::string(100000, 'x'));
  EXPECT_EQ(CountEntries(dir), 1);
}

TEST(AtomicFileTest, ReportsUnwritableDirectory) {
  std::string error;
  EXPECT_FALSE(WriteFileAtomically("/nonexistent-dir/x/report", "a", &error));
  EXPECT_NE(error.find("/nonexistent-dir/x/report"), std::string::npos);
}

}  // namespace
}  // namespace tidemark
