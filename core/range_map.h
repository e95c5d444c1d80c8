#ifndef TIDEMARK_CORE_RANGE_MAP_H_
#define TIDEMARK_CORE_RANGE_MAP_H_

#include <cstdint>
#include <functional>
#include <map>

#include "core/internal_allocator.h"
#include "core/spinlock.h"

namespace tidemark {

// Live tracked anonymous mappings, as address ranges. Unlike heap blocks a
// mapping can be released in part (munmap of a page range, or a MAP_FIXED
// mapping laid over another), so ranges are split and trimmed; the weight
// removed is proportional to the bytes removed, which in exact mode (weight
// == length) is exactly those bytes. Mappings are far rarer than mallocs
// (pymalloc takes 1 MiB arenas), so one lock is enough here.
class RangeMap {
 public:
  struct Piece {
    uint32_t stack_id;
    int64_t weight;
  };
  // Receives each piece taken out of the map.
  using RemovedFn = void (*)(void* context, Piece piece);

  RangeMap() = default;
  RangeMap(const RangeMap&) = delete;
  RangeMap& operator=(const RangeMap&) = delete;

  // Adds [start, start + length). Whatever it overlaps is removed first and
  // reported through `removed` (a mapping laid over another replaces it).
  void Add(uintptr_t start, uint64_t length, Piece piece, RemovedFn removed,
           void* context);

  // Removes whatever lies in [start, start + length).
  void Remove(uintptr_t start, uint64_t length, RemovedFn removed,
              void* context);

  // Forgets every range (a forked child starts fresh).
  void Clear();

  // Number of ranges and their total length (for tests and reports).
  int64_t RangeCount() const;
  uint64_t TotalLength() const;

 private:
  struct Range {
    uintptr_t end;
    uint32_t stack_id;
    int64_t weight;
  };
  using Map = std::map<uintptr_t, Range, std::less<uintptr_t>,
                       InternalStlAllocator<std::pair<const uintptr_t, Range>>>;

  void RemoveLocked(uintptr_t start, uintptr_t end, RemovedFn removed,
                    void* context);

  mutable SpinLock lock_;
  Map ranges_;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_RANGE_MAP_H_
