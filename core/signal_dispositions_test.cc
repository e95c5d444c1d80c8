#include "core/signal_dispositions.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

// Each test uses signals of its own: the table is process-wide, as it is
// in a profiled program. Real-time signals kill by default, like SIGTERM.
int Signal(int n) { return SIGRTMIN + n; }

std::atomic<int> g_ours{0};
std::atomic<int> g_programs{0};
void OurHandler(int) { ++g_ours; }
void ProgramHandler(int) { ++g_programs; }

// The real disposition: what the next sigaction in line reports (glibc's,
// or a sanitizer's, which stands in front of the kernel and answers with
// the handler it was given). This test binary exports no sigaction of its
// own, so the plain name is that one.
sighandler_t RealHandler(int number) {
  struct sigaction real;
  EXPECT_EQ(sigaction(number, nullptr, &real), 0);
  return real.sa_handler;
}

sighandler_t ProgramView(int number) {
  struct sigaction view;
  EXPECT_EQ(SignalDispositions::Sigaction(number, nullptr, &view), 0);
  return view.sa_handler;
}

// The status of a child that runs `body` and then exits 0.
template <typename Body>
int InChild(Body body) {
  const pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(SignalDispositionsTest, TakenSignalStillReadsAsDefault) {
  const int s = Signal(1);
  ASSERT_TRUE(SignalDispositions::Take(s, &OurHandler));
  EXPECT_TRUE(SignalDispositions::Taken(s));
  EXPECT_EQ(RealHandler(s), &OurHandler);
  EXPECT_EQ(ProgramView(s), SIG_DFL);
  struct sigaction view;
  ASSERT_EQ(SignalDispositions::Sigaction(s, nullptr, &view), 0);
  EXPECT_EQ(view.sa_flags & SA_SIGINFO, 0);
  // Raised while taken, it reaches our handler, not the default (death).
  const int before = g_ours.load();
  raise(s);
  EXPECT_EQ(g_ours.load(), before + 1);
}

TEST(SignalDispositionsTest, ProgramHandlerTakesOverAndDefaultTakesBack) {
  const int s = Signal(2);
  ASSERT_TRUE(SignalDispositions::Take(s, &OurHandler));

  struct sigaction mine = {};
  mine.sa_handler = &ProgramHandler;
  sigemptyset(&mine.sa_mask);
  struct sigaction previous;
  ASSERT_EQ(SignalDispositions::Sigaction(s, &mine, &previous), 0);
  EXPECT_EQ(previous.sa_handler, SIG_DFL);
  EXPECT_FALSE(SignalDispositions::Taken(s));
  EXPECT_EQ(RealHandler(s), &ProgramHandler);
  EXPECT_EQ(ProgramView(s), &ProgramHandler);
  const int ours = g_ours.load();
  const int programs = g_programs.load();
  raise(s);
  EXPECT_EQ(g_programs.load(), programs + 1);
  EXPECT_EQ(g_ours.load(), ours);

  struct sigaction deflt = {};
  deflt.sa_handler = SIG_DFL;
  sigemptyset(&deflt.sa_mask);
  ASSERT_EQ(SignalDispositions::Sigaction(s, &deflt, &previous), 0);
  EXPECT_EQ(previous.sa_handler, &ProgramHandler);
  EXPECT_TRUE(SignalDispositions::Taken(s));
  EXPECT_EQ(RealHandler(s), &OurHandler);
  EXPECT_EQ(ProgramView(s), SIG_DFL);
}

TEST(SignalDispositionsTest, SignalSaveAndRestoreRoundTrips) {
  // Python's forkserver and countless programs do exactly this.
  const int s = Signal(3);
  ASSERT_TRUE(SignalDispositions::Take(s, &OurHandler));
  sighandler_t old = SignalDispositions::Signal(s, &ProgramHandler);
  EXPECT_EQ(old, SIG_DFL);
  EXPECT_EQ(RealHandler(s), &ProgramHandler);
  EXPECT_EQ(SignalDispositions::Signal(s, old), &ProgramHandler);
  EXPECT_TRUE(SignalDispositions::Taken(s));
  EXPECT_EQ(ProgramView(s), SIG_DFL);
  EXPECT_EQ(SignalDispositions::Signal(s, SIG_ERR), SIG_ERR);
}

TEST(SignalDispositionsTest, SysvSignalIsOneShotAndKeepsTheView) {
  const int s = Signal(8);
  ASSERT_TRUE(SignalDispositions::Take(s, &OurHandler));
  EXPECT_EQ(SignalDispositions::SysvSignal(s, &ProgramHandler), SIG_DFL);
  struct sigaction view;
  ASSERT_EQ(SignalDispositions::Sigaction(s, nullptr, &view), 0);
  EXPECT_EQ(view.sa_handler, &ProgramHandler);
  EXPECT_NE(view.sa_flags & SA_RESETHAND, 0);
  // One shot: the kernel puts the default back as the handler runs; the
  // program's view then reads SIG_DFL, as it would without Tidemark.
  const int programs = g_programs.load();
  raise(s);
  EXPECT_EQ(g_programs.load(), programs + 1);
  EXPECT_EQ(RealHandler(s), SIG_DFL);
  EXPECT_EQ(ProgramView(s), SIG_DFL);
}

TEST(SignalDispositionsTest, IgnoredOrHandledSignalsAreNotTaken) {
  const int ignored = Signal(4);
  const int handled = Signal(5);
  ASSERT_NE(signal(ignored, SIG_IGN), SIG_ERR);
  ASSERT_NE(signal(handled, &ProgramHandler), SIG_ERR);
  EXPECT_FALSE(SignalDispositions::Take(ignored, &OurHandler));
  EXPECT_FALSE(SignalDispositions::Take(handled, &OurHandler));
  EXPECT_EQ(RealHandler(ignored), SIG_IGN);
  EXPECT_EQ(RealHandler(handled), &ProgramHandler);
  // Untaken signals pass straight through, both ways.
  EXPECT_EQ(SignalDispositions::Signal(ignored, SIG_DFL), SIG_IGN);
  EXPECT_EQ(RealHandler(ignored), SIG_DFL);
  EXPECT_FALSE(SignalDispositions::Taken(ignored));
}

TEST(SignalDispositionsTest, SigsetHoldAndSiginterruptKeepTheView) {
  const int s = Signal(6);
  ASSERT_TRUE(SignalDispositions::Take(s, &OurHandler));
  EXPECT_EQ(SignalDispositions::Sigset(s, SIG_HOLD), SIG_DFL);
  sigset_t mask;
  sigprocmask(SIG_BLOCK, nullptr, &mask);
  EXPECT_TRUE(sigismember(&mask, s));
  EXPECT_EQ(SignalDispositions::Sigset(s, SIG_DFL), SIG_HOLD);
  sigprocmask(SIG_BLOCK, nullptr, &mask);
  EXPECT_FALSE(sigismember(&mask, s));
  EXPECT_TRUE(SignalDispositions::Taken(s));

  ASSERT_EQ(SignalDispositions::Siginterrupt(s, 1), 0);
  struct sigaction view;
  ASSERT_EQ(SignalDispositions::Sigaction(s, nullptr, &view), 0);
  EXPECT_EQ(view.sa_handler, SIG_DFL);
  EXPECT_EQ(view.sa_flags & SA_RESTART, 0);
  EXPECT_TRUE(SignalDispositions::Taken(s));
}

TEST(SignalDispositionsTest, PassOnDiesOfTheSignalAsWithoutTidemark) {
  const int status = InChild([] {
    SignalDispositions::Take(
        SIGTERM, [](int number) { SignalDispositions::PassOn(number); });
    raise(SIGTERM);
    for (;;) pause();  // the signal arrives when the handler returns
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(SignalDispositionsTest, ForkedChildGetsTheProgramsViewBack) {
  const int s = Signal(7);
  ASSERT_TRUE(SignalDispositions::Take(s, &OurHandler));
  const int status = InChild([s] {
    SignalDispositions::GiveBackAll();
    if (RealHandler(s) != SIG_DFL) _exit(10);
    // Nothing is taken again in the child, even back at the default.
    SignalDispositions::Signal(s, &ProgramHandler);
    SignalDispositions::Signal(s, SIG_DFL);
    if (RealHandler(s) != SIG_DFL) _exit(11);
    raise(s);  // the default: death
    _exit(12);
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), s);
  EXPECT_TRUE(SignalDispositions::Taken(s));  // the parent keeps it
}

TEST(SignalDispositionsTest, TheForkLockIsBounded) {
  ASSERT_TRUE(SignalDispositions::LockForFork(0));
  // Held (by the fork in progress): a second fork gives up after its wait.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(SignalDispositions::LockForFork(20'000'000));
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(20));
  SignalDispositions::UnlockAfterFork();
  // The table works again.
  struct sigaction previous;
  EXPECT_EQ(SignalDispositions::Sigaction(SIGUSR1, nullptr, &previous), 0);
  ASSERT_TRUE(SignalDispositions::LockForFork(0));
  SignalDispositions::UnlockAfterFork();
}

}  // namespace
}  // namespace tidemark
