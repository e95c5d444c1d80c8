// The hooks forward to a "next allocator" looked up by name. Here the lookup
// is replaced (ResetNextAllocatorForTesting) by one that hands out counting
// wrappers around glibc's functions, so each test sees what reaches the
// next allocator, and when.
#include "interposers/preload/hooks.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/allocation_hooks.h"
#include "core/frame.h"
#include "core/live_total.h"
#include "core/oom_watch.h"
#include "core/sampler.h"
#include "core/testing/fake_unwinder.h"
#include "core/tracker.h"
#include "gtest/gtest.h"
#include "interposers/preload/real_allocator.h"

namespace tidemark {
namespace preload {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

template <typename Fn>
Fn Glibc(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

// What the fake next allocator saw.
std::atomic<int> g_lookups{0};
std::atomic<int> g_free_calls{0};
std::string g_last_called;  // written by the wrappers, read by the test
// Set by a test: what the fake malloc / reallocarray do first, playing an
// allocator that maps its own backing store or calls back through the PLT.
void (*g_inside_malloc)() = nullptr;
bool g_reallocarray_calls_realloc = false;
// Set by a test: the fake of this name fails with g_fail_errno, as an
// allocator out of memory (or given a bad alignment) does.
std::string g_fail;
int g_fail_errno = ENOMEM;

bool Fails(const char* name) {
  if (g_fail != name) return false;
  errno = g_fail_errno;
  return true;
}

void* FakeMalloc(size_t size) {
  g_last_called = "malloc";
  if (g_inside_malloc != nullptr) g_inside_malloc();
  if (Fails("malloc")) return nullptr;
  return Glibc<MallocFn>("malloc")(size);
}
void* FakeCalloc(size_t count, size_t size) {
  g_last_called = "calloc";
  if (Fails("calloc")) return nullptr;
  return Glibc<CallocFn>("calloc")(count, size);
}
void* FakeRealloc(void* ptr, size_t size) {
  g_last_called = "realloc";
  if (Fails("realloc")) return nullptr;
  return Glibc<ReallocFn>("realloc")(ptr, size);
}
void* FakeReallocArray(void* ptr, size_t count, size_t size) {
  g_last_called = "reallocarray";
  if (Fails("reallocarray")) return nullptr;
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  // glibc's own reallocarray calls realloc through the PLT: back into us.
  if (g_reallocarray_calls_realloc) return Realloc(ptr, bytes);
  return Glibc<ReallocArrayFn>("reallocarray")(ptr, count, size);
}
void FakeFree(void* ptr) {
  ++g_free_calls;
  Glibc<FreeFn>("free")(ptr);
}
int FakePosixMemalign(void** out, size_t alignment, size_t size) {
  g_last_called = "posix_memalign";
  if (g_fail == "posix_memalign") return g_fail_errno;  // errno untouched
  return Glibc<PosixMemalignFn>("posix_memalign")(out, alignment, size);
}
void* FakeAlignedAlloc(size_t alignment, size_t size) {
  g_last_called = "aligned_alloc";
  if (Fails("aligned_alloc")) return nullptr;
  return Glibc<AlignedFn>("aligned_alloc")(alignment, size);
}
void* FakeMemalign(size_t alignment, size_t size) {
  g_last_called = "memalign";
  if (Fails("memalign")) return nullptr;
  return Glibc<AlignedFn>("memalign")(alignment, size);
}
void* FakeValloc(size_t size) {
  g_last_called = "valloc";
  if (Fails("valloc")) return nullptr;
  return Glibc<MallocFn>("valloc")(size);
}
void* FakePvalloc(size_t size) {
  g_last_called = "pvalloc";
  if (Fails("pvalloc")) return nullptr;
  return Glibc<MallocFn>("pvalloc")(size);
}
void* FakeMmap64(void* address, size_t length, int prot, int flags, int fd,
                 off_t offset) {
  g_last_called = "mmap64";
  if (Fails("mmap64")) return MAP_FAILED;
  return Glibc<MmapFn>("mmap64")(address, length, prot, flags, fd, offset);
}

void* FakeMmap(void* address, size_t length, int prot, int flags, int fd,
               off_t offset) {
  g_last_called = "mmap";
  if (Fails("mmap")) return MAP_FAILED;
  return Glibc<MmapFn>("mmap")(address, length, prot, flags, fd, offset);
}

void* FakeLookup(const char* name) {
  ++g_lookups;
  const std::string n = name;
  if (n == "malloc") return reinterpret_cast<void*>(&FakeMalloc);
  if (n == "calloc") return reinterpret_cast<void*>(&FakeCalloc);
  if (n == "realloc") return reinterpret_cast<void*>(&FakeRealloc);
  if (n == "reallocarray") return reinterpret_cast<void*>(&FakeReallocArray);
  if (n == "free") return reinterpret_cast<void*>(&FakeFree);
  if (n == "posix_memalign") {
    return reinterpret_cast<void*>(&FakePosixMemalign);
  }
  if (n == "aligned_alloc") return reinterpret_cast<void*>(&FakeAlignedAlloc);
  if (n == "memalign") return reinterpret_cast<void*>(&FakeMemalign);
  if (n == "valloc") return reinterpret_cast<void*>(&FakeValloc);
  if (n == "pvalloc") return reinterpret_cast<void*>(&FakePvalloc);
  if (n == "mmap64") return reinterpret_cast<void*>(&FakeMmap64);
  if (n == "mmap") return reinterpret_cast<void*>(&FakeMmap);
  return dlsym(RTLD_NEXT, name);
}

// Plays a dlsym that allocates (older glibc's does, for its error state):
// every lookup mallocs, callocs, reallocs and frees through the hooks.
std::vector<void*>* g_blocks_during_lookup;
void* AllocatingLookup(const char* name) {
  void* a = Malloc(40);
  void* b = Calloc(4, 8);
  void* c = Realloc(nullptr, 24);
  g_blocks_during_lookup->push_back(a);
  g_blocks_during_lookup->push_back(b);
  g_blocks_during_lookup->push_back(c);
  Free(c);
  return FakeLookup(name);
}

class HooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_lookups = 0;
    g_free_calls = 0;
    g_last_called.clear();
    g_inside_malloc = nullptr;
    g_reallocarray_calls_realloc = false;
    g_fail.clear();
    g_fail_errno = ENOMEM;
    ResetNextAllocatorForTesting(&FakeLookup);
  }
  void TearDown() override {
    g_tracking_state.store(kTrackingOff);
    OomWatch::Configure(false, nullptr);
    OomWatch::SetHeadroomSourceForTesting(nullptr);
    SetDelivering(false);
    ResetNextAllocatorForTesting(nullptr);
  }
  // Exact mode, as core/session.cc sets it up.
  void StartTracking() {
    static const std::vector<RawFrame> stack = {RawFrame::Python(0x10000, 0)};
    static FakeUnwinder unwinder;
    unwinder.set_default_stack(&stack);
    Tracker::Get().set_unwinder(&unwinder);
    Sampler::Configure(int64_t{1} << 20, 1);
    SetDelivering(true);
    g_tracking_state.store(kTrackingExact);
  }
  static int64_t Recorded() { return Tracker::Get().tracked_allocations(); }
  static int64_t LiveBytes() { return Tracker::Get().peak().current_bytes(); }
};

TEST_F(HooksTest, FirstCallLooksEveryNameUpOnce) {
  void* p = Malloc(100);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(g_last_called, "malloc");
  const int after_first = g_lookups.load();
  // malloc ... mremap and malloc_usable_size, all at once
  EXPECT_EQ(after_first, 15);
  Free(p);
  void* q = Calloc(2, 2);
  Free(q);
  EXPECT_EQ(g_lookups.load(), after_first);
  EXPECT_EQ(g_free_calls.load(), 2);
}

TEST_F(HooksTest, EachFunctionReachesItsNamesake) {
  auto check = [](void* p, const char* name) {
    EXPECT_NE(p, nullptr) << name;
    EXPECT_EQ(g_last_called, name);
    Free(p);
  };
  check(Malloc(10), "malloc");
  check(Calloc(3, 10), "calloc");
  check(Realloc(nullptr, 10), "realloc");
  check(ReallocArray(nullptr, 3, 10), "reallocarray");
  void* aligned = nullptr;
  EXPECT_EQ(PosixMemalign(&aligned, 64, 10), 0);
  check(aligned, "posix_memalign");
  check(AlignedAlloc(64, 128), "aligned_alloc");
  check(Memalign(64, 10), "memalign");
  check(Valloc(10), "valloc");
  check(Pvalloc(10), "pvalloc");
  void* m =
      Mmap64(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  EXPECT_EQ(g_last_called, "mmap64");
  EXPECT_EQ(Munmap(m, 4096), 0);
  // An overflowing reallocarray is the next allocator's error to report.
  errno = 0;
  EXPECT_EQ(ReallocArray(nullptr, SIZE_MAX, 2), nullptr);
  EXPECT_EQ(errno, ENOMEM);
}

TEST_F(HooksTest, AllocationsDuringTheLookupComeFromTheBootstrapHeap) {
  std::vector<void*> blocks;
  g_blocks_during_lookup = &blocks;
  ResetNextAllocatorForTesting(&AllocatingLookup);
  const int saved_errno_value = 1234;
  errno = saved_errno_value;
  void* p = Malloc(64);
  EXPECT_EQ(errno, saved_errno_value);  // the lookup leaves errno alone
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(g_bootstrap_heap.Contains(p));
  EXPECT_EQ(g_last_called, "malloc");
  ASSERT_EQ(blocks.size(), 3u * 15);
  for (size_t i = 0; i < blocks.size(); ++i) {
    ASSERT_NE(blocks[i], nullptr) << i;
    EXPECT_TRUE(g_bootstrap_heap.Contains(blocks[i])) << i;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(blocks[i]) % 16, 0u) << i;
  }
  // The calloc'd blocks are zero.
  for (size_t i = 1; i < blocks.size(); i += 3) {
    const char* b = static_cast<const char*>(blocks[i]);
    for (int j = 0; j < 32; ++j) ASSERT_EQ(b[j], 0) << i;
  }
  // Freeing them later never reaches the next allocator.
  const int frees_before = g_free_calls.load();
  for (void* b : blocks) Free(b);
  EXPECT_EQ(g_free_calls.load(), frees_before);
  Free(p);
  EXPECT_EQ(g_free_calls.load(), frees_before + 1);
}

TEST_F(HooksTest, FreeOfABootstrapBlockIsANoOp) {
  char* b = static_cast<char*>(g_bootstrap_heap.Allocate(32));
  ASSERT_NE(b, nullptr);
  memset(b, 'x', 32);
  Free(b);
  Free(b);  // twice: still nothing
  EXPECT_EQ(g_free_calls.load(), 0);
  EXPECT_EQ(b[0], 'x');
  EXPECT_EQ(g_bootstrap_heap.SizeOf(b), 32u);
}

TEST_F(HooksTest, ReallocOfABootstrapBlockCopiesItIntoARealBlock) {
  for (size_t new_size : {size_t{8}, size_t{100}, size_t{4096}}) {
    char* b = static_cast<char*>(g_bootstrap_heap.Allocate(100));
    ASSERT_NE(b, nullptr);
    for (int i = 0; i < 100; ++i) b[i] = static_cast<char>(i);
    char* r = static_cast<char*>(Realloc(b, new_size));
    ASSERT_NE(r, nullptr) << new_size;
    EXPECT_FALSE(g_bootstrap_heap.Contains(r));
    EXPECT_EQ(g_last_called, "malloc");
    for (size_t i = 0; i < 100 && i < new_size; ++i) {
      ASSERT_EQ(r[i], static_cast<char>(i)) << new_size;
    }
    EXPECT_GE(malloc_usable_size(r), new_size);  // glibc's block, really
    Free(r);
  }
  char* b = static_cast<char*>(g_bootstrap_heap.Allocate(10));
  strcpy(b, "bootstrap");
  char* r = static_cast<char*>(ReallocArray(b, 4, 8));
  ASSERT_NE(r, nullptr);
  EXPECT_STREQ(r, "bootstrap");
  Free(r);
  // Only the four real blocks reached the next free; no bootstrap block did.
  EXPECT_EQ(g_free_calls.load(), 4);
}

TEST_F(HooksTest, ThreadsRacingToBeFirstAllGetRealBlocks) {
  ResetNextAllocatorForTesting(nullptr);  // glibc's, via dlsym(RTLD_NEXT)
  constexpr int kThreads = 8;
  std::atomic<int> waiting{kThreads};
  std::atomic<int> bad{0};
  const size_t bootstrap_used = g_bootstrap_heap.used();
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      --waiting;
      while (waiting.load() > 0) {
      }
      for (int i = 0; i < 1000; ++i) {
        char* p = static_cast<char*>(Malloc(32 + i));
        if (p == nullptr || g_bootstrap_heap.Contains(p)) ++bad;
        if (p != nullptr) p[0] = 1;
        Free(p);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(g_bootstrap_heap.used(), bootstrap_used);
}

TEST_F(HooksTest, TheProgramsAllocationsAreRecorded) {
  StartTracking();
  const int64_t recorded = Recorded();
  const int64_t live = LiveBytes();
  void* p = Malloc(3 * kMiB);
  EXPECT_EQ(Recorded(), recorded + 1);
  EXPECT_EQ(LiveBytes(), live + static_cast<int64_t>(3 * kMiB));
  void* m = Mmap(nullptr, 2 * kMiB, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  EXPECT_EQ(LiveBytes(), live + static_cast<int64_t>(5 * kMiB));
  Munmap(m, 2 * kMiB);
  Free(p);
  EXPECT_EQ(LiveBytes(), live);
}

// Sample mode's exact live total (core/live_total.h): each block counts
// the next allocator's usable size of it, the same at its allocation and
// at its free, whatever function made it; anonymous mappings their length.
TEST_F(HooksTest, SampleModeCountsTheAllocatorsSizeOfEveryBlock) {
  StartTracking();
  ASSERT_TRUE(LiveTotal::Known());
  Tracker::Get().ChoosePeakMomentByLiveTotal(true);
  g_tracking_state.store(kTrackingSample);
  const int64_t base = LiveTotal::Sum();
  auto usable = [](void* p) {
    return static_cast<int64_t>(malloc_usable_size(p));
  };
  void* p = Malloc(100);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(LiveTotal::Sum() - base, usable(p));
  EXPECT_GE(usable(p), 100);
  void* q = Calloc(3, 1000);
  p = Realloc(p, 5000);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(LiveTotal::Sum() - base, usable(p) + usable(q));
  void* aligned = nullptr;
  ASSERT_EQ(PosixMemalign(&aligned, 64, 300), 0);
  void* blocks[] = {aligned, AlignedAlloc(64, 128), Memalign(4096, 10),
                    Valloc(10), Pvalloc(10)};
  int64_t expected = usable(p) + usable(q);
  for (void* b : blocks) {
    ASSERT_NE(b, nullptr);
    expected += usable(b);
  }
  EXPECT_EQ(LiveTotal::Sum() - base, expected);
  constexpr int64_t kPage = 4096;
  void* m = Mmap(nullptr, 3 * kPage, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  EXPECT_EQ(LiveTotal::Sum() - base, expected + 3 * kPage);
  Munmap(static_cast<char*>(m) + kPage, kPage);
  EXPECT_EQ(LiveTotal::Sum() - base, expected + 2 * kPage);
  Munmap(m, 3 * kPage);
  for (void* b : blocks) Free(b);
  Free(q);
  Free(p);
  EXPECT_EQ(LiveTotal::Sum(), base);
  Tracker::Get().ChoosePeakMomentByLiveTotal(false);
}

// With glibc's malloc next (the real lookup), the live total reads each
// block's chunk size from glibc's header instead of calling
// malloc_usable_size: the usable size plus the header word, plus one more
// word for a block glibc mapped on its own. (A sanitizer's malloc in front
// of glibc's is measured by malloc_usable_size instead.)
TEST_F(HooksTest, WithGlibcNextTheLiveTotalReadsTheChunkSize) {
  ResetNextAllocatorForTesting(nullptr);
  StartTracking();
  ASSERT_TRUE(LiveTotal::Known());
  Tracker::Get().ChoosePeakMomentByLiveTotal(true);
  g_tracking_state.store(kTrackingSample);
  const bool glibc = NextIsGlibcMalloc();
  const int64_t base = LiveTotal::Sum();
  void* small = Malloc(100);
  void* mapped = Malloc(64 * kMiB);  // above glibc's largest mmap threshold
  ASSERT_NE(small, nullptr);
  ASSERT_NE(mapped, nullptr);
  const int64_t small_size =
      static_cast<int64_t>(malloc_usable_size(small)) + (glibc ? 8 : 0);
  const int64_t mapped_size =
      static_cast<int64_t>(malloc_usable_size(mapped)) + (glibc ? 16 : 0);
  EXPECT_EQ(LiveTotal::Sum() - base, small_size + mapped_size);
  Free(mapped);
  EXPECT_EQ(LiveTotal::Sum() - base, small_size);
  Free(small);
  EXPECT_EQ(LiveTotal::Sum(), base);
  Tracker::Get().ChoosePeakMomentByLiveTotal(false);
}

void* LookupWithoutUsableSize(const char* name) {
  if (std::string(name) == "malloc_usable_size") return nullptr;
  return FakeLookup(name);
}

TEST_F(HooksTest, WithoutMallocUsableSizeTheLiveTotalIsUnknown) {
  ResetNextAllocatorForTesting(&LookupWithoutUsableSize);
  SetDelivering(true);
  EXPECT_FALSE(LiveTotal::Known());
  SetDelivering(false);
  ResetNextAllocatorForTesting(&FakeLookup);
  SetDelivering(true);
  EXPECT_TRUE(LiveTotal::Known());
}

void* g_backing_store;
void MapBackingStore() {
  // What jemalloc does for its own memory: mmap through the PLT, from
  // inside malloc.
  g_backing_store = Mmap(nullptr, 8 * kMiB, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

TEST_F(HooksTest, MappingsTheAllocatorMakesForItselfAreNotRecorded) {
  StartTracking();
  g_inside_malloc = &MapBackingStore;
  const int64_t recorded = Recorded();
  const int64_t live = LiveBytes();
  void* p = Malloc(1000);
  ASSERT_NE(g_backing_store, MAP_FAILED);
  EXPECT_EQ(Recorded(), recorded + 1);  // the malloc, not the mapping
  EXPECT_EQ(LiveBytes(), live + 1000);
  Free(p);
  g_inside_malloc = nullptr;
  munmap(g_backing_store, 8 * kMiB);
  EXPECT_EQ(LiveBytes(), live);
}

TEST_F(HooksTest, ReallocarrayCallingBackIntoReallocIsRecordedOnce) {
  StartTracking();
  g_reallocarray_calls_realloc = true;
  const int64_t recorded = Recorded();
  const int64_t live = LiveBytes();
  void* p = ReallocArray(nullptr, 1024, 1024);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Recorded(), recorded + 1);
  EXPECT_EQ(LiveBytes(), live + static_cast<int64_t>(kMiB));
  p = ReallocArray(p, 2048, 1024);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Recorded(), recorded + 2);
  EXPECT_EQ(LiveBytes(), live + static_cast<int64_t>(2 * kMiB));
  // An overflowing count fails and leaves the block, and the books, alone.
  EXPECT_EQ(ReallocArray(p, SIZE_MAX, 2), nullptr);
  EXPECT_EQ(LiveBytes(), live + static_cast<int64_t>(2 * kMiB));
  Free(p);
  EXPECT_EQ(LiveBytes(), live);
}

// The out-of-memory watch, with a headroom that clobbers errno (as the real
// one's file reads may) so that the hooks must restore it.
std::vector<OomEvent>* g_oom_events;
void RecordOom(const OomEvent& event) { g_oom_events->push_back(event); }
bool HeadroomThatClobbersErrno(Headroom* out) {
  errno = EBADF;
  out->limit = int64_t{1} << 30;
  out->available = int64_t{1} << 29;
  strcpy(out->description, "a test limit");
  return true;
}

class FailedAllocationTest : public HooksTest {
 protected:
  void SetUp() override {
    HooksTest::SetUp();
    g_oom_events = &events_;
    OomWatch::SetHeadroomSourceForTesting(&HeadroomThatClobbersErrno);
    OomWatch::Configure(true, &RecordOom);
  }
  // Re-arms the watch (one event per episode) and makes `name` fail.
  void FailNext(const char* name, int error = ENOMEM) {
    OomWatch::ResetForTesting(t_thread_state);
    events_.clear();
    g_fail = name;
    g_fail_errno = error;
    errno = 0;
  }
  std::vector<OomEvent> events_;
};

TEST_F(FailedAllocationTest, EveryAllocatorFailureFiresWithErrnoKept) {
  StartTracking();
  const int64_t live = LiveBytes();
  auto expect_failure = [&](const char* name, int64_t size) {
    ASSERT_EQ(events_.size(), 1u) << name;
    EXPECT_TRUE(events_[0].failed_allocation) << name;
    EXPECT_EQ(events_[0].size, size) << name;
    EXPECT_EQ(events_[0].limit_bytes, int64_t{1} << 30) << name;
    EXPECT_EQ(errno, ENOMEM) << name;  // the allocator's, not EBADF
  };
  FailNext("malloc");
  EXPECT_EQ(Malloc(5 * kMiB), nullptr);
  expect_failure("malloc", 5 * kMiB);
  FailNext("calloc");
  EXPECT_EQ(Calloc(3, kMiB), nullptr);
  expect_failure("calloc", 3 * kMiB);
  FailNext("realloc");
  EXPECT_EQ(Realloc(nullptr, 7 * kMiB), nullptr);
  expect_failure("realloc", 7 * kMiB);
  FailNext("reallocarray");
  EXPECT_EQ(ReallocArray(nullptr, 2, kMiB), nullptr);
  expect_failure("reallocarray", 2 * kMiB);
  FailNext("aligned_alloc");
  EXPECT_EQ(AlignedAlloc(64, kMiB), nullptr);
  expect_failure("aligned_alloc", kMiB);
  FailNext("memalign");
  EXPECT_EQ(Memalign(64, kMiB), nullptr);
  expect_failure("memalign", kMiB);
  FailNext("valloc");
  EXPECT_EQ(Valloc(kMiB), nullptr);
  expect_failure("valloc", kMiB);
  FailNext("pvalloc");
  EXPECT_EQ(Pvalloc(kMiB), nullptr);
  expect_failure("pvalloc", kMiB);
  FailNext("mmap");
  EXPECT_EQ(
      Mmap(nullptr, 9 * kMiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      MAP_FAILED);
  expect_failure("mmap", 9 * kMiB);
  FailNext("mmap64");
  EXPECT_EQ(
      Mmap64(nullptr, 4 * kMiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      MAP_FAILED);
  expect_failure("mmap64", 4 * kMiB);
  // posix_memalign says ENOMEM by its result and leaves errno alone.
  FailNext("posix_memalign");
  errno = 1234;
  void* out = nullptr;
  EXPECT_EQ(PosixMemalign(&out, 64, 6 * kMiB), ENOMEM);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].size, 6 * kMiB);
  EXPECT_EQ(errno, 1234);
  EXPECT_EQ(LiveBytes(), live);  // nothing entered the books
}

TEST_F(FailedAllocationTest, FailuresThatAreNotOutOfMemoryAreIgnored) {
  StartTracking();
  // A bad alignment.
  FailNext("aligned_alloc", EINVAL);
  EXPECT_EQ(AlignedAlloc(3, kMiB), nullptr);
  EXPECT_EQ(errno, EINVAL);
  FailNext("posix_memalign", EINVAL);
  void* out = nullptr;
  EXPECT_EQ(PosixMemalign(&out, 3, kMiB), EINVAL);
  // A size of zero, and a file mapping.
  FailNext("malloc");
  EXPECT_EQ(Malloc(0), nullptr);
  FailNext("mmap");
  EXPECT_EQ(Mmap(nullptr, kMiB, PROT_READ, MAP_PRIVATE, 0, 0), MAP_FAILED);
  // calloc's count * size overflowing.
  FailNext("calloc");
  EXPECT_EQ(Calloc(SIZE_MAX, 2), nullptr);
  EXPECT_TRUE(events_.empty());
}

TEST_F(FailedAllocationTest, NotRecordedInsideTheAllocatorOrWhenOff) {
  // Tracking off: the interposer installed but the session not profiling.
  SetDelivering(true);
  FailNext("malloc");
  EXPECT_EQ(Malloc(kMiB), nullptr);
  EXPECT_TRUE(events_.empty());
  // The allocator's own mmap failing inside a malloc that then succeeds.
  StartTracking();
  FailNext("mmap");
  g_inside_malloc = &MapBackingStore;
  void* p = Malloc(100);
  g_inside_malloc = nullptr;
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(g_backing_store, MAP_FAILED);
  EXPECT_TRUE(events_.empty());
  Free(p);
  // Inside the profiler.
  FailNext("malloc");
  {
    ReentrancyGuard guard;
    EXPECT_EQ(Malloc(kMiB), nullptr);
  }
  EXPECT_TRUE(events_.empty());
  // Once per episode.
  FailNext("malloc");
  EXPECT_EQ(Malloc(kMiB), nullptr);
  EXPECT_EQ(Malloc(kMiB), nullptr);
  EXPECT_EQ(events_.size(), 1u);
}

}  // namespace
}  // namespace preload
}  // namespace tidemark
