#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

namespace tidemark {

bool WriteAll(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool WriteFileAtomically(const std::string& path, std::string_view contents,
                         std::string* error) {
  // The pid keeps two processes writing the same report name apart.
  const std::string temp =
      path + ".tmp." + std::to_string(static_cast<long>(getpid()));
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot create " + temp + ": " + strerror(errno);
    return false;
  }
  if (!WriteAll(fd, contents)) {
    *error = "cannot write " + temp + ": " + strerror(errno);
    close(fd);
    unlink(temp.c_str());
    return false;
  }
  // Without fsync a crash right after rename could leave an empty file under
  // the final name, which is exactly the half-written report we promise
  // never to leave.
  if (fsync(fd) != 0 && errno != EINVAL) {
    *error = "cannot sync " + temp + ": " + strerror(errno);
    close(fd);
    unlink(temp.c_str());
    return false;
  }
  close(fd);
  if (rename(temp.c_str(), path.c_str()) != 0) {
    *error = "cannot rename " + temp + " to " + path + ": " + strerror(errno);
    unlink(temp.c_str());
    return false;
  }
  return true;
}

}  // namespace tidemark
