#include "interposers/preload/lookup_order.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace preload {
namespace {

// The library whose malloc this test binary's calls reach: glibc's, or a
// sanitizer runtime's under --config=tsan/asan.
std::string MallocServer() {
  Dl_info info;
  if (dladdr(dlsym(RTLD_DEFAULT, "malloc"), &info) == 0) return "";
  return info.dli_fname;
}

TEST(LookupOrderTest, TheLibraryThatServesMallocIsFirst) {
  Dl_info info;
  ASSERT_NE(dladdr(dlsym(RTLD_DEFAULT, "malloc"), &info), 0);
  ASSERT_NE(std::string(info.dli_fname), "");  // a library, not this binary
  std::string error;
  EXPECT_TRUE(FirstInLookupOrder(info.dli_saddr, &error)) << error;
}

// A library loaded after start-up comes after the C library, which takes
// every malloc: the error names it and says what to do.
TEST(LookupOrderTest, ALibraryAfterTheCLibraryIsNotFirst) {
  void* zlib = dlopen("libz.so.1", RTLD_NOW | RTLD_GLOBAL);
  ASSERT_NE(zlib, nullptr) << dlerror();
  void* in_zlib = dlsym(zlib, "zlibVersion");
  ASSERT_NE(in_zlib, nullptr);
  std::string error;
  EXPECT_FALSE(FirstInLookupOrder(in_zlib, &error));
  const std::string server = MallocServer();
  ASSERT_NE(server, "");
  EXPECT_EQ(error, "malloc is served by " + server +
                       ", which comes before libz.so.1 in the lookup order, so "
                       "no allocation can be seen (list libz.so.1 first in "
                       "LD_PRELOAD)");
  dlclose(zlib);
}

}  // namespace
}  // namespace preload
}  // namespace tidemark
