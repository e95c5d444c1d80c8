#include "interposers/preload/bootstrap_heap.h"

#include <errno.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace preload {
namespace {

uintptr_t Address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

TEST(BootstrapHeapTest, BlocksAreMallocAlignedWhateverTheSizeBefore) {
  static BootstrapHeap<4096> heap;
  for (size_t size : {1, 3, 16, 17, 40, 0, 100}) {
    void* p = heap.Allocate(size);
    ASSERT_NE(p, nullptr) << size;
    EXPECT_EQ(Address(p) % 16, 0u) << size;
    EXPECT_TRUE(heap.Contains(p));
    EXPECT_EQ(heap.SizeOf(p), size);
    memset(p, 0xab, size);
  }
}

TEST(BootstrapHeapTest, LargerAlignmentsAreHonoured) {
  static BootstrapHeap<16384> heap;
  heap.Allocate(24);  // leaves the next free byte misaligned for the rest
  for (size_t alignment : {32, 64, 256, 4096}) {
    void* p = heap.Allocate(10, alignment);
    ASSERT_NE(p, nullptr) << alignment;
    EXPECT_EQ(Address(p) % alignment, 0u) << alignment;
    EXPECT_EQ(heap.SizeOf(p), 10u);
  }
  // Below the minimum is raised to it.
  void* p = heap.Allocate(1, 1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Address(p) % 16, 0u);
}

TEST(BootstrapHeapTest, BlocksDoNotOverlapAndStartZeroed) {
  static BootstrapHeap<4096> heap;
  char* a = static_cast<char*>(heap.Allocate(100));
  char* b = static_cast<char*>(heap.Allocate(100));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a[i], 0);
    EXPECT_EQ(b[i], 0);
  }
  memset(a, 1, 100);
  EXPECT_TRUE(a + 100 <= b || b + 100 <= a);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(heap.SizeOf(a), 100u);
  EXPECT_EQ(heap.SizeOf(b), 100u);
}

TEST(BootstrapHeapTest, ExhaustionReturnsNullWithEnomem) {
  static BootstrapHeap<1024> heap;
  int blocks = 0;
  for (;;) {
    errno = 0;
    void* p = heap.Allocate(100);
    if (p == nullptr) {
      EXPECT_EQ(errno, ENOMEM);
      break;
    }
    ++blocks;
    ASSERT_LT(blocks, 100);
  }
  // 1024 bytes hold 8 blocks of 100 (+16 header, rounded to 16): 128 each.
  EXPECT_EQ(blocks, 8);
  errno = 0;
  EXPECT_EQ(heap.Allocate(1u << 20), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(heap.Allocate(SIZE_MAX), nullptr);  // no wrap-around
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_LE(heap.used(), 1024u);
}

TEST(BootstrapHeapTest, ContainsOnlyItsOwnBuffer) {
  static BootstrapHeap<1024> heap;
  static BootstrapHeap<1024> other;
  void* p = heap.Allocate(8);
  int on_stack = 0;
  EXPECT_TRUE(heap.Contains(p));
  EXPECT_FALSE(other.Contains(p));
  EXPECT_FALSE(heap.Contains(&on_stack));
  EXPECT_FALSE(heap.Contains(nullptr));
}

TEST(BootstrapHeapTest, ThreadsGetDistinctBlocks) {
  static BootstrapHeap<1 << 16> heap;
  constexpr int kThreads = 4;
  constexpr int kEach = 100;
  std::vector<std::vector<char*>> got(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        got[t].push_back(static_cast<char*>(heap.Allocate(48)));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<char*> all;
  for (auto& list : got) all.insert(all.end(), list.begin(), list.end());
  ASSERT_EQ(std::count(all.begin(), all.end(), nullptr), 0);
  std::sort(all.begin(), all.end());
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(all[i] - all[i - 1], 48 + 16);
  }
}

}  // namespace
}  // namespace preload
}  // namespace tidemark
