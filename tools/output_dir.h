#ifndef TIDEMARK_TOOLS_OUTPUT_DIR_H_
#define TIDEMARK_TOOLS_OUTPUT_DIR_H_

#include <sys/types.h>
#include <time.h>

#include <string>
#include <vector>

namespace tidemark {

struct OutputDir {
  // Absolute. May still hold "{pid}", which the preloaded library replaces;
  // see ForProcess.
  std::string path;
  // True when the tool made this folder itself (the default timestamped
  // one), so it may remove it again if nothing was written into it.
  bool created = false;
};

// Makes the report folder exist and checks that a file can be created in it,
// before anything runs: a profile that cannot be saved is a wasted run.
// `requested` is the --output value (empty: a new folder
// tidemark-results/<timestamp> under `user_dir`); relative paths are taken
// against `user_dir`. The folder is opened and made as the library does
// (core/output_directory.h): an existing folder that is a symbolic link or
// belongs to another user is refused. With "{pid}" in the path, the folder
// above the first "{pid}" part is the one prepared; the library checks the
// rest. On failure `error` reads "cannot write reports to DIR: <reason>".
bool PrepareOutputDir(const std::string& requested, const std::string& user_dir,
                      OutputDir* out, std::string* error);

// Creates `parent` (and its parents) and then a new folder in it named
// `name`, or `name`-1, `name`-2, ... if taken. Sets `path` to the folder.
bool CreateFreshDirectory(const std::string& parent, const std::string& name,
                          std::string* path, std::string* error);

// `path` with every "{pid}" replaced by `pid`.
std::string ForProcess(const std::string& path, pid_t pid);

// What process `pid`'s report folder (`path`, as in OutputDir) holds after
// the run. The folder is opened with the library's rules, so a planted link
// is never followed.
enum class ReportFolder {
  kHasFiles,
  kEmpty,
  kMissing,  // never made: the library did not start in the program
  kRefused,  // the library refused it (and said why) or it cannot be read
};
ReportFolder InspectReportFolder(const std::string& path, pid_t pid);

// Whether the open folder `dir_fd` or a folder below it holds anything but
// folders. Links are counted, never followed. Entries of `dir_fd` itself
// named in `ignored` do not count.
bool HasAnyFile(int dir_fd, const std::vector<std::string>& ignored = {});

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_OUTPUT_DIR_H_
