#include "reporters/testing/test_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tidemark {

std::string MakeTestDirectory(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(root != nullptr ? root : "/tmp") + "/" + name;
  for (const std::string& entry : ListDirectory(dir)) {
    unlink((dir + "/" + entry).c_str());
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

std::vector<std::string> ListDirectory(const std::string& directory) {
  std::vector<std::string> names;
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tidemark
