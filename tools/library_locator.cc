#include "tools/library_locator.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/paths.h"

namespace tidemark {
namespace {

// The libraries' folder inside a runfiles tree: workspace name, then
// package.
constexpr char kRunfilesFolder[] = "/tidemark/tools/";
constexpr char kDefaultLibraryName[] = "libtidemark.so";

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
                                           const std::string& user_dir,
                                           const std::string& file_name) {
  if (IsSet(explicit_library)) {
    std::string path = MakeAbsolute(explicit_library, user_dir);
    if (file_name != kDefaultLibraryName) {
      path = path.substr(0, path.rfind('/') + 1) + file_name;
    }
    return {path};
  }
  std::vector<std::string> candidates;
  if (IsSet(runfiles_dir)) {
    candidates.push_back(std::string(runfiles_dir) + kRunfilesFolder +
                         file_name);
  }
  if (!real_executable.empty()) {
    candidates.push_back(real_executable + ".runfiles" + kRunfilesFolder +
                         file_name);
    size_t slash = real_executable.rfind('/');
    candidates.push_back(real_executable.substr(0, slash + 1) + file_name);
  }
  return candidates;
}

std::string LibraryFileName(const std::string& interposer) {
  if (interposer.empty() || interposer == "preload") {
    return kDefaultLibraryName;
  }
  return "libtidemark_" + interposer + ".so";
}

std::string FindMallocDebugLibrary() {
  void* handle = dlopen("libc_malloc_debug.so.0", RTLD_LAZY | RTLD_LOCAL);
  if (handle == nullptr) return "";
  std::string path;
  link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr &&
      map->l_name != nullptr) {
    path = Canonical(map->l_name);
  }
  dlclose(handle);
  return path;
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
