#include "core/renderer_process.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

std::atomic<int> g_sigchld{0};

void CountSigchld(int) { g_sigchld.fetch_add(1); }

double Now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// The "renderer" here is /bin/sh, so the tests say what the program sees
// and what the caller gets back, whatever the renderer does.
class RendererProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_REPORT_TOOL", "/bin/sh", 1);
    ASSERT_TRUE(RendererProcess::Locate());
    struct sigaction action = {};
    action.sa_handler = &CountSigchld;
    sigemptyset(&action.sa_mask);
    ASSERT_EQ(sigaction(SIGCHLD, &action, &previous_), 0);
    g_sigchld.store(0);
  }
  void TearDown() override { sigaction(SIGCHLD, &previous_, nullptr); }

  struct sigaction previous_ = {};
};

TEST_F(RendererProcessTest, ReturnsTheRenderersExitStatus) {
  const char* ok[] = {"-c", "exit 0", nullptr};
  EXPECT_EQ(RendererProcess::Run(ok, 10), 0);
  const char* seven[] = {"-c", "exit 7", nullptr};
  EXPECT_EQ(RendererProcess::Run(seven, 10), 7);
}

TEST_F(RendererProcessTest, TheProgramSeesNoChildAndNoSigchld) {
  const char* args[] = {"-c", "exit 0", nullptr};
  ASSERT_EQ(RendererProcess::Run(args, 10), 0);
  // A program's own SIGCHLD handler and its wait(-1) find nothing.
  usleep(50 * 1000);
  EXPECT_EQ(g_sigchld.load(), 0);
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// Two reports due at once on two threads (a SIGUSR2 landing on one thread
// while another's report renders): the second waits for the first instead
// of being lost. Each gets its own renderer's status.
TEST_F(RendererProcessTest, ASecondCallerWaitsForTheRendererInUse) {
  const char* slow[] = {"-c", "sleep 0.5; exit 3", nullptr};
  const char* quick[] = {"-c", "exit 5", nullptr};
  std::atomic<bool> slow_started{false};
  int slow_status = -2;
  std::thread first([&] {
    slow_started.store(true);
    slow_status = RendererProcess::Run(slow, 10);
  });
  while (!slow_started.load()) usleep(1000);
  usleep(100 * 1000);  // the slow renderer is running by now
  const double start = Now();
  EXPECT_EQ(RendererProcess::Run(quick, 10), 5);
  const double took = Now() - start;
  first.join();
  EXPECT_EQ(slow_status, 3);
  // It ran after the slow one, not beside it.
  EXPECT_GE(took, 0.2);
  EXPECT_EQ(g_sigchld.load(), 0);
}

TEST_F(RendererProcessTest, ARendererThatHangsIsKilledAtTheLimit) {
  const char* args[] = {"-c", "sleep 30", nullptr};
  const double start = Now();
  EXPECT_EQ(RendererProcess::Run(args, 1), -1);
  const double took = Now() - start;
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 10.0);
  EXPECT_EQ(g_sigchld.load(), 0);
}

// A second caller waits, but not for ever: it gives up at its own limit.
TEST_F(RendererProcessTest, ASecondRendererGivesUpAtItsLimit) {
  std::thread slow([] {
    const char* args[] = {"-c", "sleep 3", nullptr};
    RendererProcess::Run(args, 10);
  });
  usleep(100 * 1000);
  const double start = Now();
  const char* args[] = {"-c", "exit 5", nullptr};
  EXPECT_EQ(RendererProcess::Run(args, 1), -1);
  const double took = Now() - start;
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 2.5);
  slow.join();
}

TEST_F(RendererProcessTest, ARendererThatCannotStartIsAFailure) {
  setenv("TIDEMARK_REPORT_TOOL", "/nonexistent/report", 1);
  EXPECT_FALSE(RendererProcess::Locate());
  const char* args[] = {nullptr};
  EXPECT_EQ(RendererProcess::Run(args, 1), -1);
}

}  // namespace
}  // namespace tidemark
