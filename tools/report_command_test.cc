#include "tools/report_command.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/profile_format.h"
#include "core/stored_profile_testing.h"
#include "core/test_files.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

using profile_format::kFileName;

// A pid that no process has: a child that has been reaped.
int ReapedPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

// summary.json on one line, without the indentation: easier to search.
std::string Flat(const std::string& json) {
  std::string flat;
  bool line_start = false;
  for (char c : json) {
    if (c == '\n') {
      line_start = true;
      continue;
    }
    if (line_start && c == ' ') continue;
    line_start = false;
    flat += c;
  }
  return flat;
}

TestStoredProfile Killed() {
  TestStoredProfile p;
  p.pid = ReapedPid();
  p.reporters = "folded,summary_json";
  const TestFrame main_frame{"<module>", "/app/main.py", 3};
  const TestFrame load{"load", "/app/data.py", 17};
  p.stacks = {
      {{load, main_frame}, 500, 5, 1000, 10, 70, 7},
      {{{"parse", "/app/data.py", 40}, load, main_frame},
       3000,
       4,
       3000,
       3,
       0,
       0},
      {{}, 0, 0, 24, 1, 800, 8},
  };
  return p;
}

class ReportCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TEST_TMPDIR");
    dir_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/report_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    mkdir(dir_.c_str(), 0700);
  }

  void Store(const TestStoredProfile& p) {
    std::string error;
    ASSERT_TRUE(WriteStoredProfileFile(dir_ + "/" + kFileName, p, &error))
        << error;
  }

  // Runs the command; returns its exit code, its stderr in *err.
  int Run(const std::vector<std::string>& args, std::string* err) {
    ::testing::internal::CaptureStderr();
    const int code = RunReportCommand(args);
    *err = ::testing::internal::GetCapturedStderr();
    return code;
  }

  std::string dir_;
};

TEST_F(ReportCommandTest, RendersAKilledRunsPeakWithItsNumbers) {
  Store(Killed());
  std::string err;
  ASSERT_EQ(Run({dir_}, &err), 0) << err;
  EXPECT_EQ(err, "tidemark: reports in " + dir_ + "\n");
  EXPECT_EQ(ReadFileText(dir_ + "/peak.folded"),
            "<module> (/app/main.py:3);load (/app/data.py:17);parse "
            "(/app/data.py:40) 3000\n"
            "<module> (/app/main.py:3);load (/app/data.py:17) 1000\n"
            "[no Python stack] 24\n");
  const std::string json = Flat(ReadFileText(dir_ + "/summary.json"));
  EXPECT_NE(json.find("\"reason\": \"killed\","), std::string::npos) << json;
  EXPECT_NE(json.find("\"exit_code\": null,\"ended\": \"ended without "
                      "writing its reports\","),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"peak_bytes\": 4024,\"peak_seconds\": 3.2,"
                      "\"current_bytes\": 3500,"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"stack_count\": 3,"), std::string::npos) << json;
  EXPECT_EQ(json.find("out_of_memory"), std::string::npos) << json;
  EXPECT_EQ(
      ListDirectory(dir_),
      (std::vector<std::string>{"peak.folded", kFileName, "summary.json"}));
}

TEST_F(ReportCommandTest, TheFileItselfMayBeNamed) {
  Store(Killed());
  std::string err;
  ASSERT_EQ(Run({"--reporters=folded", dir_ + "/" + kFileName}, &err), 0)
      << err;
  EXPECT_EQ(ListDirectory(dir_),
            (std::vector<std::string>{"peak.folded", kFileName}));
}

TEST_F(ReportCommandTest, HowItEndedDecidesTheReasonUnlessOverridden) {
  TestStoredProfile p = Killed();
  p.ending = profile_format::kSignal;
  p.signal_number = SIGTERM;
  p.end_nanoseconds = 4'000'000'000;
  Store(p);
  std::string err;
  ASSERT_EQ(Run({"--reporters=summary_json", dir_}, &err), 0) << err;
  std::string json = Flat(ReadFileText(dir_ + "/summary.json"));
  EXPECT_NE(json.find("\"reason\": \"SIGTERM\","), std::string::npos);
  EXPECT_NE(json.find("\"ended\": \"killed by SIGTERM\","), std::string::npos);
  EXPECT_NE(json.find("\"wall_seconds\": 4,"), std::string::npos) << json;

  ASSERT_EQ(Run({"--reporters=summary_json", "--reason=after",
                 "--ended=killed by SIGKILL", dir_},
                &err),
            0)
      << err;
  json = Flat(ReadFileText(dir_ + "/summary.json"));
  EXPECT_NE(json.find("\"reason\": \"after\","), std::string::npos);
  EXPECT_NE(json.find("\"ended\": \"killed by SIGKILL\","), std::string::npos);
}

TEST_F(ReportCommandTest, DescribesEachEnding) {
  StoredEnding ending;
  ending.ending = profile_format::kExited;
  ending.exit_code = 3;
  EXPECT_EQ(DescribeEnding(ending, false).reason, "exit");
  EXPECT_EQ(DescribeEnding(ending, false).ended, "exit code 3");
  ending.ending = profile_format::kSignal;
  ending.signal_number = SIGINT;
  EXPECT_EQ(DescribeEnding(ending, false).reason, "SIGINT");
  EXPECT_EQ(DescribeEnding(ending, false).ended, "killed by SIGINT");
  ending.ending = profile_format::kOomExit;
  EXPECT_EQ(DescribeEnding(ending, false).reason, "out-of-memory");
  EXPECT_EQ(DescribeEnding(ending, false).ended,
            "ended by --oom-exit after running out of memory");
  ending.ending = profile_format::kRunning;
  EXPECT_EQ(DescribeEnding(ending, false).reason, "killed");
  EXPECT_TRUE(DescribeEnding(ending, false).final_report);
  EXPECT_EQ(DescribeEnding(ending, true).reason, "snapshot");
  EXPECT_EQ(DescribeEnding(ending, true).ended, "");
  EXPECT_FALSE(DescribeEnding(ending, true).final_report);
}

TEST_F(ReportCommandTest, AlsoRendersTheOutOfMemorySnapshotOnce) {
  TestStoredProfile p = Killed();
  p.has_oom = true;
  p.oom_limit_bytes = 1 << 30;
  p.oom_available_bytes = 1 << 20;
  Store(p);
  std::string err;
  ASSERT_EQ(Run({dir_}, &err), 0) << err;
  EXPECT_EQ(ReadFileText(dir_ + "/out-of-memory/peak.folded"),
            "[no Python stack] 800\n"
            "<module> (/app/main.py:3);load (/app/data.py:17) 70\n");
  const std::string json =
      Flat(ReadFileText(dir_ + "/out-of-memory/summary.json"));
  EXPECT_NE(json.find("\"reason\": \"out-of-memory\","), std::string::npos);
  EXPECT_NE(json.find("\"peak_bytes\": 870,\"peak_seconds\": 5,"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"out_of_memory\": {\"reason\": \"the cgroup's "
                      "memory.max is nearly reached\",\"limit_bytes\": "
                      "1073741824,\"available_bytes\": 1048576},"),
            std::string::npos)
      << json;
  // The main folder still has the peak.
  EXPECT_NE(ReadFileText(dir_ + "/peak.folded").find(" 3000\n"),
            std::string::npos);

  // Reports the library wrote when memory ran out are never replaced.
  std::ofstream(dir_ + "/out-of-memory/peak.folded") << "the library's\n";
  ASSERT_EQ(Run({dir_}, &err), 0) << err;
  EXPECT_EQ(ReadFileText(dir_ + "/out-of-memory/peak.folded"),
            "the library's\n");

  // Asked for explicitly, it goes where it is asked.
  ASSERT_EQ(
      Run({"--snapshot=out-of-memory", "--subfolder=oom-again", dir_}, &err), 0)
      << err;
  EXPECT_EQ(err, "tidemark: reports in " + dir_ + "/oom-again\n");
  EXPECT_EQ(ReadFileText(dir_ + "/oom-again/peak.folded"),
            "[no Python stack] 800\n"
            "<module> (/app/main.py:3);load (/app/data.py:17) 70\n");
  ASSERT_EQ(Run({"--snapshot=peak", "--subfolder=peak-only", dir_}, &err), 0);
  EXPECT_EQ(ListDirectory(dir_ + "/peak-only"),
            (std::vector<std::string>{"peak.folded", "summary.json"}));
}

TEST_F(ReportCommandTest, ASubfolderMustBeNew) {
  Store(Killed());
  std::string err;
  ASSERT_EQ(Run({"--subfolder=again", dir_}, &err), 0) << err;
  EXPECT_EQ(ListDirectory(dir_ + "/again"),
            (std::vector<std::string>{"peak.folded", "summary.json"}));
  EXPECT_EQ(Run({"--subfolder=again", dir_}, &err), 1);
  EXPECT_EQ(err, "tidemark: cannot render " + dir_ + "/" + kFileName +
                     ": cannot make " + dir_ + "/again: File exists\n");
}

TEST_F(ReportCommandTest, ClearsInterruptedReportsOfADeadProcess) {
  Store(Killed());
  std::ofstream(dir_ + "/.peak.folded.tmp-abc123def456") << "half";
  std::ofstream(dir_ + "/.notes.tmp-x") << "someone's";
  mkdir((dir_ + "/sigusr2-1").c_str(), 0700);
  mkdir((dir_ + "/sigusr2-2").c_str(), 0700);
  std::ofstream(dir_ + "/sigusr2-1/.summary.json.tmp-000000000000") << "half";
  std::ofstream(dir_ + "/sigusr2-2/peak.folded") << "x 1\n";
  std::string err;
  ASSERT_EQ(Run({dir_}, &err), 0) << err;
  EXPECT_EQ(ListDirectory(dir_),
            (std::vector<std::string>{".notes.tmp-x", "peak.folded", kFileName,
                                      "sigusr2-2", "summary.json"}));
}

TEST_F(ReportCommandTest, ARunningProcessGetsASnapshotAndKeepsItsFiles) {
  TestStoredProfile p = Killed();
  p.pid = getpid();
  p.reporters = "summary_json,top_table";
  Store(p);
  std::ofstream(dir_ + "/.peak.folded.tmp-abc123def456") << "being written";
  std::string err;
  ASSERT_EQ(Run({"--subfolder=now", dir_}, &err), 0) << err;
  // No table: the program runs on, and its terminal is its own.
  EXPECT_EQ(err, "tidemark: reports in " + dir_ + "/now\n");
  const std::string json = Flat(ReadFileText(dir_ + "/now/summary.json"));
  EXPECT_NE(json.find("\"reason\": \"snapshot\","), std::string::npos);
  EXPECT_NE(json.find("\"ended\": null,"), std::string::npos);
  EXPECT_EQ(ReadFileText(dir_ + "/.peak.folded.tmp-abc123def456"),
            "being written");
}

TEST_F(ReportCommandTest, TheTableIsPrintedForAFinishedRunUnlessRunning) {
  TestStoredProfile p = Killed();
  p.reporters = "top_table";
  Store(p);
  std::string err;
  ASSERT_EQ(Run({dir_}, &err), 0);
  EXPECT_EQ(err.rfind("tidemark: peak tracked memory 0.0 MiB (exact mode) at "
                      "3.2 s; report: killed; all 3 lines round to 0.0 "
                      "MiB.\n",
                      0),
            0u)
      << err;
  ASSERT_EQ(Run({"--running", dir_}, &err), 0);
  EXPECT_EQ(err, "tidemark: reports in " + dir_ + "\n");
}

TEST_F(ReportCommandTest, PrintOnlyPrintsTheTableAndChangesNothing) {
  TestStoredProfile p = Killed();
  p.pid = getpid();  // even for a process not seen to end
  p.has_oom = true;
  Store(p);
  std::ofstream(dir_ + "/.peak.folded.tmp-abc123def456") << "half";
  std::string err;
  ASSERT_EQ(
      Run({"--print-only", "--reporters=top_table", "--reason=SIGKILL", dir_},
          &err),
      0)
      << err;
  EXPECT_EQ(err.rfind("tidemark: peak tracked memory 0.0 MiB (exact mode) at "
                      "3.2 s; report: SIGKILL; all 3 lines round to 0.0 "
                      "MiB.\n",
                      0),
            0u)
      << err;
  EXPECT_EQ(err.find("reports in"), std::string::npos) << err;
  EXPECT_EQ(
      ListDirectory(dir_),
      (std::vector<std::string>{".peak.folded.tmp-abc123def456", kFileName}));
  // A reporter that writes files is refused, before anything is written.
  EXPECT_EQ(Run({"--print-only", "--reporters=top_table,folded", dir_}, &err),
            2);
  EXPECT_EQ(err,
            "tidemark: --print-only: reporter 'folded' writes files; choose "
            "printing ones with --reporters\n");
  EXPECT_EQ(
      ListDirectory(dir_),
      (std::vector<std::string>{".peak.folded.tmp-abc123def456", kFileName}));
}

TEST_F(ReportCommandTest, FailuresNameTheFileAndExitOne) {
  std::string err;
  EXPECT_EQ(Run({dir_}, &err), 1);
  EXPECT_EQ(err, "tidemark: cannot render " + dir_ + ": cannot open " + dir_ +
                     "/" + kFileName + ": No such file or directory\n");

  TestStoredProfile p = Killed();
  std::string image = BuildStoredProfileImage(p);
  MutableHeader(&image)->location_count = 1;
  std::ofstream(dir_ + "/" + kFileName) << image;
  EXPECT_EQ(Run({dir_}, &err), 1);
  EXPECT_EQ(err, "tidemark: cannot render " + dir_ + "/" + kFileName + ": " +
                     dir_ + "/" + kFileName +
                     ": stack 1 refers to location 2 but only 1 exist\n");

  Store(p);
  EXPECT_EQ(Run({"--snapshot=out-of-memory", dir_}, &err), 1);
  EXPECT_NE(err.find(": no out-of-memory snapshot was stored\n"),
            std::string::npos)
      << err;

  // The folder is opened by the library's rules: no link in its place.
  const std::string link = dir_ + "-link";
  ASSERT_EQ(symlink(dir_.c_str(), link.c_str()), 0);
  EXPECT_EQ(Run({link}, &err), 1);
  EXPECT_EQ(err.rfind("tidemark: cannot render " + link + ": ", 0), 0u) << err;
  EXPECT_EQ(Run({link + "/" + kFileName}, &err), 1);
  EXPECT_EQ(err.rfind("tidemark: cannot render " + link + "/", 0), 0u) << err;
}

TEST_F(ReportCommandTest, BadFlagsExitTwo) {
  Store(Killed());
  std::string err;
  EXPECT_EQ(Run({"--reporters=folded,nope", dir_}, &err), 2);
  EXPECT_EQ(err.rfind("tidemark: --reporters: unknown reporter 'nope' "
                      "(available: ",
                      0),
            0u)
      << err;
  EXPECT_EQ(Run({"--snapshot=all", dir_}, &err), 2);
  EXPECT_EQ(err,
            "tidemark: --snapshot: 'all' is not one of peak, out-of-memory\n"
            "tidemark: run with --help for usage\n");
  // Nothing was written.
  EXPECT_EQ(ListDirectory(dir_), std::vector<std::string>{kFileName});
}

TEST_F(ReportCommandTest, FormatsFocusIgnoreAndTopShapeTheReports) {
  Store(Killed());
  std::string err;
  ASSERT_EQ(Run({"--format=folded,pprof,speedscope", "--focus=parse",
                 "--subfolder=focus", dir_},
                &err),
            0)
      << err;
  EXPECT_EQ(ListDirectory(dir_ + "/focus"),
            (std::vector<std::string>{"peak.folded", "peak.speedscope.json",
                                      "profile.pb.gz"}));
  EXPECT_EQ(ReadFileText(dir_ + "/focus/peak.folded"),
            "<module> (/app/main.py:3);load (/app/data.py:17);parse "
            "(/app/data.py:40) 3000\n");
  ASSERT_EQ(Run({"--format=folded", "--ignore=parse|no Python",
                 "--subfolder=ignore", dir_},
                &err),
            0)
      << err;
  EXPECT_EQ(ReadFileText(dir_ + "/ignore/peak.folded"),
            "<module> (/app/main.py:3);load (/app/data.py:17) 1000\n");
  // --top: the table's rows; the header keeps the whole peak. In MiB, so
  // that the rows do not round to 0.0 MiB and drop out of the table.
  TestStoredProfile big = Killed();
  for (TestStack& stack : big.stacks) stack.peak_bytes <<= 20;
  Store(big);
  ASSERT_EQ(Run({"--format=text", "--top=1", "--subfolder=top", dir_}, &err), 0)
      << err;
  // One row: the largest line only.
  EXPECT_NE(err.find("parse (/app/data.py:40)"), std::string::npos) << err;
  EXPECT_EQ(err.find("load (/app/data.py:17)"), std::string::npos) << err;
  EXPECT_EQ(err.find("[no Python stack]"), std::string::npos) << err;
  EXPECT_EQ(ListDirectory(dir_ + "/top"), std::vector<std::string>{});
  EXPECT_EQ(Run({"--focus=(", dir_}, &err), 2);
  EXPECT_EQ(err.rfind("tidemark: --focus: '(' is not a regular expression", 0),
            0u)
      << err;
  EXPECT_EQ(Run({"--format=text,csv", dir_}, &err), 2);
  EXPECT_NE(err.find("unknown format 'csv'"), std::string::npos) << err;
}

TEST_F(ReportCommandTest, AnUnknownRecordedReporterIsNamed) {
  TestStoredProfile p = Killed();
  p.reporters = "folded,gone";
  Store(p);
  std::string err;
  EXPECT_EQ(Run({dir_}, &err), 1);
  EXPECT_NE(err.find("the recorded reporters: unknown reporter 'gone'"),
            std::string::npos)
      << err;
  EXPECT_EQ(Run({"--reporters=folded", dir_}, &err), 0) << err;
}

}  // namespace
}  // namespace tidemark
