#include "unwinders/cpython/thread_state.h"

#include <pthread.h>

#include <thread>

#include "gtest/gtest.h"
#include "unwinders/cpython/fake_python.h"

namespace tidemark {
namespace cpython {
namespace {

using testing::FakeHeap;

// What the fake PyGILState_GetThisThreadState returns.
uintptr_t g_tstate = 0;
void* FakeThisThreadState() { return reinterpret_cast<void*>(g_tstate); }

class ThreadStateTest : public ::testing::TestWithParam<const Layout*> {
 protected:
  ThreadStateTest() {
    api_.layout = GetParam();
    api_.this_thread_state = &FakeThisThreadState;
    runtime_ = heap_.Allocate(1024);
    api_.runtime = runtime_;
    tstate_ = heap_.Allocate(512);
    FakeHeap::Write<unsigned long>(tstate_, GetParam()->tstate_thread_id,
                                   pthread_self());
    g_tstate = tstate_;
  }
  ~ThreadStateTest() override { g_tstate = 0; }

  FakeHeap heap_;
  PythonApi api_;
  uintptr_t runtime_;
  uintptr_t tstate_;
};

TEST_P(ThreadStateTest, ReturnsTheThreadsOwnState) {
  EXPECT_EQ(OwnThreadState(api_), tstate_);
}

TEST_P(ThreadStateTest, NoStateBeforeInitialization) {
  g_tstate = 0;
  EXPECT_EQ(OwnThreadState(api_), 0u);
}

TEST_P(ThreadStateTest, RejectsAStateOfAnotherThread) {
  unsigned long other = 0;
  std::thread t([&] { other = pthread_self(); });
  t.join();
  FakeHeap::Write<unsigned long>(tstate_, GetParam()->tstate_thread_id, other);
  EXPECT_EQ(OwnThreadState(api_), 0u);
}

TEST_P(ThreadStateTest, OnlyTheFinalizingThreadWalksDuringFinalization) {
  FakeHeap::Write<uintptr_t>(runtime_, GetParam()->runtime_finalizing, tstate_);
  EXPECT_EQ(OwnThreadState(api_), tstate_);
  FakeHeap::Write<uintptr_t>(runtime_, GetParam()->runtime_finalizing,
                             tstate_ + 4096);
  EXPECT_EQ(OwnThreadState(api_), 0u);
  api_.runtime = 0;  // _PyRuntime not exported: no finalization check
  EXPECT_EQ(OwnThreadState(api_), tstate_);
}

INSTANTIATE_TEST_SUITE_P(AllVersions, ThreadStateTest,
                         ::testing::Values(&kLayoutPy310, &kLayoutPy311,
                                           &kLayoutPy312, &kLayoutPy313));

}  // namespace
}  // namespace cpython
}  // namespace tidemark
