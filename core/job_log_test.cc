#include "core/job_log.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

std::string Start(const JobLogStart& start, size_t capacity = kJobLogMaxLine) {
  std::vector<char> buffer(capacity + 16, '#');
  const size_t n = FormatJobLogStart(start, buffer.data(), capacity);
  // Nothing is written past the capacity.
  for (size_t i = capacity; i < buffer.size(); ++i) EXPECT_EQ(buffer[i], '#');
  return std::string(buffer.data(), n);
}

std::string End(const JobLogEnd& end, size_t capacity = kJobLogMaxLine) {
  std::vector<char> buffer(capacity + 1);
  return std::string(buffer.data(),
                     FormatJobLogEnd(end, buffer.data(), capacity));
}

TEST(JobLogTest, FormatsAStartLine) {
  const char* argv[] = {"python3", "job.py", "--n=3"};
  const JobLogStart start{
      1234,           1200,      98765, profile_format::kStartedFirst,
      "1234-python3", "python3", argv,  3};
  EXPECT_EQ(Start(start),
            "start\t1234\t1200\t98765\tfirst\t1234-python3\tpython3\tpython3\t"
            "job.py\t--n=3\n");
}

TEST(JobLogTest, FormatsAnEndLine) {
  EXPECT_EQ(End({1234, 98765, "exit", 3, 5 << 20, true, "1234-python3"}),
            "end\t1234\t98765\texit\t3\t5242880\t1\t1234-python3\n");
  EXPECT_EQ(End({77, 1, "signal", 15, 0, false, ""}),
            "end\t77\t1\tsignal\t15\t0\t0\t-\n");
}

TEST(JobLogTest, EscapesWhatWouldBreakALine) {
  const char* argv[] = {"a\tb", "c\nd", "back\\slash", "\x1b[31m", "...", ""};
  const JobLogStart start{5,  1,    2,    profile_format::kStartedChild,
                          "", "sh", argv, 6};
  EXPECT_EQ(Start(start),
            "start\t5\t1\t2\tchild\t-\tsh\ta\\tb\tc\\nd\tback\\\\slash\t"
            "\\x1b[31m\t\\x2e..\t\n");
}

TEST(JobLogTest, ParsesWhatItFormats) {
  const char* argv[] = {"a\tb", "c\nd", "back\\slash", "\x7f", "...", ""};
  const JobLogStart start{5,
                          1,
                          18446744073709551615u,
                          profile_format::kStartedFork,
                          "5-sh",
                          "s\th",
                          argv,
                          6};
  const std::string text =
      Start(start) + End({5, 18446744073709551615u, "oom-exit", 53,
                          int64_t{1} << 40, false, "5-sh"});
  std::vector<JobLogEntry> entries;
  int skipped = -1;
  ASSERT_TRUE(ParseJobLog(text, &entries, &skipped));
  EXPECT_EQ(skipped, 0);
  ASSERT_EQ(entries.size(), 2u);
  const JobLogEntry& s = entries[0];
  EXPECT_EQ(s.kind, JobLogEntry::kStart);
  EXPECT_EQ(s.pid, 5);
  EXPECT_EQ(s.parent_pid, 1);
  EXPECT_EQ(s.start_ticks, 18446744073709551615u);
  EXPECT_EQ(s.started, profile_format::kStartedFork);
  EXPECT_EQ(s.folder, "5-sh");
  EXPECT_EQ(s.program, "s\th");
  EXPECT_EQ(s.argv, (std::vector<std::string>{"a\tb", "c\nd", "back\\slash",
                                              "\x7f", "...", ""}));
  EXPECT_FALSE(s.argv_truncated);
  const JobLogEntry& e = entries[1];
  EXPECT_EQ(e.kind, JobLogEntry::kEnd);
  EXPECT_EQ(e.ending, "oom-exit");
  EXPECT_EQ(e.code, 53);
  EXPECT_EQ(e.peak_bytes, int64_t{1} << 40);
  EXPECT_FALSE(e.python);
  EXPECT_EQ(e.folder, "5-sh");
}

TEST(JobLogTest, DropsWholeArgumentsThatDoNotFitAndSaysSo) {
  const std::string long_arg(3000, 'x');
  const char* argv[] = {"python3", long_arg.c_str(), long_arg.c_str(), "z"};
  const JobLogStart start{
      9, 1, 2, profile_format::kStartedChild, "9-python3", "python3", argv, 4};
  const std::string line = Start(start);
  const std::string fixed = "start\t9\t1\t2\tchild\t9-python3\tpython3";
  EXPECT_EQ(line, fixed + "\tpython3\t" + long_arg + "\t...\n");
  EXPECT_LE(line.size(), kJobLogMaxLine);
  std::vector<JobLogEntry> entries;
  ASSERT_TRUE(ParseJobLog(line, &entries));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].argv_truncated);
  EXPECT_EQ(entries[0].argv.size(), 2u);

  // A smaller buffer: every argument dropped, the line still made.
  EXPECT_EQ(Start(start, fixed.size() + 5), fixed + "\t...\n");
  // Not even the fixed fields fit: no line.
  EXPECT_EQ(Start(start, fixed.size() + 4), "");
  EXPECT_EQ(Start(start, 10), "");
  // The last argument needs no room for "\t..." after it.
  const char* two[] = {"ab", "cd"};
  const JobLogStart exact{
      9, 1, 2, profile_format::kStartedChild, "9-python3", "python3", two, 2};
  EXPECT_EQ(Start(exact, fixed.size() + 7), fixed + "\tab\tcd\n");
  EXPECT_EQ(Start(exact, fixed.size() + 6), fixed + "\t...\n");
  const char* three[] = {"ab", "cd", "ef"};
  const JobLogStart more{
      9, 1, 2, profile_format::kStartedChild, "9-python3", "python3", three, 3};
  EXPECT_EQ(Start(more, fixed.size() + 8), fixed + "\tab\t...\n");
  const char* dots[] = {"...", "..."};
  const JobLogStart dotted{
      9, 1, 2, profile_format::kStartedChild, "9-python3", "python3", dots, 2};
  EXPECT_EQ(Start(dotted, fixed.size() + 15), fixed + "\t\\x2e..\t\\x2e..\n");
  EXPECT_EQ(Start(dotted, fixed.size() + 13), fixed + "\t\\x2e..\t...\n");
}

TEST(JobLogTest, RefusesUnusableValues) {
  char buffer[256];
  const JobLogStart bad_started{
      1, 0, 0, static_cast<profile_format::Started>(9), "", "p", nullptr, 0};
  EXPECT_EQ(FormatJobLogStart(bad_started, buffer, sizeof(buffer)), 0u);
  const JobLogStart no_folder{
      1, 0, 0, profile_format::kStartedFirst, nullptr, "p", nullptr, 0};
  EXPECT_EQ(FormatJobLogStart(no_folder, buffer, sizeof(buffer)), 0u);
  EXPECT_EQ(
      FormatJobLogEnd({1, 0, nullptr, 0, 0, false, ""}, buffer, sizeof(buffer)),
      0u);
  EXPECT_EQ(FormatJobLogEnd({1, 0, "exit", 0, 0, false, ""}, buffer, 5), 0u);
}

TEST(JobLogTest, SkipsMalformedLinesAndKeepsTheRest) {
  const std::string text =
      "start\t10\t1\t7\tfirst\t10-sh\tsh\tsh\n"
      "garbage\n"
      "start\t11\t10\t7\tsideways\t-\tx\n"                 // unknown started
      "start\t0\t10\t7\tchild\t-\tx\n"                     // pid 0
      "start\t12\t10\t7\tchild\t../etc\tx\n"               // a folder outside J
      "start\t13\t10\t7\tchild\t..\tx\n"                   // ditto
      "start\t14\t10\t7\tchild\t-\tx\\q\n"                 // unknown escape
      "start\t15\t10\t7\tchild\t-\tx\\x4\n"                // cut escape
      "end\t10\t7\tvanished\t0\t0\t0\t-\n"                 // unknown ending
      "end\t10\t7\texit\t0\t0\t2\t-\n"                     // python not 0/1
      "end\t10\t7\texit\t0\t99999999999999999999\t0\t-\n"  // overflow
      "end\t10\t7\texit\t0\t0\t0\n"                        // a field short
      "\n"
      "start\t16\t10\t7\tchild\t16-x\tx\\x41\n"  // fine: program "xA"
      "end\t10\t7\tsignal\t9\t100\t1\t10-sh\n"
      "end\t16\t7\texit\t0\t1";  // no newline: cut short
  std::vector<JobLogEntry> entries;
  int skipped = 0;
  ASSERT_TRUE(ParseJobLog(text, &entries, &skipped));
  EXPECT_EQ(skipped, 13);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].pid, 10);
  EXPECT_EQ(entries[0].argv, std::vector<std::string>{"sh"});
  EXPECT_EQ(entries[1].pid, 16);
  EXPECT_EQ(entries[1].program, "xA");
  EXPECT_EQ(entries[2].kind, JobLogEntry::kEnd);
  EXPECT_EQ(entries[2].code, 9);
  EXPECT_EQ(entries[2].peak_bytes, 100);
  EXPECT_TRUE(entries[2].python);
  EXPECT_FALSE(ParseJobLog(text, nullptr));
}

class JobLogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TEST_TMPDIR");
    dir_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/job_log_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    mkdir(dir_.c_str(), 0700);
    fd_ = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { close(fd_); }

  std::string Log() {
    std::ifstream in(dir_ + "/" + kJobLogName);
    if (!in) return "<missing>";
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
  int fd_ = -1;
};

TEST_F(JobLogFileTest, CreatesThenAppends) {
  const std::string path = dir_ + "/" + kJobLogName;
  // By path, the log is never created.
  EXPECT_FALSE(AppendJobLogLineAt(path.c_str(), "a\n", 2));
  EXPECT_EQ(Log(), "<missing>");
  ASSERT_TRUE(AppendJobLogLine(fd_, "one\n", 4));
  ASSERT_TRUE(AppendJobLogLine(fd_, "two\n", 4));
  ASSERT_TRUE(AppendJobLogLineAt(path.c_str(), "three\n", 6));
  EXPECT_EQ(Log(), "one\ntwo\nthree\n");
}

TEST_F(JobLogFileTest, RefusesLinesThatAreNotOneLine) {
  EXPECT_FALSE(AppendJobLogLine(fd_, "no newline", 10));
  EXPECT_FALSE(AppendJobLogLine(fd_, "", 0));
  // Exactly the limit is one write; one byte more is refused.
  const std::string limit(kJobLogMaxLine, '\n');
  EXPECT_TRUE(AppendJobLogLine(fd_, limit.c_str(), limit.size()));
  const std::string over(kJobLogMaxLine + 1, '\n');
  EXPECT_FALSE(AppendJobLogLine(fd_, over.c_str(), over.size()));
  EXPECT_EQ(Log().size(), kJobLogMaxLine);
}

TEST_F(JobLogFileTest, NeverFollowsALinkNorWritesAFifo) {
  const std::string target = dir_ + "/target";
  ASSERT_EQ(symlink(target.c_str(), (dir_ + "/" + kJobLogName).c_str()), 0);
  EXPECT_FALSE(AppendJobLogLine(fd_, "x\n", 2));
  EXPECT_FALSE(
      AppendJobLogLineAt((dir_ + "/" + kJobLogName).c_str(), "x\n", 2));
  struct stat st;
  EXPECT_NE(stat(target.c_str(), &st), 0);  // nothing made through the link
  ASSERT_EQ(unlink((dir_ + "/" + kJobLogName).c_str()), 0);
  ASSERT_EQ(mkfifo((dir_ + "/" + kJobLogName).c_str(), 0600), 0);
  EXPECT_FALSE(AppendJobLogLine(fd_, "x\n", 2));  // returns, no reader needed
}

}  // namespace
}  // namespace tidemark
