#include "core/process_identity.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(ReadStartTicksTest, SameAcrossCallsDifferentForAChild) {
  const uint64_t mine = ReadStartTicks(0);
  ASSERT_NE(mine, 0u);
  EXPECT_EQ(ReadStartTicks(getpid()), mine);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    // Started later than the parent: never earlier.
    const uint64_t own = ReadStartTicks(0);
    _exit(own >= mine && own != 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(ReadStartTicks(child), 0u);  // reaped: gone
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

TEST(ProcStatTest, ParsesStateAndStartTime) {
  char state = 0;
  uint64_t ticks = 0;
  const std::string fields =
      " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654321 20 21\n";
  ASSERT_TRUE(ParseProcStat("42 (python3)" + fields, &state, &ticks));
  EXPECT_EQ(state, 'S');
  EXPECT_EQ(ticks, 987654321u);
  // A command name with spaces and parentheses.
  ASSERT_TRUE(ParseProcStat("42 (a) b (c))" + fields, &state, &ticks));
  EXPECT_EQ(ticks, 987654321u);
  EXPECT_FALSE(ParseProcStat("42 python3 S 1 2", &state, &ticks));
  EXPECT_FALSE(ParseProcStat("42 (x) S 1 2 3", &state, &ticks));
  EXPECT_FALSE(ParseProcStat(
      "42 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 9x9 20", &state,
      &ticks));
  // The last field may end the text.
  ASSERT_TRUE(
      ParseProcStat("42 (x) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 77",
                    &state, &ticks));
  EXPECT_EQ(state, 'Z');
  EXPECT_EQ(ticks, 77u);
}

TEST(ProcStatTest, RunningMeansThisPidWithTheseStartTicks) {
  const uint64_t ticks = ReadStartTicks(0);
  ASSERT_NE(ticks, 0u);
  EXPECT_TRUE(ProcessRunning(getpid(), ticks));
  EXPECT_TRUE(ProcessRunning(getpid(), 0));
  EXPECT_FALSE(ProcessRunning(getpid(), ticks + 1));
  // A zombie has ended.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  for (int i = 0; i < 1000 && ProcessRunning(child, 0); ++i) usleep(1000);
  EXPECT_FALSE(ProcessRunning(child, 0));
  waitpid(child, nullptr, 0);
}

TEST(ProgramNameTest, LastPartOfArgvZeroMadeSafe) {
  EXPECT_EQ(ProgramName("/usr/bin/python3"), "python3");
  EXPECT_EQ(ProgramName("python3.11"), "python3.11");
  EXPECT_EQ(ProgramName("./run job.sh"), "run_job.sh");
  EXPECT_EQ(ProgramName("/x/\n\t"), "__");
  EXPECT_EQ(ProgramName(""), "process");
  EXPECT_EQ(ProgramName("/usr/bin/"), "process");
  EXPECT_EQ(ProgramName(".."), "process");
  EXPECT_EQ(ProgramName(std::string(100, 'a')).size(), 40u);
  EXPECT_EQ(ProcessFolderName(1234, "python3"), "1234-python3");
}

}  // namespace
}  // namespace tidemark
