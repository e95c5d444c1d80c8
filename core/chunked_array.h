#ifndef TIDEMARK_CORE_CHUNKED_ARRAY_H_
#define TIDEMARK_CORE_CHUNKED_ARRAY_H_

#include <atomic>
#include <cstdint>
#include <cstring>

#include "core/internal_allocator.h"
#include "core/spinlock.h"

namespace tidemark {

// Where a ChunkedArray's chunks come from when they must outlive the
// process (core/profile_store.h keeps them in the stored profile's file).
class ChunkSource {
 public:
  // A zeroed chunk of `bytes` for `area`'s chunk number `index`, or nullptr.
  // Called under the array's grow lock, possibly in a signal handler.
  virtual void* NewChunk(uint32_t area, uint32_t index, size_t bytes) = 0;

 protected:
  ~ChunkSource() = default;
};

// An array indexed by dense ids (stack ids) that grows in fixed chunks which
// never move: a reader holding an index needs no lock, and growing never
// copies. T must be valid when zero-filled (chunks come zeroed from mmap or
// are cleared here).
template <typename T, int kChunkShift = 12, int kMaxChunks = 4096>
class ChunkedArray {
 public:
  static constexpr uint32_t kChunkSize = uint32_t{1} << kChunkShift;
  static constexpr uint64_t kCapacity = uint64_t{kChunkSize} * kMaxChunks;

  ChunkedArray() = default;
  // Gives back the chunks taken from the profiler's heap (the process's
  // own arrays live as long as it does; tests make and drop many). Chunks
  // from a ChunkSource are its own.
  ~ChunkedArray() {
    if (source_ != nullptr) return;
    for (std::atomic<T*>& slot : chunks_) {
      T* chunk = slot.load(std::memory_order_acquire);
      if (chunk != nullptr)
        InternalAllocator::Free(chunk, sizeof(T) * kChunkSize);
    }
  }
  ChunkedArray(const ChunkedArray&) = delete;
  ChunkedArray& operator=(const ChunkedArray&) = delete;

  // Later chunks come from `source` (as its `area`), not the profiler's
  // heap. Set before the first element is created.
  void set_chunk_source(ChunkSource* source, uint32_t area) {
    source_ = source;
    area_ = area;
  }

  // The element at `index`, creating its chunk if needed. Returns nullptr
  // only when the index is beyond capacity or memory ran out.
  T* GetOrCreate(uint32_t index) {
    const uint32_t c = index >> kChunkShift;
    if (c >= static_cast<uint32_t>(kMaxChunks)) return nullptr;
    T* chunk = chunks_[c].load(std::memory_order_acquire);
    if (chunk == nullptr) {
      SpinLockHolder hold(grow_lock_);
      chunk = chunks_[c].load(std::memory_order_relaxed);
      if (chunk == nullptr) {
        if (source_ != nullptr) {
          chunk = static_cast<T*>(
              source_->NewChunk(area_, c, sizeof(T) * kChunkSize));
          if (chunk == nullptr) return nullptr;
        } else {
          chunk = static_cast<T*>(
              InternalAllocator::Allocate(sizeof(T) * kChunkSize));
          if (chunk == nullptr) return nullptr;
          memset(static_cast<void*>(chunk), 0, sizeof(T) * kChunkSize);
        }
        chunks_[c].store(chunk, std::memory_order_release);
      }
    }
    return &chunk[index & (kChunkSize - 1)];
  }

  // Sets every element of every chunk created so far to zero.
  void ZeroAll() {
    for (std::atomic<T*>& slot : chunks_) {
      T* chunk = slot.load(std::memory_order_acquire);
      if (chunk != nullptr) {
        memset(static_cast<void*>(chunk), 0, sizeof(T) * kChunkSize);
      }
    }
  }

  // The element at `index`, or nullptr if its chunk was never created.
  T* Get(uint32_t index) const {
    const uint32_t c = index >> kChunkShift;
    if (c >= static_cast<uint32_t>(kMaxChunks)) return nullptr;
    T* chunk = chunks_[c].load(std::memory_order_acquire);
    return chunk == nullptr ? nullptr : &chunk[index & (kChunkSize - 1)];
  }

 private:
  std::atomic<T*> chunks_[kMaxChunks] = {};
  SpinLock grow_lock_;
  ChunkSource* source_ = nullptr;
  uint32_t area_ = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_CHUNKED_ARRAY_H_
