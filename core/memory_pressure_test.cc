#include "core/memory_pressure.h"

#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(MemoryPressureTest, ParsesMeminfo) {
  const std::string text =
      "MemTotal:       24576000 kB\n"
      "MemFree:         1000000 kB\n"
      "MemAvailable:    2048000 kB\n"
      "Buffers:            1234 kB\n";
  MemoryStatus status;
  ASSERT_TRUE(ParseMeminfo(text, &status));
  EXPECT_EQ(status.limit, int64_t{24576000} * 1024);
  EXPECT_EQ(status.available, int64_t{2048000} * 1024);
}

TEST(MemoryPressureTest, MeminfoWithoutMemAvailableIsRejected) {
  MemoryStatus status;
  EXPECT_FALSE(ParseMeminfo("MemTotal: 100 kB\nMemFree: 50 kB\n", &status));
}

TEST(MemoryPressureTest, FindsTheV2AndV1CgroupPaths) {
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

TEST(MemoryPressureTest, ParsesLimits) {
  int64_t bytes = 0;
  EXPECT_TRUE(ParseLimit("1073741824\n", &bytes));
  EXPECT_EQ(bytes, int64_t{1} << 30);
  EXPECT_FALSE(ParseLimit("max\n", &bytes));
  EXPECT_FALSE(ParseLimit("9223372036854771712\n", &bytes));  // v1 "none"
  EXPECT_FALSE(ParseLimit("", &bytes));
}

TEST(MemoryPressureTest, MeminfoTooLargeToCountInBytesIsRejected) {
  // 2^53 KiB is 2^63 bytes: one more than int64_t holds.
  MemoryStatus status;
  EXPECT_FALSE(ParseMeminfo(
      "MemTotal: 9007199254740992 kB\nMemAvailable: 1 kB\n", &status));
  EXPECT_TRUE(ParseMeminfo(
      "MemTotal: 9007199254740991 kB\nMemAvailable: 1 kB\n", &status));
  EXPECT_EQ(status.limit, int64_t{9007199254740991} * 1024);
}

TEST(MemoryPressureTest, CgroupLimitAndUsage) {
  MemoryStatus status;
  ASSERT_TRUE(ParseCgroupMemory("1000\n", "400\n", &status));
  EXPECT_EQ(status.limit, 1000);
  EXPECT_EQ(status.available, 600);
  ASSERT_TRUE(ParseCgroupMemory("1000\n", "1200\n", &status));
  EXPECT_EQ(status.available, 0);  // over the limit (v1 lets usage overshoot)
  // A usage that cannot be real does not overflow the subtraction.
  ASSERT_TRUE(ParseCgroupMemory("1000\n", "-9223372036854775808\n", &status));
  EXPECT_EQ(status.available, 1000);
  EXPECT_FALSE(ParseCgroupMemory("max\n", "400\n", &status));
}

TEST(MemoryPressureTest, RssHighWaterMarkFromStatusText) {
  EXPECT_EQ(ParseRssHighWaterMark("Name:\tpython3\nVmHWM:\t  2048 kB\n"),
            2048 * 1024);
  EXPECT_EQ(ParseRssHighWaterMark("Name:\tpython3\n"), 0);
  EXPECT_EQ(ParseRssHighWaterMark("VmHWM: 99999999999999999999 kB\n"), 0);
}

TEST(MemoryPressureTest, NearOutOfMemoryBelowTheFraction) {
  MemoryStatus status{1000, 49};
  EXPECT_TRUE(IsNearOutOfMemory(status, 0.05));
  status.available = 50;
  EXPECT_FALSE(IsNearOutOfMemory(status, 0.05));
  EXPECT_FALSE(IsNearOutOfMemory(MemoryStatus{}, 0.05));  // unknown limit
}

TEST(MemoryPressureTest, ReadsThisMachine) {
  MemoryStatus status;
  ASSERT_TRUE(ReadMemoryStatus(&status));
  EXPECT_GT(status.limit, 0);
  EXPECT_GE(status.available, 0);
  EXPECT_LE(status.available, status.limit);
}

TEST(MemoryPressureTest, ReadsThisProcesssRssHighWaterMark) {
  // A touched 8 MiB block is resident now, so the high-water mark is at
  // least that much.
  constexpr size_t kBytes = size_t{8} << 20;
  std::string block(kBytes, 'x');
  EXPECT_GE(ReadRssHighWaterMark(), static_cast<int64_t>(kBytes));
  EXPECT_EQ(block.back(), 'x');
}

}  // namespace
}  // namespace tidemark
