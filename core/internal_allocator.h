#ifndef TIDEMARK_CORE_INTERNAL_ALLOCATOR_H_
#define TIDEMARK_CORE_INTERNAL_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <new>

namespace tidemark {

// The profiler's own heap. Everything the tracker keeps (hash tables, stack
// records, names) lives here, in memory obtained with the raw mmap system
// call, so the profiler never re-enters the allocator it is watching, never
// shows up in its own report, and keeps working while the program's malloc
// is inside a fork or an out-of-memory state.
//
// Power-of-two size classes with free lists; large blocks are mapped
// directly. Callers pass the size back on free (as std::allocator does), so
// there is no per-block header.
class InternalAllocator {
 public:
  // Returns nullptr when the system has no memory left.
  static void* Allocate(size_t bytes);
  static void Free(void* p, size_t bytes);

  // Bytes currently mapped for the profiler's own use.
  static int64_t MappedBytes();
};

// std::allocator-compatible adapter, for containers inside the tracker.
template <typename T>
class InternalStlAllocator {
 public:
  using value_type = T;
  InternalStlAllocator() = default;
  template <typename U>
  InternalStlAllocator(const InternalStlAllocator<U>&) {}  // NOLINT

  T* allocate(size_t n) {
    void* p = InternalAllocator::Allocate(n * sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) { InternalAllocator::Free(p, n * sizeof(T)); }

  template <typename U>
  bool operator==(const InternalStlAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const InternalStlAllocator<U>&) const {
    return false;
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_INTERNAL_ALLOCATOR_H_
