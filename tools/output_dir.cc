#include "tools/output_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "core/config.h"
#include "core/output_directory.h"
#include "tools/paths.h"

namespace tidemark {
namespace {

constexpr char kPidToken[] = "{pid}";
constexpr char kDefaultParent[] = "tidemark-results";

bool CannotWrite(const std::string& dir, int error_number, std::string* error) {
  *error = "cannot write reports to " + dir + ": " + strerror(error_number);
  return false;
}

// mkdir -p for an absolute, normalized path. Returns 0 or an errno value.
int MakeDirectories(const std::string& path) {
  size_t slash = 0;
  do {
    slash = path.find('/', slash + 1);
    std::string prefix = path.substr(0, slash);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) return errno;
  } while (slash != std::string::npos);
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return errno;
  return S_ISDIR(info.st_mode) ? 0 : ENOTDIR;
}

// Permission bits do not tell the whole story (read-only mounts, ACLs,
// root), so create and remove a file the way a reporter would.
int ProbeWritable(const std::string& dir) {
  std::string probe = dir + "/.tidemark-probe-" + std::to_string(getpid());
  int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  close(fd);
  unlink(probe.c_str());
  return 0;
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
  std::string dir;
  if (requested.empty()) {
    if (!CreateFreshDirectory(MakeAbsolute(kDefaultParent, user_dir),
                              TimestampNow(), &out->path, error)) {
      return false;
    }
    out->created = true;
    dir = out->path;
  } else {
    out->path = MakeAbsolute(requested, user_dir);
    // The library fills a fixed-size field with this path.
    if (out->path.size() >= static_cast<size_t>(Config::kMaxPath)) {
      return CannotWrite(out->path, ENAMETOOLONG, error);
    }
    // Only the process knows its id, so the library makes the {pid} part;
    // the tool prepares the folder above it.
    size_t token = out->path.find(kPidToken);
    dir = token == std::string::npos
              ? out->path
              : out->path.substr(0, out->path.rfind('/', token));
    if (dir.empty()) dir = "/";
    if (int failure = MakeDirectories(dir)) {
      return CannotWrite(out->path, failure, error);
    }
  }
  if (int failure = ProbeWritable(dir)) {
    return CannotWrite(out->path, failure, error);
  }
  return true;
}

bool CreateFreshDirectory(const std::string& parent, const std::string& name,
                          std::string* path, std::string* error) {
  if (int failure = MakeDirectories(parent)) {
    return CannotWrite(parent, failure, error);
  }
  // mkdir, not a stat-then-mkdir check: two runs started in the same
  // millisecond must not share a folder.
  for (int suffix = 0; suffix < 1000; ++suffix) {
    std::string candidate = parent + "/" + name;
    if (suffix > 0) candidate += "-" + std::to_string(suffix);
    if (mkdir(candidate.c_str(), 0777) == 0) {
      *path = candidate;
      return true;
    }
    if (errno != EEXIST) return CannotWrite(candidate, errno, error);
  }
  return CannotWrite(parent + "/" + name, EEXIST, error);
}

bool HasAnyFile(const std::string& dir) {
  DIR* stream = opendir(dir.c_str());
  if (stream == nullptr) return false;
  bool found = false;
  while (!found) {
    struct dirent* entry = readdir(stream);
    if (entry == nullptr) break;
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
      continue;
    }
    std::string child = dir + "/" + entry->d_name;
    // lstat: a symlink counts as a file and is never followed, so no loops.
    struct stat info;
    if (lstat(child.c_str(), &info) != 0) continue;
    found = !S_ISDIR(info.st_mode) || HasAnyFile(child);
  }
  closedir(stream);
  return found;
}

std::string ForProcess(const std::string& path, pid_t pid) {
  // The library's own substitution; `path` is never empty here.
  return ResolveOutputDirectory(path, pid, timespec{});
}

}  // namespace tidemark
