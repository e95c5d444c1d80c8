#include "tools/output_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "core/config.h"
#include "core/job_index.h"
#include "core/job_log.h"
#include "core/output_directory.h"
#include "core/report_directory.h"
#include "tools/paths.h"

namespace tidemark {
namespace {

constexpr char kPidToken[] = "{pid}";
constexpr char kDefaultParent[] = "tidemark-results";

bool CannotWrite(const std::string& dir, int error_number, std::string* error) {
  *error = "cannot write reports to " + dir + ": " + strerror(error_number);
  return false;
}

// Closes the folder however the caller leaves.
struct OpenFolder {
  ReportDirectory dir;
  ~OpenFolder() {
    if (dir.fd >= 0) close(dir.fd);
  }
};

// An absolute, normalized `path` as the library opens it; folders above the
// first "{pid}" part may belong to anyone, the others must be this user's.
OutputPath Guarded(const std::string& path) {
  OutputPath out;
  out.path = path;
  const std::vector<std::string> parts = PathComponents(path);
  out.guarded_from = parts.empty() ? 0 : static_cast<int>(parts.size()) - 1;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].find(kPidToken) != std::string::npos) {
      out.guarded_from = static_cast<int>(i);
      break;
    }
  }
  return out;
}

// A folder that may be shared (the parent of the default folder, or of a
// "{pid}" folder): created if missing, any owner.
bool OpenSharedParent(const std::string& path, OpenFolder* folder,
                      std::string* error) {
  OutputPath where;
  where.path = path;
  where.guarded_from = static_cast<int>(PathComponents(path).size());
  return OpenOutputDirectory(where, /*create=*/true, &folder->dir, error);
}

// The same spelling the preloaded library uses for its default folder.
std::string TimestampNow() {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return TimestampForPath(now);
}

}  // namespace

bool PrepareOutputDir(const std::string& requested, const std::string& user_dir,
                      OutputDir* out, std::string* error) {
  *out = OutputDir();
  OpenFolder folder;
  if (requested.empty()) {
    if (!CreateFreshDirectory(MakeAbsolute(kDefaultParent, user_dir),
                              TimestampNow(), &out->path, error)) {
      return false;
    }
    out->created = true;
    if (!OpenOutputDirectory(Guarded(out->path), /*create=*/false, &folder.dir,
                             error)) {
      return false;
    }
  } else {
    out->path = MakeAbsolute(requested, user_dir);
    // The library fills a fixed-size field with this path.
    if (out->path.size() >= static_cast<size_t>(Config::kMaxPath)) {
      return CannotWrite(out->path, ENAMETOOLONG, error);
    }
    // Only the process knows its id, so the library makes the {pid} part;
    // the tool prepares the folder above it.
    const size_t token = out->path.find(kPidToken);
    if (token == std::string::npos) {
      if (!OpenOutputDirectory(Guarded(out->path), /*create=*/true, &folder.dir,
                               error)) {
        return false;
      }
    } else {
      std::string above = out->path.substr(0, out->path.rfind('/', token));
      if (above.empty()) above = "/";
      if (!OpenSharedParent(above, &folder, error)) return false;
    }
  }
  return ProbeWritable(folder.dir, error);
}

bool CreateFreshDirectory(const std::string& parent, const std::string& name,
                          std::string* path, std::string* error) {
  OpenFolder folder;
  if (!OpenSharedParent(parent, &folder, error)) return false;
  // mkdirat, not a stat-then-mkdir check: two runs started in the same
  // millisecond must not share a folder.
  for (int suffix = 0; suffix < 1000; ++suffix) {
    std::string candidate = name;
    if (suffix > 0) candidate += "-" + std::to_string(suffix);
    if (mkdirat(folder.dir.fd, candidate.c_str(), 0777) == 0) {
      *path = folder.dir.display_path + "/" + candidate;
      return true;
    }
    if (errno != EEXIST) {
      return CannotWrite(folder.dir.display_path + "/" + candidate, errno,
                         error);
    }
  }
  return CannotWrite(folder.dir.display_path + "/" + name, EEXIST, error);
}

bool HasAnyFile(int dir_fd, const std::vector<std::string>& ignored) {
  const int list_fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (list_fd < 0) return false;
  DIR* stream = fdopendir(list_fd);
  if (stream == nullptr) {
    close(list_fd);
    return false;
  }
  bool found = false;
  while (!found) {
    struct dirent* entry = readdir(stream);
    if (entry == nullptr) break;
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
      continue;
    }
    bool skip = false;
    for (const std::string& name : ignored) {
      skip = skip || name == entry->d_name;
    }
    if (skip) continue;
    // O_NOFOLLOW: a link counts as a file and is never followed.
    const int child = openat(dirfd(stream), entry->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0) {
      found = true;
    } else {
      found = HasAnyFile(child);
      close(child);
    }
  }
  closedir(stream);
  return found;
}

ReportFolder InspectReportFolder(const std::string& path, pid_t pid) {
  OpenFolder folder;
  std::string error;
  OpenFailure failure;
  OutputPath where = Guarded(path);
  where.path = ForProcess(path, pid);
  if (!OpenOutputDirectory(where, /*create=*/false, &folder.dir, &error,
                           &failure)) {
    return failure == OpenFailure::kMissing ? ReportFolder::kMissing
                                            : ReportFolder::kRefused;
  }
  // The job's log and index are not reports: a job that could write
  // nothing else (a full disk) still leaves its log, made empty.
  return HasAnyFile(folder.dir.fd, {kJobLogName, kJobIndexName})
             ? ReportFolder::kHasFiles
             : ReportFolder::kEmpty;
}

std::string ForProcess(const std::string& path, pid_t pid) {
  // The library's own substitution; `path` is never empty here.
  return ResolveOutputDirectory(path, pid, timespec{});
}

}  // namespace tidemark
