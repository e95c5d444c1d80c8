#include "reporters/testing/test_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tidemark {

std::string MakeTestDirectory(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(root != nullptr ? root : "/tmp") + "/" + name;
  for (const std::string& entry : ListDirectory(dir)) {
    unlink((dir + "/" + entry).c_str());  // "<cannot open>": nothing there
  }
  rmdir(dir.c_str());
  mkdir(dir.c_str(), 0755);
  return dir;
}

ReportDirectory OpenTestDirectory(const std::string& path) {
  ReportDirectory directory;
  directory.fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  directory.display_path = path;
  return directory;
}

std::string ReadFileOrMissing(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "<missing>";
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

}  // namespace tidemark
