#include "interposers/preload/anonymous_mapping.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace preload {
namespace {

MappingKind Kind(const std::string& line, uintptr_t address) {
  return KindInMapsLine(line.data(), line.size(), address);
}

TEST(KindInMapsLineTest, ReadsTheInodeAndThePath) {
  EXPECT_EQ(
      Kind("7f0000000000-7f0000004000 rw-p 00000000 00:00 0 ", 0x7f0000001000),
      MappingKind::kAnonymous);
  EXPECT_EQ(
      Kind("7f0000000000-7f0000004000 rw-p 00000000 00:00 0", 0x7f0000000000),
      MappingKind::kAnonymous);
  EXPECT_EQ(Kind("55d0000000-55d0021000 rw-p 00000000 00:00 0          [heap]",
                 0x55d0000010),
            MappingKind::kAnonymous);
  EXPECT_EQ(Kind("7f0000000000-7f0000004000 rw-s 00000000 00:01 1045       "
                 "/dev/zero (deleted)",
                 0x7f0000000010),
            MappingKind::kAnonymous);
  EXPECT_EQ(Kind("7f0000000000-7f0000004000 rw-s 00000000 00:01 2048       "
                 "/memfd:job (deleted)",
                 0x7f0000000010),
            MappingKind::kFile);
  EXPECT_EQ(Kind("7f0000000000-7f0000004000 r--p 00000000 08:01 131075     "
                 "/usr/lib/x86_64-linux-gnu/libc.so.6",
                 0x7f0000003fff),
            MappingKind::kFile);
}

TEST(KindInMapsLineTest, OutsideTheRangeOrMalformedIsUnknown) {
  const std::string line = "1000-2000 rw-p 00000000 00:00 0";
  EXPECT_EQ(Kind(line, 0x0fff), MappingKind::kUnknown);
  EXPECT_EQ(Kind(line, 0x2000), MappingKind::kUnknown);  // end is exclusive
  EXPECT_EQ(Kind("", 0x1000), MappingKind::kUnknown);
  EXPECT_EQ(Kind("1000 rw-p 0 00:00 0", 0x1000), MappingKind::kUnknown);
  EXPECT_EQ(Kind("1000-2000 rw-p 0 00:00", 0x1000), MappingKind::kUnknown);
  EXPECT_EQ(Kind("1000-2000 rw-p 0 00:00 x", 0x1000), MappingKind::kUnknown);
  EXPECT_EQ(Kind("10000000000000000000-2 rw-p 0 00:00 0", 0x1000),
            MappingKind::kUnknown);  // overflows
}

TEST(KindOfMappingAtTest, AsksTheKernel) {
  const size_t page = static_cast<size_t>(getpagesize());
  void* anonymous = mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(anonymous, MAP_FAILED);
  EXPECT_EQ(KindOfMappingAt(reinterpret_cast<uintptr_t>(anonymous) + page),
            MappingKind::kAnonymous);
  void* shared = mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(shared, MAP_FAILED);
  EXPECT_EQ(KindOfMappingAt(reinterpret_cast<uintptr_t>(shared)),
            MappingKind::kAnonymous);
  const int fd = memfd_create("anonymous-mapping-test", 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, static_cast<off_t>(4 * page)), 0);
  void* file = mmap(nullptr, 4 * page, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  ASSERT_NE(file, MAP_FAILED);
  EXPECT_EQ(KindOfMappingAt(reinterpret_cast<uintptr_t>(file)),
            MappingKind::kFile);
  // This function's own code is a file's (the test binary).
  EXPECT_EQ(KindOfMappingAt(reinterpret_cast<uintptr_t>(&KindOfMappingAt)),
            MappingKind::kFile);
  munmap(anonymous, 4 * page);
  munmap(shared, 4 * page);
  munmap(file, 4 * page);
  // Nothing mapped there any more.
  EXPECT_EQ(KindOfMappingAt(reinterpret_cast<uintptr_t>(anonymous)),
            MappingKind::kUnknown);
}

}  // namespace
}  // namespace preload
}  // namespace tidemark
