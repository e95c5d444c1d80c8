#include "core/output_directory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tidemark {

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
  const std::string token = "{pid}";
  size_t from = 0;
  for (size_t at; (at = configured.find(token, from)) != std::string::npos;
       from = at + token.size()) {
    out.append(configured, from, at - from);
    out += std::to_string(pid);
  }
  out.append(configured, from, std::string::npos);
  return out;
}

bool PrepareOutputDirectory(const std::string& path, std::string* error) {
  auto fail = [&](const char* why) {
    *error = "cannot write reports to " + path + ": " + why;
    return false;
  };
  for (size_t slash = 1; slash <= path.size(); ++slash) {
    if (slash != path.size() && path[slash] != '/') continue;
    const std::string prefix = path.substr(0, slash);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return fail(strerror(errno));
    }
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return fail(strerror(errno));
  if (!S_ISDIR(st.st_mode)) return fail("not a directory");
  const std::string probe =
      path + "/.tidemark-probe-" + std::to_string(static_cast<long>(getpid()));
  const int fd =
      open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(strerror(errno));
  close(fd);
  unlink(probe.c_str());
  return true;
}

}  // namespace tidemark
