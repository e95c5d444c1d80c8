#include "tools/output_dir.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/paths.h"

namespace tidemark {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

void Touch(const std::string& path) {
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr) << path;
  fclose(f);
}

// A fresh folder per test under the test's private temporary directory.
std::string NewTempDir() {
  const char* root = getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(root != nullptr ? root : "/tmp") + "/output_dir_test.XXXXXX";
  char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return pattern;
}

TEST(PathsTest, UserDirectoryPrefersBuildWorkingDirectory) {
  EXPECT_EQ(UserDirectory("/home/user/project"), "/home/user/project");
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(UserDirectory(nullptr), cwd);
  EXPECT_EQ(UserDirectory(""), cwd);
}

TEST(PathsTest, MakeAbsolute) {
  EXPECT_EQ(MakeAbsolute("out", "/home/u"), "/home/u/out");
  EXPECT_EQ(MakeAbsolute("./out//x/", "/home/u"), "/home/u/out/x");
  EXPECT_EQ(MakeAbsolute("../out", "/home/u"), "/home/u/../out");
  EXPECT_EQ(MakeAbsolute("/abs/./dir", "/home/u"), "/abs/dir");
  EXPECT_EQ(MakeAbsolute(".", "/"), "/");
}

TEST(OutputDirTest, DefaultIsNewTimestampedFolderUnderUserDirectory) {
  std::string user_dir = NewTempDir();
  OutputDir out;
  std::string error;
  ASSERT_TRUE(PrepareOutputDir("", user_dir, &out, &error)) << error;
  EXPECT_TRUE(out.created);
  EXPECT_THAT(out.path, StartsWith(user_dir + "/tidemark-results/"));
  EXPECT_THAT(out.path.substr(out.path.rfind('/') + 1),
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-"
                           "[0-9]{2}_[0-9]{3}"));
  EXPECT_TRUE(IsDirectory(out.path));
  // The write probe cleans up after itself.
  EXPECT_EQ(InspectReportFolder(out.path, 1), ReportFolder::kEmpty);

  OutputDir second;
  ASSERT_TRUE(PrepareOutputDir("", user_dir, &second, &error)) << error;
  EXPECT_NE(second.path, out.path);
}

TEST(OutputDirTest, FreshDirectoryGetsSuffixWhenTaken) {
  std::string parent = NewTempDir() + "/a/b";
  std::string path;
  std::string error;
  ASSERT_TRUE(CreateFreshDirectory(parent, "run", &path, &error)) << error;
  EXPECT_EQ(path, parent + "/run");
  ASSERT_TRUE(CreateFreshDirectory(parent, "run", &path, &error)) << error;
  EXPECT_EQ(path, parent + "/run-1");
  ASSERT_TRUE(CreateFreshDirectory(parent, "run", &path, &error)) << error;
  EXPECT_EQ(path, parent + "/run-2");
  EXPECT_TRUE(IsDirectory(path));
}

TEST(OutputDirTest, RelativeOutputIsTakenAgainstUserDirectory) {
  std::string user_dir = NewTempDir();
  OutputDir out;
  std::string error;
  ASSERT_TRUE(PrepareOutputDir("nested/./reports", user_dir, &out, &error))
      << error;
  EXPECT_EQ(out.path, user_dir + "/nested/reports");
  EXPECT_FALSE(out.created);
  EXPECT_TRUE(IsDirectory(out.path));
}

TEST(OutputDirTest, ExistingFolderIsReused) {
  std::string dir = NewTempDir();
  Touch(dir + "/old_report");
  OutputDir out;
  std::string error;
  ASSERT_TRUE(PrepareOutputDir(dir, "/unused", &out, &error)) << error;
  EXPECT_EQ(out.path, dir);
}

TEST(OutputDirTest, UnwritableOutputIsRefused) {
  OutputDir out;
  std::string error;
  EXPECT_FALSE(PrepareOutputDir("/proc/forbidden", "/", &out, &error));
  EXPECT_THAT(error, StartsWith("cannot write reports to /proc/forbidden: "));

  std::string file = NewTempDir() + "/plain_file";
  Touch(file);
  EXPECT_FALSE(PrepareOutputDir(file, "/", &out, &error));
  EXPECT_EQ(error, "cannot write reports to " + file + ": Not a directory");

  EXPECT_FALSE(PrepareOutputDir(file + "/below", "/", &out, &error));
  EXPECT_THAT(error, HasSubstr("Not a directory"));
}

TEST(OutputDirTest, TooLongForTheLibraryIsRefused) {
  OutputDir out;
  std::string error;
  EXPECT_FALSE(
      PrepareOutputDir("/tmp/" + std::string(5000, 'x'), "/", &out, &error));
  EXPECT_THAT(error, HasSubstr("File name too long"));
}

TEST(OutputDirTest, PidPlaceholderPreparesTheFolderAboveIt) {
  std::string user_dir = NewTempDir();
  OutputDir out;
  std::string error;
  ASSERT_TRUE(PrepareOutputDir("runs/p-{pid}/x", user_dir, &out, &error))
      << error;
  EXPECT_EQ(out.path, user_dir + "/runs/p-{pid}/x");
  EXPECT_TRUE(IsDirectory(user_dir + "/runs"));
  EXPECT_FALSE(IsDirectory(user_dir + "/runs/p-{pid}"));
  EXPECT_EQ(ForProcess(out.path, 42), user_dir + "/runs/p-42/x");
  EXPECT_EQ(ForProcess("/a/{pid}/{pid}", 7), "/a/7/7");
  EXPECT_EQ(ForProcess("/a/b", 7), "/a/b");
}

TEST(OutputDirTest, HasAnyFileLooksIntoSubfoldersAndNeverFollowsLinks) {
  std::string dir = NewTempDir();
  EXPECT_EQ(InspectReportFolder(dir, 1), ReportFolder::kEmpty);
  ASSERT_EQ(mkdir((dir + "/sub").c_str(), 0777), 0);
  EXPECT_EQ(InspectReportFolder(dir, 1), ReportFolder::kEmpty);
  Touch(dir + "/sub/report.txt");
  EXPECT_EQ(InspectReportFolder(dir, 1), ReportFolder::kHasFiles);
  EXPECT_EQ(InspectReportFolder(dir + "/missing", 1), ReportFolder::kMissing);

  // A link to a folder full of files is one entry, not a way in.
  std::string other = NewTempDir();
  Touch(other + "/file");
  ASSERT_EQ(symlink(other.c_str(), (dir + "/sub/link").c_str()), 0);
  ASSERT_EQ(unlink((dir + "/sub/report.txt").c_str()), 0);
  EXPECT_EQ(InspectReportFolder(dir, 1), ReportFolder::kHasFiles);
  // The report folder itself a link (planted for a pid): refused, not read.
  ASSERT_EQ(symlink(other.c_str(), (dir + "/42").c_str()), 0);
  EXPECT_EQ(InspectReportFolder(dir + "/{pid}", 42), ReportFolder::kRefused);
}

TEST(OutputDirTest, TheJobsLogAndIndexAreNotReports) {
  // A full disk: the job's log and a process folder were made, nothing was
  // written into them.
  std::string dir = NewTempDir();
  Touch(dir + "/processes.log");
  Touch(dir + "/job.json");
  ASSERT_EQ(mkdir((dir + "/42-python3").c_str(), 0777), 0);
  EXPECT_EQ(InspectReportFolder(dir, 1), ReportFolder::kEmpty);
  // Only at the top: a process folder's file of that name counts.
  Touch(dir + "/42-python3/job.json");
  EXPECT_EQ(InspectReportFolder(dir, 1), ReportFolder::kHasFiles);
}

TEST(OutputDirTest, ALinkOrAnotherUsersFolderIsRefused) {
  std::string base = NewTempDir();
  std::string real = base + "/real";
  ASSERT_EQ(mkdir(real.c_str(), 0777), 0);
  ASSERT_EQ(symlink(real.c_str(), (base + "/link").c_str()), 0);
  OutputDir out;
  std::string error;
  EXPECT_FALSE(PrepareOutputDir(base + "/link", "/", &out, &error));
  EXPECT_EQ(error, "cannot write reports to " + base + "/link: " + base +
                       "/link is a symbolic link (Tidemark does not follow "
                       "links to its report folder)");
  // Only root can give a folder away; the tests run as root (setup.sh).
  ASSERT_EQ(geteuid(), 0u) << "this test must run as root";
  ASSERT_EQ(chown(real.c_str(), 65534, 65534), 0);
  EXPECT_FALSE(PrepareOutputDir(real, "/", &out, &error));
  EXPECT_EQ(error, "cannot write reports to " + real + ": " + real +
                       " belongs to uid 65534, not to uid 0 (the user this "
                       "process runs as)");
}

}  // namespace
}  // namespace tidemark
