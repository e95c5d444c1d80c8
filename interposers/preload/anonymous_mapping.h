#ifndef TIDEMARK_INTERPOSERS_PRELOAD_ANONYMOUS_MAPPING_H_
#define TIDEMARK_INTERPOSERS_PRELOAD_ANONYMOUS_MAPPING_H_

#include <stddef.h>
#include <stdint.h>

namespace tidemark {
namespace preload {

// Whether the mapping that holds an address is anonymous memory (the
// program's heap, as the mmap hook counts it) or a file's pages. mremap
// keeps a mapping's kind but says nothing of it, and the books only know
// the anonymous mappings they were told of (in sample mode, only the
// sampled ones), so the mremap hook asks the kernel: /proc/self/maps.
enum class MappingKind { kAnonymous, kFile, kUnknown };

// Reads /proc/self/maps with a buffer on the stack: no allocation, no lock,
// nothing but open/read/close. Costs tens of microseconds, which is why only
// mremap (rare; glibc's realloc calls its own internal one) uses it.
// kUnknown when the file cannot be read or no mapping holds `address`.
MappingKind KindOfMappingAt(uintptr_t address);

// One line of /proc/PID/maps ("start-end perms offset dev inode [path]"),
// without its newline: kUnknown when it is malformed or does not hold
// `address`. Anonymous: inode 0 (private anonymous memory, [heap],
// [anon:NAME]) or "/dev/zero (deleted)" (shared anonymous memory).
MappingKind KindInMapsLine(const char* line, size_t length, uintptr_t address);

}  // namespace preload
}  // namespace tidemark

#endif  // TIDEMARK_INTERPOSERS_PRELOAD_ANONYMOUS_MAPPING_H_
