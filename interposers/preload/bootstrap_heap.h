#ifndef TIDEMARK_INTERPOSERS_PRELOAD_BOOTSTRAP_HEAP_H_
#define TIDEMARK_INTERPOSERS_PRELOAD_BOOTSTRAP_HEAP_H_

#include <errno.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tidemark {
namespace preload {

// Memory for the few allocations made while the next allocator is still
// being looked up: dlsym may call malloc or calloc, which land back in our
// exported functions before there is anything to forward them to.
//
// A bump allocator over a static buffer. Blocks are never reused, so the
// buffer stays zero where nothing was written (calloc needs nothing more)
// and freeing one is a no-op. Each block has a header with its size, for
// realloc to copy it into a real block. Thread-safe (one compare-and-swap
// per allocation). Constant-initialised, so it works before any constructor
// has run; the buffer lives in .bss and costs no memory until touched.
template <size_t kCapacity>
class BootstrapHeap {
 public:
  // What malloc guarantees on x86-64 Linux.
  static constexpr size_t kMinAlignment = 16;

  constexpr BootstrapHeap() = default;
  BootstrapHeap(const BootstrapHeap&) = delete;
  BootstrapHeap& operator=(const BootstrapHeap&) = delete;

  // A block of `size` bytes aligned to `alignment` (a power of two; smaller
  // ones are raised to kMinAlignment), or nullptr with errno = ENOMEM when
  // the buffer is used up.
  void* Allocate(size_t size, size_t alignment = kMinAlignment) {
    if (alignment < kMinAlignment) alignment = kMinAlignment;
    const uintptr_t base = reinterpret_cast<uintptr_t>(buffer_);
    size_t used = used_.load(std::memory_order_relaxed);
    for (;;) {
      const uintptr_t data =
          (base + used + sizeof(Header) + alignment - 1) & ~(alignment - 1);
      const size_t offset = data - base;
      if (offset > kCapacity || size > kCapacity - offset) {
        errno = ENOMEM;
        return nullptr;
      }
      if (used_.compare_exchange_weak(used, offset + size,
                                      std::memory_order_relaxed)) {
        void* block = reinterpret_cast<void*>(data);
        HeaderOf(block)->size = size;
        return block;
      }
    }
  }

  // Whether `p` points into this heap: one subtraction and one comparison,
  // since free() asks on every call.
  bool Contains(const void* p) const {
    return reinterpret_cast<uintptr_t>(p) -
               reinterpret_cast<uintptr_t>(buffer_) <
           kCapacity;
  }

  // The size a block was allocated with.
  size_t SizeOf(const void* block) const { return HeaderOf(block)->size; }

  // Bytes handed out so far (headers and padding included).
  size_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  struct Header {
    size_t size;
    size_t unused;  // keeps the header a multiple of kMinAlignment
  };
  static_assert(sizeof(Header) % kMinAlignment == 0, "header breaks alignment");

  static Header* HeaderOf(const void* block) {
    return reinterpret_cast<Header*>(
               const_cast<char*>(static_cast<const char*>(block))) -
           1;
  }

  alignas(kMinAlignment) char buffer_[kCapacity] = {};
  std::atomic<size_t> used_{0};
};

}  // namespace preload
}  // namespace tidemark

#endif  // TIDEMARK_INTERPOSERS_PRELOAD_BOOTSTRAP_HEAP_H_
