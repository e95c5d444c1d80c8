#include "core/memory_limits.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// mkdir -p
void MakeDirectories(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    mkdir(path.substr(0, slash).c_str(), 0755);
    if (slash == std::string::npos) break;
  }
}

std::string TempDirectory() {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern = std::string(base ? base : "/tmp") + "/limitsXXXXXX";
  EXPECT_NE(mkdtemp(&pattern[0]), nullptr);
  return pattern;
}

// This machine's layout: v1 controllers, v2 at /sys/fs/cgroup/unified.
constexpr char kHybridMountinfo[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup "
    "rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(MemoryLimitsTest, ParsesDecimals) {
  int64_t v = -1;
  EXPECT_TRUE(ParseDecimal(" 42\n", &v));
  EXPECT_EQ(v, 42);
  EXPECT_TRUE(ParseDecimal("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_FALSE(ParseDecimal("9223372036854775808", &v));
  EXPECT_FALSE(ParseDecimal("-1", &v));
  EXPECT_FALSE(ParseDecimal("max\n", &v));
  EXPECT_FALSE(ParseDecimal("", &v));
}

TEST(MemoryLimitsTest, FindsKeyedNumbersOnlyAtTheStartOfALine) {
  const char text[] =
      "oom 2\n"
      "oom_kill_disable 0\n"
      "under_oom 0\n"
      "oom_kill 7\n";
  int64_t v = 0;
  ASSERT_TRUE(FindKeyedNumber(text, "oom_kill", &v));
  EXPECT_EQ(v, 7);
  ASSERT_TRUE(FindKeyedNumber(text, "oom", &v));
  EXPECT_EQ(v, 2);
  EXPECT_FALSE(FindKeyedNumber(text, "kill", &v));
  const char stat[] = "total_inactive_file 4096\ninactive_file 1024\n";
  ASSERT_TRUE(FindKeyedNumber(stat, "inactive_file", &v));
  EXPECT_EQ(v, 1024);
  ASSERT_TRUE(FindKeyedNumber(stat, "total_inactive_file", &v));
  EXPECT_EQ(v, 4096);
}

TEST(MemoryLimitsTest, ParsesMeminfo) {
  int64_t total = 0;
  int64_t available = 0;
  ASSERT_TRUE(ParseMeminfoText(
      "MemTotal:       24576000 kB\nMemFree:  1 kB\nMemAvailable:    2048000 "
      "kB\n",
      &total, &available));
  EXPECT_EQ(total, int64_t{24576000} * 1024);
  EXPECT_EQ(available, int64_t{2048000} * 1024);
  EXPECT_FALSE(ParseMeminfoText("MemTotal: 100 kB\n", &total, &available));
  EXPECT_FALSE(
      ParseMeminfoText("MemTotal: 9007199254740992 kB\nMemAvailable: 1 kB\n",
                       &total, &available));
}

TEST(MemoryLimitsTest, ParsesLimits) {
  int64_t bytes = 0;
  ASSERT_TRUE(ParseCgroupLimitText("419430400\n", &bytes));
  EXPECT_EQ(bytes, 400 * kMiB);
  EXPECT_FALSE(ParseCgroupLimitText("max\n", &bytes));
  EXPECT_FALSE(ParseCgroupLimitText("9223372036854771712\n", &bytes));
  EXPECT_FALSE(ParseCgroupLimitText("0\n", &bytes));
}

TEST(MemoryLimitsTest, ParsesStatm) {
  int64_t size = 0;
  int64_t data = 0;
  ASSERT_TRUE(ParseStatm("765 430 402 5 0 123 0\n", &size, &data));
  EXPECT_EQ(size, 765);
  EXPECT_EQ(data, 123);
  EXPECT_FALSE(ParseStatm("765 430\n", &size, &data));
}

TEST(MemoryLimitsTest, ParsesTheRssHighWaterMark) {
  int64_t bytes = -1;
  ASSERT_TRUE(ParseRssHighWaterMark(
      "Name:\tpython3\nVmPeak:\t  9000 kB\nVmHWM:\t  2048 kB\nVmRSS:\t 1 kB\n",
      &bytes));
  EXPECT_EQ(bytes, 2048 * 1024);
  EXPECT_FALSE(ParseRssHighWaterMark("Name:\tpython3\n", &bytes));
  EXPECT_FALSE(
      ParseRssHighWaterMark("VmHWM: 99999999999999999999 kB\n", &bytes));
  // 2^53 KiB is 2^63 bytes: one more than int64_t holds.
  EXPECT_FALSE(ParseRssHighWaterMark("VmHWM: 9007199254740992 kB\n", &bytes));
  ASSERT_TRUE(ParseRssHighWaterMark("VmHWM: 9007199254740991 kB\n", &bytes));
  EXPECT_EQ(bytes, int64_t{9007199254740991} * 1024);
}

TEST(MemoryLimitsTest, ReadsThisProcesssRssHighWaterMark) {
  // A touched 8 MiB block is resident now, so the high-water mark is at
  // least that much.
  constexpr size_t kBytes = size_t{8} << 20;
  std::string block(kBytes, 'x');
  EXPECT_GE(ReadRssHighWaterMark(), static_cast<int64_t>(kBytes));
  EXPECT_EQ(block.back(), 'x');
}

TEST(MemoryLimitsTest, FindsTheV2AndV1CgroupPaths) {
  const std::string text =
      "9:name=systemd:/\n"
      "4:cpu,memory:/jobs/job-7\n"
      "0::/user.slice/session-3.scope\n";
  std::string path;
  ASSERT_TRUE(ParseCgroupPath(text, /*v2=*/true, &path));
  EXPECT_EQ(path, "/user.slice/session-3.scope");
  ASSERT_TRUE(ParseCgroupPath(text, /*v2=*/false, &path));
  EXPECT_EQ(path, "/jobs/job-7");
  EXPECT_FALSE(ParseCgroupPath("4:cpu:/x\n", /*v2=*/false, &path));
}

TEST(MemoryLimitsTest, FormatsBytes) {
  char text[32];
  FormatBytes(400 * kMiB, text, sizeof(text));
  EXPECT_STREQ(text, "400.0 MiB");
  FormatBytes(int64_t{3} << 29, text, sizeof(text));
  EXPECT_STREQ(text, "1.5 GiB");
  FormatBytes(1023, text, sizeof(text));
  EXPECT_STREQ(text, "1023 bytes");
  FormatBytes(1536, text, sizeof(text));
  EXPECT_STREQ(text, "1.5 KiB");
  FormatBytes(kMiB + kMiB / 20 - 1, text, sizeof(text));
  EXPECT_STREQ(text, "1.0 MiB");
  FormatBytes(INT64_MAX, text, sizeof(text));
  EXPECT_STREQ(text, "8388608.0 TiB");
}

TEST(MemoryLimitsTest, FindsTheMounts) {
  CgroupMount mount;
  ASSERT_TRUE(FindCgroupMount(kHybridMountinfo, /*v2=*/true, &mount));
  EXPECT_EQ(mount.mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(mount.root, "/");
  ASSERT_TRUE(FindCgroupMount(kHybridMountinfo, /*v2=*/false, &mount));
  EXPECT_EQ(mount.mount_point, "/sys/fs/cgroup/memory");
  // A v2-only machine, and a container's view of its own cgroup.
  ASSERT_TRUE(FindCgroupMount(
      "25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
      /*v2=*/true, &mount));
  EXPECT_EQ(mount.mount_point, "/sys/fs/cgroup");
  ASSERT_TRUE(FindCgroupMount(
      "9 8 0:3 /docker/abc /sys/fs/cgroup/memory\\040x ro - cgroup cgroup "
      "ro,memory,hugetlb\n",
      /*v2=*/false, &mount));
  EXPECT_EQ(mount.root, "/docker/abc");
  EXPECT_EQ(mount.mount_point, "/sys/fs/cgroup/memory x");
  EXPECT_FALSE(FindCgroupMount(
      "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,memoryx\n",
      /*v2=*/false, &mount));
  // A mount point with an (escaped) newline is skipped for the next match.
  ASSERT_TRUE(
      FindCgroupMount("25 20 0:22 / /sys/fs/c\\012x rw - cgroup2 cgroup2 rw\n"
                      "26 20 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                      /*v2=*/true, &mount));
  EXPECT_EQ(mount.mount_point, "/sys/fs/cgroup");
  EXPECT_FALSE(FindCgroupMount(
      "25 20 0:22 /a\\012b /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
      /*v2=*/true, &mount));
}

TEST(MemoryLimitsTest, MapsCgroupPathsUnderTheMountsRoot) {
  std::string directory;
  ASSERT_TRUE(
      CgroupDirectory({"/sys/fs/cgroup/memory", "/"}, "/a/b", &directory));
  EXPECT_EQ(directory, "/sys/fs/cgroup/memory/a/b");
  ASSERT_TRUE(CgroupDirectory({"/sys/fs/cgroup", "/"}, "/", &directory));
  EXPECT_EQ(directory, "/sys/fs/cgroup");
  ASSERT_TRUE(
      CgroupDirectory({"/m", "/docker/abc"}, "/docker/abc/x", &directory));
  EXPECT_EQ(directory, "/m/x");
  EXPECT_FALSE(
      CgroupDirectory({"/m", "/docker/abc"}, "/docker/abcd/x", &directory));
}

class FakeTreeTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = TempDirectory(); }
  void TearDown() override {
    std::string command = "rm -rf '" + root_ + "'";
    ASSERT_EQ(system(command.c_str()), 0);
  }
  // A v1 cgroup directory with its limit, usage and inactive page cache.
  std::string V1(const std::string& path, const std::string& limit,
                 int64_t usage, int64_t inactive, int use_hierarchy = 1) {
    std::string directory = root_ + "/sys/fs/cgroup/memory" + path;
    MakeDirectories(directory);
    WriteFile(directory + "/memory.limit_in_bytes", limit + "\n");
    WriteFile(directory + "/memory.usage_in_bytes",
              std::to_string(usage) + "\n");
    WriteFile(directory + "/memory.stat",
              "cache 1\ninactive_file 5\ntotal_cache 9\ntotal_inactive_file " +
                  std::to_string(inactive) + "\n");
    WriteFile(directory + "/memory.use_hierarchy",
              std::to_string(use_hierarchy) + "\n");
    return directory;
  }
  std::string root_;
};

TEST_F(FakeTreeTest, ALimitOnAnAncestorIsTheTightest) {
  const std::string no_limit = "9223372036854771712";
  V1("", no_limit, 5000 * kMiB, 0);
  const std::string a =
      V1("/a", std::to_string(400 * kMiB), 300 * kMiB, 50 * kMiB);
  V1("/a/b", no_limit, 290 * kMiB, 0);
  WriteFile(a + "/memory.oom_control", "oom_kill_disable 0\noom_kill 2\n");
  WriteFile(a + "/b/memory.oom_control", "oom_kill_disable 0\noom_kill 3\n");
  auto limits = std::make_unique<MemoryLimits>();
  limits->Discover("4:memory:/a/b\n0::/\n", kHybridMountinfo, root_);
  ASSERT_EQ(limits->cgroup_count(), 3);
  EXPECT_EQ(std::string(limits->cgroup_directory(0)), a + "/b");
  EXPECT_EQ(std::string(limits->cgroup_directory(1)), a);

  Headroom headroom;
  ASSERT_TRUE(limits->ReadCgroups(&headroom));
  EXPECT_EQ(headroom.limit, 400 * kMiB);
  // 400 MiB - (300 MiB used - 50 MiB reclaimable page cache).
  EXPECT_EQ(headroom.available, 150 * kMiB);
  EXPECT_EQ(std::string(headroom.description),
            "memory cgroup " + a + " limit of 400.0 MiB");
  // Tighter than this machine's memory and its (absent) resource limits.
  ASSERT_TRUE(limits->Read(&headroom));
  EXPECT_EQ(headroom.limit, 400 * kMiB);
  // v1 counts each kill in the victim's own cgroup: the sum over the chain.
  EXPECT_EQ(limits->ReadOomKillCount(), 5);

  // Usage past the limit (v1 lets it overshoot) leaves nothing, not less.
  WriteFile(a + "/memory.usage_in_bytes", std::to_string(500 * kMiB));
  ASSERT_TRUE(limits->ReadCgroups(&headroom));
  EXPECT_EQ(headroom.available, 0);
}

TEST_F(FakeTreeTest, AParentWithoutUseHierarchyDoesNotLimitItsChildren) {
  V1("/a", std::to_string(100 * kMiB), 10 * kMiB, 0, /*use_hierarchy=*/0);
  V1("/a/b", std::to_string(800 * kMiB), 10 * kMiB, 0);
  auto limits = std::make_unique<MemoryLimits>();
  limits->Discover("4:memory:/a/b\n", kHybridMountinfo, root_);
  ASSERT_EQ(limits->cgroup_count(), 1);
  Headroom headroom;
  ASSERT_TRUE(limits->ReadCgroups(&headroom));
  EXPECT_EQ(headroom.limit, 800 * kMiB);
  EXPECT_EQ(limits->ReadOomKillCount(), -1);  // no memory.oom_control
}

TEST_F(FakeTreeTest, CgroupV2NestedAtAnyDepth) {
  const std::string top = root_ + "/sys/fs/cgroup";
  const std::string leaf = top + "/x/y/z";
  MakeDirectories(leaf);
  for (const std::string& d : {top + "/x", top + "/x/y", leaf}) {
    WriteFile(d + "/memory.max", "max\n");
    WriteFile(d + "/memory.current", std::to_string(100 * kMiB) + "\n");
    WriteFile(d + "/memory.stat", "anon 1\ninactive_file 0\n");
    WriteFile(d + "/memory.events", "low 0\noom 1\noom_kill 4\n");
  }
  WriteFile(top + "/x/memory.max", std::to_string(kMiB * 1024) + "\n");
  WriteFile(top + "/x/y/memory.max", std::to_string(kMiB * 512) + "\n");
  auto limits = std::make_unique<MemoryLimits>();
  limits->Discover(
      "0::/x/y/z\n",
      "25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
      root_);
  ASSERT_EQ(limits->cgroup_count(), 3);  // the root has no memory.max
  EXPECT_TRUE(limits->cgroup_is_v2(0));
  Headroom headroom;
  ASSERT_TRUE(limits->ReadCgroups(&headroom));
  EXPECT_EQ(headroom.limit, 512 * kMiB);
  EXPECT_EQ(headroom.available, 412 * kMiB);
  EXPECT_EQ(std::string(headroom.description),
            "memory cgroup " + top + "/x/y limit of 512.0 MiB");
  // v2's memory.events already counts the subtree: the innermost only.
  EXPECT_EQ(limits->ReadOomKillCount(), 4);
}

TEST_F(FakeTreeTest, AContainersViewOfTheHostPathDropsLeadingComponents) {
  // /proc/self/cgroup shows the host's path, the mount only the container's.
  V1("/job", std::to_string(64 * kMiB), kMiB, 0);
  auto limits = std::make_unique<MemoryLimits>();
  limits->Discover("4:memory:/kubepods/pod1/job\n", kHybridMountinfo, root_);
  ASSERT_GE(limits->cgroup_count(), 1);
  EXPECT_EQ(std::string(limits->cgroup_directory(0)),
            root_ + "/sys/fs/cgroup/memory/job");
}

TEST(MemoryLimitsTest, ReadsThisMachine) {
  InitMemoryLimits();
  Headroom headroom;
  ASSERT_TRUE(ReadHeadroom(&headroom));
  EXPECT_GT(headroom.limit, 0);
  EXPECT_GE(headroom.available, 0);
  EXPECT_LE(headroom.available, headroom.limit);
  EXPECT_NE(headroom.description[0], '\0');
}

// Runs `body` in a child process and returns what it wrote to the pipe;
// keeps resource limits and cgroup moves out of the test process.
template <typename Body>
std::string InChild(Body body) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::string out = body();
    ssize_t ignored = write(fds[1], out.data(), out.size());
    (void)ignored;
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buffer[512];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof(buffer))) > 0) out.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

std::string Describe(const Headroom& h) {
  return std::string(h.description) + "|" + std::to_string(h.limit) + "|" +
         std::to_string(h.available);
}

int64_t AddressSpaceBytes() {
  int64_t size = 0;
  int64_t data = 0;
  const std::string statm = Slurp("/proc/self/statm");
  EXPECT_TRUE(ParseStatm(statm.c_str(), &size, &data));
  return size * sysconf(_SC_PAGESIZE);
}

TEST(MemoryLimitsTest, RlimitAsAgainstTheAddressSpaceInUse) {
  const std::string out = InChild([] {
    const int64_t used = AddressSpaceBytes();
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = static_cast<rlim_t>(used + 256 * kMiB);
    if (setrlimit(RLIMIT_AS, &limit) != 0) return std::string("setrlimit");
    Headroom before;
    ReadHeadroom(&before);
    // A 100 MiB mapping takes 100 MiB of it, touched or not.
    void* block = mmap(nullptr, 100 * kMiB, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    Headroom after;
    ReadHeadroom(&after);
    munmap(block, 100 * kMiB);
    return Describe(before) + "\n" + Describe(after) + "\n" +
           std::to_string(used + 256 * kMiB);
  });
  std::istringstream lines(out);
  std::string before, after, limit;
  std::getline(lines, before);
  std::getline(lines, after);
  std::getline(lines, limit);
  ASSERT_EQ(before.rfind("RLIMIT_AS of ", 0), 0u) << out;
  ASSERT_EQ(after.rfind("RLIMIT_AS of ", 0), 0u) << out;
  const auto field = [](const std::string& line, int i) {
    size_t at = 0;
    for (int k = 0; k < i; ++k) at = line.find('|', at) + 1;
    return std::stoll(line.substr(at, line.find('|', at) - at));
  };
  EXPECT_EQ(field(before, 1), std::stoll(limit));
  // Within a few pages of 256 MiB (the child's reading allocates little).
  EXPECT_NEAR(field(before, 2), 256 * kMiB, 4 * kMiB);
  EXPECT_NEAR(field(before, 2) - field(after, 2), 100 * kMiB, 2 * kMiB);
}

TEST(MemoryLimitsTest, RlimitDataAgainstTheDataSegment) {
  const std::string out = InChild([] {
    int64_t size = 0;
    int64_t data = 0;
    const std::string statm = Slurp("/proc/self/statm");
    ParseStatm(statm.c_str(), &size, &data);
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max =
        static_cast<rlim_t>(data * sysconf(_SC_PAGESIZE) + 128 * kMiB);
    if (setrlimit(RLIMIT_DATA, &limit) != 0) return std::string("setrlimit");
    Headroom h;
    ReadHeadroom(&h);
    return Describe(h);
  });
  EXPECT_EQ(out.rfind("RLIMIT_DATA of ", 0), 0u) << out;
  const std::string available = out.substr(out.rfind('|') + 1);
  EXPECT_NEAR(std::stoll(available), 128 * kMiB, 4 * kMiB) << out;
}

// The real thing: a limit on a parent cgroup, the process in its child.
// Needs a writable cgroup v1 memory hierarchy (root on these machines).
class RealCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path;
    if (!ParseCgroupPath(Slurp("/proc/self/cgroup"), /*v2=*/false, &path)) {
      GTEST_SKIP() << "no cgroup v1 memory controller here";
    }
    CgroupMount mount;
    if (!FindCgroupMount(Slurp("/proc/self/mountinfo"), false, &mount) ||
        !CgroupDirectory(mount, path, &own_)) {
      GTEST_SKIP() << "cannot find this process's memory cgroup";
    }
    parent_ = own_ + "/tidemark_limits_test_" + std::to_string(getpid());
    child_ = parent_ + "/child";
    if (mkdir(parent_.c_str(), 0755) != 0 || mkdir(child_.c_str(), 0755) != 0) {
      GTEST_SKIP() << "cannot create a memory cgroup under " << own_ << ": "
                   << strerror(errno);
    }
  }
  void TearDown() override {
    if (!child_.empty()) rmdir(child_.c_str());
    if (!parent_.empty()) rmdir(parent_.c_str());
  }
  std::string own_, parent_, child_;
};

TEST_F(RealCgroupTest, ALimitOnTheParentCgroupIsFoundAndKillsAreCounted) {
  WriteFile(parent_ + "/memory.limit_in_bytes", std::to_string(96 * kMiB));
  ASSERT_EQ(Slurp(parent_ + "/memory.limit_in_bytes"),
            std::to_string(96 * kMiB) + "\n");
  const std::string child = child_;
  const std::string out = InChild([child] {
    WriteFile(child + "/cgroup.procs", std::to_string(getpid()));
    auto limits = std::make_unique<MemoryLimits>();
    limits->Discover(Slurp("/proc/self/cgroup"), Slurp("/proc/self/mountinfo"),
                     "");
    Headroom h;
    if (!limits->Read(&h)) return std::string("no headroom");
    const int64_t kills_before = limits->ReadOomKillCount();
    // A leak the kernel kills at the parent's limit.
    const pid_t leaker = fork();
    if (leaker == 0) {
      for (;;) {
        char* p = static_cast<char*>(malloc(4 * kMiB));
        if (p != nullptr) memset(p, 1, 4 * kMiB);
      }
    }
    int status = 0;
    waitpid(leaker, &status, 0);
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    return Describe(h) + "\n" + std::to_string(kills_before) + "\n" +
           std::to_string(limits->ReadOomKillCount()) + "\n" +
           (killed ? "killed" : "not killed");
  });
  std::istringstream lines(out);
  std::string headroom, before, after, killed;
  std::getline(lines, headroom);
  std::getline(lines, before);
  std::getline(lines, after);
  std::getline(lines, killed);
  EXPECT_EQ(headroom.substr(0, headroom.find('|')),
            "memory cgroup " + parent_ + " limit of 96.0 MiB")
      << out;
  EXPECT_EQ(headroom.substr(headroom.find('|') + 1,
                            headroom.rfind('|') - headroom.find('|') - 1),
            std::to_string(96 * kMiB));
  EXPECT_EQ(before, "0");
  EXPECT_EQ(after, "1");
  EXPECT_EQ(killed, "killed");
}

}  // namespace
}  // namespace tidemark
