#include "core/config.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(ConfigTest, DefaultsWhenNothingIsSet) {
  char* envp[] = {const_cast<char*>("PATH=/bin"), nullptr};
  Config c;
  char error[256];
  ASSERT_TRUE(ConfigFromEnvironment(envp, &c, error, sizeof(error)));
  EXPECT_EQ(c.mode, Mode::kExact);
  EXPECT_STREQ(c.output, "");
  EXPECT_STREQ(c.unwinder, "cpython");
  EXPECT_EQ(c.sample_interval_bytes, 1 << 20);
  EXPECT_EQ(c.flush_interval_seconds, 60);
  EXPECT_TRUE(c.oom_detection);
  EXPECT_FALSE(c.oom_exit);
  EXPECT_FALSE(c.launched_by_tool);
}

TEST(ConfigTest, ReadsEveryVariable) {
  char* envp[] = {const_cast<char*>("TIDEMARK_MODE=sample"),
                  const_cast<char*>("TIDEMARK_OUTPUT=/r/{pid}"),
                  const_cast<char*>("TIDEMARK_UNWINDER=x"),
                  const_cast<char*>("TIDEMARK_REPORTERS=folded"),
                  const_cast<char*>("TIDEMARK_SAMPLE_INTERVAL=512K"),
                  const_cast<char*>("TIDEMARK_FLUSH_INTERVAL=0.5"),
                  const_cast<char*>("TIDEMARK_TOP=3"),
                  const_cast<char*>("TIDEMARK_SAMPLE_SEED=42"),
                  const_cast<char*>("TIDEMARK_OOM_DETECTION=off"),
                  const_cast<char*>("TIDEMARK_OOM_EXIT=yes"),
                  const_cast<char*>("TIDEMARK_LAUNCHED=1"),
                  nullptr};
  Config c;
  char error[256];
  ASSERT_TRUE(ConfigFromEnvironment(envp, &c, error, sizeof(error))) << error;
  EXPECT_EQ(c.mode, Mode::kSample);
  EXPECT_STREQ(c.output, "/r/{pid}");
  EXPECT_STREQ(c.unwinder, "x");
  EXPECT_STREQ(c.reporters, "folded");
  EXPECT_EQ(c.sample_interval_bytes, 512 * 1024);
  EXPECT_EQ(c.flush_interval_seconds, 0.5);
  EXPECT_EQ(c.top_rows, 3);
  EXPECT_EQ(c.sample_seed, 42u);
  EXPECT_FALSE(c.oom_detection);
  EXPECT_TRUE(c.oom_exit);
  EXPECT_TRUE(c.launched_by_tool);
}

TEST(ConfigTest, Switches) {
  char error[256];
  for (const char* yes : {"1", "true", "yes", "on"}) {
    bool value = false;
    ASSERT_TRUE(ParseBool(yes, &value, error, sizeof(error))) << yes;
    EXPECT_TRUE(value) << yes;
  }
  for (const char* no : {"0", "false", "no", "off"}) {
    bool value = true;
    ASSERT_TRUE(ParseBool(no, &value, error, sizeof(error))) << no;
    EXPECT_FALSE(value) << no;
  }
  for (const char* bad : {"", "2", "True", "y", " 1", "on "}) {
    bool value = true;
    EXPECT_FALSE(ParseBool(bad, &value, error, sizeof(error))) << bad;
    EXPECT_TRUE(value) << bad;
  }
  char* envp[] = {const_cast<char*>("TIDEMARK_OOM_EXIT=maybe"), nullptr};
  Config c;
  ASSERT_FALSE(ConfigFromEnvironment(envp, &c, error, sizeof(error)));
  EXPECT_STREQ(error,
               "TIDEMARK_OOM_EXIT=maybe: invalid switch 'maybe' (expected "
               "1/0, true/false, yes/no or on/off)");
  char* detection[] = {const_cast<char*>("TIDEMARK_OOM_DETECTION=-1"), nullptr};
  ASSERT_FALSE(ConfigFromEnvironment(detection, &c, error, sizeof(error)));
  EXPECT_NE(strstr(error, "TIDEMARK_OOM_DETECTION=-1: invalid switch"), nullptr)
      << error;
}

TEST(ConfigTest, OomExitCodeIsFils) { EXPECT_EQ(kOomExitCode, 53); }

TEST(ConfigTest, BadValueNamesTheVariable) {
  char* envp[] = {const_cast<char*>("TIDEMARK_MODE=bogus"), nullptr};
  Config c;
  char error[256];
  ASSERT_FALSE(ConfigFromEnvironment(envp, &c, error, sizeof(error)));
  EXPECT_NE(strstr(error, "TIDEMARK_MODE=bogus"), nullptr) << error;
  EXPECT_NE(strstr(error, "'exact' or 'sample'"), nullptr) << error;
}

// The list the library reads from TIDEMARK_REPORTERS and the launcher from
// --reporters: an empty name would profile the whole run and write nothing.
TEST(ConfigTest, ReporterListsWithAnEmptyNameAreRejected) {
  for (const char* bad :
       {",,", ",", "folded,", ",folded", "folded,,top_table", ""}) {
    char value[64];
    snprintf(value, sizeof(value), "TIDEMARK_REPORTERS=%s", bad);
    char* envp[] = {value, nullptr};
    Config c;
    char error[256];
    EXPECT_FALSE(ConfigFromEnvironment(envp, &c, error, sizeof(error))) << bad;
    EXPECT_NE(strstr(error, "TIDEMARK_REPORTERS="), nullptr) << error;
  }
  char field[Config::kMaxList];
  char error[256];
  EXPECT_FALSE(
      ParseReporterList(",,", field, sizeof(field), error, sizeof(error)));
  EXPECT_STREQ(error,
               "empty reporter name in ',,' (expected e.g. folded,top_table)");
  EXPECT_FALSE(
      ParseReporterList("", field, sizeof(field), error, sizeof(error)));
  EXPECT_STREQ(error, "the reporter list is empty");
  ASSERT_TRUE(ParseReporterList("folded,top_table", field, sizeof(field), error,
                                sizeof(error)));
  EXPECT_STREQ(field, "folded,top_table");
}

TEST(ConfigTest, ALongBadValueStillShowsTheReason) {
  const std::string value = "TIDEMARK_OUTPUT=/tmp/" + std::string(5000, 'x');
  char* envp[] = {const_cast<char*>(value.c_str()), nullptr};
  Config c;
  char error[256];
  ASSERT_FALSE(ConfigFromEnvironment(envp, &c, error, sizeof(error)));
  EXPECT_STREQ(error, ("TIDEMARK_OUTPUT=/tmp/" + std::string(95, 'x') +
                       "...: the output directory is too long")
                          .c_str());
}

TEST(ConfigTest, ByteSizes) {
  int64_t v = 0;
  char error[256];
  EXPECT_TRUE(ParseByteSize("1MiB", &v, error, sizeof(error)));
  EXPECT_EQ(v, 1 << 20);
  EXPECT_TRUE(ParseByteSize("2G", &v, error, sizeof(error)));
  EXPECT_EQ(v, int64_t{2} << 30);
  EXPECT_TRUE(ParseByteSize("4096", &v, error, sizeof(error)));
  EXPECT_EQ(v, 4096);
  EXPECT_FALSE(ParseByteSize("0", &v, error, sizeof(error)));
  EXPECT_FALSE(ParseByteSize("-5", &v, error, sizeof(error)));
  EXPECT_FALSE(ParseByteSize("12Q", &v, error, sizeof(error)));
  EXPECT_FALSE(ParseByteSize("", &v, error, sizeof(error)));
}

TEST(ConfigTest, Seconds) {
  double v = -1;
  char error[256];
  EXPECT_TRUE(ParseSeconds("0", &v, error, sizeof(error)));
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(ParseSeconds("-1", &v, error, sizeof(error)));
  EXPECT_FALSE(ParseSeconds("soon", &v, error, sizeof(error)));
}

// strtoull/strtol/strtod skip white space and take a sign or hex; a setting
// must be the plain number the user meant, the same for flag and variable.
TEST(ConfigTest, NumbersMustStartWithADigit) {
  char error[256];
  int64_t bytes = 0;
  EXPECT_FALSE(ParseByteSize(" 1M", &bytes, error, sizeof(error)));
  EXPECT_FALSE(ParseByteSize("+1M", &bytes, error, sizeof(error)));
  EXPECT_FALSE(ParseByteSize(" -1", &bytes, error, sizeof(error)));
  EXPECT_TRUE(ParseByteSize("007K", &bytes, error, sizeof(error)));
  EXPECT_EQ(bytes, 7 << 10);

  int count = 0;
  EXPECT_FALSE(ParsePositiveInt(" 3", &count, error, sizeof(error)));
  EXPECT_FALSE(ParsePositiveInt("+3", &count, error, sizeof(error)));

  uint64_t seed = 0;
  // Was accepted as 2^64 - 1: strtoull negates "-1" after the space.
  EXPECT_FALSE(ParseUint64(" -1", &seed, error, sizeof(error)));
  EXPECT_NE(strstr(error, "' -1'"), nullptr) << error;
  EXPECT_FALSE(ParseUint64(" 1", &seed, error, sizeof(error)));
  EXPECT_FALSE(ParseUint64("+1", &seed, error, sizeof(error)));
  EXPECT_TRUE(ParseUint64("18446744073709551615", &seed, error, sizeof(error)));
  EXPECT_EQ(seed, UINT64_MAX);
  EXPECT_FALSE(
      ParseUint64("18446744073709551616", &seed, error, sizeof(error)));
}

// TIDEMARK_JOB is Tidemark's own (a pid, in decimal): anything it could
// not have written is ignored, never an error.
TEST(ConfigTest, AJobItCouldNotHaveWrittenIsIgnored) {
  char error[256];
  for (const char* value :
       {"12", " 12", "+12", "12 ", "0", "-1", "0x10", "99999999999", "", "x"}) {
    const std::string entry = std::string("TIDEMARK_JOB=") + value;
    char* envp[] = {const_cast<char*>(entry.c_str()), nullptr};
    Config c;
    ASSERT_TRUE(ConfigFromEnvironment(envp, &c, error, sizeof(error))) << value;
    EXPECT_EQ(c.job_pid, strcmp(value, "12") == 0 ? 12 : 0) << value;
  }
}

TEST(ConfigTest, SecondsArePlainDecimal) {
  char error[256];
  double seconds = -1;
  EXPECT_FALSE(ParseSeconds("0x10", &seconds, error, sizeof(error)));   // 16
  EXPECT_FALSE(ParseSeconds("0x1p3", &seconds, error, sizeof(error)));  // 8
  EXPECT_FALSE(ParseSeconds("-0", &seconds, error, sizeof(error)));
  EXPECT_FALSE(ParseSeconds(" 5", &seconds, error, sizeof(error)));
  EXPECT_FALSE(ParseSeconds("+5", &seconds, error, sizeof(error)));
  EXPECT_FALSE(ParseSeconds("infinity", &seconds, error, sizeof(error)));
  EXPECT_FALSE(ParseSeconds("1e999", &seconds, error, sizeof(error)));
  EXPECT_TRUE(ParseSeconds(".5", &seconds, error, sizeof(error)));
  EXPECT_EQ(seconds, 0.5);
  EXPECT_TRUE(ParseSeconds("1e3", &seconds, error, sizeof(error)));
  EXPECT_EQ(seconds, 1000);
  EXPECT_TRUE(ParseSeconds("1000000000", &seconds, error, sizeof(error)));
  EXPECT_FALSE(ParseSeconds("1000000001", &seconds, error, sizeof(error)));
}

}  // namespace
}  // namespace tidemark
