#include "core/live_total.h"

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/thread_state.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

// Fake blocks: the block's size is its address / 65536 (never a page-zero
// address), so no memory is involved and the allocator's size is known to
// the test.
void* Block(uint64_t size) { return reinterpret_cast<void*>(size << 16); }
size_t FakeBlockSize(void* block) {
  return reinterpret_cast<uintptr_t>(block) >> 16;
}

// As the hooks do for a thread's allocation that reaches the slow path
// (every thread's first allocation does) and for one that does not, and
// for a free.
void AllocateSlow(uint64_t size) {
  ThreadState& ts = t_thread_state;
  LiveTotal::CountAllocated(ts, Block(size));
  LiveTotal::EnsureRegistered(ts);
}
void AllocateFast(uint64_t size) {
  LiveTotal::CountAllocated(t_thread_state, Block(size));
}
void Free(uint64_t size) {
  LiveTotal::CountFreeing(t_thread_state, Block(size));
}

// The registry is process-wide and shared by every test here: each test
// measures differences from the sum when it starts.
class LiveTotalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LiveTotal::SetBlockSizeFunction(&FakeBlockSize);
    ASSERT_TRUE(LiveTotal::Known());
    base_ = LiveTotal::Sum();
    threads_ = LiveTotal::RegisteredThreadsForTesting();
  }
  int64_t Delta() const { return LiveTotal::Sum() - base_; }
  int ThreadDelta() const {
    return LiveTotal::RegisteredThreadsForTesting() - threads_;
  }

  int64_t base_ = 0;
  int threads_ = 0;
};

TEST_F(LiveTotalTest, WithoutABlockSizeFunctionTheTotalIsUnknown) {
  LiveTotal::SetBlockSizeFunction(nullptr);
  EXPECT_FALSE(LiveTotal::Known());
  // Blocks measure 0 then: nothing moves.
  AllocateSlow(1000);
  EXPECT_EQ(Delta(), 0);
  LiveTotal::SetBlockSizeFunction(&FakeBlockSize);
  EXPECT_TRUE(LiveTotal::Known());
}

TEST_F(LiveTotalTest, EachBlockCountsItsAllocatorSizeUntilItIsFreed) {
  AllocateSlow(1000);
  AllocateFast(24);
  AllocateFast(4096);
  EXPECT_EQ(Delta(), 1000 + 24 + 4096);
  Free(24);
  EXPECT_EQ(Delta(), 1000 + 4096);
  Free(1000);
  Free(4096);
  EXPECT_EQ(Delta(), 0);
  // Mappings are counted apart, by the tracker.
  LiveTotal::AddMappedBytes(8192);
  EXPECT_EQ(Delta(), 8192);
  LiveTotal::AddMappedBytes(-8192);
  EXPECT_EQ(Delta(), 0);
}

// A producer allocates, a consumer that never allocates frees: the
// consumer's first free registers it, so its negative count is in the sum
// while both threads run, and the two cancel.
TEST_F(LiveTotalTest, AThreadThatOnlyFreesIsCounted) {
  std::mutex mutex;
  std::condition_variable changed;
  int stage = 0;
  auto wait_for = [&](int s) {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return stage >= s; });
  };
  auto advance = [&](int s) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stage = s;
    }
    changed.notify_all();
  };
  std::thread producer([&] {
    AllocateSlow(300);
    AllocateFast(700);
    advance(1);
    wait_for(3);
  });
  std::thread consumer([&] {
    wait_for(1);
    Free(300);
    Free(700);
    advance(2);
    wait_for(3);
  });
  wait_for(2);
  EXPECT_EQ(ThreadDelta(), 2);
  EXPECT_EQ(Delta(), 0);
  advance(3);
  producer.join();
  consumer.join();
  EXPECT_EQ(ThreadDelta(), 0);
  EXPECT_EQ(Delta(), 0);
}

// A thread that exits with blocks still live (another thread frees them
// later) leaves its count behind in the retired total.
TEST_F(LiveTotalTest, AThreadsExitKeepsWhatItLeftLive) {
  std::thread worker([] {
    AllocateSlow(5000);
    AllocateFast(123);
    Free(123);
  });
  worker.join();
  EXPECT_EQ(ThreadDelta(), 0);
  EXPECT_EQ(Delta(), 5000);
  Free(5000);  // this thread takes it away again
  EXPECT_EQ(Delta(), 0);
}

// What a thread frees after its exit destructor ran (a destructor of a key
// made later runs later) is folded in at that free.
pthread_key_t g_late_key;
void FreeLate(void* /*value*/) { Free(777); }

TEST_F(LiveTotalTest, WhatAThreadFreesAfterItsExitDestructorStillCounts) {
  ASSERT_EQ(pthread_key_create(&g_late_key, &FreeLate), 0);
  AllocateSlow(777);
  std::thread worker([] {
    AllocateSlow(1);
    Free(1);
    pthread_setspecific(g_late_key, &g_late_key);
  });
  worker.join();
  pthread_key_delete(g_late_key);
  EXPECT_EQ(ThreadDelta(), 0);
  EXPECT_EQ(Delta(), 0);
}

// A forked child starts over: the parent's other threads are gone and its
// counts are the parent's; only what the child does from now on counts.
TEST_F(LiveTotalTest, AForkedChildStartsOver) {
  AllocateSlow(100);
  std::mutex mutex;
  std::condition_variable done;
  bool release = false;
  std::thread other([&] {
    AllocateSlow(2000);
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return release; });
  });
  while (ThreadDelta() < 1) std::this_thread::yield();
  ASSERT_EQ(Delta(), 2100);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ThreadState& ts = t_thread_state;
    {
      ReentrancyGuard guard;  // as the fork handler runs it
      LiveTotal::StartFreshAfterFork(ts);
    }
    int failures = 0;
    if (LiveTotal::Sum() != 0) failures |= 1;
    if (LiveTotal::RegisteredThreadsForTesting() != 1) failures |= 2;
    AllocateFast(40);  // registered already: no slow path needed
    if (LiveTotal::Sum() != 40) failures |= 4;
    Free(100);  // inherited: taken away without having been added
    if (LiveTotal::Sum() != -60) failures |= 8;
    _exit(failures);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "bits: 1 sum, 2 threads, 4 add, 8 free";
  // The parent's books are its own.
  EXPECT_EQ(Delta(), 2100);
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  done.notify_all();
  other.join();
  Free(100);
  Free(2000);
  EXPECT_EQ(Delta(), 0);
}

}  // namespace
}  // namespace tidemark
