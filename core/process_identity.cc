#include "core/process_identity.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tidemark {

bool ParseProcStat(const std::string& text, char* state,
                   uint64_t* start_ticks) {
  // "PID (COMM) S ppid ...": COMM may hold spaces and parentheses, so the
  // fields start after the last ')'.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return false;
  size_t at = paren + 1;
  // Field 3 is the state; field 22 the start time.
  for (int field = 3; field <= 22; ++field) {
    while (at < text.size() && text[at] == ' ') ++at;
    const size_t end = std::min(text.find(' ', at), text.size());
    if (end == at) return false;
    if (field == 3) {
      if (end - at != 1) return false;
      *state = text[at];
    } else if (field == 22) {
      std::string digits = text.substr(at, end - at);
      while (!digits.empty() && digits.back() == '\n') digits.pop_back();
      if (digits.empty() || digits.size() > 20) return false;
      uint64_t value = 0;
      for (char c : digits) {
        if (c < '0' || c > '9') return false;
        const uint64_t digit = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) return false;
        value = value * 10 + digit;
      }
      *start_ticks = value;
      return true;
    }
    at = end;
  }
  return false;
}

bool ProcessRunning(pid_t pid, uint64_t start_ticks) {
  if (pid <= 0) return false;
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[1024];
  ssize_t n;
  do {
    n = read(fd, buffer, sizeof(buffer) - 1);
  } while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0) return false;
  char state = 0;
  uint64_t ticks = 0;
  if (!ParseProcStat(std::string(buffer, static_cast<size_t>(n)), &state,
                     &ticks)) {
    return false;
  }
  // A zombie or a dying process has ended; only its parent has not looked.
  if (state == 'Z' || state == 'X' || state == 'x') return false;
  return start_ticks == 0 || ticks == start_ticks;
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
  ssize_t n;
  do {
    n = read(fd, line, sizeof(line));
  } while (n < 0 && errno == EINTR);
  close(fd);
  char state = 0;
  uint64_t ticks = 0;
  if (n <= 0 || !ParseProcStat(std::string(line, static_cast<size_t>(n)),
                               &state, &ticks)) {
    return 0;
  }
  return ticks;
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
