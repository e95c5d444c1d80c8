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

}  // namespace tidemark

#endif  // TIDEMARK_CORE_ATOMIC_FILE_H_
