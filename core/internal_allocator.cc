#include "core/internal_allocator.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "core/spinlock.h"

namespace tidemark {
namespace {

constexpr int kMinShift = 4;   // 16 bytes
constexpr int kMaxShift = 16;  // 64 KiB; larger blocks are mapped directly
constexpr int kClasses = kMaxShift - kMinShift + 1;
constexpr size_t kChunkBytes = size_t{1} << 20;  // carved into small blocks

struct FreeBlock {
  FreeBlock* next;
};

struct State {
  SpinLock lock;
  FreeBlock* free_lists[kClasses];
  char* chunk_cursor;
  char* chunk_end;
};

State g_state{};  // constant-initialized: usable before constructors run
std::atomic<int64_t> g_mapped_bytes{0};

// The raw system call, not the mmap symbol: the preload interposer exports
// `mmap`, and the profiler's own mappings must not be reported as the
// program's.
void* RawMap(size_t bytes) {
  long r = syscall(SYS_mmap, nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r < 0 && r > -4096) return nullptr;
  void* p = reinterpret_cast<void*>(r);
  if (p == MAP_FAILED) return nullptr;
  g_mapped_bytes.fetch_add(static_cast<int64_t>(bytes),
                           std::memory_order_relaxed);
  return p;
}

void RawUnmap(void* p, size_t bytes) {
  syscall(SYS_munmap, p, bytes);
  g_mapped_bytes.fetch_sub(static_cast<int64_t>(bytes),
                           std::memory_order_relaxed);
}

size_t PageRound(size_t bytes) {
  const size_t page = 4096;
  return (bytes + page - 1) & ~(page - 1);
}

int ClassOf(size_t bytes) {
  int shift = kMinShift;
  while ((size_t{1} << shift) < bytes) ++shift;
  return shift - kMinShift;
}

}  // namespace

void* InternalAllocator::Allocate(size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes > (size_t{1} << kMaxShift)) return RawMap(PageRound(bytes));
  const int cls = ClassOf(bytes);
  const size_t block = size_t{1} << (cls + kMinShift);
  SpinLockHolder hold(g_state.lock);
  if (FreeBlock* b = g_state.free_lists[cls]) {
    g_state.free_lists[cls] = b->next;
    return b;
  }
  if (g_state.chunk_cursor == nullptr ||
      static_cast<size_t>(g_state.chunk_end - g_state.chunk_cursor) < block) {
    // The tail of the old chunk is abandoned; at most 64 KiB per MiB.
    char* chunk = static_cast<char*>(RawMap(kChunkBytes));
    if (chunk == nullptr) return nullptr;
    g_state.chunk_cursor = chunk;
    g_state.chunk_end = chunk + kChunkBytes;
  }
  void* p = g_state.chunk_cursor;
  g_state.chunk_cursor += block;
  return p;
}

void InternalAllocator::Free(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes == 0) bytes = 1;
  if (bytes > (size_t{1} << kMaxShift)) {
    RawUnmap(p, PageRound(bytes));
    return;
  }
  const int cls = ClassOf(bytes);
  SpinLockHolder hold(g_state.lock);
  FreeBlock* b = static_cast<FreeBlock*>(p);
  b->next = g_state.free_lists[cls];
  g_state.free_lists[cls] = b;
}

int64_t InternalAllocator::MappedBytes() {
  return g_mapped_bytes.load(std::memory_order_relaxed);
}

}  // namespace tidemark
