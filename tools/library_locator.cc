#include "tools/library_locator.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/paths.h"

namespace tidemark {
namespace {

constexpr char kLibraryName[] = "libtidemark.so";
// The library's path inside a runfiles tree: workspace name, then package.
constexpr char kRunfilesPath[] = "/tidemark/tools/libtidemark.so";

bool IsSet(const char* value) { return value != nullptr && value[0] != '\0'; }

std::string Canonical(const std::string& path) {
  char* resolved = realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return "";
  std::string result = resolved;
  free(resolved);
  return result;
}

}  // namespace

std::vector<std::string> LibraryCandidates(const char* explicit_library,
                                           const char* runfiles_dir,
                                           const std::string& real_executable,
                                           const std::string& user_dir) {
  if (IsSet(explicit_library)) {
    return {MakeAbsolute(explicit_library, user_dir)};
  }
  std::vector<std::string> candidates;
  if (IsSet(runfiles_dir)) {
    candidates.push_back(std::string(runfiles_dir) + kRunfilesPath);
  }
  if (!real_executable.empty()) {
    candidates.push_back(real_executable + ".runfiles" + kRunfilesPath);
    size_t slash = real_executable.rfind('/');
    candidates.push_back(real_executable.substr(0, slash + 1) + kLibraryName);
  }
  return candidates;
}

bool FindLibrary(const std::vector<std::string>& candidates,
                 std::string* found) {
  for (const std::string& candidate : candidates) {
    std::string path = Canonical(candidate);
    struct stat info;
    if (path.empty() || stat(path.c_str(), &info) != 0 ||
        !S_ISREG(info.st_mode) || access(path.c_str(), R_OK) != 0) {
      continue;
    }
    *found = path;
    return true;
  }
  return false;
}

std::string RealExecutablePath() { return Canonical("/proc/self/exe"); }

}  // namespace tidemark
