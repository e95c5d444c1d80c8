#ifndef TIDEMARK_TOOLS_LIBRARY_LOCATOR_H_
#define TIDEMARK_TOOLS_LIBRARY_LOCATOR_H_

#include <string>
#include <vector>

namespace tidemark {

// Where libtidemark.so (or `file_name`) may be, in the order to try:
//   1. `explicit_library` (TIDEMARK_LIBRARY), made absolute against
//      `user_dir`. When set it is the only candidate: someone testing their
//      own build must not silently get the bundled library instead.
//   2. `runfiles_dir` (RUNFILES_DIR)/tidemark/tools/libtidemark.so, which is
//      how `bazel run` and `bazel test` ship the data dependency.
//   3. `real_executable`.runfiles/tidemark/tools/libtidemark.so, for the
//      binary run straight from bazel-bin.
//   4. libtidemark.so next to `real_executable`, for an installed copy.
// Null or empty arguments contribute no candidate.
// `file_name` is the library's file name (LibraryFileName); an explicit
// library of another name is taken as the folder to find it in (the
// builds of every backend sit side by side).
std::vector<std::string> LibraryCandidates(
    const char* explicit_library, const char* runfiles_dir,
    const std::string& real_executable, const std::string& user_dir,
    const std::string& file_name = "libtidemark.so");

// The library that carries `interposer` (core/interposer.h: one library per
// mechanism, only the preload one exports malloc & co):
// "preload" -> libtidemark.so, any other NAME -> libtidemark_NAME.so.
std::string LibraryFileName(const std::string& interposer);

// The glibc backend's companion: libc_malloc_debug.so.0 as the dynamic
// linker finds it (loaded here, locally, to ask it: no symbol of this
// process binds to it), as an absolute path; "" when there is none.
std::string FindMallocDebugLibrary();

// The first candidate that is a readable regular file, as a canonical
// absolute path (LD_PRELOAD is read in the child's working directory).
bool FindLibrary(const std::vector<std::string>& candidates,
                 std::string* found);

// This program's own file with symlinks resolved (bazel-bin and runfiles
// entries are symlinks), or "" when /proc is unavailable.
std::string RealExecutablePath();

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_LIBRARY_LOCATOR_H_
