#ifndef TIDEMARK_TOOLS_PATHS_H_
#define TIDEMARK_TOOLS_PATHS_H_

#include <string>

namespace tidemark {

// The directory the user's relative paths mean. `bazel run` starts the tool
// inside its runfiles tree and says where the user was in
// BUILD_WORKING_DIRECTORY; pass getenv("BUILD_WORKING_DIRECTORY") (may be
// null or empty, then the current directory is used).
std::string UserDirectory(const char* build_working_directory);

// `path` made absolute against `base` (itself absolute), with "." parts and
// repeated slashes dropped. ".." is kept: it may cross a symlink.
std::string MakeAbsolute(const std::string& path, const std::string& base);

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_PATHS_H_
