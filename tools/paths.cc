#include "tools/paths.h"

#include <unistd.h>

#include <climits>

namespace tidemark {

std::string UserDirectory(const char* build_working_directory) {
  if (build_working_directory != nullptr &&
      build_working_directory[0] != '\0') {
    return build_working_directory;
  }
  char cwd[PATH_MAX];
  // Fails only when the directory was deleted under us; "/" then gives an
  // absolute path whose later mkdir reports the problem.
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return "/";
  return cwd;
}

std::string MakeAbsolute(const std::string& path, const std::string& base) {
  std::string joined =
      !path.empty() && path[0] == '/' ? path : base + "/" + path;
  std::string result;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    std::string part = joined.substr(start, end - start);
    if (!part.empty() && part != ".") result += "/" + part;
    start = end + 1;
  }
  return result.empty() ? "/" : result;
}

}  // namespace tidemark
