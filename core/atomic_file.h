#ifndef TIDEMARK_CORE_ATOMIC_FILE_H_
#define TIDEMARK_CORE_ATOMIC_FILE_H_

#include <string>
#include <string_view>

namespace tidemark {

// Writes `contents` to `path` so that a reader sees either the old file or
// the whole new one, never a part: write a temporary file in the same
// directory, fsync it, rename it over `path`. Returns false with a reason.
bool WriteFileAtomically(const std::string& path, std::string_view contents,
                         std::string* error);

// Writes all of `data` to `fd`, retrying after signals and short writes.
// Returns false with errno set on failure.
bool WriteAll(int fd, std::string_view data);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_ATOMIC_FILE_H_
