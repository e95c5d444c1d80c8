// What each allocator entry point means to the tracker, with glibc as the
// next allocator (as in a profiled program): the bytes live after each call
// and the stack they are charged to. Every test allocates from stacks of
// its own (the tracker is one per process) and checks differences.
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <thread>
#include <vector>

#include "core/allocation_hooks.h"
#include "core/frame.h"
#include "core/sampler.h"
#include "core/stack_table.h"
#include "core/testing/fake_unwinder.h"
#include "core/tracker.h"
#include "gtest/gtest.h"
#include "interposers/preload/hooks.h"
#include "interposers/preload/real_allocator.h"

namespace tidemark {
namespace preload {
namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = kKiB * kKiB;

std::vector<RawFrame> Stack(uint64_t code_object) {
  return {RawFrame::Python(code_object, 3), RawFrame::Python(0x5E0, 1)};
}

class HooksSemanticsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static FakeUnwinder unwinder;
    Tracker::Get().set_unwinder(&unwinder);
    Sampler::Configure(int64_t{1} << 20, 1);
  }
  void SetUp() override {
    ResetNextAllocatorForTesting(nullptr);  // glibc's, by dlsym(RTLD_NEXT)
    page_ = sysconf(_SC_PAGESIZE);
    SetDelivering(true);
    g_tracking_state.store(kTrackingExact);
    live_before_ = LiveBytes();
    recorded_before_ = Recorded();
  }
  void TearDown() override {
    g_tracking_state.store(kTrackingOff);
    SetDelivering(false);
    SetFakeThreadStack(nullptr);
  }

  // The program's next calls come from `stack`.
  static void From(const std::vector<RawFrame>& stack) {
    SetFakeThreadStack(&stack);
  }
  // Bytes live now, and how they changed since the test began.
  static int64_t LiveBytes() { return Tracker::Get().peak().current_bytes(); }
  int64_t Added() const { return LiveBytes() - live_before_; }
  int64_t NewRecords() const { return Recorded() - recorded_before_; }
  static int64_t Recorded() { return Tracker::Get().tracked_allocations(); }

  // Bytes live now on `stack` (0 if it was never interned).
  static int64_t BytesOn(const std::vector<RawFrame>& stack) {
    Tracker& t = Tracker::Get();
    const int depth = static_cast<int>(stack.size());
    const uint64_t hash = StackTable::Hash(stack.data(), depth);
    uint32_t id = 0;
    for (uint32_t i = 1; i <= t.stacks().Count(); ++i) {
      if (t.stacks().Matches(i, stack.data(), depth, hash)) id = i;
    }
    if (id == 0) return 0;
    int64_t bytes = 0;
    t.peak().VisitCurrent([&](uint32_t visited, PeakTracker::Entry e) {
      if (visited == id) bytes = e.bytes;
    });
    return bytes;
  }

  int64_t page_ = 0;
  int64_t live_before_ = 0;
  int64_t recorded_before_ = 0;
};

TEST_F(HooksSemanticsTest, MallocOfZeroIsABlockOfZeroBytes) {
  const auto s = Stack(0x1001);
  From(s);
  void* p = Malloc(0);
  ASSERT_NE(p, nullptr);  // glibc hands out a minimum-size block
  EXPECT_EQ(NewRecords(), 1);
  EXPECT_EQ(Added(), 0);
  Free(p);
  EXPECT_EQ(Added(), 0);
}

TEST_F(HooksSemanticsTest,
       AnAddressFreedAndReusedByAnotherThreadIsNeverMixedUp) {
  // Exact mode's free releases the block before it removes its entry
  // (core/allocation_hooks.h, OnFreeThenRelease), holding the entry's lock
  // in between. With one arena for all threads and blocks too big for
  // glibc's per-thread cache, a block one thread frees is soon handed to
  // another: were the entry not held, that thread could record the address
  // before the first removed it, and the tracker would count a missed free
  // and then drop the new block's entry.
  mallopt(M_ARENA_MAX, 1);
  const int64_t missed_before = Tracker::Get().missed_frees();
  const std::vector<RawFrame> stack = Stack(0x5A0);
  constexpr int kThreads = 4;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr int kRounds = 30000;  // a sanitizer's allocator is much slower
#else
  constexpr int kRounds = 150000;
#endif
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stack, t] {
      From(stack);
      void* held[4] = {};
      for (int i = 0; i < kRounds; ++i) {
        const int slot = i % 4;
        Free(held[slot]);
        held[slot] = Malloc(2000 + 16 * ((i + t) % 3));
      }
      for (void* p : held) Free(p);
      SetFakeThreadStack(nullptr);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(Tracker::Get().missed_frees() - missed_before, 0);
  EXPECT_EQ(Added(), 0);
  EXPECT_EQ(BytesOn(stack), 0);
  EXPECT_EQ(NewRecords(), kThreads * kRounds);
}

TEST_F(HooksSemanticsTest, FreeOfNullChangesNothing) {
  Free(nullptr);
  EXPECT_EQ(NewRecords(), 0);
  EXPECT_EQ(Added(), 0);
}

TEST_F(HooksSemanticsTest, CallocCountsCountTimesSize) {
  const auto s = Stack(0x1002);
  From(s);
  void* p = Calloc(3, 100 * kKiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Added(), 300 * kKiB);
  EXPECT_EQ(BytesOn(s), 300 * kKiB);
  Free(p);
  EXPECT_EQ(Added(), 0);
  EXPECT_EQ(BytesOn(s), 0);
}

TEST_F(HooksSemanticsTest, CallocWhoseSizeOverflowsTracksNothing) {
  const auto s = Stack(0x1003);
  From(s);
  errno = 0;
  EXPECT_EQ(Calloc(SIZE_MAX / 2 + 1, 2), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_EQ(NewRecords(), 0);
  EXPECT_EQ(Added(), 0);
}

TEST_F(HooksSemanticsTest, ReallocOfNullIsMalloc) {
  const auto s = Stack(0x1004);
  From(s);
  void* p = Realloc(nullptr, 5 * kMiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(NewRecords(), 1);
  EXPECT_EQ(Added(), 5 * kMiB);
  EXPECT_EQ(BytesOn(s), 5 * kMiB);
  Free(p);
  EXPECT_EQ(Added(), 0);
}

// glibc's realloc(p, 0) frees p and returns NULL: the bytes leave the books
// and nothing new enters them.
TEST_F(HooksSemanticsTest, ReallocToZeroFrees) {
  const auto a = Stack(0x1005);
  const auto b = Stack(0x1006);
  From(a);
  void* p = Malloc(2 * kMiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Added(), 2 * kMiB);
  From(b);
  EXPECT_EQ(Realloc(p, 0), nullptr);
  EXPECT_EQ(Added(), 0);
  EXPECT_EQ(BytesOn(a), 0);
  EXPECT_EQ(BytesOn(b), 0);
  EXPECT_EQ(NewRecords(), 1);  // the malloc only
}

// A resized block is charged, whole, at its new size, to the stack that
// resized it (as if the program had freed it and allocated anew there).
TEST_F(HooksSemanticsTest, ReallocMovesTheBytesToTheNewSizeAndStack) {
  const auto made = Stack(0x1007);
  const auto grown = Stack(0x1008);
  const auto shrunk = Stack(0x1009);
  From(made);
  void* p = Malloc(1 * kMiB);
  ASSERT_NE(p, nullptr);
  From(grown);
  p = Realloc(p, 3 * kMiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Added(), 3 * kMiB);
  EXPECT_EQ(BytesOn(made), 0);
  EXPECT_EQ(BytesOn(grown), 3 * kMiB);
  From(shrunk);
  p = Realloc(p, 100 * kKiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Added(), 100 * kKiB);
  EXPECT_EQ(BytesOn(grown), 0);
  EXPECT_EQ(BytesOn(shrunk), 100 * kKiB);
  // A small block grown in place (same address) moves the same way.
  From(made);
  void* q = Malloc(64);
  ASSERT_NE(q, nullptr);
  From(grown);
  q = Realloc(q, 48);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(BytesOn(made), 0);
  EXPECT_EQ(BytesOn(grown), 48);
  Free(q);
  Free(p);
  EXPECT_EQ(Added(), 0);
  EXPECT_EQ(NewRecords(), 5);
}

// The aligned allocators are charged the size asked for; the alignment's
// padding is the allocator's, as malloc's rounding is.
TEST_F(HooksSemanticsTest, AlignedAllocatorsCountTheRequestedSize) {
  const auto s = Stack(0x100A);
  From(s);
  void* a = Memalign(4096, 100 * kKiB + 1);
  void* b = nullptr;
  ASSERT_EQ(PosixMemalign(&b, 256, 200 * kKiB + 3), 0);
  void* c = AlignedAlloc(64, 300 * kKiB);
  void* d = Valloc(400 * kKiB + 5);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 4096, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 256, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d) % page_, 0u);
  EXPECT_EQ(BytesOn(s), 1000 * kKiB + 9);
  EXPECT_EQ(NewRecords(), 4);
  // A failed posix_memalign (a bad alignment) records nothing.
  void* bad = nullptr;
  EXPECT_EQ(PosixMemalign(&bad, 3, kKiB), EINVAL);
  EXPECT_EQ(NewRecords(), 4);
  Free(a);
  Free(b);
  Free(c);
  Free(d);
  EXPECT_EQ(Added(), 0);
}

// pvalloc rounds the size up to whole pages, and the program may use all
// of them: the tracked size is the rounded one.
TEST_F(HooksSemanticsTest, PvallocCountsWholePages) {
  const auto s = Stack(0x100B);
  From(s);
  void* a = Pvalloc(1);
  void* b = Pvalloc(page_ + 1);
  void* c = Pvalloc(3 * page_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % page_, 0u);
  EXPECT_EQ(BytesOn(s), page_ + 2 * page_ + 3 * page_);
  Free(a);
  Free(b);
  Free(c);
  EXPECT_EQ(Added(), 0);
}

TEST_F(HooksSemanticsTest, AnonymousMappingsAndPartialUnmaps) {
  const auto s = Stack(0x100C);
  From(s);
  const int64_t len = 64 * page_;
  char* m = static_cast<char*>(Mmap(nullptr, len, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(m, MAP_FAILED);
  EXPECT_EQ(BytesOn(s), len);
  // A hole in the middle, then the head, then the rest.
  ASSERT_EQ(Munmap(m + 10 * page_, 4 * page_), 0);
  EXPECT_EQ(BytesOn(s), 60 * page_);
  ASSERT_EQ(Munmap(m, 10 * page_), 0);
  EXPECT_EQ(BytesOn(s), 50 * page_);
  ASSERT_EQ(Munmap(m + 14 * page_, 50 * page_), 0);
  EXPECT_EQ(BytesOn(s), 0);
  EXPECT_EQ(Added(), 0);
  // A file mapping is not the program's heap.
  const int fd = open("/proc/self/exe", O_RDONLY);
  ASSERT_GE(fd, 0);
  void* f = Mmap64(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  ASSERT_NE(f, MAP_FAILED);
  EXPECT_EQ(Added(), 0);
  ASSERT_EQ(Munmap(f, len), 0);
  EXPECT_EQ(NewRecords(), 1);
}

// A length that is not a multiple of the page is kept as asked (the kernel
// maps whole pages, the program asked for fewer bytes).
TEST_F(HooksSemanticsTest, AMappingOfPartOfAPageCountsTheLengthAsked) {
  const auto s = Stack(0x100D);
  From(s);
  void* m = Mmap(nullptr, 1000, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  EXPECT_EQ(BytesOn(s), 1000);
  ASSERT_EQ(Munmap(m, page_), 0);
  EXPECT_EQ(Added(), 0);
}

// mremap, like realloc, charges the resized mapping, whole, to the stack
// that resized it.
TEST_F(HooksSemanticsTest, MremapGrowsShrinksAndMoves) {
  const auto made = Stack(0x100E);
  const auto grown = Stack(0x100F);
  const auto shrunk = Stack(0x1010);
  const auto moved = Stack(0x1011);
  From(made);
  void* m = Mmap(nullptr, 16 * page_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  From(grown);
  m = Mremap(m, 16 * page_, 48 * page_, MREMAP_MAYMOVE, nullptr);
  ASSERT_NE(m, MAP_FAILED);
  EXPECT_EQ(BytesOn(made), 0);
  EXPECT_EQ(BytesOn(grown), 48 * page_);
  From(shrunk);
  ASSERT_EQ(Mremap(m, 48 * page_, 8 * page_, 0, nullptr), m);
  EXPECT_EQ(BytesOn(grown), 0);
  EXPECT_EQ(BytesOn(shrunk), 8 * page_);
  EXPECT_EQ(Added(), 8 * page_);
  // Moved to an address the program chose (reserved first, outside the
  // books, so the move lands in a known free place).
  void* target =
      mmap(nullptr, 8 * page_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(target, MAP_FAILED);
  From(moved);
  void* n =
      Mremap(m, 8 * page_, 8 * page_, MREMAP_MAYMOVE | MREMAP_FIXED, target);
  ASSERT_EQ(n, target);
  EXPECT_EQ(BytesOn(shrunk), 0);
  EXPECT_EQ(BytesOn(moved), 8 * page_);
  // The old address is free: unmapping it takes nothing from the books.
  ASSERT_EQ(Munmap(m, 8 * page_), 0);
  EXPECT_EQ(Added(), 8 * page_);
  ASSERT_EQ(Munmap(n, 8 * page_), 0);
  EXPECT_EQ(Added(), 0);
  EXPECT_EQ(NewRecords(), 4);  // the mmap and the three mremaps
}

// A file mapping resized with mremap (Python's mmap.resize() on a file) is
// still the file's pages, not the program's heap: nothing is counted. (It
// was, before the hook asked the kernel what kind of mapping it resized.)
TEST_F(HooksSemanticsTest, MremapOfAFileMappingIsNotCounted) {
  const auto s = Stack(0x1012);
  From(s);
  const int fd = memfd_create("tidemark-test", 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 64 * page_), 0);
  void* f =
      Mmap(nullptr, 16 * page_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  ASSERT_NE(f, MAP_FAILED);
  EXPECT_EQ(Added(), 0);  // mapped: not counted
  f = Mremap(f, 16 * page_, 64 * page_, MREMAP_MAYMOVE, nullptr);
  ASSERT_NE(f, MAP_FAILED);
  EXPECT_EQ(BytesOn(s), 0);  // resized: still not counted
  EXPECT_EQ(Added(), 0);
  ASSERT_EQ(Munmap(f, 64 * page_), 0);
  EXPECT_EQ(Added(), 0);
  EXPECT_EQ(NewRecords(), 0);
}

}  // namespace
}  // namespace preload
}  // namespace tidemark
