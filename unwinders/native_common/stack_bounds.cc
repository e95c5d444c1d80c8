#include "unwinders/native_common/stack_bounds.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace tidemark {
namespace native {
namespace {

// Parses a hexadecimal number at `*p`, advancing it.
uint64_t ParseHex(const char** p, const char* end) {
  uint64_t value = 0;
  while (*p < end) {
    const char c = **p;
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      break;
    }
    value = value * 16 + static_cast<uint64_t>(digit);
    ++*p;
  }
  return value;
}

// The range on the maps line [line, end) when it holds `sp`, else {}.
StackRange Check(const char* line, const char* end, uint64_t sp) {
  const char* p = line;
  const uint64_t low = ParseHex(&p, end);
  if (p >= end || *p != '-') return {};
  ++p;
  const uint64_t high = ParseHex(&p, end);
  if (sp >= low && sp < high) return StackRange{low, high};
  return {};
}

thread_local StackRange t_range;

}  // namespace

StackRange FindMapping(uint64_t sp) {
  const int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  // Lines are parsed as they come; a line cut by the buffer's end is
  // moved to its start and completed by the next read.
  char buffer[4096];
  size_t held = 0;
  StackRange found;
  // A line longer than the buffer (a very long path): its start was
  // checked; the rest is skipped up to its newline.
  bool skipping = false;
  while (found.high == 0) {
    const ssize_t n = read(fd, buffer + held, sizeof(buffer) - held);
    if (n <= 0) break;
    held += static_cast<size_t>(n);
    size_t at = 0;
    while (found.high == 0) {
      const char* line = buffer + at;
      const char* nl = static_cast<const char*>(memchr(line, '\n', held - at));
      if (nl == nullptr) {
        if (at == 0 && held == sizeof(buffer)) {
          if (!skipping) found = Check(line, buffer + held, sp);
          skipping = true;
          at = held;
        }
        break;
      }
      if (!skipping) found = Check(line, nl, sp);
      skipping = false;
      at = static_cast<size_t>(nl - buffer) + 1;
    }
    memmove(buffer, buffer + at, held - at);
    held -= at;
  }
  close(fd);
  return found;
}

StackRange CurrentStackRange(uint64_t sp) {
  StackRange range = t_range;
  if (range.high == 0 || sp < range.low || sp >= range.high) {
    range = FindMapping(sp);
    t_range = range;
  }
  return range;
}

}  // namespace native
}  // namespace tidemark
