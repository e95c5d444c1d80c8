#ifndef TIDEMARK_CORE_OUTPUT_DIRECTORY_H_
#define TIDEMARK_CORE_OUTPUT_DIRECTORY_H_

#include <ctime>
#include <string>
#include <vector>

#include "core/report_directory.h"

namespace tidemark {

// The report directory for this process: `configured` with "{pid}"
// replaced, or, when nothing was configured, a new timestamped folder under
// ./tidemark-results/ (e.g. tidemark-results/2026-11-25T13-29-32_759-4242).
std::string ResolveOutputDirectory(const std::string& configured, int pid,
                                   const timespec& now);

// "2026-11-25T13-29-32_759": sortable, and legal in any file system.
std::string TimestampForPath(const timespec& now);

// An output folder as Tidemark will open it.
struct OutputPath {
  // Absolute.
  std::string path;
  // The folders from this component on (0 is the first below "/") are
  // Tidemark's: each must be a real folder, not a symbolic link, owned by the
  // effective user. These are the "{pid}" component and everything below it,
  // or just the last one. Folders above may belong to anyone (home
  // directories, a shared /reports); a symbolic link there is followed only
  // when it belongs to root or to the effective user.
  int guarded_from = 0;
};

// `configured` (TIDEMARK_OUTPUT, may hold "{pid}", empty for the default
// folder) resolved for process `pid`, relative paths against `cwd` (taken
// once, so a program that changes directory does not move its reports).
OutputPath ResolveOutputPath(const std::string& configured, int pid,
                             const timespec& now, const std::string& cwd);

// The components of `path` (no empty ones, no ".").
std::vector<std::string> PathComponents(const std::string& path);

// Why OpenOutputDirectory failed, beyond the message.
enum class OpenFailure {
  kNone,
  kMissing,  // a folder does not exist (and create was false)
  kRefused,  // a symbolic link or another user's folder where Tidemark's goes
  kError,    // anything else (permissions, not a folder, a full disk, ...)
};

// Opens `where` one component at a time, each relative to the folder above
// (openat with O_NOFOLLOW), with `create` making missing folders (mkdirat,
// mode 0777 minus the umask). The result is open O_DIRECTORY | O_CLOEXEC
// and owned by the caller. On failure returns false with "cannot write
// reports to PATH: REASON" in *error.
bool OpenOutputDirectory(const OutputPath& where, bool create,
                         ReportDirectory* out, std::string* error,
                         OpenFailure* failure = nullptr);

// Proves that `directory` takes a new file by creating one with a unique
// name (O_EXCL) and removing it: permission bits do not tell the whole story
// (read-only mounts, ACLs, root).
bool ProbeWritable(const ReportDirectory& directory, std::string* error);

// Makes a new folder `prefix`N in `parent` with the smallest N above *last
// that is free, opens it (O_NOFOLLOW) into *out, and sets *last = N.
bool MakeNumberedSubdirectory(const ReportDirectory& parent,
                              const std::string& prefix, int* last,
                              ReportDirectory* out, std::string* error);

// Clears what an earlier run left in a reused folder, so that it holds only
// this run's reports: regular files called one of `file_names`, and the
// report subfolders, named `numbered_prefixes` followed by digits
// ("sigusr2-3") or one of `subfolder_names` ("out-of-memory"), only when
// owned by the effective user and holding nothing but such files. Never
// follows a link, never removes anything else. Best effort: what cannot be
// removed stays.
void RemovePreviousReports(const ReportDirectory& directory,
                           const std::vector<std::string>& file_names,
                           const std::vector<std::string>& numbered_prefixes,
                           const std::vector<std::string>& subfolder_names);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_OUTPUT_DIRECTORY_H_
