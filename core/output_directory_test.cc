#include "core/output_directory.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/test_files.h"
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

// Opens `path` as the library does for a folder without "{pid}": the last
// component is Tidemark's. Returns "" or the error; closes the folder.
std::string Open(const std::string& path, bool create = true,
                 int guarded_from = -1) {
  OutputPath where;
  where.path = path;
  where.guarded_from = guarded_from >= 0
                           ? guarded_from
                           : static_cast<int>(PathComponents(path).size()) - 1;
  ReportDirectory dir;
  std::string error;
  if (!OpenOutputDirectory(where, create, &dir, &error)) return error;
  if (!ProbeWritable(dir, &error)) {
    close(dir.fd);
    return error;
  }
  close(dir.fd);
  return "";
}

void Touch(const std::string& path, const std::string& text = "") {
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr) << path;
  fputs(text.c_str(), f);
  fclose(f);
}

std::string Read(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) return "<missing>";
  std::string text;
  for (int c; (c = fgetc(f)) != EOF;) text.push_back(static_cast<char>(c));
  fclose(f);
  return text;
}

TEST_F(OutputDirectoryTest, ResolvesOnceToAnAbsolutePathAndKnowsWhatIsOurs) {
  OutputPath p = ResolveOutputPath("/r/{pid}/x", 42, kNow, "/ignored");
  EXPECT_EQ(p.path, "/r/42/x");
  EXPECT_EQ(p.guarded_from, 1);  // "42" and below
  p = ResolveOutputPath("out//./sub/", 42, kNow, "/home/u");
  EXPECT_EQ(p.path, "/home/u/out/sub");
  EXPECT_EQ(p.guarded_from, 3);  // only "sub"
  p = ResolveOutputPath("runs/{pid}", 7, kNow, "/w");
  EXPECT_EQ(p.path, "/w/runs/7");
  EXPECT_EQ(p.guarded_from, 2);
  p = ResolveOutputPath("", 7, kNow, "/w");
  EXPECT_EQ(p.path, "/w/tidemark-results/2023-11-14T22-13-20_123-7");
  EXPECT_EQ(p.guarded_from, 2);
  p = ResolveOutputPath("/", 7, kNow, "/w");
  EXPECT_EQ(p.path, "/");
  EXPECT_EQ(p.guarded_from, 0);
}

TEST_F(OutputDirectoryTest, CreatesMissingParentsAndLeavesNoProbe) {
  const std::string path = root_ + "/a/b/c";
  EXPECT_EQ(Open(path), "");
  EXPECT_TRUE(IsDirectory(root_ + "/a/b"));
  EXPECT_TRUE(IsDirectory(path));
  // Empty again: the file that proved the directory writable is gone.
  EXPECT_EQ(rmdir(path.c_str()), 0);
  // An existing directory is fine too.
  EXPECT_EQ(Open(root_ + "/a/b/"), "");
  // Without `create`, a missing folder is an error.
  EXPECT_EQ(Open(root_ + "/a/b/none", /*create=*/false),
            "cannot write reports to " + root_ +
                "/a/b/none: No such file or directory");
}

TEST_F(OutputDirectoryTest, NewFoldersGetTheUsersUmask) {
  const mode_t saved = umask(077);
  EXPECT_EQ(Open(root_ + "/private/x"), "");
  umask(022);
  EXPECT_EQ(Open(root_ + "/shared"), "");
  umask(saved);
  struct stat a, b;
  ASSERT_EQ(stat((root_ + "/private/x").c_str(), &a), 0);
  ASSERT_EQ(stat((root_ + "/shared").c_str(), &b), 0);
  EXPECT_EQ(a.st_mode & 0777, 0700u);
  EXPECT_EQ(b.st_mode & 0777, 0755u);
}

TEST_F(OutputDirectoryTest, AFileInTheWayIsAClearError) {
  ASSERT_EQ(Open(root_), "");
  const std::string file = root_ + "/taken";
  Touch(file, "keep");
  EXPECT_EQ(Open(file),
            "cannot write reports to " + file + ": Not a directory");
  EXPECT_EQ(Open(file + "/sub"),
            "cannot write reports to " + file + "/sub: Not a directory");
  EXPECT_EQ(Read(file), "keep");
}

TEST_F(OutputDirectoryTest, ALinkAsTheFolderIsRefused) {
  ASSERT_EQ(Open(root_ + "/target"), "");
  ASSERT_EQ(symlink((root_ + "/target").c_str(), (root_ + "/link").c_str()), 0);
  EXPECT_EQ(Open(root_ + "/link"),
            "cannot write reports to " + root_ + "/link: " + root_ +
                "/link is a symbolic link (Tidemark does not follow links "
                "to its report folder)");
  // Below a "{pid}" folder, every folder is Tidemark's: a planted {pid} link
  // is refused even with more path under it.
  const int guarded = static_cast<int>(PathComponents(root_).size());
  EXPECT_NE(Open(root_ + "/link/x", true, guarded), "");
  EXPECT_FALSE(IsDirectory(root_ + "/target/x"));
  // Above the folder, links that root or this user made are followed (a
  // home directory behind a link, /tmp -> /private/tmp).
  EXPECT_EQ(Open(root_ + "/link/sub"), "");
  EXPECT_TRUE(IsDirectory(root_ + "/target/sub"));
}

// The tests run as root (setup.sh): only root can hand a folder or a link
// to another user.
TEST_F(OutputDirectoryTest, AnotherUsersFolderOrLinkIsRefused) {
  ASSERT_EQ(geteuid(), 0u) << "this test must run as root";
  ASSERT_EQ(Open(root_ + "/theirs"), "");
  ASSERT_EQ(chown((root_ + "/theirs").c_str(), 65534, 65534), 0);
  EXPECT_EQ(Open(root_ + "/theirs"),
            "cannot write reports to " + root_ + "/theirs: " + root_ +
                "/theirs belongs to uid 65534, not to uid 0 (the user this "
                "process runs as)");
  // A {pid} folder someone else made, with our folder to go inside it.
  const int guarded = static_cast<int>(PathComponents(root_).size());
  EXPECT_NE(Open(root_ + "/theirs/x", true, guarded), "");
  EXPECT_FALSE(IsDirectory(root_ + "/theirs/x"));
  // Above our folder another user's folder is fine (a shared parent)...
  EXPECT_EQ(Open(root_ + "/theirs/mine"), "");
  // ...but not another user's link there.
  ASSERT_EQ(Open(root_ + "/elsewhere"), "");
  const std::string link = root_ + "/planted";
  ASSERT_EQ(symlink((root_ + "/elsewhere").c_str(), link.c_str()), 0);
  ASSERT_EQ(lchown(link.c_str(), 65534, 65534), 0);
  EXPECT_EQ(Open(link + "/mine"),
            "cannot write reports to " + link + "/mine: the symbolic link " +
                link +
                " belongs to uid 65534, not to uid 0 (the user this process "
                "runs as)");
  EXPECT_EQ(ListDirectory(root_ + "/elsewhere"), std::vector<std::string>{});
}

TEST_F(OutputDirectoryTest, NumberedSubfoldersAreNewAndNeverFollowed) {
  ASSERT_EQ(Open(root_), "");
  ReportDirectory dir;
  std::string error;
  OutputPath where{root_, static_cast<int>(PathComponents(root_).size()) - 1};
  ASSERT_TRUE(OpenOutputDirectory(where, false, &dir, &error)) << error;
  ASSERT_EQ(Open(root_ + "-victim"), "");
  // An earlier run's sigusr2-1, and a link planted as sigusr2-2.
  ASSERT_EQ(mkdir((root_ + "/sigusr2-1").c_str(), 0777), 0);
  ASSERT_EQ(
      symlink((root_ + "-victim").c_str(), (root_ + "/sigusr2-2").c_str()), 0);
  int last = 0;
  ReportDirectory sub;
  ASSERT_TRUE(MakeNumberedSubdirectory(dir, "sigusr2-", &last, &sub, &error))
      << error;
  EXPECT_EQ(last, 3);
  EXPECT_EQ(sub.display_path, root_ + "/sigusr2-3");
  close(sub.fd);
  ASSERT_TRUE(MakeNumberedSubdirectory(dir, "sigusr2-", &last, &sub, &error));
  EXPECT_EQ(last, 4);
  close(sub.fd);
  EXPECT_EQ(ListDirectory(root_ + "-victim"), std::vector<std::string>{});
  close(dir.fd);
}

TEST_F(OutputDirectoryTest, ReuseRemovesOnlyEarlierReports) {
  ASSERT_EQ(Open(root_), "");
  ASSERT_EQ(Open(root_ + "-victim"), "");
  const std::string victim = root_ + "-victim";
  Touch(victim + "/summary.json", "victim");
  Touch(victim + "/peak.folded", "victim");
  Touch(root_ + "/peak.svg", "old run");
  Touch(root_ + "/peak.folded", "old run");
  Touch(root_ + "/notes.txt", "the user's");
  ASSERT_EQ(symlink((victim + "/summary.json").c_str(),
                    (root_ + "/summary.json").c_str()),
            0);
  ASSERT_EQ(mkdir((root_ + "/peak.svg.d").c_str(), 0777), 0);
  ASSERT_EQ(mkdir((root_ + "/sigusr2-1").c_str(), 0777), 0);
  Touch(root_ + "/sigusr2-1/peak.folded", "old run");
  ASSERT_EQ(mkdir((root_ + "/sigusr2-2").c_str(), 0777), 0);
  Touch(root_ + "/sigusr2-2/peak.folded", "old run");
  Touch(root_ + "/sigusr2-2/mine.txt", "the user's");
  ASSERT_EQ(mkdir((root_ + "/sigusr2-x").c_str(), 0777), 0);
  ASSERT_EQ(symlink(victim.c_str(), (root_ + "/sigusr2-3").c_str()), 0);
  // The out-of-memory reports of an earlier run go too; a name that only
  // looks like one stays.
  ASSERT_EQ(mkdir((root_ + "/out-of-memory").c_str(), 0777), 0);
  Touch(root_ + "/out-of-memory/summary.json", "old run");
  ASSERT_EQ(mkdir((root_ + "/out-of-memory-2").c_str(), 0777), 0);
  Touch(root_ + "/out-of-memory-2/peak.folded", "old run");
  ASSERT_EQ(mkdir((root_ + "/out-of-memory.bak").c_str(), 0777), 0);

  ReportDirectory dir;
  std::string error;
  OutputPath where{root_, static_cast<int>(PathComponents(root_).size()) - 1};
  ASSERT_TRUE(OpenOutputDirectory(where, false, &dir, &error)) << error;
  RemovePreviousReports(dir, {"peak.folded", "summary.json", "peak.svg"},
                        {"sigusr2-", "out-of-memory-"}, {"out-of-memory"});
  close(dir.fd);

  EXPECT_EQ(ListDirectory(root_),
            (std::vector<std::string>{"notes.txt", "out-of-memory.bak",
                                      "peak.svg.d", "sigusr2-2", "sigusr2-3",
                                      "sigusr2-x", "summary.json"}));
  EXPECT_EQ(ListDirectory(root_ + "/sigusr2-2"),
            std::vector<std::string>{"mine.txt"});
  EXPECT_EQ(Read(victim + "/summary.json"), "victim");
  EXPECT_EQ(Read(victim + "/peak.folded"), "victim");
  EXPECT_EQ(Read(root_ + "/notes.txt"), "the user's");
}

// Open(path) as a user without write permission there: this process
// itself, or, when it is root (which writes anywhere), a forked child that
// has become "nobody". Returns the error it reported, or "" if it succeeded.
std::string OpenAsUnprivilegedUser(const std::string& path) {
  if (geteuid() != 0) return Open(path);
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    std::string error = "could not drop privileges";
    if (setgid(65534) == 0 && setuid(65534) == 0) error = Open(path);
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
  const std::string mine = std::string(base) + "/mine";
  ASSERT_EQ(mkdir(mine.c_str(), 0555), 0);
  ASSERT_EQ(chmod(mine.c_str(), 0555), 0);
  ASSERT_EQ(chown(mine.c_str(), 65534, 65534), 0);
  // Another user's folder is refused before its permissions matter.
  EXPECT_EQ(OpenAsUnprivilegedUser(locked),
            "cannot write reports to " + locked + ": " + locked +
                " belongs to uid 0, not to uid 65534 (the user this process "
                "runs as)");
  // Its own folder that takes no new file.
  EXPECT_EQ(OpenAsUnprivilegedUser(mine),
            "cannot write reports to " + mine + ": Permission denied");
  // A folder would have to be made inside it.
  EXPECT_EQ(OpenAsUnprivilegedUser(locked + "/new"),
            "cannot write reports to " + locked + "/new: Permission denied");
  rmdir(locked.c_str());
  rmdir(mine.c_str());
  rmdir(base);
}

}  // namespace
}  // namespace tidemark
