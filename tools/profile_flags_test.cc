#include "tools/profile_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

ProfileFlags ParseOk(const std::vector<std::string>& args) {
  ProfileFlags flags;
  std::string error;
  EXPECT_TRUE(ParseProfileFlags(args, &flags, &error)) << error;
  return flags;
}

std::string ParseError(const std::vector<std::string>& args) {
  ProfileFlags flags;
  std::string error;
  EXPECT_FALSE(ParseProfileFlags(args, &flags, &error));
  return error;
}

TEST(ProfileFlagsTest, DefaultsLeaveOptionalSettingsUnset) {
  ProfileFlags flags = ParseOk({"python3", "x.py"});
  EXPECT_FALSE(flags.help);
  EXPECT_EQ(flags.mode, Mode::kExact);
  EXPECT_EQ(flags.output, "");
  EXPECT_FALSE(flags.unwinder.has_value());
  EXPECT_FALSE(flags.reporters.has_value());
  EXPECT_FALSE(flags.sample_interval_bytes.has_value());
  EXPECT_FALSE(flags.flush_interval_seconds.has_value());
  EXPECT_FALSE(flags.top_rows.has_value());
  EXPECT_FALSE(flags.sample_seed.has_value());
  EXPECT_FALSE(flags.oom_detection.has_value());
  EXPECT_FALSE(flags.oom_exit.has_value());
  EXPECT_THAT(flags.command, ElementsAre("python3", "x.py"));
}

TEST(ProfileFlagsTest, ReadsEveryFlag) {
  ProfileFlags flags =
      ParseOk({"--mode=sample", "--output=out/dir", "--unwinder=native",
               "--reporters=folded,top", "--sample-interval=512K",
               "--flush-interval=0.5", "--top=7", "--seed=42",
               "--no-oom-detection", "--oom-exit", "--", "prog"});
  EXPECT_EQ(flags.mode, Mode::kSample);
  EXPECT_EQ(flags.output, "out/dir");
  EXPECT_EQ(flags.unwinder, "native");
  EXPECT_EQ(flags.reporters, "folded,top");
  EXPECT_EQ(flags.sample_interval_bytes, 512 * 1024);
  EXPECT_EQ(flags.flush_interval_seconds, 0.5);
  EXPECT_EQ(flags.top_rows, 7);
  EXPECT_EQ(flags.sample_seed, 42u);
  EXPECT_EQ(flags.oom_detection, false);
  EXPECT_EQ(flags.oom_exit, true);
  EXPECT_THAT(flags.command, ElementsAre("prog"));
}

TEST(ProfileFlagsTest, SwitchesTakeNoValue) {
  EXPECT_EQ(ParseError({"--oom-exit=1", "p"}), "--oom-exit takes no value");
  EXPECT_EQ(ParseError({"--no-oom-detection=yes", "p"}),
            "--no-oom-detection takes no value");
  EXPECT_EQ(ParseError({"--oom-detection", "p"}),
            "unknown flag '--oom-detection'");
  // The next argument is the command, not the switch's value.
  ProfileFlags flags = ParseOk({"--oom-exit", "python3", "job.py"});
  EXPECT_EQ(flags.oom_exit, true);
  EXPECT_THAT(flags.command, ElementsAre("python3", "job.py"));
}

TEST(ProfileFlagsTest, NativeIsTheRecommendedHybridUnwinder) {
  ProfileFlags flags = ParseOk({"--native", "python3", "job.py"});
  EXPECT_EQ(flags.unwinder, std::string("cpython+libunwind"));
  EXPECT_EQ(ParseError({"--native", "--unwinder=fp", "p"}),
            "--native and --unwinder: give one (--native is "
            "--unwinder=cpython+libunwind)");
  EXPECT_EQ(ParseError({"--native=yes", "p"}), "--native takes no value");
}

TEST(ProfileFlagsTest, ValueMayBeTheNextArgument) {
  ProfileFlags flags =
      ParseOk({"--output", "results", "--mode", "sample", "--top", "3", "p"});
  EXPECT_EQ(flags.output, "results");
  EXPECT_EQ(flags.mode, Mode::kSample);
  EXPECT_EQ(flags.top_rows, 3);
  EXPECT_THAT(flags.command, ElementsAre("p"));
}

TEST(ProfileFlagsTest, LaterFlagWins) {
  EXPECT_EQ(ParseOk({"--mode=sample", "--mode=exact", "p"}).mode, Mode::kExact);
}

TEST(ProfileFlagsTest, DoubleDashEndsFlagsEvenBeforeFlagLookingCommand) {
  ProfileFlags flags = ParseOk({"--mode=sample", "--", "--mode=bogus", "-x"});
  EXPECT_EQ(flags.mode, Mode::kSample);
  EXPECT_THAT(flags.command, ElementsAre("--mode=bogus", "-x"));
}

TEST(ProfileFlagsTest, ArgumentsAfterTheCommandNameBelongToTheCommand) {
  ProfileFlags flags =
      ParseOk({"--top=2", "python3", "-X", "dev", "--mode=bogus", "--", "-h"});
  EXPECT_EQ(flags.top_rows, 2);
  EXPECT_FALSE(flags.help);
  EXPECT_THAT(flags.command,
              ElementsAre("python3", "-X", "dev", "--mode=bogus", "--", "-h"));
}

TEST(ProfileFlagsTest, InterposerAndListPlugins) {
  ProfileFlags flags;
  std::string error;
  ASSERT_TRUE(ParseProfileFlags({"--interposer=jemalloc", "--", "python3"},
                                &flags, &error))
      << error;
  EXPECT_EQ(flags.interposer.value_or(""), "jemalloc");
  ASSERT_TRUE(ParseProfileFlags({"--list-plugins"}, &flags, &error)) << error;
  EXPECT_TRUE(flags.list_plugins);
  EXPECT_TRUE(flags.command.empty());
  EXPECT_FALSE(ParseProfileFlags({"--list-plugins=1"}, &flags, &error));
  EXPECT_EQ(error, "--list-plugins takes no value");
  EXPECT_FALSE(
      ParseProfileFlags({"--interposer=", "--", "python3"}, &flags, &error));
  EXPECT_NE(UsageText().find("--interposer=NAME"), std::string::npos);
  EXPECT_NE(UsageText().find("--list-plugins"), std::string::npos);
}

TEST(ProfileFlagsTest, HelpNeedsNoCommand) {
  EXPECT_TRUE(ParseOk({"--help"}).help);
  EXPECT_TRUE(ParseOk({"-h"}).help);
  EXPECT_TRUE(ParseOk({"--mode=sample", "-h", "--bogus"}).help);
}

TEST(ProfileFlagsTest, BogusModeQuotesTheLibraryParser) {
  EXPECT_EQ(ParseError({"--mode=bogus", "p"}),
            "--mode: unknown mode 'bogus' (expected 'exact' or 'sample')");
}

TEST(ProfileFlagsTest, UnknownFlags) {
  EXPECT_EQ(ParseError({"--bogus", "p"}), "unknown flag '--bogus'");
  EXPECT_EQ(ParseError({"--bogus=1", "p"}), "unknown flag '--bogus'");
  EXPECT_EQ(ParseError({"-x", "p"}), "unknown flag '-x'");
  EXPECT_EQ(ParseError({"--help=yes"}), "--help takes no value");
}

TEST(ProfileFlagsTest, MissingCommand) {
  EXPECT_THAT(ParseError({}), HasSubstr("no command"));
  EXPECT_THAT(ParseError({"--mode=sample"}), HasSubstr("no command"));
  EXPECT_THAT(ParseError({"--mode=sample", "--"}), HasSubstr("no command"));
}

TEST(ProfileFlagsTest, MissingValue) {
  EXPECT_EQ(ParseError({"--output"}), "--output needs a value");
  // A value flag right before "--" (or another flag) has no value: "--" is
  // not taken as the folder, nor the command's name as the first argument.
  EXPECT_EQ(ParseError({"--output", "--", "python3", "job.py"}),
            "--output needs a value, not '--' (write --output=VALUE)");
  EXPECT_EQ(ParseError({"--mode", "--", "p"}),
            "--mode needs a value, not '--' (write --mode=VALUE)");
  EXPECT_EQ(ParseError({"--output", "--mode=sample", "p"}),
            "--output needs a value, not '--mode=sample' (write "
            "--output=VALUE)");
  // The '=' form takes any text, and a separate value that is not a flag
  // still works.
  ProfileFlags flags;
  std::string error;
  ASSERT_TRUE(ParseProfileFlags({"--output=--", "--", "p"}, &flags, &error))
      << error;
  EXPECT_EQ(flags.output, "--");
  ASSERT_TRUE(ParseProfileFlags({"--output", "out", "--", "p"}, &flags, &error))
      << error;
  EXPECT_EQ(flags.output, "out");
  EXPECT_EQ(flags.command, std::vector<std::string>{"p"});
}

TEST(ProfileFlagsTest, BadSizes) {
  EXPECT_THAT(ParseError({"--sample-interval=0", "p"}),
              HasSubstr("--sample-interval: invalid byte size '0'"));
  EXPECT_THAT(ParseError({"--sample-interval=12Q", "p"}),
              HasSubstr("--sample-interval: invalid byte size '12Q'"));
  EXPECT_THAT(ParseError({"--sample-interval=-1M", "p"}),
              HasSubstr("--sample-interval: invalid byte size"));
}

TEST(ProfileFlagsTest, BadNumbers) {
  EXPECT_THAT(ParseError({"--flush-interval=-1", "p"}),
              HasSubstr("--flush-interval: invalid number of seconds"));
  EXPECT_THAT(ParseError({"--top=0", "p"}), HasSubstr("--top: invalid count"));
  EXPECT_THAT(ParseError({"--seed=x", "p"}),
              HasSubstr("--seed: invalid number"));
}

TEST(ProfileFlagsTest, NumbersWithSpacesSignsOrHexAreRejected) {
  EXPECT_THAT(ParseError({"--sample-interval= 1M", "p"}),
              HasSubstr("--sample-interval: invalid byte size ' 1M'"));
  EXPECT_THAT(ParseError({"--seed= -1", "p"}),
              HasSubstr("--seed: invalid number ' -1'"));
  EXPECT_THAT(ParseError({"--top=+3", "p"}), HasSubstr("--top: invalid count"));
  EXPECT_THAT(ParseError({"--flush-interval=0x10", "p"}),
              HasSubstr("--flush-interval: invalid number of seconds"));
  EXPECT_THAT(ParseError({"--flush-interval=-0", "p"}),
              HasSubstr("--flush-interval: invalid number of seconds"));
}

TEST(ProfileFlagsTest, BadNames) {
  EXPECT_EQ(ParseError({"--output=", "p"}),
            "--output: the output directory is empty");
  EXPECT_EQ(ParseError({"--unwinder=", "p"}),
            "--unwinder: the unwinder name is empty");
  EXPECT_EQ(
      ParseError({"--unwinder=" + std::string(Config::kMaxName, 'u'), "p"}),
      "--unwinder: the unwinder name is too long");
  EXPECT_THAT(ParseError({"--reporters=folded,,top", "p"}),
              HasSubstr("empty reporter name"));
  EXPECT_THAT(ParseError({"--reporters=folded,", "p"}),
              HasSubstr("empty reporter name"));
  EXPECT_EQ(ParseError({"--reporters=,,", "p"}),
            "--reporters: empty reporter name in ',,' (expected e.g. "
            "folded,top_table)");
}

TEST(ProfileFlagsTest, ErrorLeavesNoCommand) {
  ProfileFlags flags;
  std::string error;
  ASSERT_FALSE(ParseProfileFlags({"--top=x", "p"}, &flags, &error));
  EXPECT_THAT(flags.command, IsEmpty());
}

TEST(ProfileFlagsTest, UsageShowsTheLibraryDefaults) {
  const Config defaults;
  std::string usage = UsageText();
  EXPECT_THAT(usage, HasSubstr("--mode=exact|sample"));
  EXPECT_THAT(usage,
              HasSubstr(std::string("(default: ") + defaults.unwinder + ")"));
  EXPECT_THAT(usage,
              HasSubstr(std::string("(default: ") + defaults.reporters + ")"));
  EXPECT_THAT(usage, HasSubstr("--seed=N"));
  EXPECT_THAT(usage, HasSubstr("--no-oom-detection"));
  EXPECT_THAT(usage, HasSubstr("job with exit code 53 (as Fil does)"));
  EXPECT_THAT(usage, HasSubstr("COMMAND's (53 when\n--oom-exit ended it)"));
}

}  // namespace
}  // namespace tidemark
