#include "tools/child_env.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

using ::testing::Contains;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::StartsWith;

int CountWithName(const std::vector<std::string>& env,
                  const std::string& name) {
  return static_cast<int>(std::count_if(
      env.begin(), env.end(),
      [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; }));
}

TEST(ChildEnvTest, MinimalConfiguration) {
  char* parent[] = {const_cast<char*>("PATH=/bin"),
                    const_cast<char*>("HOME=/home/u"), nullptr};
  ProfileFlags flags;
  std::vector<std::string> env =
      BuildChildEnvironment(parent, flags, "/out", "/lib/libtidemark.so", "");
  EXPECT_THAT(env, IsSupersetOf({"PATH=/bin", "HOME=/home/u",
                                 "LD_PRELOAD=/lib/libtidemark.so",
                                 "TIDEMARK_MODE=exact", "TIDEMARK_OUTPUT=/out",
                                 "TIDEMARK_LAUNCHED=1"}));
  EXPECT_EQ(env.size(), 6u);
}

TEST(ChildEnvTest, EveryGivenFlagBecomesAVariable) {
  ProfileFlags flags;
  flags.mode = Mode::kSample;
  flags.unwinder = "native";
  flags.reporters = "folded,top_table";
  flags.sample_interval_bytes = 512 * 1024;
  flags.flush_interval_seconds = 0.1;
  flags.top_rows = 3;
  flags.sample_seed = 18446744073709551615u;
  flags.oom_detection = false;
  flags.oom_exit = true;
  std::vector<std::string> env =
      BuildChildEnvironment(nullptr, flags, "/out", "/lib.so", "");
  EXPECT_THAT(
      env, IsSupersetOf({"TIDEMARK_MODE=sample", "TIDEMARK_UNWINDER=native",
                         "TIDEMARK_REPORTERS=folded,top_table",
                         "TIDEMARK_SAMPLE_INTERVAL=524288",
                         "TIDEMARK_FLUSH_INTERVAL=0.1", "TIDEMARK_TOP=3",
                         "TIDEMARK_SAMPLE_SEED=18446744073709551615",
                         "TIDEMARK_OOM_DETECTION=0", "TIDEMARK_OOM_EXIT=1"}));
}

TEST(ChildEnvTest, LibraryGoesInFrontOfExistingPreload) {
  char* parent[] = {const_cast<char*>("LD_PRELOAD=/a.so:/b.so"), nullptr};
  std::vector<std::string> env =
      BuildChildEnvironment(parent, ProfileFlags(), "/o", "/t.so", "");
  EXPECT_THAT(env, Contains("LD_PRELOAD=/t.so:/a.so:/b.so"));
  EXPECT_EQ(CountWithName(env, "LD_PRELOAD"), 1);

  char* empty_preload[] = {const_cast<char*>("LD_PRELOAD="), nullptr};
  env = BuildChildEnvironment(empty_preload, ProfileFlags(), "/o", "/t.so", "");
  EXPECT_THAT(env, Contains("LD_PRELOAD=/t.so"));
}

TEST(ChildEnvTest, InterposerAndItsLastPreloadEntry) {
  // glibc's debug library goes after what the user preloaded, so a
  // preloaded allocator keeps the program's malloc.
  char* parent[] = {const_cast<char*>("LD_PRELOAD=/je.so"), nullptr};
  ProfileFlags flags;
  flags.interposer = "glibc";
  std::vector<std::string> env = BuildChildEnvironment(
      parent, flags, "/o", "/t_glibc.so", "", "/lib/libc_malloc_debug.so.0");
  EXPECT_THAT(env, Contains("LD_PRELOAD=/t_glibc.so:/je.so:/lib/"
                            "libc_malloc_debug.so.0"));
  EXPECT_THAT(env, Contains("TIDEMARK_INTERPOSER=glibc"));
  char* none[] = {nullptr};
  env = BuildChildEnvironment(none, ProfileFlags(), "/o", "/t.so", "");
  EXPECT_EQ(CountWithName(env, "TIDEMARK_INTERPOSER"), 0);
}

TEST(ChildEnvTest, InheritedSettingsAreReplaced) {
  char* parent[] = {const_cast<char*>("TIDEMARK_MODE=sample"),
                    const_cast<char*>("TIDEMARK_TOP=99"),
                    const_cast<char*>("TIDEMARK_OUTPUT=/old"),
                    const_cast<char*>("TIDEMARK_LAUNCHED=0"),
                    const_cast<char*>("TIDEMARK_INTERPOSER=bogus"),
                    const_cast<char*>("TIDEMARK_LIBRARY=/keep.so"),
                    const_cast<char*>("TIDEMARK_OOM_EXIT=1"),
                    const_cast<char*>("TIDEMARK_OOM_DETECTION=0"),
                    nullptr};
  std::vector<std::string> env =
      BuildChildEnvironment(parent, ProfileFlags(), "/new", "/t.so", "");
  EXPECT_THAT(env, Contains("TIDEMARK_MODE=exact"));
  EXPECT_THAT(env, Contains("TIDEMARK_OUTPUT=/new"));
  EXPECT_THAT(env, Contains("TIDEMARK_LAUNCHED=1"));
  EXPECT_THAT(env, Contains("TIDEMARK_LIBRARY=/keep.so"));
  EXPECT_THAT(env, Not(Contains(StartsWith("TIDEMARK_TOP="))));
  EXPECT_THAT(env, Not(Contains(StartsWith("TIDEMARK_INTERPOSER="))));
  EXPECT_THAT(env, Not(Contains(StartsWith("TIDEMARK_OOM_"))));
  EXPECT_EQ(CountWithName(env, "TIDEMARK_MODE"), 1);
  EXPECT_EQ(CountWithName(env, "TIDEMARK_OUTPUT"), 1);
  EXPECT_EQ(CountWithName(env, "TIDEMARK_LAUNCHED"), 1);
}

TEST(ChildEnvTest, WorkingDirectorySetsPwd) {
  char* parent[] = {const_cast<char*>("PWD=/runfiles"), nullptr};
  std::vector<std::string> env =
      BuildChildEnvironment(parent, ProfileFlags(), "/o", "/t.so", "/home/u");
  EXPECT_THAT(env, Contains("PWD=/home/u"));
  EXPECT_EQ(CountWithName(env, "PWD"), 1);

  env = BuildChildEnvironment(parent, ProfileFlags(), "/o", "/t.so", "");
  EXPECT_THAT(env, Contains("PWD=/runfiles"));
}

// The launcher ends the job with the library's own reading of the
// child's environment: the same threshold, follow-children and reporters.
TEST(ChildEnvTest, TheLauncherReadsTheConfigurationTheLibraryWill) {
  char* parent[] = {const_cast<char*>("TIDEMARK_PROCESS_THRESHOLD=1"),
                    const_cast<char*>("TIDEMARK_FOLLOW_CHILDREN=0"), nullptr};
  Config config;
  std::string error;
  ASSERT_TRUE(ConfigForChild(
      BuildChildEnvironment(parent, ProfileFlags(), "/o", "/t.so", ""), &config,
      &error))
      << error;
  // Inherited settings are dropped: the defaults.
  EXPECT_EQ(config.process_threshold_bytes, 1 << 20);
  EXPECT_TRUE(config.follow_children);
  EXPECT_STREQ(config.reporters, Config().reporters);
  EXPECT_TRUE(config.launched_by_tool);

  ProfileFlags flags;
  flags.process_threshold_bytes = 0;
  flags.follow_children = false;
  flags.reporters = "top_table";
  ASSERT_TRUE(ConfigForChild(
      BuildChildEnvironment(parent, flags, "/o", "/t.so", ""), &config, &error))
      << error;
  EXPECT_EQ(config.process_threshold_bytes, 0);
  EXPECT_FALSE(config.follow_children);
  EXPECT_STREQ(config.reporters, "top_table");
  flags.process_threshold_bytes = 3 << 20;
  ASSERT_TRUE(
      ConfigForChild(BuildChildEnvironment(parent, flags, "/o", "/t.so", ""),
                     &config, &error));
  EXPECT_EQ(config.process_threshold_bytes, 3 << 20);

  EXPECT_FALSE(ConfigForChild({"TIDEMARK_TOP=lots"}, &config, &error));
  EXPECT_NE(error.find("TIDEMARK_TOP"), std::string::npos) << error;
}

TEST(ChildEnvTest, ExactDecimalRoundTrips) {
  EXPECT_EQ(ExactDecimal(60), "60");
  EXPECT_EQ(ExactDecimal(0.5), "0.5");
  EXPECT_EQ(ExactDecimal(0.1), "0.1");
  for (double value : {1.0 / 3, 123456.789, 1e-7, 999999999.0}) {
    EXPECT_EQ(strtod(ExactDecimal(value).c_str(), nullptr), value);
  }
}

}  // namespace
}  // namespace tidemark
