#include "core/test_files.h"

#include <dirent.h>

#include <algorithm>

namespace tidemark {

std::vector<std::string> ListDirectory(const std::string& directory) {
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return {"<cannot open>"};
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tidemark
