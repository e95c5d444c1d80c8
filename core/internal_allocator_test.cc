#include "core/internal_allocator.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

// This test binary replaces malloc & co and the mmap symbol with versions
// that count their calls while a test asks them to, then forward to glibc.
// The profiler's heap must use neither: it runs inside the program's
// malloc, and its mappings must not look like the program's.
namespace {
std::atomic<bool> g_counting{false};
std::atomic<int> g_calls{0};
inline void Count() {
  if (g_counting.load(std::memory_order_relaxed)) g_calls.fetch_add(1);
}
}  // namespace

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void __libc_free(void* ptr);

void* malloc(size_t size) {
  Count();
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
  Count();
  return __libc_calloc(count, size);
}
void* realloc(void* ptr, size_t size) {
  Count();
  return __libc_realloc(ptr, size);
}
void free(void* ptr) {
  Count();
  __libc_free(ptr);
}
void* mmap(void* address, size_t length, int prot, int flags, int fd,
           off_t offset) {
  Count();
  return reinterpret_cast<void*>(
      syscall(SYS_mmap, address, length, prot, flags, fd, offset));
}
}  // extern "C"

namespace tidemark {
namespace {

class CountingScope {
 public:
  CountingScope() {
    g_calls.store(0);
    g_counting.store(true);
  }
  ~CountingScope() { g_counting.store(false); }
  int calls() const { return g_calls.load(); }
};

TEST(InternalAllocatorTest, TheCounterSeesMallocAndMmap) {
  // Proves the test below could fail: calls through the real names count.
  void* (*volatile do_malloc)(size_t) = &malloc;
  void (*volatile do_free)(void*) = &free;
  CountingScope scope;
  do_free(do_malloc(32));
  void* m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  EXPECT_EQ(scope.calls(), 3);
  munmap(m, 4096);
}

TEST(InternalAllocatorTest, NeverCallsMallocOrTheMmapSymbol) {
  std::vector<std::pair<void*, size_t>> blocks;
  blocks.reserve(64);  // the vector's own storage comes from malloc: before
  CountingScope scope;
  // Small classes, the largest class, and directly mapped blocks; enough
  // small ones to need a fresh 1 MiB chunk.
  for (size_t size : {size_t{1}, size_t{16}, size_t{17}, size_t{4000},
                      size_t{65536}, size_t{65537}, size_t{3} << 20}) {
    void* p = InternalAllocator::Allocate(size);
    ASSERT_NE(p, nullptr);
    blocks.emplace_back(p, size);
  }
  for (int i = 0; i < 40; ++i) {
    void* p = InternalAllocator::Allocate(60000);
    ASSERT_NE(p, nullptr);
    blocks.emplace_back(p, 60000);
  }
  for (auto& [p, size] : blocks) InternalAllocator::Free(p, size);
  EXPECT_EQ(scope.calls(), 0);
}

TEST(InternalAllocatorTest, BlocksRoundTripTheirContents) {
  // Many live blocks of many sizes, each filled with its own byte: no block
  // may overlap another.
  std::vector<std::pair<unsigned char*, size_t>> blocks;
  for (int i = 0; i < 3000; ++i) {
    const size_t size = 1 + (static_cast<size_t>(i) * 7919) % 90000;
    auto* p = static_cast<unsigned char*>(InternalAllocator::Allocate(size));
    ASSERT_NE(p, nullptr);
    memset(p, i & 0xff, size);
    blocks.emplace_back(p, size);
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto& [p, size] = blocks[i];
    for (size_t j = 0; j < size; ++j) {
      ASSERT_EQ(p[j], i & 0xff) << "block " << i << " byte " << j;
    }
  }
  for (auto& [p, size] : blocks) InternalAllocator::Free(p, size);
}

TEST(InternalAllocatorTest, BlocksAreAligned) {
  // 16 bytes, as malloc's, for anything a table might hold; whole pages
  // for directly mapped blocks.
  for (size_t size = 1; size <= 200000; size = size * 3 / 2 + 1) {
    void* p = InternalAllocator::Allocate(size);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << size;
    if (size > 65536) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 4096, 0u) << size;
    }
    InternalAllocator::Free(p, size);
  }
}

TEST(InternalAllocatorTest, AFreedBlockIsReusedForItsSizeClass) {
  void* p = InternalAllocator::Allocate(48);  // the 64-byte class
  InternalAllocator::Free(p, 48);
  EXPECT_EQ(InternalAllocator::Allocate(40), p);
  InternalAllocator::Free(p, 40);
}

TEST(InternalAllocatorTest, LargeBlocksAreMappedAndUnmappedByThePage) {
  const int64_t before = InternalAllocator::MappedBytes();
  void* p = InternalAllocator::Allocate(100000);
  ASSERT_NE(p, nullptr);
  // 100000 bytes round up to 25 pages.
  EXPECT_EQ(InternalAllocator::MappedBytes() - before, 25 * 4096);
  memset(p, 0xab, 100000);
  InternalAllocator::Free(p, 100000);
  EXPECT_EQ(InternalAllocator::MappedBytes(), before);
}

TEST(InternalAllocatorTest, StlContainersCanUseIt) {
  std::vector<int64_t, InternalStlAllocator<int64_t>> v;
  CountingScope scope;
  for (int64_t i = 0; i < 100000; ++i) v.push_back(i * i);
  EXPECT_EQ(scope.calls(), 0);
  int64_t sum = 0;
  for (int64_t x : v) sum += x;
  // Sum of squares 0..99999 = (n-1) n (2n-1) / 6 with n = 100000.
  EXPECT_EQ(sum, int64_t{99999} * 100000 * 199999 / 6);
}

TEST(InternalAllocatorTest, ThreadsAllocatingAtOnceGetDisjointBlocks) {
  constexpr int kThreads = 4;
  constexpr int kBlocks = 2000;
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &bad] {
      std::vector<std::pair<unsigned char*, size_t>> mine;
      for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < kBlocks; ++i) {
          const size_t size = 16 + (i % 200) * 8;
          auto* p =
              static_cast<unsigned char*>(InternalAllocator::Allocate(size));
          if (p == nullptr) {
            bad.fetch_add(1);
            continue;
          }
          memset(p, t + 1, size);
          mine.emplace_back(p, size);
        }
        for (auto& [p, size] : mine) {
          for (size_t j = 0; j < size; ++j) {
            if (p[j] != t + 1) {
              bad.fetch_add(1);
              break;
            }
          }
          InternalAllocator::Free(p, size);
        }
        mine.clear();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace tidemark
