#include "core/process_identity.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tidemark {

uint64_t ParseStartTicks(const char* stat_line, size_t length) {
  // The last ')' ends the command name; field 3 (the state) follows it.
  size_t at = length;
  while (at > 0 && stat_line[at - 1] != ')') --at;
  if (at == 0) return 0;
  int field = 2;
  uint64_t value = 0;
  bool in_field = false;
  for (size_t i = at; i < length; ++i) {
    const char c = stat_line[i];
    if (c == ' ' || c == '\n') {
      if (in_field && field == 22) return value;
      in_field = false;
      continue;
    }
    if (!in_field) {
      in_field = true;
      ++field;
      value = 0;
    }
    if (field == 22) {
      if (c < '0' || c > '9') return 0;
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
  }
  return in_field && field == 22 ? value : 0;
}

uint64_t ReadStartTicks(pid_t pid) {
  char path[64];
  if (pid == 0) {
    snprintf(path, sizeof(path), "/proc/self/stat");
  } else {
    snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  }
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  // The line is short (about 300 bytes) even with a 15-byte command name.
  char line[1024];
  size_t used = 0;
  for (;;) {
    const ssize_t n = read(fd, line + used, sizeof(line) - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<size_t>(n);
    if (used == sizeof(line)) break;
  }
  close(fd);
  return ParseStartTicks(line, used);
}

std::string ProgramName(const std::string& argv0) {
  const size_t slash = argv0.find_last_of('/');
  const std::string base =
      slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
  std::string name;
  for (char c : base) {
    if (name.size() == 40) break;
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                       c == '+' || c == '-';
    name.push_back(plain ? c : '_');
  }
  // "." and ".." are folder names of their own.
  if (name.empty() || name == "." || name == "..") return "process";
  return name;
}

std::string ProcessFolderName(pid_t pid, const std::string& program) {
  return std::to_string(pid) + "-" + program;
}

}  // namespace tidemark
