#include "tools/report_flags.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

ReportFlags Parse(const std::vector<std::string>& args) {
  ReportFlags flags;
  std::string error;
  EXPECT_TRUE(ParseReportFlags(args, &flags, &error)) << error;
  return flags;
}

std::string Error(const std::vector<std::string>& args) {
  ReportFlags flags;
  std::string error;
  EXPECT_FALSE(ParseReportFlags(args, &flags, &error));
  return error;
}

TEST(ReportFlagsTest, DefaultsLeaveEverythingToTheStoredProfile) {
  const ReportFlags flags = Parse({"out/run"});
  EXPECT_EQ(flags.path, "out/run");
  EXPECT_FALSE(flags.reporters);
  EXPECT_FALSE(flags.reason);
  EXPECT_FALSE(flags.ended);
  EXPECT_FALSE(flags.subfolder);
  EXPECT_FALSE(flags.running);
  EXPECT_EQ(flags.snapshot, ReportSnapshot::kDefault);
}

TEST(ReportFlagsTest, EveryFlagBothWays) {
  const ReportFlags flags =
      Parse({"--reporters=folded,summary_json", "--reason", "killed",
             "--ended=killed by SIGKILL", "--subfolder", "again", "--running",
             "--snapshot=out-of-memory", "dir"});
  EXPECT_EQ(*flags.reporters, "folded,summary_json");
  EXPECT_EQ(*flags.reason, "killed");
  EXPECT_EQ(*flags.ended, "killed by SIGKILL");
  EXPECT_EQ(*flags.subfolder, "again");
  EXPECT_TRUE(flags.running);
  EXPECT_EQ(flags.snapshot, ReportSnapshot::kOutOfMemory);
  EXPECT_EQ(flags.path, "dir");
  EXPECT_EQ(Parse({"--snapshot", "peak", "d"}).snapshot, ReportSnapshot::kPeak);
  // An empty --ended is a choice: the reports then say nothing about it.
  EXPECT_EQ(*Parse({"--ended=", "d"}).ended, "");
  EXPECT_EQ(Parse({"--", "--odd-name"}).path, "--odd-name");
  EXPECT_TRUE(Parse({"--help"}).help);
  EXPECT_TRUE(Parse({"-h", "--bogus"}).help);
}

TEST(ReportFlagsTest, BadFlagsSayWhatIsWrong) {
  EXPECT_EQ(Error({}),
            "no stored profile given (a report folder or its "
            "profile.tidemark)");
  EXPECT_EQ(Error({"a", "b"}), "one stored profile at a time, got 2 paths");
  EXPECT_EQ(Error({"--bogus", "d"}), "unknown flag '--bogus'");
  EXPECT_EQ(Error({"-x", "d"}), "unknown flag '-x'");
  EXPECT_EQ(Error({"--snapshot=live", "d"}),
            "--snapshot: 'live' is not one of peak, out-of-memory");
  EXPECT_EQ(Error({"d", "--reason"}), "--reason needs a value");
  EXPECT_EQ(Error({"--reason=", "d"}), "--reason: the reason is empty");
  EXPECT_EQ(Error({"--running=yes", "d"}), "--running takes no value");
  EXPECT_EQ(Error({"--help=1"}), "--help takes no value");
  for (const char* name : {"a/b", "..", ".", ""}) {
    EXPECT_NE(Error({std::string("--subfolder=") + name, "d"})
                  .find("is not a plain folder name"),
              std::string::npos)
        << name;
  }
  EXPECT_EQ(
      Error({"--reporters=folded,,top_table", "d"}).rfind("--reporters: ", 0),
      0u);
  EXPECT_EQ(Error({""}), "the path is empty");
}

TEST(ReportFlagsTest, ReporterNamesAreCheckedAgainstTheLinkedOnes) {
  std::string error;
  EXPECT_TRUE(CheckReporterNames("--reporters", "folded,summary_json,top_table",
                                 &error))
      << error;
  EXPECT_FALSE(CheckReporterNames("--reporters", "folded,nope", &error));
  EXPECT_EQ(error.rfind("--reporters: unknown reporter 'nope' (available: ", 0),
            0u)
      << error;
  EXPECT_NE(error.find("summary_json"), std::string::npos);
}

// The flags the library and the launcher pass when they run the renderer.
TEST(ReportFlagsTest, TheFlagsOfTheRenderersRunForTheProgram) {
  const ReportFlags flags = Parse({"--quiet", "--numbered-subfolder=sigusr2-",
                                   "--exit-code=3", "/r/profile.tidemark"});
  EXPECT_TRUE(flags.quiet);
  EXPECT_EQ(flags.numbered_subfolder.value_or(""), "sigusr2-");
  EXPECT_EQ(flags.exit_code.value_or(-1), 3);
  EXPECT_EQ(Parse({"--exit-code=0", "d"}).exit_code.value_or(-1), 0);
  EXPECT_EQ(Parse({"--exit-code", "255", "d"}).exit_code.value_or(-1), 255);
  EXPECT_NE(Error({"--exit-code=256", "d"}).find("not an exit code"),
            std::string::npos);
  EXPECT_NE(Error({"--exit-code=-1", "d"}).find("not an exit code"),
            std::string::npos);
  EXPECT_NE(Error({"--numbered-subfolder=a/b", "d"}).find("plain folder"),
            std::string::npos);
  EXPECT_NE(Error({"--quiet=yes", "d"}).find("takes no value"),
            std::string::npos);
}

TEST(ReportFlagsTest, PrintOnlyWritesNothing) {
  const ReportFlags flags =
      Parse({"--print-only", "--reporters=top_table", "--reason=exit", "d"});
  EXPECT_TRUE(flags.print_only);
  EXPECT_FALSE(Parse({"d"}).print_only);
  EXPECT_EQ(Error({"--print-only=1", "d"}), "--print-only takes no value");
  for (const char* other : {"--subfolder=x", "--numbered-subfolder=x",
                            "--running", "--snapshot=out-of-memory"}) {
    EXPECT_NE(Error({"--print-only", other, "d"}).find("writes nothing"),
              std::string::npos)
        << other;
  }
}

TEST(ReportFlagsTest, FormatsNameReporters) {
  const ReportFlags flags = Parse({"--format=text,pprof,speedscope", "d"});
  EXPECT_EQ(*flags.formats, "text,pprof,speedscope");
  EXPECT_EQ(*flags.reporters, "top_table,pprof,speedscope");
  EXPECT_EQ(*Parse({"--format", "folded,json,svg,html,json", "d"}).reporters,
            "folded,summary_json,flamegraph,html");
  EXPECT_EQ(Error({"--format=text,csv", "d"}),
            "--format: unknown format 'csv' (formats: text, folded, json, svg, "
            "html, pprof, speedscope)");
  EXPECT_EQ(Error({"--format=", "d"}),
            "--format: unknown format '' (formats: text, folded, json, svg, "
            "html, pprof, speedscope)");
  EXPECT_EQ(Error({"--format=text", "--reporters=folded", "d"}),
            "--format and --reporters: give one (formats name files, "
            "reporters name plugins)");
  EXPECT_EQ(Error({"--reporters=folded", "--format=text", "d"}),
            "--format and --reporters: give one (formats name files, "
            "reporters name plugins)");
}

TEST(ReportFlagsTest, FocusIgnoreAndTop) {
  const ReportFlags flags =
      Parse({"--focus=numpy", "--ignore", "^_", "--top=3", "d"});
  EXPECT_EQ(*flags.focus, "numpy");
  EXPECT_EQ(*flags.ignore, "^_");
  EXPECT_EQ(*flags.top_rows, 3);
  EXPECT_FALSE(Parse({"d"}).top_rows);
  EXPECT_EQ(Error({"--focus=", "d"}), "--focus: the pattern is empty");
  EXPECT_NE(Error({"--top=0", "d"}).find("--top: "), std::string::npos);
  EXPECT_NE(Error({"--top=x", "d"}).find("--top: "), std::string::npos);
}

}  // namespace
}  // namespace tidemark
