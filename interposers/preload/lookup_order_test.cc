#include "interposers/preload/lookup_order.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace preload {
namespace {

// This test binary defines no malloc: glibc's serves it, and nothing ahead
// of libc.so.6 in the lookup order defines one.
TEST(LookupOrderTest, TheCLibraryIsFirstForItsOwnMalloc) {
  void* libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr) << dlerror();
  void* in_libc = dlsym(libc, "malloc");
  ASSERT_NE(in_libc, nullptr);
  std::string error;
  EXPECT_TRUE(FirstInLookupOrder(in_libc, &error)) << error;
  dlclose(libc);
}

// A library loaded after start-up comes after libc.so.6, which takes every
// malloc: the error names libc.so.6 and says what to do.
TEST(LookupOrderTest, ALibraryAfterTheCLibraryIsNotFirst) {
  void* zlib = dlopen("libz.so.1", RTLD_NOW | RTLD_GLOBAL);
  ASSERT_NE(zlib, nullptr) << dlerror();
  void* in_zlib = dlsym(zlib, "zlibVersion");
  ASSERT_NE(in_zlib, nullptr);
  std::string error;
  EXPECT_FALSE(FirstInLookupOrder(in_zlib, &error));
  EXPECT_EQ(error,
            "malloc is served by /lib/x86_64-linux-gnu/libc.so.6, which comes "
            "before libz.so.1 in the lookup order, so no allocation can be "
            "seen (list libz.so.1 first in LD_PRELOAD)");
  dlclose(zlib);
}

}  // namespace
}  // namespace preload
}  // namespace tidemark
