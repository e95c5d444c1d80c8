#include "core/module_map.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>

#include <cstring>
#include <string>

#include "core/profile.h"
#include "core/profile_reader.h"
#include "core/profile_store.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

int FunctionHere() { return 1; }

// A function of libc's that no sanitizer intercepts (strlen would be
// ASan's).
uint64_t LibcAddress() {
  return reinterpret_cast<uint64_t>(&gnu_get_libc_version);
}

TEST(ModuleMap, FindsTheExecutableAndLibcWithTheirBuildIds) {
  ModuleMap& map = ModuleMap::Get();
  map.RefreshIfChanged();
  ASSERT_GT(map.count(), 2u);
  const ModuleRecord* self =
      map.Find(reinterpret_cast<uint64_t>(&FunctionHere));
  ASSERT_NE(self, nullptr);
  EXPECT_NE(std::string(self->path).find("module_map_test"), std::string::npos)
      << self->path;
  const ModuleRecord* libc = map.Find(LibcAddress());
  ASSERT_NE(libc, nullptr);
  EXPECT_NE(std::string(libc->path).find("libc.so"), std::string::npos)
      << libc->path;
  EXPECT_EQ(libc->build_id_bytes, 20u);  // Debian's are SHA-1 build ids
  EXPECT_GT(libc->bias, 0u);
  // Nothing is mapped at address 16.
  EXPECT_EQ(map.Find(16), nullptr);
}

TEST(ModuleMap, KeepsALibraryAfterDlcloseAndStoresEveryModule) {
  ModuleMap& map = ModuleMap::Get();
  ProfileStore::Facts facts;
  facts.pid = 1;
  ProfileStore* store = ProfileStore::CreateInMemory(facts);
  ASSERT_NE(store, nullptr);
  map.RefreshIfChanged();
  map.set_store(store);
  const uint32_t before = map.count();

  void* library = dlopen("libbz2.so.1.0", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << dlerror();
  const auto address =
      reinterpret_cast<uint64_t>(dlsym(library, "BZ2_bzlibVersion"));
  ASSERT_NE(address, 0u);
  EXPECT_EQ(map.Find(address), nullptr);  // not looked at since the load
  map.RefreshIfChanged();
  ASSERT_EQ(map.count(), before + 1);
  const ModuleRecord* found = map.Find(address);
  ASSERT_NE(found, nullptr);
  EXPECT_NE(std::string(found->path).find("libbz2.so"), std::string::npos);
  const uint64_t unloads = map.unloads();

  ASSERT_EQ(dlclose(library), 0);
  map.RefreshIfChanged();
  EXPECT_EQ(map.unloads(), unloads + 1);
  EXPECT_EQ(map.count(), before + 1);  // kept: its frames are still named
  EXPECT_EQ(map.Find(address), found);

  // The stored profile has them all, in order, as the reader gives them.
  Profile profile;
  std::string error;
  ASSERT_TRUE(
      ReadStoredProfile(*store, StoredSnapshot::kPeak, &profile, &error))
      << error;
  ASSERT_EQ(profile.modules.size(), map.count());
  for (uint32_t i = 0; i < map.count(); ++i) {
    EXPECT_EQ(profile.modules[i].path, map.at(i)->path);
    EXPECT_EQ(profile.modules[i].start, map.at(i)->start);
    EXPECT_EQ(profile.modules[i].end, map.at(i)->end);
    EXPECT_EQ(profile.modules[i].bias, map.at(i)->bias);
    EXPECT_EQ(profile.modules[i].build_id.size(), map.at(i)->build_id_bytes);
  }
  map.set_store(nullptr);
}

TEST(ModuleMap, ResolveNativeRecordsTheModuleAndNoName) {
  ResolvedFrame out;
  strcpy(out.function, "junk");
  ModuleMap::ResolveNative(LibcAddress() + 1, &out);
  EXPECT_STREQ(out.function, "");
  EXPECT_NE(std::string(out.file).find("libc.so"), std::string::npos);
  ModuleMap::ResolveNative(16, &out);
  EXPECT_STREQ(out.file, "");
}

}  // namespace
}  // namespace tidemark
