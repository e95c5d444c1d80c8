#include "tools/library_locator.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;

std::string NewTempDir() {
  const char* root = getenv("TEST_TMPDIR");
  std::string pattern = std::string(root != nullptr ? root : "/tmp") +
                        "/library_locator_test.XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

void Touch(const std::string& path) {
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr) << path;
  fclose(f);
}

TEST(LibraryLocatorTest, CandidatesInOrder) {
  EXPECT_THAT(
      LibraryCandidates(nullptr, "/rf", "/bin/dir/profile", "/user"),
      ElementsAre("/rf/tidemark/tools/libtidemark.so",
                  "/bin/dir/profile.runfiles/tidemark/tools/libtidemark.so",
                  "/bin/dir/libtidemark.so"));
  EXPECT_THAT(
      LibraryCandidates("", "", "/bin/dir/profile", "/user"),
      ElementsAre("/bin/dir/profile.runfiles/tidemark/tools/libtidemark.so",
                  "/bin/dir/libtidemark.so"));
}

TEST(LibraryLocatorTest, EachInterposerHasALibraryOfItsOwn) {
  EXPECT_EQ(LibraryFileName("preload"), "libtidemark.so");
  EXPECT_EQ(LibraryFileName(""), "libtidemark.so");
  EXPECT_EQ(LibraryFileName("glibc"), "libtidemark_glibc.so");
  EXPECT_EQ(LibraryFileName("jemalloc"), "libtidemark_jemalloc.so");
  EXPECT_THAT(
      LibraryCandidates(nullptr, "/rf", "/bin/dir/profile", "/user",
                        "libtidemark_glibc.so"),
      ElementsAre(
          "/rf/tidemark/tools/libtidemark_glibc.so",
          "/bin/dir/profile.runfiles/tidemark/tools/libtidemark_glibc.so",
          "/bin/dir/libtidemark_glibc.so"));
  // TIDEMARK_LIBRARY names libtidemark.so; the others sit beside it.
  EXPECT_THAT(LibraryCandidates("/opt/lib/libtidemark.so", "/rf", "/bin/p",
                                "/user", "libtidemark_jemalloc.so"),
              ElementsAre("/opt/lib/libtidemark_jemalloc.so"));
}

TEST(LibraryLocatorTest, FindsGlibcsDebugLibrary) {
  // Debian 12's glibc (2.36) ships it in libc6.
  const std::string path = FindMallocDebugLibrary();
  EXPECT_THAT(path, EndsWith("/libc_malloc_debug.so.0"));
  EXPECT_EQ(path[0], '/');
}

TEST(LibraryLocatorTest, ExplicitLibraryIsTheOnlyCandidate) {
  EXPECT_THAT(
      LibraryCandidates("/opt/libtidemark.so", "/rf", "/bin/profile", "/user"),
      ElementsAre("/opt/libtidemark.so"));
  EXPECT_THAT(LibraryCandidates("build/lib.so", "/rf", "/bin/profile", "/user"),
              ElementsAre("/user/build/lib.so"));
}

TEST(LibraryLocatorTest, FindsFirstExistingFileAsCanonicalPath) {
  std::string dir = NewTempDir();
  ASSERT_EQ(mkdir((dir + "/second").c_str(), 0777), 0);
  ASSERT_EQ(mkdir((dir + "/third").c_str(), 0777), 0);
  Touch(dir + "/second/libtidemark.so");
  Touch(dir + "/third/libtidemark.so");
  ASSERT_EQ(symlink((dir + "/second/libtidemark.so").c_str(),
                    (dir + "/link.so").c_str()),
            0);

  std::string found;
  ASSERT_TRUE(FindLibrary({dir + "/first/libtidemark.so",
                           dir + "/second",  // a folder is no library
                           dir + "/link.so", dir + "/third/libtidemark.so"},
                          &found));
  char* real_dir = realpath(dir.c_str(), nullptr);
  ASSERT_NE(real_dir, nullptr);
  EXPECT_EQ(found, std::string(real_dir) + "/second/libtidemark.so");
  free(real_dir);
}

TEST(LibraryLocatorTest, NothingFound) {
  std::string found = "unchanged";
  EXPECT_FALSE(FindLibrary({"/nonexistent/libtidemark.so"}, &found));
  EXPECT_FALSE(FindLibrary({}, &found));
  EXPECT_EQ(found, "unchanged");
}

TEST(LibraryLocatorTest, RealExecutablePathIsThisTestBinary) {
  EXPECT_THAT(RealExecutablePath(), EndsWith("/library_locator_test"));
}

}  // namespace
}  // namespace tidemark
