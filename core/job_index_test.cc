#include "core/job_index.h"

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

#include "core/job_log.h"
#include "core/profile_format.h"
#include "core/stored_profile_testing.h"
#include "core/test_files.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

using profile_format::kFileName;

constexpr int64_t kMiB = 1 << 20;

// A stored profile whose peak is `peak_bytes` (one stack), `live_bytes`
// live now.
TestStoredProfile Stored(pid_t pid, uint64_t ticks, int64_t peak_bytes,
                         int64_t live_bytes) {
  TestStoredProfile p;
  p.pid = pid;
  p.start_ticks = ticks;
  p.reporters = "folded";
  p.stacks = {{{{"work", "/app/job.py", 7}}, live_bytes, 1, peak_bytes, 1}};
  return p;
}

class JobIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TEST_TMPDIR");
    job_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/job_index_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    mkdir(job_.c_str(), 0700);
  }

  void Log(const std::string& text) {
    std::ofstream(job_ + "/" + kJobLogName, std::ios::app) << text;
  }
  std::string StartLine(pid_t pid, pid_t parent, uint64_t ticks,
                        profile_format::Started started,
                        const std::string& folder, const std::string& program,
                        std::vector<const char*> argv) {
    char line[kJobLogMaxLine];
    const JobLogStart start{pid,
                            parent,
                            ticks,
                            started,
                            folder.c_str(),
                            program.c_str(),
                            argv.data(),
                            static_cast<int>(argv.size())};
    return std::string(line, FormatJobLogStart(start, line, sizeof(line)));
  }
  std::string EndLine(pid_t pid, uint64_t ticks, const char* ending, int code,
                      int64_t peak, bool python, const std::string& folder) {
    char line[kJobLogMaxLine];
    const JobLogEnd end{pid, ticks, ending, code, peak, python, folder.c_str()};
    return std::string(line, FormatJobLogEnd(end, line, sizeof(line)));
  }
  void Store(const std::string& folder, const TestStoredProfile& p) {
    mkdir((job_ + "/" + folder).c_str(), 0700);
    std::string error;
    ASSERT_TRUE(WriteStoredProfileFile(job_ + "/" + folder + "/" + kFileName, p,
                                       &error))
        << error;
  }

  std::string job_;
};

TEST_F(JobIndexTest, EveryProcessWithHowItEnded) {
  const pid_t first = ReapedPid();
  const pid_t worker = ReapedPid();
  const pid_t noise = ReapedPid();
  const pid_t term = ReapedPid();
  const pid_t oom = ReapedPid();
  const pid_t self = getpid();
  const uint64_t self_ticks = ReadStartTicks(0);
  // bash execs python3 (same pid and ticks: two images), which starts a
  // worker (killed without notice, the highest peak), a forked helper
  // (noise, its folder removed), one killed by SIGTERM, one ended by
  // --oom-exit, and this test's own process, still running.
  Log(StartLine(first, 1, 50, profile_format::kStartedFirst,
                std::to_string(first) + "-bash", "bash", {"bash", "run.sh"}) +
      EndLine(first, 50, "exec", 0, 100, false,
              std::to_string(first) + "-bash") +
      StartLine(first, 1, 50, profile_format::kStartedExec,
                std::to_string(first) + "-python3", "python3",
                {"python3", "job.py"}) +
      StartLine(worker, first, 60, profile_format::kStartedChild,
                std::to_string(worker) + "-python3", "python3",
                {"python3", "worker.py", "--n=3"}) +
      StartLine(noise, first, 61, profile_format::kStartedFork, "-", "python3",
                {"python3", "job.py"}) +
      EndLine(noise, 61, "exit", 0, 4096, false, "") +
      StartLine(term, first, 62, profile_format::kStartedChild,
                std::to_string(term) + "-sleep", "sleep", {"sleep", "9"}) +
      EndLine(term, 62, "signal", SIGTERM, 2 * kMiB, false, "") +
      StartLine(oom, first, 63, profile_format::kStartedChild, "-", "leak",
                {"leak"}) +
      EndLine(oom, 63, "oom-exit", 53, 300 * kMiB, true, "") +
      StartLine(self, first, self_ticks, profile_format::kStartedChild, "-",
                "job_index_test", {"job_index_test"}) +
      EndLine(first, 50, "exit", 3, 0, true,
              std::to_string(first) + "-python3"));
  TestStoredProfile bash = Stored(first, 50, 100, 0);
  bash.command = {"bash", "run.sh"};
  bash.final_reports_written = true;
  Store(std::to_string(first) + "-bash", bash);
  TestStoredProfile python = Stored(first, 50, 5 * kMiB, kMiB);
  python.python_seen = true;
  python.final_reports_written = true;
  python.ending = profile_format::kExited;
  python.exit_code = 3;
  Store(std::to_string(first) + "-python3", python);
  // Killed while 400 MiB were live, above its last stored peak.
  TestStoredProfile killed = Stored(worker, 60, 350 * kMiB, 400 * kMiB);
  killed.python_seen = true;
  killed.inherited_bytes = 12345;
  Store(std::to_string(worker) + "-python3", killed);

  JobIndex index;
  std::string why;
  ASSERT_TRUE(ReadJobIndex(job_, &index, &why)) << why;
  ASSERT_EQ(index.processes.size(), 7u);
  const std::vector<JobProcess>& p = index.processes;

  EXPECT_EQ(p[0].pid, first);
  EXPECT_EQ(p[0].program, "bash");
  EXPECT_EQ(p[0].started, profile_format::kStartedFirst);
  EXPECT_EQ(p[0].ended, "replaced by exec");
  EXPECT_EQ(p[0].peak_bytes, 100);
  EXPECT_EQ(p[0].folder, std::to_string(first) + "-bash");
  EXPECT_TRUE(p[0].final_reports_written);

  EXPECT_EQ(p[1].pid, first);
  EXPECT_EQ(p[1].started, profile_format::kStartedExec);
  EXPECT_EQ(p[1].command, (std::vector<std::string>{"python3", "job.py"}));
  EXPECT_EQ(p[1].ended, "exit code 3");
  EXPECT_EQ(p[1].exit_code, 3);
  EXPECT_EQ(p[1].signal, -1);
  EXPECT_EQ(p[1].peak_bytes, 5 * kMiB);
  EXPECT_TRUE(p[1].python);

  EXPECT_EQ(p[2].pid, worker);
  EXPECT_EQ(p[2].parent_pid, first);
  EXPECT_EQ(p[2].ended, "ended without writing its reports");
  EXPECT_EQ(p[2].peak_bytes, 400 * kMiB);
  EXPECT_EQ(p[2].inherited_bytes, 12345);
  EXPECT_TRUE(p[2].python);
  EXPECT_TRUE(p[2].has_stored_profile);
  EXPECT_FALSE(p[2].final_reports_written);
  EXPECT_FALSE(p[2].running);

  EXPECT_EQ(p[3].pid, noise);
  EXPECT_EQ(p[3].folder, "");
  EXPECT_EQ(p[3].peak_bytes, 4096);
  EXPECT_EQ(p[3].ended, "exit code 0");
  EXPECT_TRUE(IsNoiseProcess(p[3], kMiB));
  EXPECT_FALSE(IsNoiseProcess(p[3], 0));  // 0 keeps every process
  EXPECT_FALSE(IsNoiseProcess(p[2], kMiB));

  EXPECT_EQ(p[4].ended, "killed by SIGTERM");
  EXPECT_EQ(p[4].signal, SIGTERM);
  EXPECT_EQ(p[4].exit_code, -1);
  EXPECT_FALSE(IsNoiseProcess(p[4], kMiB));  // 2 MiB: above the threshold

  EXPECT_EQ(p[5].ended, "ended by --oom-exit after running out of memory");
  EXPECT_EQ(p[5].exit_code, 53);

  EXPECT_EQ(p[6].pid, self);
  EXPECT_EQ(p[6].ended, "running");
  EXPECT_TRUE(p[6].running);
  EXPECT_EQ(p[6].peak_bytes, -1);

  EXPECT_EQ(index.highest, 2);

  ASSERT_TRUE(WriteJobIndex(job_, index, &why)) << why;
  const std::string w = std::to_string(worker);
  const std::string json = ReadFileText(job_ + "/job.json");
  EXPECT_NE(json.find("{\"pid\": " + w +
                      ", \"parent_pid\": " + std::to_string(first) +
                      ", \"program\": \"python3\", \"command\": [\"python3\", "
                      "\"worker.py\", \"--n=3\"], \"started\": \"child\", "
                      "\"folder\": \"" +
                      w +
                      "-python3\", \"python\": true, \"peak_bytes\": "
                      "419430400, \"inherited_bytes\": 12345, \"ended\": "
                      "\"ended without writing its reports\", \"exit_code\": "
                      "null, \"signal\": null}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"folder\": null, \"python\": false, \"peak_bytes\": "
                      "4096, \"inherited_bytes\": 0, \"ended\": \"exit code "
                      "0\", \"exit_code\": 0, \"signal\": null}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"ended\": \"killed by SIGTERM\", \"exit_code\": null, "
                      "\"signal\": 15}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"highest_peak\": {\"pid\": " + w + ", \"folder\": \"" +
                      w + "-python3\", \"peak_bytes\": 419430400}\n}\n"),
            std::string::npos)
      << json;
  EXPECT_EQ(json.rfind("{\n  \"version\": 1,\n  \"processes\": [\n    {", 0),
            0u);
  // Nothing but the index was added, atomically (no temporary left).
  std::vector<std::string> names = ListDirectory(job_);
  EXPECT_EQ(names.size(), 5u);
  EXPECT_EQ(names[4], "processes.log");
}

TEST_F(JobIndexTest, AnExecEndFindsTheReplacedImageWhicheverLineCameFirst) {
  const pid_t pid = ReapedPid();
  // The new image logged its start before the old one's end.
  Log(StartLine(pid, 1, 9, profile_format::kStartedFirst, "-", "sh", {"sh"}) +
      StartLine(pid, 1, 9, profile_format::kStartedExec, "-", "python3",
                {"python3"}) +
      EndLine(pid, 9, "exec", 0, 10, false, "") +
      EndLine(pid, 9, "exit", 1, 20, true, ""));
  JobIndex index;
  std::string why;
  ASSERT_TRUE(ReadJobIndex(job_, &index, &why)) << why;
  ASSERT_EQ(index.processes.size(), 2u);
  EXPECT_EQ(index.processes[0].program, "sh");
  EXPECT_EQ(index.processes[0].ended, "replaced by exec");
  EXPECT_EQ(index.processes[1].program, "python3");
  EXPECT_EQ(index.processes[1].ended, "exit code 1");
  EXPECT_EQ(index.highest, 1);
}

TEST_F(JobIndexTest, NoEndLineFallsBackOnTheStoredEnding) {
  const pid_t pid = ReapedPid();
  const std::string folder = std::to_string(pid) + "-python3";
  Log(StartLine(pid, 1, 9, profile_format::kStartedFirst, folder, "python3",
                {"python3"}) +
      "end\tgarbage\n");
  TestStoredProfile stored = Stored(pid, 9, kMiB, 0);
  stored.ending = profile_format::kSignal;
  stored.signal_number = SIGINT;
  Store(folder, stored);
  JobIndex index;
  std::string why;
  ASSERT_TRUE(ReadJobIndex(job_, &index, &why)) << why;
  ASSERT_EQ(index.processes.size(), 1u);
  EXPECT_EQ(index.processes[0].ended, "killed by SIGINT");
  EXPECT_EQ(index.processes[0].signal, SIGINT);
}

TEST_F(JobIndexTest, AProfileOfAnotherProcessOrAMissingFolderAddsNothing) {
  const pid_t pid = ReapedPid();
  const std::string folder = std::to_string(pid) + "-x";
  Log(StartLine(pid, 1, 9, profile_format::kStartedFirst, folder, "x", {}) +
      StartLine(pid + 1, 1, 9, profile_format::kStartedChild, "gone", "y", {}));
  Store(folder, Stored(pid, 10, kMiB, 0));  // other start ticks: pid reused
  JobIndex index;
  std::string why;
  ASSERT_TRUE(ReadJobIndex(job_, &index, &why)) << why;
  ASSERT_EQ(index.processes.size(), 2u);
  EXPECT_FALSE(index.processes[0].has_stored_profile);
  EXPECT_EQ(index.processes[0].peak_bytes, -1);
  EXPECT_EQ(index.processes[0].folder, folder);
  EXPECT_EQ(index.processes[1].folder, "");  // never made
  EXPECT_EQ(index.highest, -1);
  EXPECT_NE(JobIndexJson(index).find("\"highest_peak\": null"),
            std::string::npos);
}

TEST_F(JobIndexTest, TheLogIsNeverReadThroughALink) {
  JobIndex index;
  std::string why;
  EXPECT_FALSE(ReadJobIndex(job_, &index, &why));  // no log yet
  EXPECT_NE(why.find("processes.log"), std::string::npos) << why;
  const std::string elsewhere = job_ + "-elsewhere";
  std::ofstream(elsewhere) << "start\t5\t1\t2\tfirst\t-\tx\n";
  ASSERT_EQ(symlink(elsewhere.c_str(), (job_ + "/processes.log").c_str()), 0);
  EXPECT_FALSE(ReadJobIndex(job_, &index, &why));
  EXPECT_TRUE(index.processes.empty());
}

TEST(JobIndexNoiseTest, FromTheHeader) {
  TestStoredProfile p = Stored(5, 1, kMiB, 0);
  std::string image = BuildStoredProfileImage(p);
  const auto* h =
      reinterpret_cast<const profile_format::FileHeader*>(image.data());
  EXPECT_TRUE(IsNoiseProcess(*h, kMiB));
  EXPECT_FALSE(IsNoiseProcess(*h, kMiB - 1));
  EXPECT_FALSE(IsNoiseProcess(*h, 0));
  p.python_seen = true;
  image = BuildStoredProfileImage(p);
  h = reinterpret_cast<const profile_format::FileHeader*>(image.data());
  EXPECT_FALSE(IsNoiseProcess(*h, kMiB));
  p = Stored(5, 1, 0, 0);
  p.peak_generation = 0;
  image = BuildStoredProfileImage(p);
  h = reinterpret_cast<const profile_format::FileHeader*>(image.data());
  EXPECT_TRUE(IsNoiseProcess(*h, 1));
}

}  // namespace
}  // namespace tidemark
