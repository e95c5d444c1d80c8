#include "tools/report_leftovers.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/atomic_file.h"

namespace tidemark {
namespace {

std::vector<std::string> Names(int dir_fd) {
  std::vector<std::string> names;
  const int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return names;
  }
  while (const dirent* entry = readdir(dir)) names.push_back(entry->d_name);
  closedir(dir);
  return names;
}

bool IsNumberedFolderName(const std::string& name, const char* prefix) {
  const size_t n = strlen(prefix);
  if (name.size() <= n || name.compare(0, n, prefix) != 0) return false;
  for (size_t i = n; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  return true;
}

void RemoveTemporaryFiles(int dir_fd) {
  for (const std::string& name : Names(dir_fd)) {
    if (!IsAtomicFileTemporaryName(name)) continue;
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && st.st_uid == geteuid()) {
      unlinkat(dir_fd, name.c_str(), 0);
    }
  }
}

// The subfolder `name` of `dir_fd` when it is a real folder of ours, or -1.
int OpenOwnFolder(int dir_fd, const std::string& name) {
  const int fd = openat(dir_fd, name.c_str(),
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

void RemoveInterruptedReports(int dir_fd) {
  RemoveTemporaryFiles(dir_fd);
  for (const std::string& name : Names(dir_fd)) {
    const bool numbered = IsNumberedFolderName(name, "sigusr2-");
    if (!numbered && name != "out-of-memory") continue;
    const int fd = OpenOwnFolder(dir_fd, name);
    if (fd < 0) continue;
    RemoveTemporaryFiles(fd);
    close(fd);
    // Fails, as it should, unless the folder is now empty.
    if (numbered) unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR);
  }
}

}  // namespace tidemark
