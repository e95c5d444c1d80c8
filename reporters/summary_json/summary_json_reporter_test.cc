#include "reporters/summary_json/summary_json_reporter.h"

#include <fstream>
#include <memory>

#include "core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/testing/profile_parts.h"
#include "reporters/testing/python_json.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using reporter_testing::Frame;
using reporter_testing::Stack;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

Profile SmallProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.unwinder = "cpython";
  profile.command = {"python3", "app.py"};
  profile.pid = 77;
  profile.parent_pid = 70;
  profile.started = "fork";
  profile.inherited_bytes = 5000;
  profile.has_exit_code = true;
  profile.exit_code = 3;
  profile.ended = "exit code 3";
  profile.wall_seconds = 1.5;
  profile.peak_bytes = 3000;
  profile.peak_seconds = 0.75;
  profile.current_bytes = 1000;
  profile.tracked_allocations = 42;
  profile.rss_hwm_bytes = 9000;
  profile.deferred_reports = 4;
  profile.peak_moment = "exact_total";
  profile.working_directory = "/home/me/app";
  profile.interposer = "preload";
  profile.allocator = "the next malloc in lookup order";
  profile.python_version = "3.11.2";
  profile.timeline = {{0, 0, 9000}, {0.75, 3000, 8000}, {1.5, 2500, 8500}};
  profile.frames = {
      Frame(FrameKind::kPython, "main", "app.py", 3),
      Frame(FrameKind::kPython, "load", "app.py", 9),
      Frame(FrameKind::kNative, "malloc", "libc.so.6", 0),
  };
  profile.stacks = {
      Stack({}, 1000, 1),  // not largest first: the reporter sorts
      Stack({2, 1, 0}, 1999, 5),
  };
  return profile;
}

TEST(RenderSummaryJsonTest, WritesEveryMemberInOrder) {
  EXPECT_EQ(RenderSummaryJson(SmallProfile()),
            R"({
  "schema_version": 1,
  "mode": "exact",
  "reason": "exit",
  "pid": 77,
  "parent_pid": 70,
  "started": "fork",
  "inherited_bytes": 5000,
  "command": [
    "python3",
    "app.py"
  ],
  "working_directory": "/home/me/app",
  "python_version": "3.11.2",
  "interposer": "preload",
  "allocator": "the next malloc in lookup order",
  "exit_code": 3,
  "ended": "exit code 3",
  "wall_seconds": 1.5,
  "unwinder": "cpython",
  "peak_bytes": 3000,
  "peak_seconds": 0.75,
  "current_bytes": 1000,
  "rss_hwm_bytes": 9000,
  "profiler_bytes": 0,
  "deferred_reports": 4,
  "tracked_allocations": 42,
  "peak_moment": "exact_total",
  "live_bytes_at_peak_moment": null,
  "sample_interval_bytes": 0,
  "peak_bytes_bound": 0,
  "current_bytes_bound": 0,
  "inherited_bytes_bound": 0,
  "timeline": [
    [0, 0, 9000],
    [0.75, 3000, 8000],
    [1.5, 2500, 8500]
  ],
  "stack_count": 2,
  "top": [
    {
      "bytes": 1999,
      "bytes_bound": 0,
      "allocations": 5,
      "percent_of_peak": 66.63,
      "frames": [
        {
          "function": "main",
          "file": "app.py",
          "line": 3,
          "kind": "python"
        },
        {
          "function": "load",
          "file": "app.py",
          "line": 9,
          "kind": "python"
        },
        {
          "function": "malloc",
          "file": "libc.so.6",
          "line": 0,
          "kind": "native"
        }
      ]
    },
    {
      "bytes": 1000,
      "bytes_bound": 0,
      "allocations": 1,
      "percent_of_peak": 33.33,
      "frames": []
    }
  ]
}
)");
}

TEST(RenderSummaryJsonTest, WritesNullExitCodeWhenTheProgramHasNotExited) {
  Profile profile = SmallProfile();
  profile.has_exit_code = false;
  profile.exit_code = 0;
  EXPECT_THAT(RenderSummaryJson(profile), HasSubstr("\"exit_code\": null,"));
}

TEST(RenderSummaryJsonTest, NullEndedAndPeakTimeWhileNothingIsKnown) {
  Profile profile = SmallProfile();
  profile.ended.clear();
  profile.peak_seconds = -1;
  const std::string json = RenderSummaryJson(profile);
  EXPECT_THAT(json, HasSubstr("\"ended\": null,"));
  EXPECT_THAT(json, HasSubstr("\"peak_seconds\": null,"));
  EXPECT_THAT(json, Not(HasSubstr("out_of_memory")));
}

TEST(RenderSummaryJsonTest, TheOutOfMemoryReportSaysWhichLimit) {
  Profile profile = SmallProfile();
  profile.out_of_memory = true;
  profile.oom_reason = "the cgroup's memory.max is nearly reached";
  profile.oom_limit_bytes = 1073741824;
  profile.oom_available_bytes = 1048576;
  EXPECT_THAT(RenderSummaryJson(profile),
              HasSubstr(R"(  "inherited_bytes_bound": 0,
  "out_of_memory": {
    "reason": "the cgroup's memory.max is nearly reached",
    "limit_bytes": 1073741824,
    "available_bytes": 1048576
  },
  "timeline": [
)"));
}

TEST(RenderSummaryJsonTest, TheLiveTotalAtThePeakMomentOnlyWhenItChoseIt) {
  Profile profile = SmallProfile();
  profile.mode = "sample";
  profile.live_bytes_at_peak_moment = 2987;
  profile.peak_moment = "exact_live_total";
  EXPECT_THAT(RenderSummaryJson(profile),
              HasSubstr("  \"peak_moment\": \"exact_live_total\",\n"
                        "  \"live_bytes_at_peak_moment\": 2987,\n"));
  // The estimate chose (no block sizes), or a file from before the word:
  // no live total to show.
  for (const char* moment : {"estimate", "unknown"}) {
    profile.peak_moment = moment;
    EXPECT_THAT(RenderSummaryJson(profile),
                HasSubstr(std::string("  \"peak_moment\": \"") + moment +
                          "\",\n  \"live_bytes_at_peak_moment\": null,\n"));
  }
}

TEST(RenderSummaryJsonTest, EmptyProfileIsStillComplete) {
  const std::string json = RenderSummaryJson(Profile());
  EXPECT_THAT(json, HasSubstr("\"command\": [],"));
  // A file from before the working directory and the timeline were kept.
  EXPECT_THAT(json, HasSubstr("\"working_directory\": null,"));
  EXPECT_THAT(json, HasSubstr("\"python_version\": null,"));
  EXPECT_THAT(json, HasSubstr("\"timeline\": [],"));
  EXPECT_THAT(json, HasSubstr("\"stack_count\": 0,"));
  EXPECT_THAT(json, HasSubstr("\"top\": []\n}\n"));
}

TEST(RenderSummaryJsonTest, PythonReadsTheValuesBack) {
  if (!PythonAvailable()) GTEST_SKIP() << "no /usr/bin/python3";
  Profile profile = SmallProfile();
  profile.mode = "sample";
  profile.has_exit_code = false;
  profile.sample_interval_bytes = 1 << 20;
  profile.peak_moment = "exact_live_total";
  profile.live_bytes_at_peak_moment = 2987;
  profile.command = {"python3", "-c", "print(\"a\\tb\")\n", "\xFF"};
  profile.frames[0].function = "quote\"back\\slash\x01";
  profile.frames[1].file = "/tmp/caf\xC3\xA9\n.py";
  const std::string path =
      MakeTestDirectory("summary_python") + "/summary.json";
  std::ofstream(path) << RenderSummaryJson(profile);
  std::string output;
  ASSERT_TRUE(RunPythonOnJson(path, kPrintCanonicalJson, &output)) << output;
  EXPECT_EQ(
      output,
      R"({"allocator":"the next malloc in lookup order",)"
      R"("command":["python3","-c","print(\"a\\tb\")\n","\ufffd"],)"
      R"("current_bytes":1000,"current_bytes_bound":16778216,)"
      R"("deferred_reports":4,"ended":"exit code 3",)"
      R"("exit_code":null,)"
      R"("inherited_bytes":5000,"inherited_bytes_bound":16782215,)"
      R"("interposer":"preload",)"
      R"("live_bytes_at_peak_moment":2987,)"
      R"("mode":"sample","parent_pid":70,)"
      R"("peak_bytes":3000,"peak_bytes_bound":16780216,)"
      R"("peak_moment":"exact_live_total","peak_seconds":0.75,)"
      R"("pid":77,)"
      R"("profiler_bytes":0,"python_version":"3.11.2","reason":"exit",)"
      R"("rss_hwm_bytes":9000,)"
      R"("sample_interval_bytes":1048576,"schema_version":1,"stack_count":2,)"
      R"("started":"fork",)"
      R"("timeline":[[0,0,9000],[0.75,3000,8000],[1.5,2500,8500]],)"
      R"("top":[{"allocations":5,"bytes":1999,"bytes_bound":16779215,)"
      R"("frames":[)"
      R"({"file":"app.py","function":"quote\"back\\slash\u0001",)"
      R"("kind":"python","line":3},)"
      R"({"file":"/tmp/caf\u00e9\n.py","function":"load","kind":"python",)"
      R"("line":9},)"
      R"({"file":"libc.so.6","function":"malloc","kind":"native","line":0}],)"
      R"("percent_of_peak":66.63},)"
      R"({"allocations":1,"bytes":1000,"bytes_bound":16778216,"frames":[],)"
      R"("percent_of_peak":33.33}],)"
      R"("tracked_allocations":42,"unwinder":"cpython","wall_seconds":1.5,)"
      R"("working_directory":"/home/me/app"})");
}

// --- Sampling bounds (issue 10). R = 1 MiB; sample counts chosen so that
// n + 4 is a square and the bound 4 R (2 + sqrt(n + 4)) is whole MiB.
TEST(RenderSummaryJsonTest, SampleModeGivesEachEstimateItsBound) {
  constexpr int64_t kMiB = 1 << 20;
  Profile profile = SmallProfile();
  profile.mode = "sample";
  profile.sample_interval_bytes = kMiB;
  profile.peak_bytes = 100 * kMiB;
  profile.current_bytes = 12 * kMiB;   // no count: n = 12 MiB / R
  profile.inherited_bytes = 5 * kMiB;  // started "fork": n = 5
  profile.stacks = {Stack({}, 40 * kMiB, 32), Stack({2, 1, 0}, 60 * kMiB, 45)};
  const std::string json = RenderSummaryJson(profile);
  // 77 samples in all: 4 R (2 + 9).
  EXPECT_THAT(json, HasSubstr(R"(  "sample_interval_bytes": 1048576,
  "peak_bytes_bound": 46137344,
  "current_bytes_bound": 25165824,
  "inherited_bytes_bound": 20971520,
)"));
  // 45 samples: 4 R (2 + 7); 32 samples: 4 R (2 + 6).
  EXPECT_THAT(json, HasSubstr(R"("bytes": 62914560,
      "bytes_bound": 37748736,
      "allocations": 45,)"));
  EXPECT_THAT(json, HasSubstr(R"("bytes": 41943040,
      "bytes_bound": 33554432,
      "allocations": 32,)"));
  // Only a forked child's inherited bytes are an estimate.
  profile.started = "first";
  profile.inherited_bytes = 0;
  EXPECT_THAT(RenderSummaryJson(profile),
              HasSubstr(R"("inherited_bytes_bound": 0,)"));
}
// --- End of the sampling bounds.

TEST(RenderSummaryJsonTest, KeepsTheLargestStacksOnly) {
  if (!PythonAvailable()) GTEST_SKIP() << "no /usr/bin/python3";
  Profile profile;
  profile.peak_bytes = 0;
  for (int i = 1; i <= 12; ++i) {
    profile.stacks.push_back(Stack({}, int64_t{i} * 100, 1));
    profile.peak_bytes += int64_t{i} * 100;
  }
  const std::string path = MakeTestDirectory("summary_top") + "/summary.json";
  std::ofstream(path) << RenderSummaryJson(profile);
  std::string output;
  ASSERT_TRUE(RunPythonOnJson(
      path,
      "print(data['stack_count'], [s['bytes'] for s in data['top']],"
      " round(sum(s['percent_of_peak'] for s in data['top']), 2))",
      &output))
      << output;
  // The two smallest (100, 200 of 7800 bytes) are left out: 96.15% remains.
  EXPECT_EQ(output,
            "12 [1200, 1100, 1000, 900, 800, 700, 600, 500, 400, 300] 96.15");
}

TEST(RenderSummaryJsonTest, HonoursTheTopStacksArgument) {
  const std::string json = RenderSummaryJson(SmallProfile(), 1);
  EXPECT_THAT(json, HasSubstr("\"bytes\": 1999"));
  EXPECT_THAT(json, Not(HasSubstr("\"bytes\": 1000")));
  EXPECT_THAT(json, HasSubstr("\"stack_count\": 2"));
}

TEST(SummaryJsonReporterTest, WritesSummaryJsonAtomically) {
  const std::string dir = MakeTestDirectory("summary_write");
  SummaryJsonReporter reporter;
  std::string error;
  ASSERT_TRUE(reporter.Write(SmallProfile(), OpenTestDirectory(dir), &error))
      << error;
  EXPECT_THAT(ListDirectory(dir), ElementsAre("summary.json"));
  // What it declares is what it writes (a reused folder is cleared of it).
  EXPECT_THAT(reporter.FileNames(), ElementsAre("summary.json"));
  EXPECT_EQ(ReadFileOrMissing(dir + "/summary.json"),
            RenderSummaryJson(SmallProfile()));
}

TEST(SummaryJsonReporterTest, ReportsAMissingDirectory) {
  SummaryJsonReporter reporter;
  std::string error;
  EXPECT_FALSE(reporter.Write(
      SmallProfile(), OpenTestDirectory("/nonexistent/tidemark"), &error));
  EXPECT_THAT(error, HasSubstr("/nonexistent/tidemark/summary.json"));
}

TEST(SummaryJsonReporterTest, IsRegisteredAsSummaryJson) {
  std::unique_ptr<Reporter> reporter(ReporterRegistry::Create("summary_json"));
  ASSERT_NE(reporter, nullptr);
  EXPECT_NE(dynamic_cast<SummaryJsonReporter*>(reporter.get()), nullptr);
}

}  // namespace
}  // namespace tidemark
