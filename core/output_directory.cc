#include "core/output_directory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "core/atomic_file.h"

namespace tidemark {
namespace {

constexpr char kPidToken[] = "{pid}";
constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

std::string JoinComponents(const std::vector<std::string>& parts,
                           size_t count) {
  std::string path;
  for (size_t i = 0; i < count; ++i) path += "/" + parts[i];
  return path.empty() ? "/" : path;
}

bool Fail(const std::string& path, const std::string& why, OpenFailure kind,
          std::string* error, OpenFailure* failure) {
  *error = "cannot write reports to " + path + ": " + why;
  if (failure != nullptr) *failure = kind;
  return false;
}

// "belongs to uid 65534, not to uid 0 (the user running this process)".
std::string OwnerMismatch(const std::string& what, uid_t owner) {
  return what + " belongs to uid " + std::to_string(owner) + ", not to uid " +
         std::to_string(geteuid()) + " (the user this process runs as)";
}

// Removes the regular files called one of `names` from `dir_fd`.
void RemoveFiles(int dir_fd, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!IsPlainFileName(name)) continue;
    struct stat info;
    // A link or folder of that name is not ours to remove; and unlinkat on a
    // link would remove the link, never what it points to.
    if (fstatat(dir_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(info.st_mode)) {
      unlinkat(dir_fd, name.c_str(), 0);
    }
  }
}

bool IsNumbered(const char* name, const std::string& prefix) {
  if (strncmp(name, prefix.c_str(), prefix.size()) != 0) return false;
  const char* digits = name + prefix.size();
  if (*digits == '\0') return false;
  for (const char* c = digits; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return false;
  }
  return true;
}

}  // namespace

std::string TimestampForPath(const timespec& now) {
  struct tm parts;
  localtime_r(&now.tv_sec, &parts);
  char buffer[64];
  snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d-%02d-%02d_%03ld",
           parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
           parts.tm_min, parts.tm_sec, now.tv_nsec / 1000000);
  return buffer;
}

std::string ResolveOutputDirectory(const std::string& configured, int pid,
                                   const timespec& now) {
  if (configured.empty()) {
    return "tidemark-results/" + TimestampForPath(now) + "-" +
           std::to_string(pid);
  }
  std::string out;
  const std::string token = kPidToken;
  size_t from = 0;
  for (size_t at; (at = configured.find(token, from)) != std::string::npos;
       from = at + token.size()) {
    out.append(configured, from, at - from);
    out += std::to_string(pid);
  }
  out.append(configured, from, std::string::npos);
  return out;
}

std::vector<std::string> PathComponents(const std::string& path) {
  std::vector<std::string> parts;
  size_t from = 0;
  while (from <= path.size()) {
    size_t end = path.find('/', from);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(from, end - from);
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    from = end + 1;
  }
  return parts;
}

OutputPath ResolveOutputPath(const std::string& configured, int pid,
                             const timespec& now, const std::string& cwd) {
  const std::string resolved = ResolveOutputDirectory(configured, pid, now);
  OutputPath out;
  size_t base = 0;
  if (!resolved.empty() && resolved[0] == '/') {
    out.path = resolved;
  } else {
    base = PathComponents(cwd).size();
    out.path = (cwd.empty() ? std::string("/") : cwd) + "/" + resolved;
  }
  const std::vector<std::string> parts = PathComponents(out.path);
  out.path = JoinComponents(parts, parts.size());
  // "{pid}" never spans a '/', so the configured text has the same
  // components as the resolved one.
  const std::vector<std::string> typed = PathComponents(configured);
  size_t guarded = parts.empty() ? 0 : parts.size() - 1;
  for (size_t i = 0; i < typed.size(); ++i) {
    if (typed[i].find(kPidToken) != std::string::npos) {
      guarded = std::min(guarded, base + i);
      break;
    }
  }
  out.guarded_from = static_cast<int>(guarded);
  return out;
}

bool OpenOutputDirectory(const OutputPath& where, bool create,
                         ReportDirectory* out, std::string* error,
                         OpenFailure* failure) {
  if (failure != nullptr) *failure = OpenFailure::kNone;
  const std::vector<std::string> parts = PathComponents(where.path);
  const std::string display = JoinComponents(parts, parts.size());
  if (where.path.empty() || where.path[0] != '/') {
    return Fail(display, "not an absolute path", OpenFailure::kError, error,
                failure);
  }
  int dir = open("/", kDirectoryFlags);
  if (dir < 0) {
    return Fail(display, strerror(errno), OpenFailure::kError, error, failure);
  }
  const uid_t me = geteuid();
  for (size_t i = 0; i < parts.size(); ++i) {
    const char* name = parts[i].c_str();
    const std::string so_far = JoinComponents(parts, i + 1);
    const bool guarded = static_cast<int>(i) >= where.guarded_from;
    int next = openat(dir, name, kDirectoryFlags | O_NOFOLLOW);
    if (next < 0 && errno == ENOENT && create) {
      if (mkdirat(dir, name, 0777) != 0 && errno != EEXIST) {
        const int e = errno;
        close(dir);
        return Fail(display, strerror(e), OpenFailure::kError, error, failure);
      }
      next = openat(dir, name, kDirectoryFlags | O_NOFOLLOW);
    }
    if (next < 0) {
      const int e = errno;
      struct stat link;
      const bool is_link =
          (e == ELOOP || e == ENOTDIR) &&
          fstatat(dir, name, &link, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(link.st_mode);
      if (!is_link) {
        close(dir);
        return Fail(display, strerror(e),
                    e == ENOENT ? OpenFailure::kMissing : OpenFailure::kError,
                    error, failure);
      }
      if (guarded) {
        close(dir);
        return Fail(display,
                    so_far +
                        " is a symbolic link (Tidemark does not follow "
                        "links to its report folder)",
                    OpenFailure::kRefused, error, failure);
      }
      // Like the kernel's protected_symlinks: a link someone else planted
      // (e.g. in a world-writable folder) is not followed.
      if (link.st_uid != 0 && link.st_uid != me) {
        close(dir);
        return Fail(display,
                    OwnerMismatch("the symbolic link " + so_far, link.st_uid),
                    OpenFailure::kRefused, error, failure);
      }
      next = openat(dir, name, kDirectoryFlags);
      if (next < 0) {
        const int e2 = errno;
        close(dir);
        return Fail(display, strerror(e2),
                    e2 == ENOENT ? OpenFailure::kMissing : OpenFailure::kError,
                    error, failure);
      }
    }
    close(dir);
    dir = next;
    if (guarded) {
      struct stat info = {};
      if (fstat(dir, &info) != 0 || info.st_uid != me) {
        close(dir);
        return Fail(display, OwnerMismatch(so_far, info.st_uid),
                    OpenFailure::kRefused, error, failure);
      }
    }
  }
  if (parts.empty()) {
    // "/" itself: the last folder is always Tidemark's.
    struct stat info = {};
    if (fstat(dir, &info) != 0 || info.st_uid != me) {
      close(dir);
      return Fail(display, OwnerMismatch("/", info.st_uid),
                  OpenFailure::kRefused, error, failure);
    }
  }
  out->fd = dir;
  out->display_path = display;
  return true;
}

bool ProbeWritable(const ReportDirectory& directory, std::string* error) {
  std::string name;
  const int fd = CreateUniqueFile(directory.fd, ".tidemark-probe-", &name);
  if (fd < 0) {
    *error = "cannot write reports to " + directory.display_path + ": " +
             strerror(errno);
    return false;
  }
  close(fd);
  unlinkat(directory.fd, name.c_str(), 0);
  return true;
}

bool MakeNumberedSubdirectory(const ReportDirectory& parent,
                              const std::string& prefix, int* last,
                              ReportDirectory* out, std::string* error) {
  for (int n = *last + 1; n <= *last + 10000; ++n) {
    const std::string name = prefix + std::to_string(n);
    const std::string display = parent.display_path + "/" + name;
    if (mkdirat(parent.fd, name.c_str(), 0777) != 0) {
      if (errno == EEXIST) continue;  // an earlier run's, or another process's
      *error = "cannot write reports to " + display + ": " + strerror(errno);
      return false;
    }
    const int fd =
        openat(parent.fd, name.c_str(), kDirectoryFlags | O_NOFOLLOW);
    if (fd < 0) {
      *error = "cannot write reports to " + display + ": " + strerror(errno);
      return false;
    }
    *last = n;
    out->fd = fd;
    out->display_path = display;
    return true;
  }
  *error = "cannot write reports to " + parent.display_path + "/" + prefix +
           "N: every number is taken";
  return false;
}

void RemovePreviousReports(const ReportDirectory& directory,
                           const std::vector<std::string>& file_names,
                           const std::vector<std::string>& numbered_prefixes,
                           const std::vector<std::string>& subfolder_names) {
  RemoveFiles(directory.fd, file_names);
  if (numbered_prefixes.empty() && subfolder_names.empty()) return;
  // fdopendir takes its fd over; give it its own.
  const int list_fd = openat(directory.fd, ".", kDirectoryFlags);
  if (list_fd < 0) return;
  DIR* listing = fdopendir(list_fd);
  if (listing == nullptr) {
    close(list_fd);
    return;
  }
  std::vector<std::string> numbered;
  while (dirent* entry = readdir(listing)) {
    bool ours = false;
    for (const std::string& prefix : numbered_prefixes) {
      ours = ours || IsNumbered(entry->d_name, prefix);
    }
    for (const std::string& name : subfolder_names) {
      ours = ours || name == entry->d_name;
    }
    if (ours) numbered.push_back(entry->d_name);
  }
  closedir(listing);
  const uid_t me = geteuid();
  for (const std::string& name : numbered) {
    const int sub =
        openat(directory.fd, name.c_str(), kDirectoryFlags | O_NOFOLLOW);
    if (sub < 0) continue;  // a link or a file: not Tidemark's
    struct stat info;
    if (fstat(sub, &info) == 0 && info.st_uid == me) {
      RemoveFiles(sub, file_names);
      // Fails, and keeps the folder, when anything else is in it.
      unlinkat(directory.fd, name.c_str(), AT_REMOVEDIR);
    }
    close(sub);
  }
}

}  // namespace tidemark
