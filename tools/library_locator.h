#ifndef TIDEMARK_TOOLS_LIBRARY_LOCATOR_H_
#define TIDEMARK_TOOLS_LIBRARY_LOCATOR_H_

#include <string>
#include <vector>

namespace tidemark {

// Where libtidemark.so may be, in the order to try:
//   1. `explicit_library` (TIDEMARK_LIBRARY), made absolute against
//      `user_dir`. When set it is the only candidate: someone testing their
//      own build must not silently get the bundled library instead.
//   2. `runfiles_dir` (RUNFILES_DIR)/tidemark/tools/libtidemark.so, which is
//      how `bazel run` and `bazel test` ship the data dependency.
//   3. `real_executable`.runfiles/tidemark/tools/libtidemark.so, for the
//      binary run straight from bazel-bin.
//   4. libtidemark.so next to `real_executable`, for an installed copy.
// Null or empty arguments contribute no candidate.
std::vector<std::string> LibraryCandidates(const char* explicit_library,
                                           const char* runfiles_dir,
                                           const std::string& real_executable,
                                           const std::string& user_dir);

// The first candidate that is a readable regular file, as a canonical
// absolute path (LD_PRELOAD is read in the child's working directory).
bool FindLibrary(const std::vector<std::string>& candidates,
                 std::string* found);

// This program's own file with symlinks resolved (bazel-bin and runfiles
// entries are symlinks), or "" when /proc is unavailable.
std::string RealExecutablePath();

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_LIBRARY_LOCATOR_H_
