#ifndef TIDEMARK_UNWINDERS_CPYTHON_RAW_MEMORY_H_
#define TIDEMARK_UNWINDERS_CPYTHON_RAW_MEMORY_H_

#include <cstdint>
#include <cstring>

namespace tidemark {
namespace cpython {

// Reads a T at byte `offset` from `base`: the unwinder sees CPython's structs
// only as addresses plus offsets from a Layout table. memcpy keeps the read
// free of alignment and aliasing assumptions; it compiles to a single load.
template <typename T>
inline T ReadAt(uintptr_t base, int offset) {
  T value;
  std::memcpy(&value, reinterpret_cast<const void*>(base + offset),
              sizeof(value));
  return value;
}

inline uintptr_t ReadPointerAt(uintptr_t base, int offset) {
  return ReadAt<uintptr_t>(base, offset);
}

// A plausible address of a CPython object or frame: non-null, outside the
// first page and pointer-aligned. Cheap protection against following a field
// that holds garbage (e.g. a thread state being torn down).
inline bool IsPlausiblePointer(uintptr_t p) {
  return p >= 4096 && (p & (sizeof(void*) - 1)) == 0;
}

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_RAW_MEMORY_H_
