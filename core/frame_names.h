#ifndef TIDEMARK_CORE_FRAME_NAMES_H_
#define TIDEMARK_CORE_FRAME_NAMES_H_

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "core/chunked_array.h"
#include "core/frame.h"
#include "core/internal_allocator.h"
#include "core/spinlock.h"
#include "core/unwinder.h"

namespace tidemark {

// A named frame: what a report prints for one RawFrame.
struct FrameLocation {
  FrameKind kind;
  const char* function;  // in the profiler's own heap; never freed
  const char* file;
  int32_t line;
};

// Names each distinct RawFrame once, when a stack holding it is first seen,
// and hands out dense location ids. Naming happens while the frame is live
// (a Python code object cannot have been freed yet); after that a report
// never needs the program's objects again, even after the interpreter is
// gone.
class ProfileStore;

class FrameNames {
 public:
  FrameNames() = default;
  FrameNames(const FrameNames&) = delete;
  FrameNames& operator=(const FrameNames&) = delete;

  // The location id of `frame`, naming it through `unwinder` if new.
  // Returns 0 if the profiler ran out of memory.
  uint32_t Intern(const RawFrame& frame, Unwinder* unwinder);

  // New names are also copied into `store` (core/profile_store.h). Set
  // before the first Intern.
  void set_store(ProfileStore* store) { store_ = store; }

  // Location ids run from 1 to Count().
  uint32_t Count() const { return count_.load(std::memory_order_acquire); }
  const FrameLocation* Get(uint32_t id) const { return locations_.Get(id); }

 private:
  struct FrameHash {
    size_t operator()(const RawFrame& f) const {
      return absl::HashOf(f.ip, f.aux);
    }
  };
  using Map = absl::flat_hash_map<
      RawFrame, uint32_t, FrameHash, std::equal_to<RawFrame>,
      InternalStlAllocator<std::pair<const RawFrame, uint32_t>>>;

  static const char* CopyString(const char* text);

  SpinLock lock_;
  Map ids_;
  ChunkedArray<FrameLocation> locations_;
  std::atomic<uint32_t> count_{0};
  ProfileStore* store_ = nullptr;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_FRAME_NAMES_H_
