#include "core/output_directory.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

// 2023-11-14 22:13:20.123 UTC.
constexpr timespec kNow = {1700000000, 123456789};

class OutputDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Timestamps are local time; pin the zone so the expected strings hold.
    setenv("TZ", "UTC", 1);
    tzset();
    const char* tmp = getenv("TEST_TMPDIR");
    root_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/output_dir_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  static bool IsDirectory(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  std::string root_;
};

TEST_F(OutputDirectoryTest, TimestampIsSortableAndPathSafe) {
  EXPECT_EQ(TimestampForPath(kNow), "2023-11-14T22-13-20_123");
  EXPECT_EQ(TimestampForPath(timespec{0, 0}), "1970-01-01T00-00-00_000");
  EXPECT_EQ(TimestampForPath(timespec{59, 999999999}),
            "1970-01-01T00-00-59_999");
}

TEST_F(OutputDirectoryTest, EveryPidTokenIsReplaced) {
  EXPECT_EQ(ResolveOutputDirectory("out/{pid}", 4242, kNow), "out/4242");
  EXPECT_EQ(ResolveOutputDirectory("{pid}/run-{pid}.d", 7, kNow), "7/run-7.d");
  EXPECT_EQ(ResolveOutputDirectory("/abs/{pid}{pid}", 12, kNow), "/abs/1212");
}

TEST_F(OutputDirectoryTest, OtherTextIsKeptAsIs) {
  EXPECT_EQ(ResolveOutputDirectory("reports", 4242, kNow), "reports");
  // Near misses of the token are not tokens.
  EXPECT_EQ(ResolveOutputDirectory("a/{PID}/{pid/pid}/{}", 9, kNow),
            "a/{PID}/{pid/pid}/{}");
}

TEST_F(OutputDirectoryTest, NothingConfiguredMeansANewTimestampedFolder) {
  EXPECT_EQ(ResolveOutputDirectory("", 4242, kNow),
            "tidemark-results/2023-11-14T22-13-20_123-4242");
}

TEST_F(OutputDirectoryTest, CreatesMissingParentsAndLeavesNoProbe) {
  const std::string path = root_ + "/a/b/c";
  std::string error;
  ASSERT_TRUE(PrepareOutputDirectory(path, &error)) << error;
  EXPECT_TRUE(IsDirectory(root_ + "/a/b"));
  EXPECT_TRUE(IsDirectory(path));
  // Empty again: the file that proved the directory writable is gone.
  EXPECT_EQ(rmdir(path.c_str()), 0);
  // An existing directory is fine too.
  ASSERT_TRUE(PrepareOutputDirectory(root_ + "/a/b/", &error)) << error;
}

TEST_F(OutputDirectoryTest, AFileInTheWayIsAClearError) {
  std::string error;
  ASSERT_TRUE(PrepareOutputDirectory(root_, &error)) << error;
  const std::string file = root_ + "/taken";
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);

  EXPECT_FALSE(PrepareOutputDirectory(file, &error));
  EXPECT_EQ(error, "cannot write reports to " + file + ": not a directory");
  EXPECT_FALSE(PrepareOutputDirectory(file + "/sub", &error));
  EXPECT_EQ(error, "cannot write reports to " + file + "/sub: Not a directory");
}

// PrepareOutputDirectory(path) as a user without write permission there:
// this process itself, or, when it is root (which writes anywhere), a
// forked child that has become "nobody". Returns the error it reported, or
// "" if it succeeded.
std::string PrepareAsUnprivilegedUser(const std::string& path) {
  if (geteuid() != 0) {
    std::string error;
    return PrepareOutputDirectory(path, &error) ? "" : error;
  }
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    std::string error = "could not drop privileges";
    if (setgid(65534) == 0 && setuid(65534) == 0) {
      if (PrepareOutputDirectory(path, &error)) error.clear();
    }
    ssize_t ignored = write(fds[1], error.data(), error.size());
    (void)ignored;
    _exit(0);
  }
  close(fds[1]);
  std::string error;
  char buffer[512];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) > 0;) {
    error.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status;
  waitpid(child, &status, 0);
  return error;
}

TEST_F(OutputDirectoryTest, AnUnwritableDirectoryIsAClearError) {
  // Under /tmp rather than the test's own folder, whose parents "nobody"
  // may not be allowed to enter: the failure must come from `locked`.
  char base[] = "/tmp/tidemark_output_directory_test_XXXXXX";
  ASSERT_NE(mkdtemp(base), nullptr);
  ASSERT_EQ(chmod(base, 0755), 0);
  const std::string locked = std::string(base) + "/locked";
  ASSERT_EQ(mkdir(locked.c_str(), 0555), 0);
  ASSERT_EQ(chmod(locked.c_str(), 0555), 0);  // whatever the umask
  // The directory exists but takes no new file.
  EXPECT_EQ(PrepareAsUnprivilegedUser(locked),
            "cannot write reports to " + locked + ": Permission denied");
  // A folder would have to be made inside it.
  EXPECT_EQ(PrepareAsUnprivilegedUser(locked + "/new"),
            "cannot write reports to " + locked + "/new: Permission denied");
  rmdir(locked.c_str());
  rmdir(base);
}

}  // namespace
}  // namespace tidemark
