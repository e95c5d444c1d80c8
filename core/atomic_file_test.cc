#include "core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/test_files.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// A new empty folder for one test, open as reporters get it.
class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TEST_TMPDIR");
    dir_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/atomic_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    mkdir(dir_.c_str(), 0755);
    victims_ = dir_ + "-victims";
    mkdir(victims_.c_str(), 0755);
    directory_.fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    directory_.display_path = dir_;
    ASSERT_GE(directory_.fd, 0);
  }
  void TearDown() override { close(directory_.fd); }

  std::string dir_;
  std::string victims_;
  ReportDirectory directory_;
};

TEST_F(AtomicFileTest, ReplacesContentsAndLeavesNoTemporary) {
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(directory_, "report.txt", "first", &error))
      << error;
  ASSERT_TRUE(WriteFileAtomically(directory_, "report.txt",
                                  std::string(100000, 'x'), &error));
  EXPECT_EQ(ReadAll(dir_ + "/report.txt"), std::string(100000, 'x'));
  EXPECT_EQ(ListDirectory(dir_), std::vector<std::string>{"report.txt"});
}

TEST_F(AtomicFileTest, TemporaryNamesAreUniqueAndNeverReused) {
  std::string first, second;
  const int a = CreateUniqueFile(directory_.fd, ".r.tmp-", &first);
  const int b = CreateUniqueFile(directory_.fd, ".r.tmp-", &second);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  EXPECT_NE(first, second);
  EXPECT_EQ(first.rfind(".r.tmp-", 0), 0u);
  EXPECT_EQ(first.size(), std::string(".r.tmp-").size() + 12);
  EXPECT_TRUE(IsAtomicFileTemporaryName(first));
  // Close-on-exec: a program's children never inherit a report file.
  EXPECT_TRUE(fcntl(a, F_GETFD) & FD_CLOEXEC);
  close(a);
  close(b);
}

TEST(TemporaryNameTest, OnlyTheAtomicWritersNamesMatch) {
  EXPECT_TRUE(IsAtomicFileTemporaryName(".peak.folded.tmp-abc123def456"));
  EXPECT_TRUE(IsAtomicFileTemporaryName(".x.tmp-000000000000"));
  EXPECT_FALSE(IsAtomicFileTemporaryName(".tmp-abc123def456"));  // no name
  EXPECT_FALSE(IsAtomicFileTemporaryName("peak.folded.tmp-abc123def456"));
  EXPECT_FALSE(IsAtomicFileTemporaryName(".peak.folded.tmp-abc123def45"));
  EXPECT_FALSE(IsAtomicFileTemporaryName(".peak.folded.tmp-ABC123DEF456"));
  EXPECT_FALSE(IsAtomicFileTemporaryName(".peak.folded.tmp-abc123def4567"));
  EXPECT_FALSE(IsAtomicFileTemporaryName("profile.tidemark"));
}

// What the attack planted: links under the report's name and under the
// names the old code used for its temporary and probe files.
TEST_F(AtomicFileTest, PlantedLinksAreReplacedNeverFollowed) {
  const std::string victim = victims_ + "/passwd";
  WriteText(victim, "root:x:0:0\n");
  struct stat before;
  ASSERT_EQ(stat(victim.c_str(), &before), 0);
  const std::string pid = std::to_string(getpid());
  for (const std::string& name :
       {std::string("summary.json"), "summary.json.tmp." + pid,
        ".tidemark-probe-" + pid}) {
    ASSERT_EQ(symlink(victim.c_str(), (dir_ + "/" + name).c_str()), 0);
  }
  std::string error;
  ASSERT_TRUE(
      WriteFileAtomically(directory_, "summary.json", "{\"a\": 1}", &error))
      << error;
  struct stat after;
  ASSERT_EQ(stat(victim.c_str(), &after), 0);
  EXPECT_EQ(ReadAll(victim), "root:x:0:0\n");
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  // The link under the report's name was replaced by the report.
  struct stat report;
  ASSERT_EQ(lstat((dir_ + "/summary.json").c_str(), &report), 0);
  EXPECT_TRUE(S_ISREG(report.st_mode));
  EXPECT_EQ(ReadAll(dir_ + "/summary.json"), "{\"a\": 1}");
}

TEST_F(AtomicFileTest, AnAbandonedReportLeavesNoTemporaryAndKeepsTheOld) {
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(directory_, "peak.svg", "old", &error));
  // A write that fails half way (as on a full disk): a file size limit, in a
  // child so the limit does not outlive the test.
  const pid_t child = fork();
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {4096, 4096};
    setrlimit(RLIMIT_FSIZE, &limit);
    std::string why;
    const bool ok = WriteFileAtomically(directory_, "peak.svg",
                                        std::string(100000, 'n'), &why);
    _exit(!ok && why.find("cannot write " + dir_ +
                          "/peak.svg: File too "
                          "large") == 0
              ? 0
              : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the write did not fail as expected";
  EXPECT_EQ(ListDirectory(dir_), std::vector<std::string>{"peak.svg"});
  EXPECT_EQ(ReadAll(dir_ + "/peak.svg"), "old");
}

TEST_F(AtomicFileTest, FilesGetTheUsersUmask) {
  std::string error;
  const mode_t saved = umask(027);
  ASSERT_TRUE(WriteFileAtomically(directory_, "a", "x", &error));
  umask(0);
  ASSERT_TRUE(WriteFileAtomically(directory_, "b", "x", &error));
  umask(saved);
  struct stat a, b;
  ASSERT_EQ(stat((dir_ + "/a").c_str(), &a), 0);
  ASSERT_EQ(stat((dir_ + "/b").c_str(), &b), 0);
  EXPECT_EQ(a.st_mode & 0777, 0640u);
  EXPECT_EQ(b.st_mode & 0777, 0666u);
}

TEST_F(AtomicFileTest, OnlyPlainNamesInsideTheFolder) {
  std::string error;
  for (const char* name : {"../escape", "a/b", "..", ".", ""}) {
    EXPECT_FALSE(WriteFileAtomically(directory_, name, "x", &error)) << name;
    EXPECT_NE(error.find("not a plain file name"), std::string::npos);
  }
  EXPECT_TRUE(ListDirectory(dir_).empty());
  EXPECT_TRUE(ListDirectory(dir_ + "/..").size() >=
              2);  // nothing escaped there
  EXPECT_FALSE(IsPlainFileName("a/b"));
  EXPECT_TRUE(IsPlainFileName("peak.folded"));
}

TEST_F(AtomicFileTest, ReportsAFolderThatIsNotOpen) {
  ReportDirectory closed;
  closed.display_path = "/nonexistent-dir/x";
  std::string error;
  EXPECT_FALSE(WriteFileAtomically(closed, "report", "a", &error));
  EXPECT_EQ(error,
            "cannot write /nonexistent-dir/x/report: Bad file "
            "descriptor");
}

}  // namespace
}  // namespace tidemark
