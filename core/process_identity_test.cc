#include "core/process_identity.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

uint64_t Parse(const std::string& line) {
  return ParseStartTicks(line.data(), line.size());
}

TEST(ParseStartTicksTest, CountsFieldsAfterTheLastParenthesis) {
  // Field 22 is the 20th after the command name.
  std::string rest;
  for (int field = 3; field <= 30; ++field) {
    rest += " " + std::to_string(field == 22 ? 987654321 : field * 10);
  }
  EXPECT_EQ(Parse("42 (python3)" + rest + "\n"), 987654321u);
  // A command name with spaces and a ')' of its own.
  EXPECT_EQ(Parse("42 (a b) c)" + rest), 987654321u);
}

TEST(ParseStartTicksTest, MalformedLinesGiveZero) {
  EXPECT_EQ(Parse(""), 0u);
  EXPECT_EQ(Parse("42 no parenthesis 1 2 3"), 0u);
  EXPECT_EQ(Parse("42 (short) S 1 2 3"), 0u);
  std::string rest;
  for (int field = 3; field <= 30; ++field) {
    rest += field == 22 ? " 12x4" : " 1";
  }
  EXPECT_EQ(Parse("42 (bad)" + rest), 0u);
}

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
