#include "tools/job_end.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/job_index.h"
#include "core/job_log.h"
#include "core/profile_format.h"
#include "core/stored_profile_testing.h"
#include "core/test_files.h"
#include "gtest/gtest.h"
#include "tools/report_command.h"

namespace tidemark {
namespace {

using profile_format::kFileName;

constexpr int64_t kMiB = 1 << 20;

// A stored profile with one Python line holding `peak_bytes` at the peak
// (3.2 s in) and `live_bytes` now.
TestStoredProfile Stored(pid_t pid, uint64_t ticks, const std::string& file,
                         int64_t peak_bytes, int64_t live_bytes) {
  TestStoredProfile p;
  p.pid = pid;
  p.start_ticks = ticks;
  p.reporters = "folded,summary_json,top_table";
  p.stacks = {{{{"work", file, 7}}, live_bytes, 1, peak_bytes, 1}};
  return p;
}

// A job of three processes: the launcher's child, python3 job.py (exit 0,
// reports written, 30 MiB); a worker it started, killed without notice
// (120 MiB, no reports); and a forked helper that never ran Python (4 KiB,
// killed too: noise).
class JobEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TEST_TMPDIR");
    job_.job_dir =
        std::string(tmp != nullptr ? tmp : "/tmp") + "/job_end_" +
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    mkdir(job_.job_dir.c_str(), 0700);
    first_ = ReapedPid();
    worker_ = ReapedPid();
    helper_ = ReapedPid();
    job_.status.pid = first_;
    job_.process_threshold = kMiB;
    job_.reporters = "folded,summary_json,top_table";
  }

  std::string Folder(pid_t pid, const char* program) {
    return std::to_string(pid) + "-" + program;
  }

  void Log(const std::string& line) {
    std::ofstream(job_.job_dir + "/" + kJobLogName, std::ios::app) << line;
  }
  void LogStart(pid_t pid, pid_t parent, profile_format::Started started,
                const std::string& folder, const char* program,
                std::vector<const char*> argv) {
    char line[kJobLogMaxLine];
    const JobLogStart start{pid,
                            parent,
                            static_cast<uint64_t>(pid) * 10,
                            started,
                            folder.c_str(),
                            program,
                            argv.data(),
                            static_cast<int>(argv.size())};
    Log(std::string(line, FormatJobLogStart(start, line, sizeof(line))));
  }
  void LogEnd(pid_t pid, const char* ending, int code, int64_t peak,
              bool python, const std::string& folder) {
    char line[kJobLogMaxLine];
    const JobLogEnd end{pid,           static_cast<uint64_t>(pid) * 10,
                        ending,        code,
                        peak,          python,
                        folder.c_str()};
    Log(std::string(line, FormatJobLogEnd(end, line, sizeof(line))));
  }
  void Store(const std::string& folder, const TestStoredProfile& p) {
    mkdir((job_.job_dir + "/" + folder).c_str(), 0700);
    std::string error;
    ASSERT_TRUE(WriteStoredProfileFile(
        job_.job_dir + "/" + folder + "/" + kFileName, p, &error))
        << error;
  }

  void ThreeProcesses(bool first_ended) {
    LogStart(first_, 1, profile_format::kStartedFirst,
             Folder(first_, "python3"), "python3", {"python3", "job.py"});
    LogStart(worker_, first_, profile_format::kStartedChild,
             Folder(worker_, "python3"), "python3", {"python3", "worker.py"});
    LogStart(helper_, first_, profile_format::kStartedFork,
             Folder(helper_, "sh"), "sh", {"sh", "-c", "true"});
    TestStoredProfile first = Stored(first_, static_cast<uint64_t>(first_) * 10,
                                     "/app/job.py", 30 * kMiB, 10 * kMiB);
    first.python_seen = true;
    if (first_ended) {
      LogEnd(first_, "exit", 0, 30 * kMiB, true, Folder(first_, "python3"));
      first.ending = profile_format::kExited;
      first.final_reports_written = true;
    }
    Store(Folder(first_, "python3"), first);
    if (first_ended) {
      std::ofstream(job_.job_dir + "/" + Folder(first_, "python3") +
                    "/summary.json")
          << "{}";
    }
    TestStoredProfile worker =
        Stored(worker_, static_cast<uint64_t>(worker_) * 10, "/app/worker.py",
               120 * kMiB, 50 * kMiB);
    worker.python_seen = true;
    Store(Folder(worker_, "python3"), worker);
    Store(Folder(helper_, "sh"),
          Stored(helper_, static_cast<uint64_t>(helper_) * 10, "/bin/sh", 4096,
                 0));
  }

  // FinishJob with the report tool run in this process; its stderr.
  std::string Finish(bool* finished) {
    const ReportRunner run = [&](const std::vector<std::string>& args) {
      calls_.push_back(args);
      return RunReportCommand(args);
    };
    ::testing::internal::CaptureStderr();
    *finished = FinishJob(job_, run);
    return ::testing::internal::GetCapturedStderr();
  }

  JobEnd job_;
  pid_t first_ = 0;
  pid_t worker_ = 0;
  pid_t helper_ = 0;
  std::vector<std::vector<std::string>> calls_;
};

TEST_F(JobEndTest, ThreeProcessesTheWorkerWasKilled) {
  ThreeProcesses(/*first_ended=*/true);
  bool finished = false;
  const std::string err = Finish(&finished);
  ASSERT_TRUE(finished);
  const std::string& j = job_.job_dir;
  const std::string worker = Folder(worker_, "python3");
  // The launcher's whole output for the job: the table of the worker (the
  // highest peak), then the job's lines.
  EXPECT_EQ(err,
            "tidemark: peak tracked memory 120.0 MiB (exact mode) at 3.2 s; "
            "report: killed; top 1 line:\n"
            "tidemark:       MiB  % peak  line\n"
            "tidemark:     120.0  100.0%  work (/app/worker.py:7)\n"
            "tidemark: 3 processes; highest peak 120.0 MiB in " +
                worker + " (python3, pid " + std::to_string(worker_) +
                "); index in " + j +
                "/job.json\n"
                "tidemark: reports in " +
                j + "\n");
  std::cout << "--- the launcher's stderr for a 3-process job ---\n"
            << err << "---\n";
  // The worker's reports, rendered with the files' reporters only; the
  // helper's folder removed as noise; the first process's left alone.
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_EQ(
      calls_[0],
      (std::vector<std::string>{
          "--reporters=folded,summary_json", "--quiet", "--reason=killed",
          "--ended=ended without writing its reports", j + "/" + worker}));
  EXPECT_EQ(calls_[1], (std::vector<std::string>{
                           "--print-only", "--quiet", "--reporters=top_table",
                           "--reason=killed", j + "/" + worker}));
  EXPECT_EQ(
      ListDirectory(j + "/" + worker),
      (std::vector<std::string>{"peak.folded", kFileName, "summary.json"}));
  EXPECT_NE(ReadFileText(j + "/" + worker + "/summary.json")
                .find("\"ended\": \"ended without writing its reports\""),
            std::string::npos);
  EXPECT_EQ(ListDirectory(j + "/" + Folder(first_, "python3")),
            (std::vector<std::string>{kFileName, "summary.json"}));
  EXPECT_EQ(ListDirectory(j),
            (std::vector<std::string>{Folder(first_, "python3"), worker,
                                      "job.json", "processes.log"}));
  const std::string json = ReadFileText(j + "/job.json");
  EXPECT_NE(
      json.find("\"highest_peak\": {\"pid\": " + std::to_string(worker_) +
                ", \"folder\": \"" + worker + "\", \"peak_bytes\": 125829120}"),
      std::string::npos)
      << json;
  EXPECT_NE(json.find("\"started\": \"fork\", \"folder\": null, \"python\": "
                      "false, \"peak_bytes\": 4096"),
            std::string::npos)
      << json;
}

TEST_F(JobEndTest, TheDirectChildKilledGetsItsKnownStatus) {
  ThreeProcesses(/*first_ended=*/false);
  job_.status.signal = SIGKILL;
  bool finished = false;
  const std::string err = Finish(&finished);
  ASSERT_TRUE(finished);
  ASSERT_EQ(calls_.size(), 3u);
  EXPECT_EQ(calls_[0], (std::vector<std::string>{
                           "--reporters=folded,summary_json", "--quiet",
                           "--reason=SIGKILL", "--ended=killed by SIGKILL",
                           job_.job_dir + "/" + Folder(first_, "python3")}));
  EXPECT_EQ(err.rfind("tidemark: the program was killed by SIGKILL; its "
                      "reports were rendered from its stored profile\n"
                      "tidemark: peak tracked memory 120.0 MiB",
                      0),
            0u)
      << err;
  const std::string json = ReadFileText(job_.job_dir + "/job.json");
  EXPECT_NE(json.find("\"ended\": \"killed by SIGKILL\", \"exit_code\": "
                      "null, \"signal\": 9}"),
            std::string::npos)
      << json;
}

TEST_F(JobEndTest, TheDirectChildKilledAsNoiseGetsItsKnownStatus) {
  // `sh -c 'kill -KILL $$'`: no Python, 4 KiB; its folder goes, its end
  // is the launcher's to tell.
  job_.status.pid = helper_;
  job_.status.signal = SIGKILL;
  LogStart(helper_, 1, profile_format::kStartedFirst, Folder(helper_, "sh"),
           "sh", {"sh", "-c", "kill -KILL $$"});
  Store(
      Folder(helper_, "sh"),
      Stored(helper_, static_cast<uint64_t>(helper_) * 10, "/bin/sh", 4096, 0));
  bool finished = false;
  Finish(&finished);
  ASSERT_TRUE(finished);
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(ListDirectory(job_.job_dir),
            (std::vector<std::string>{"job.json", "processes.log"}));
  const std::string json = ReadFileText(job_.job_dir + "/job.json");
  EXPECT_NE(json.find("\"folder\": null, \"python\": false, \"peak_bytes\": "
                      "4096, \"inherited_bytes\": 0, \"ended\": \"killed by "
                      "SIGKILL\", \"exit_code\": null, \"signal\": 9}"),
            std::string::npos)
      << json;
}

TEST_F(JobEndTest, OnlyPrintedReportsLeaveNoProfilesBehind) {
  ThreeProcesses(/*first_ended=*/true);
  job_.reporters = "top_table";
  bool finished = false;
  const std::string err = Finish(&finished);
  ASSERT_TRUE(finished);
  // Nothing rendered (no reporter writes a file); the table printed.
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0][0], "--print-only");
  EXPECT_NE(err.find("tidemark: 3 processes; highest peak 120.0 MiB (python3, "
                     "pid " +
                     std::to_string(worker_) + "); index in " + job_.job_dir +
                     "/job.json\n"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("reports in"), std::string::npos) << err;
  // The first process's folder keeps its summary.json (written by someone).
  EXPECT_EQ(ListDirectory(job_.job_dir),
            (std::vector<std::string>{Folder(first_, "python3"), "job.json",
                                      "processes.log"}));
  EXPECT_EQ(ListDirectory(job_.job_dir + "/" + Folder(first_, "python3")),
            std::vector<std::string>{"summary.json"});
}

TEST_F(JobEndTest, OneProcessSaysWhereItsReportsAre) {
  LogStart(first_, 1, profile_format::kStartedFirst, Folder(first_, "python3"),
           "python3", {"python3", "job.py"});
  LogEnd(first_, "exit", 0, 30 * kMiB, true, Folder(first_, "python3"));
  TestStoredProfile first = Stored(first_, static_cast<uint64_t>(first_) * 10,
                                   "/app/job.py", 30 * kMiB, 0);
  first.ending = profile_format::kExited;
  first.final_reports_written = true;
  Store(Folder(first_, "python3"), first);
  job_.reporters = "folded";  // no table
  bool finished = false;
  EXPECT_EQ(Finish(&finished), "tidemark: reports in " + job_.job_dir + "/" +
                                   Folder(first_, "python3") + "\n");
  EXPECT_TRUE(finished);
  EXPECT_TRUE(calls_.empty());
}

TEST_F(JobEndTest, NoIndexDoesNothing) {
  bool finished = true;
  EXPECT_EQ(Finish(&finished), "");
  EXPECT_FALSE(finished);
  Log("");  // an empty log: no process, no index either
  EXPECT_EQ(Finish(&finished), "");
  EXPECT_FALSE(finished);
  EXPECT_EQ(ListDirectory(job_.job_dir),
            std::vector<std::string>{"processes.log"});
}

TEST(FileWritingReportersTest, KeepsThoseThatWriteFiles) {
  EXPECT_EQ(FileWritingReporters("folded,top_table,summary_json"),
            "folded,summary_json");
  EXPECT_EQ(FileWritingReporters("top_table"), "");
  EXPECT_EQ(FileWritingReporters("nonesuch,folded"), "folded");
}

}  // namespace
}  // namespace tidemark
