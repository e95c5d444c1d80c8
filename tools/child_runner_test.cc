#include "tools/child_runner.h"

#include <signal.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

extern char** environ;

namespace tidemark {
namespace {

std::vector<std::string> ThisEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  return env;
}

ChildStatus RunCommand(
    const std::vector<std::string>& argv,
    const std::vector<std::string>& env = ThisEnvironment()) {
  ChildStatus status;
  std::string error;
  EXPECT_TRUE(RunChild(argv, env, &status, &error)) << error;
  return status;
}

TEST(ChildRunnerTest, ReportsExitCode) {
  ChildStatus status = RunCommand({"sh", "-c", "exit 7"});
  EXPECT_GT(status.pid, 0);
  EXPECT_FALSE(status.exec_failed);
  EXPECT_EQ(status.exit_code, 7);
  EXPECT_EQ(status.signal, 0);
}

TEST(ChildRunnerTest, PassesTheGivenEnvironment) {
  ChildStatus status = RunCommand({"sh", "-c", "test \"$MARK\" = yes"},
                                  {"MARK=yes", "PATH=/bin"});
  EXPECT_EQ(status.exit_code, 0);
  status = RunCommand({"sh", "-c", "test \"$MARK\" = yes"}, {"PATH=/bin"});
  EXPECT_EQ(status.exit_code, 1);
}

TEST(ChildRunnerTest, MissingCommandIs127) {
  ChildStatus status = RunCommand({"tidemark-no-such-command-anywhere"});
  EXPECT_TRUE(status.exec_failed);
  EXPECT_EQ(status.exit_code, 127);
}

TEST(ChildRunnerTest, MissingCommandsNameStaysOnOneLine) {
  testing::internal::CaptureStderr();
  ChildStatus status = RunCommand({"no-such\ncommand\x1b[31m"});
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status.exit_code, 127);
  EXPECT_EQ(said,
            "tidemark: cannot run 'no-such\\ncommand\\x1b[31m': No such file "
            "or directory\n");
}

TEST(ChildRunnerTest, NonExecutableIs126) {
  ChildStatus status = RunCommand({"/etc/passwd"});
  EXPECT_TRUE(status.exec_failed);
  EXPECT_EQ(status.exit_code, 126);
}

TEST(ChildRunnerTest, ReportsKillingSignal) {
  ChildStatus status = RunCommand({"sh", "-c", "kill -TERM $$"});
  EXPECT_FALSE(status.exec_failed);
  EXPECT_EQ(status.signal, SIGTERM);
}

TEST(ChildRunnerTest, PassesInterruptOnOnce) {
  struct sigaction before;
  sigaction(SIGINT, nullptr, &before);
  // The child interrupts its parent (this test, not on a terminal); the
  // parent survives and passes each signal on exactly once: the traps count
  // them into the exit code.
  ChildStatus status =
      RunCommand({"sh", "-c",
                  "n=0; trap 'n=$((n+1))' INT; trap 'n=$((n+10))' QUIT; "
                  "kill -INT $PPID; sleep 0.3; kill -QUIT $PPID; sleep 0.3; "
                  "exit $n"});
  EXPECT_EQ(status.signal, 0);
  EXPECT_EQ(status.exit_code, 11);
  // And the previous disposition is back afterwards.
  struct sigaction now;
  sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, before.sa_handler);
}

TEST(ChildRunnerTest, AwayFromATerminalTheChildHasItsOwnGroup) {
  // So that a signal sent to the launcher's group reaches it only once.
  ChildStatus status = RunCommand(
      {"sh", "-c", "test \"$(ps -o pgid= $$ | tr -d ' ')\" = \"$$\""});
  EXPECT_EQ(status.exit_code, 0);
}

TEST(ChildRunnerTest, ForwardsTerminationSignals) {
  // The child asks its parent to be terminated; the parent passes the
  // signal on, and the child's trap turns it into exit code 9.
  ChildStatus status = RunCommand({"sh", "-c",
                                   "sleep 5 & trap 'kill $!; exit 9' USR1; "
                                   "kill -USR1 $PPID; wait"});
  EXPECT_EQ(status.exit_code, 9);
  status = RunCommand({"sh", "-c", "kill -TERM $PPID; exec sleep 5"});
  EXPECT_EQ(status.signal, SIGTERM);
}

TEST(ChildRunnerTest, ExitLikeChildReRaisesTheSignal) {
  EXPECT_EXIT(ExitLikeChild(ChildStatus{1, false, 0, SIGUSR2}),
              ::testing::KilledBySignal(SIGUSR2), "");
  EXPECT_EXIT(ExitLikeChild(ChildStatus{1, false, 5, 0}),
              ::testing::ExitedWithCode(5), "");
}

}  // namespace
}  // namespace tidemark
