#include "core/fork_guard.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/internal_allocator.h"
#include "core/signal_dispositions.h"
#include "core/spinlock.h"
#include "core/thread_state.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

// A profiler lock, as the tracker's tables hold theirs: taken only inside
// a ReentrancyGuard.
SpinLock g_table_lock;

// Set by the child handler: whether the child may go on tracking.
bool g_child_clean = false;
// How long a prepare handler that runs after ForkGuard::Prepare sleeps
// (glibc runs prepare handlers in the reverse order of registration).
std::atomic<int64_t> g_slow_prepare_ms{0};

void SlowPrepare() {
  const int64_t ms = g_slow_prepare_ms.load();
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}
void OnPrepare() { ForkGuard::Prepare(); }
void OnParent() { ForkGuard::Parent(); }
void OnChild() { g_child_clean = ForkGuard::Child(); }

// As the session does: the guard's handlers around every fork. Handlers
// cannot be removed, so once for the whole binary.
void RegisterForkHandlers() {
  static const bool registered = [] {
    pthread_atfork(&SlowPrepare, nullptr, nullptr);  // runs after OnPrepare
    pthread_atfork(&OnPrepare, &OnParent, &OnChild);
    return true;
  }();
  (void)registered;
}

// Waits for `pid` at most `seconds`; kills it then. Returns its wait
// status, or -1 if it had to be killed (a hang).
int WaitWithTimeout(pid_t pid, int seconds) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -2;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// What a forked child checks before it exits: the exit code says which
// check failed (0: none).
int CheckInChild() {
  if (!g_child_clean) return 3;
  if (!g_table_lock.try_lock()) return 2;  // copied held
  g_table_lock.unlock();
  void* p = InternalAllocator::Allocate(100);  // its lock copied free
  if (p == nullptr) return 4;
  InternalAllocator::Free(p, 100);
  if (!SignalDispositions::LockForFork(0)) return 5;
  SignalDispositions::UnlockAfterFork();
  if (ForkGuard::Inside() != 0) return 6;
  {
    ReentrancyGuard guard;  // no fork pending any more
    if (ForkGuard::Inside() != 1) return 7;
  }
  return 0;
}

class ForkGuardTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterForkHandlers(); }
  void TearDown() override {
    ForkGuard::SetWaitLimitForTesting(ForkGuard::kDefaultWaitLimitNanoseconds);
    g_slow_prepare_ms.store(0);
  }
};

TEST_F(ForkGuardTest, NoForkedChildFindsAProfilerLockHeld) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> rounds{0};
  std::vector<std::thread> workers;
  workers.reserve(4);
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (uint64_t i = w; !stop.load(std::memory_order_relaxed); ++i) {
        ReentrancyGuard guard;
        SpinLockHolder hold(g_table_lock);
        const size_t bytes = size_t{16} << (i % 8);
        void* p = InternalAllocator::Allocate(bytes);
        if (p != nullptr) {
          static_cast<char*>(p)[0] = 1;
          InternalAllocator::Free(p, bytes);
        }
        rounds.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  while (rounds.load() < 1000) std::this_thread::yield();

  int failures = 0;
  int64_t rounds_during_forks = 0;
  for (int i = 0; i < 200; ++i) {
    const int64_t before = rounds.load();
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(CheckInChild());
    const int status = WaitWithTimeout(pid, 20);
    ASSERT_NE(status, -1) << "fork " << i << ": the child hung";
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++failures;
      ADD_FAILURE() << "fork " << i << ": child status " << status;
    }
    rounds_during_forks += rounds.load() - before;
    if (failures > 5) break;
  }
  stop.store(true);
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(failures, 0);
  // The workers really were taking the lock around the forks.
  EXPECT_GT(rounds_during_forks, 200);
  EXPECT_EQ(ForkGuard::Inside(), 0);
}

TEST_F(ForkGuardTest, PrepareGivesUpOnAThreadThatStaysInside) {
  ForkGuard::SetWaitLimitForTesting(100'000'000);  // 100 ms
  std::atomic<bool> inside{false};
  std::atomic<bool> release{false};
  std::thread stays([&] {
    ReentrancyGuard guard;
    inside.store(true);
    while (!release.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  while (!inside.load()) std::this_thread::yield();
  EXPECT_EQ(ForkGuard::Inside(), 1);

  const auto start = std::chrono::steady_clock::now();
  const bool prepared = ForkGuard::Prepare();
  const auto waited = std::chrono::steady_clock::now() - start;
  ForkGuard::Parent();
  EXPECT_FALSE(prepared);
  EXPECT_GE(waited, std::chrono::milliseconds(100));
  EXPECT_LT(waited, std::chrono::milliseconds(1500));

  release.store(true);
  stays.join();
  EXPECT_EQ(ForkGuard::Inside(), 0);
  EXPECT_TRUE(ForkGuard::Prepare());
  ForkGuard::Parent();
}

TEST_F(ForkGuardTest, AThreadEnteringDuringAForkWaitsUntilItIsDone) {
  ASSERT_TRUE(ForkGuard::Prepare());
  std::atomic<bool> entered{false};
  std::thread enters([&] {
    ReentrancyGuard guard;
    entered.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(entered.load());
  EXPECT_EQ(ForkGuard::Inside(), 0);
  ForkGuard::Parent();
  enters.join();
  EXPECT_TRUE(entered.load());
  EXPECT_EQ(ForkGuard::Inside(), 0);
}

TEST_F(ForkGuardTest, TheForkingThreadIsInsideUntilTheForkIsDone) {
  EXPECT_EQ(t_thread_state.reentrancy_depth, 0);
  ASSERT_TRUE(ForkGuard::Prepare());
  // Other fork handlers' allocations on this thread are not recorded,
  // and its own guards do not wait for its own fork.
  EXPECT_EQ(t_thread_state.reentrancy_depth, 1);
  { ReentrancyGuard guard; }
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  EXPECT_TRUE(sigismember(&mask, SIGTERM));
  ForkGuard::Parent();
  EXPECT_EQ(t_thread_state.reentrancy_depth, 0);
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  EXPECT_FALSE(sigismember(&mask, SIGTERM));
  EXPECT_EQ(ForkGuard::Inside(), 0);
}

TEST_F(ForkGuardTest, AForkFromInsideTheProfilerCountsItself) {
  ReentrancyGuard guard;
  EXPECT_EQ(ForkGuard::Inside(), 1);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child's count is its one thread, still inside.
    _exit(g_child_clean && ForkGuard::Inside() == 1 ? 0 : 1);
  }
  const int status = WaitWithTimeout(pid, 20);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(ForkGuard::Inside(), 1);
}

TEST_F(ForkGuardTest, AThreadThatWaitedTooLongGoesInAndTheChildStopsTracking) {
  // The fork itself is held up after Prepare (a slow prepare handler, as
  // when glibc's fork waits for a lock): a thread wanting in goes in after
  // the wait limit, and that fork's child must not track.
  ForkGuard::SetWaitLimitForTesting(50'000'000);  // 50 ms
  g_slow_prepare_ms.store(400);
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop.load()) {
      ReentrancyGuard guard;
      std::this_thread::yield();
    }
  });
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(g_child_clean ? 0 : 9);
  g_slow_prepare_ms.store(0);
  const int status = WaitWithTimeout(pid, 20);
  stop.store(true);
  worker.join();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 9);

  // The next fork, without the delay, is clean again.
  const pid_t next = fork();
  ASSERT_GE(next, 0);
  if (next == 0) _exit(g_child_clean ? 0 : 9);
  const int next_status = WaitWithTimeout(next, 20);
  ASSERT_TRUE(WIFEXITED(next_status)) << next_status;
  EXPECT_EQ(WEXITSTATUS(next_status), 0);
}

TEST_F(ForkGuardTest, EachThreadEntersASlotOfItsOwnWithoutAFence) {
  { ReentrancyGuard guard; }
  const int32_t main_place = ForkGuard::PlaceOfThisThread();
  EXPECT_GT(main_place, 0);
  // Linux >= 4.14 has membarrier; without it entering would fence (still
  // correct, but this machine is expected to have it).
  EXPECT_FALSE(ForkGuard::FencesOnEnter())
      << "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) unavailable";
  int32_t other_place = 0;
  std::thread other([&] {
    ReentrancyGuard guard;
    other_place = ForkGuard::PlaceOfThisThread();
    EXPECT_EQ(ForkGuard::Inside(), 1);
  });
  other.join();
  EXPECT_GT(other_place, 0);
  EXPECT_NE(other_place, main_place);
  EXPECT_EQ(ForkGuard::Inside(), 0);
}

TEST_F(ForkGuardTest, SlotsOfEndedThreadsAreReusedAndOverflowGoesToStripes) {
  // More threads in a row than there are slots: each takes a free slot or
  // one whose thread has ended, never a stripe.
  for (int i = 0; i < ForkGuard::kSlots + 40; ++i) {
    int32_t place = 0;
    std::thread t([&] {
      ReentrancyGuard guard;
      place = ForkGuard::PlaceOfThisThread();
    });
    t.join();
    ASSERT_GT(place, 0) << "thread " << i;
  }
  EXPECT_LE(ForkGuard::ClaimedSlots(), ForkGuard::kSlots);

  // More threads alive at once than slots: the extra ones count in the
  // shared stripes, and every one of them is seen inside.
  const int n = ForkGuard::kSlots + 8;
  std::atomic<int> entered{0};
  std::atomic<int> on_stripes{0};
  std::atomic<bool> release{false};
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&] {
      ReentrancyGuard guard;
      if (ForkGuard::PlaceOfThisThread() < 0) on_stripes.fetch_add(1);
      entered.fetch_add(1);
      while (!release.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  while (entered.load() < n) std::this_thread::yield();
  EXPECT_EQ(ForkGuard::Inside(), n);
  // This thread holds one slot; the rest go to n threads, the dead ones'
  // slots included.
  EXPECT_EQ(on_stripes.load(), n - (ForkGuard::kSlots - 1));
  release.store(true);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ForkGuard::Inside(), 0);
}

}  // namespace
}  // namespace tidemark
