#include "interposers/preload/anonymous_mapping.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tidemark {
namespace preload {
namespace {

// Parses a hexadecimal or decimal number at text[*at...], stopping at the
// first other character. False when there is no digit or it overflows.
bool ParseNumber(const char* text, size_t length, size_t* at, int base,
                 uint64_t* value) {
  uint64_t v = 0;
  const size_t start = *at;
  for (; *at < length; ++*at) {
    const char c = text[*at];
    unsigned digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else {
      break;
    }
    if (v > (UINT64_MAX - digit) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + digit;
  }
  *value = v;
  return *at > start;
}

// Skips one field and the spaces after it.
bool SkipField(const char* text, size_t length, size_t* at) {
  const size_t start = *at;
  while (*at < length && text[*at] != ' ') ++*at;
  if (*at == start) return false;
  while (*at < length && text[*at] == ' ') ++*at;
  return true;
}

bool Expect(const char* text, size_t length, size_t* at, char c) {
  if (*at >= length || text[*at] != c) return false;
  ++*at;
  return true;
}

}  // namespace

MappingKind KindInMapsLine(const char* line, size_t length, uintptr_t address) {
  size_t at = 0;
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t inode = 0;
  if (!ParseNumber(line, length, &at, 16, &start) ||
      !Expect(line, length, &at, '-') ||
      !ParseNumber(line, length, &at, 16, &end) ||
      !Expect(line, length, &at, ' ')) {
    return MappingKind::kUnknown;
  }
  if (address < start || address >= end) return MappingKind::kUnknown;
  // perms, offset, dev
  for (int field = 0; field < 3; ++field) {
    if (!SkipField(line, length, &at)) return MappingKind::kUnknown;
  }
  if (!ParseNumber(line, length, &at, 10, &inode)) {
    return MappingKind::kUnknown;
  }
  if (inode == 0) return MappingKind::kAnonymous;
  while (at < length && line[at] == ' ') ++at;
  static constexpr char kSharedAnonymous[] = "/dev/zero (deleted)";
  const size_t n = sizeof(kSharedAnonymous) - 1;
  if (length - at == n && memcmp(line + at, kSharedAnonymous, n) == 0) {
    return MappingKind::kAnonymous;
  }
  return MappingKind::kFile;
}

MappingKind KindOfMappingAt(uintptr_t address) {
  const int fd = static_cast<int>(
      syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC));
  if (fd < 0) return MappingKind::kUnknown;
  // A line longer than this (a very long path) is cut: only its first
  // fields and a short path matter.
  char line[512];
  size_t used = 0;
  char chunk[4096];
  MappingKind kind = MappingKind::kUnknown;
  for (;;) {
    const long got = syscall(SYS_read, fd, chunk, sizeof(chunk));
    if (got <= 0) break;
    for (long i = 0; i < got && kind == MappingKind::kUnknown; ++i) {
      if (chunk[i] != '\n') {
        if (used < sizeof(line)) line[used++] = chunk[i];
        continue;
      }
      kind = KindInMapsLine(line, used, address);
      used = 0;
    }
    if (kind != MappingKind::kUnknown) break;
  }
  syscall(SYS_close, fd);
  return kind;
}

}  // namespace preload
}  // namespace tidemark
