#include "reporters/top_table/top_table_reporter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/testing/profile_parts.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using reporter_testing::Frame;
using reporter_testing::Stack;

using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr int64_t kMiB = 1 << 20;

enum FrameIndex {
  kModule,     // <module> (train.py:40)
  kLoad,       // load (train.py:12)
  kOnes,       // ones (numpy, dist-packages)
  kDecode,     // raw_decode (json, standard library)
  kRunModule,  // _run_module_as_main (<frozen runpy>)
  kMalloc,     // malloc (libc.so.6), native
  kParse,      // parse (train.py:20)
};

Profile TrainingProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.working_directory = "/home/u";
  profile.peak_bytes = 1000 * kMiB;
  profile.peak_seconds = 3.4;
  profile.wall_seconds = 9.5;
  profile.has_exit_code = true;
  profile.rss_hwm_bytes = 1100 * kMiB;
  profile.frames = {
      Frame(FrameKind::kPython, "<module>", "/home/u/train.py", 40),
      Frame(FrameKind::kPython, "load", "/home/u/train.py", 12),
      Frame(FrameKind::kPython, "ones",
            "/usr/lib/python3/dist-packages/numpy/core/numeric.py", 205),
      Frame(FrameKind::kPython, "raw_decode",
            "/usr/lib/python3.11/json/decoder.py", 353),
      Frame(FrameKind::kPython, "_run_module_as_main", "<frozen runpy>", 198),
      Frame(FrameKind::kNative, "malloc", "libc.so.6", 0),
      Frame(FrameKind::kPython, "parse", "/home/u/train.py", 20),
  };
  profile.stacks = {
      // numpy's allocation is charged to the user's line that called it,
      // past the native and library frames, with numpy's function beside.
      Stack({kMalloc, kOnes, kLoad, kModule}, 400 * kMiB),
      // Same user line by another path: the rows add up.
      Stack({kOnes, kLoad, kModule}, 100 * kMiB),
      Stack({kDecode, kParse, kModule}, 250 * kMiB),
      // Only library frames: the innermost Python frame, no context.
      Stack({kMalloc, kDecode, kRunModule}, 120 * kMiB),
      // Only a native frame.
      Stack({kMalloc}, 80 * kMiB),
      Stack({}, 50 * kMiB),
  };
  return profile;
}

TEST(FormatTopTableTest, CreditsEachStackToTheUsersLine) {
  EXPECT_EQ(FormatTopTable(TrainingProfile(), 10),
            "tidemark: peak tracked memory 1000.0 MiB (exact mode) at 3.4 s "
            "of 9.5 s; RSS high-water mark 1100.0 MiB; top 5 lines:\n"
            "tidemark:       MiB  % peak  line\n"
            "tidemark:     500.0   50.0%  load (train.py:12) \u2192 ones "
            "(numpy/core/numeric.py:205)\n"
            "tidemark:     250.0   25.0%  parse (train.py:20) \u2192 "
            "raw_decode (json/decoder.py:353)\n"
            "tidemark:     120.0   12.0%  raw_decode (json/decoder.py:353)\n"
            "tidemark:      80.0    8.0%  malloc (libc.so.6)\n"
            "tidemark:      50.0    5.0%  [no Python stack]\n");
}

TEST(FormatTopTableTest, ShowsFullPathsWithoutAWorkingDirectory) {
  Profile profile = TrainingProfile();
  profile.working_directory.clear();
  EXPECT_THAT(FormatTopTable(profile, 1),
              testing::HasSubstr("  load (/home/u/train.py:12) \u2192 ones "
                                 "(numpy/core/numeric.py:205)\n"));
}

// The numpy job of testdata/programs/numpy_job.py as Tidemark recorded it
// (Debian 12's numpy 1.24, Python 3.11): np.stack's 150 MiB is allocated
// under two generated `<__array_function__ internals>` frames.
Profile NumpyJobProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.working_directory = "/home/u";
  profile.peak_bytes = 321533415;
  profile.peak_seconds = 0.247;
  profile.wall_seconds = 0.91;  // exit report: the run's length so far
  profile.rss_hwm_bytes = 212914176;
  const std::string numpy = "/usr/lib/python3/dist-packages/numpy/core/";
  const std::string internals = "<__array_function__ internals>";
  const std::string dispatch =
      "array_function_dispatch.<locals>.decorator.<locals>.public_api";
  profile.frames = {
      Frame(FrameKind::kPython, "<module>", "/home/u/job.py", 32),  // 0
      Frame(FrameKind::kPython, "main", "/home/u/job.py", 26),      // 1
      Frame(FrameKind::kPython, "features", "/home/u/job.py", 21),  // 2
      Frame(FrameKind::kPython, dispatch, internals, 200),          // 3
      Frame(FrameKind::kPython, "stack", numpy + "shape_base.py", 471),
      Frame(FrameKind::kPython, "load", "/home/u/job.py", 17),  // 5
      Frame(FrameKind::kPython, "ones", numpy + "numeric.py", 205),
  };
  profile.stacks = {
      Stack({3, 4, 3, 2, 1, 0}, 157286464),
      Stack({}, 135780816),
      Stack({6, 5, 1, 0}, 15728832),
      // 2 KiB: prints as 0.0 MiB, so no row of its own.
      Stack({1, 0}, 2048),
  };
  return profile;
}

TEST(FormatTopTableTest, GeneratedCodeIsNotTheUsersLine) {
  EXPECT_EQ(FormatTopTable(NumpyJobProfile(), 10),
            "tidemark: peak tracked memory 306.6 MiB (exact mode) at 0.2 s "
            "of 0.9 s; RSS high-water mark 203.1 MiB; top 3 lines:\n"
            "tidemark:       MiB  % peak  line\n"
            "tidemark:     150.0   48.9%  features (job.py:21) \u2192 stack "
            "(numpy/core/shape_base.py:471)\n"
            "tidemark:     129.5   42.2%  [no Python stack]\n"
            "tidemark:      15.0    4.9%  load (job.py:17) \u2192 ones "
            "(numpy/core/numeric.py:205)\n");
}

TEST(FormatTopTableTest, ANamedtuplesGeneratedNewIsContextOnly) {
  // testdata/programs/namedtuple_job.py: 1.5 million tuples made in the
  // generated __new__, and the list holding them, on one user line.
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.working_directory = "/home/u";
  profile.peak_bytes = 112721510;
  profile.frames = {
      Frame(FrameKind::kPython, "build.<locals>.<listcomp>", "/home/u/job.py",
            17),
      Frame(FrameKind::kPython, "<lambda>", "<string>", 1),
      Frame(FrameKind::kPython, "build", "/home/u/job.py", 17),
  };
  profile.stacks = {Stack({1, 0, 2}, 97523712), Stack({0, 2}, 12029600)};
  EXPECT_EQ(FormatTopTable(profile, 10),
            "tidemark: peak tracked memory 107.5 MiB (exact mode); top 1 "
            "line:\n"
            "tidemark:       MiB  % peak  line\n"
            "tidemark:     104.5   97.2%  build.<locals>.<listcomp> "
            "(job.py:17) \u2192 <lambda> (<string>:1)\n");
}

TEST(FormatTopTableTest, LeavesOutRowsThatRoundToNothing) {
  Profile profile = NumpyJobProfile();
  // 0.05 MiB prints as 0.1 and stays; 0.04 MiB would print as 0.0.
  profile.frames.push_back(Frame(FrameKind::kPython, "tiny", "/home/u/a.py",
                                 1));  // 7
  profile.frames.push_back(Frame(FrameKind::kPython, "small", "/home/u/a.py",
                                 2));  // 8
  profile.stacks.push_back(Stack({7}, kMiB * 4 / 100));
  profile.stacks.push_back(Stack({8}, kMiB * 6 / 100));
  const std::string table = FormatTopTable(profile, 10);
  EXPECT_THAT(table, testing::HasSubstr(
                         "tidemark:       0.1    0.0%  small (a.py:2)\n"));
  EXPECT_THAT(table, testing::Not(testing::HasSubstr("tiny")));
  EXPECT_THAT(table, testing::Not(testing::HasSubstr(" 0.0 ")));
  EXPECT_THAT(table, testing::HasSubstr("; top 4 lines:\n"));
  // The rest row goes too when it rounds to nothing, and is kept when the
  // lines it sums do not.
  EXPECT_THAT(FormatTopTable(profile, 4),
              testing::Not(testing::HasSubstr("more line")));
  EXPECT_THAT(
      FormatTopTable(profile, 3),
      testing::EndsWith("tidemark:       0.1    0.0%  (3 more lines)\n"));
  // When every line rounds to nothing, the first line says so.
  Profile tiny;
  tiny.mode = "exact";
  tiny.reason = "exit";
  tiny.peak_bytes = 3000;
  tiny.frames = {Frame(FrameKind::kPython, "f", "a.py", 1)};
  tiny.stacks = {Stack({0}, 2000), Stack({}, 1000)};
  EXPECT_EQ(FormatTopTable(tiny, 10),
            "tidemark: peak tracked memory 0.0 MiB (exact mode); all 2 lines "
            "round to 0.0 MiB.\n");
}

TEST(FormatTopTableTest, SumsTheLinesLeftOutIntoOneRow) {
  EXPECT_EQ(FormatTopTable(TrainingProfile(), 2),
            "tidemark: peak tracked memory 1000.0 MiB (exact mode) at 3.4 s "
            "of 9.5 s; RSS high-water mark 1100.0 MiB; top 2 lines:\n"
            "tidemark:       MiB  % peak  line\n"
            "tidemark:     500.0   50.0%  load (train.py:12) \u2192 ones "
            "(numpy/core/numeric.py:205)\n"
            "tidemark:     250.0   25.0%  parse (train.py:20) \u2192 "
            "raw_decode (json/decoder.py:353)\n"
            "tidemark:     250.0   25.0%  (3 more lines)\n");
  EXPECT_THAT(FormatTopTable(TrainingProfile(), 1),
              testing::HasSubstr("; top 1 line:\n"));
  EXPECT_THAT(FormatTopTable(TrainingProfile(), 4),
              testing::EndsWith("  (1 more line)\n"));
}

TEST(FormatTopTableTest, RoundsToOneDecimal) {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.peak_bytes = 3 * kMiB;
  profile.frames = {Frame(FrameKind::kPython, "f", "a.py", 1)};
  profile.stacks = {Stack({0}, kMiB * 196 / 100)};  // 1.96 MiB, 65.33%
  EXPECT_EQ(FormatTopTable(profile, 10),
            "tidemark: peak tracked memory 3.0 MiB (exact mode); top 1 line:\n"
            "tidemark:       MiB  % peak  line\n"
            "tidemark:       2.0   65.3%  f (a.py:1)\n");
}

TEST(FormatTopTableTest, SaysSoWhenNothingWasLive) {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  EXPECT_EQ(FormatTopTable(profile, 10),
            "tidemark: peak tracked memory 0.0 MiB (exact mode); nothing "
            "tracked was live at the peak.\n");
}

TEST(FormatTopTableTest, SaysWhenThePeakWasAndWhenMemoryRanOut) {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "SIGTERM";
  profile.peak_bytes = 3 * kMiB;
  profile.peak_seconds = 3.4;
  // A report made while the program runs: its length is not known.
  profile.wall_seconds = 7.5;
  EXPECT_EQ(FormatTopTable(profile, 10),
            "tidemark: peak tracked memory 3.0 MiB (exact mode) at 3.4 s; "
            "report: SIGTERM; nothing tracked was live at the peak.\n");
  // Once the end is recorded, the run's length is known.
  profile.has_exit_code = true;
  EXPECT_THAT(FormatTopTable(profile, 10),
              StartsWith("tidemark: peak tracked memory 3.0 MiB (exact mode) "
                         "at 3.4 s of 7.5 s; report: SIGTERM;"));
  profile.has_exit_code = false;
  profile.out_of_memory = true;
  profile.reason = "out-of-memory";
  profile.peak_seconds = 5;
  profile.wall_seconds = 5;
  profile.rss_hwm_bytes = 4 * kMiB;
  profile.frames = {Frame(FrameKind::kPython, "f", "a.py", 1)};
  profile.stacks = {Stack({0}, 3 * kMiB)};
  EXPECT_EQ(FormatTopTable(profile, 10),
            "tidemark: out of memory: tracked memory live 3.0 MiB (exact "
            "mode) when it ran out at 5.0 s; RSS high-water mark 4.0 MiB; "
            "top 1 line:\n"
            "tidemark:       MiB  % peak  line\n"
            "tidemark:       3.0  100.0%  f (a.py:1)\n");
}

TEST(FormatTopTableTest, SaysWhenThePeakWasMostlyUntouchedReservations) {
  // `sort` on a CSV: a 7 GiB buffer sized to the machine, 235 MiB touched.
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.peak_bytes = int64_t{7} << 30;
  profile.rss_hwm_bytes = 235 * kMiB;
  profile.frames = {Frame(FrameKind::kNative, "main", "/usr/bin/sort", 0)};
  profile.stacks = {Stack({0}, profile.peak_bytes)};
  EXPECT_EQ(FormatTopTable(profile, 10),
            "tidemark: peak tracked memory 7168.0 MiB (exact mode); RSS "
            "high-water mark 235.0 MiB; top 1 line:\n"
            "tidemark:       MiB  % peak  line\n"
            "tidemark:    7168.0  100.0%  main (/usr/bin/sort)\n"
            "tidemark: the tracked peak is 30.5 times the RSS high-water "
            "mark: most of it was reserved (a large malloc, calloc or mmap) "
            "but never touched, so it never took physical memory\n");
  // Both conditions are needed: more than twice the RSS ...
  profile.stacks[0].bytes = profile.peak_bytes = 470 * kMiB;
  EXPECT_THAT(FormatTopTable(profile, 10),
              testing::Not(testing::HasSubstr("never touched")));
  profile.stacks[0].bytes = profile.peak_bytes = 471 * kMiB;
  EXPECT_THAT(FormatTopTable(profile, 10),
              testing::HasSubstr("2.0 times the RSS high-water mark"));
  // ... and more than 64 MiB above it: a small program's untouched arenas
  // are no news.
  profile.rss_hwm_bytes = 40 * kMiB;
  profile.stacks[0].bytes = profile.peak_bytes = 104 * kMiB;
  EXPECT_THAT(FormatTopTable(profile, 10),
              testing::Not(testing::HasSubstr("never touched")));
  profile.stacks[0].bytes = profile.peak_bytes = 105 * kMiB;
  EXPECT_THAT(FormatTopTable(profile, 10), testing::HasSubstr("never touched"));
  // An unknown RSS (0) says nothing.
  profile.rss_hwm_bytes = 0;
  EXPECT_THAT(FormatTopTable(profile, 10),
              testing::Not(testing::HasSubstr("never touched")));
}

TEST(FormatTopTableTest, EveryLineStartsWithThePrefix) {
  Profile profile = TrainingProfile();
  profile.reason = "oom\nkilled";
  profile.frames[kLoad].function = "evil\nname\r\x1B[2J";
  profile.frames[kParse].file = "/home/u/new\nline.py";
  const std::string table = FormatTopTable(profile, 3);
  std::istringstream lines(table);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    EXPECT_THAT(line, StartsWith("tidemark: "));
    EXPECT_EQ(line.find('\r'), std::string::npos);
    EXPECT_EQ(line.find('\x1B'), std::string::npos);
    ++count;
  }
  EXPECT_EQ(count, 6);
  EXPECT_EQ(table.back(), '\n');
}

// --- Sampling bounds (issue 10). Each row's bound is 4 R (2 + sqrt(n + 4))
// of its stacks' summed samples n; these make n + 4 a square.
Profile SampledTrainingProfile() {
  Profile profile = TrainingProfile();
  profile.mode = "sample";
  profile.sample_interval_bytes = kMiB;
  const int64_t samples[] = {296, 100, 192, 117, 77, 45};
  for (size_t i = 0; i < profile.stacks.size(); ++i) {
    profile.stacks[i].allocations = samples[i];
  }
  return profile;
}

TEST(FormatTopTableTest, SampleModePrintsEachEstimatesBound) {
  // The total: 827 samples, 4 (2 + sqrt 831) = 123.3 MiB.
  EXPECT_EQ(FormatTopTable(SampledTrainingProfile(), 10),
            "tidemark: peak tracked memory 1000.0 \u00b1 123.3 MiB (sample "
            "mode) at 3.4 s of 9.5 s; RSS high-water mark 1100.0 MiB; top 5 "
            "lines:\n"
            "tidemark:       MiB   \u00b1 4 sd  % peak  line\n"
            "tidemark:     500.0 \u00b1   88.0   50.0%  load (train.py:12) "
            "\u2192 ones (numpy/core/numeric.py:205)\n"
            "tidemark:     250.0 \u00b1   64.0   25.0%  parse (train.py:20) "
            "\u2192 raw_decode (json/decoder.py:353)\n"
            "tidemark:     120.0 \u00b1   52.0   12.0%  raw_decode "
            "(json/decoder.py:353)\n"
            "tidemark:      80.0 \u00b1   44.0    8.0%  malloc (libc.so.6)\n"
            "tidemark:      50.0 \u00b1   36.0    5.0%  [no Python stack]\n"
            "tidemark: estimates from sampling every ~1 MiB allocated (blocks "
            "of 1 MiB or more exactly); \u00b1 is 4 standard deviations\n");
}

TEST(FormatTopTableTest, TheRestRowsBoundIsOfItsSummedSamples) {
  // 117 + 77 + 45 samples: 4 (2 + sqrt 243) = 70.35 MiB, not 52 + 44 + 36.
  EXPECT_EQ(FormatTopTable(SampledTrainingProfile(), 2),
            "tidemark: peak tracked memory 1000.0 \u00b1 123.3 MiB (sample "
            "mode) at 3.4 s of 9.5 s; RSS high-water mark 1100.0 MiB; top 2 "
            "lines:\n"
            "tidemark:       MiB   \u00b1 4 sd  % peak  line\n"
            "tidemark:     500.0 \u00b1   88.0   50.0%  load (train.py:12) "
            "\u2192 ones (numpy/core/numeric.py:205)\n"
            "tidemark:     250.0 \u00b1   64.0   25.0%  parse (train.py:20) "
            "\u2192 raw_decode (json/decoder.py:353)\n"
            "tidemark:     250.0 \u00b1   70.4   25.0%  (3 more lines)\n"
            "tidemark: estimates from sampling every ~1 MiB allocated (blocks "
            "of 1 MiB or more exactly); \u00b1 is 4 standard deviations\n");
}

// A line as the terminal shows it: one entry per character ("\u00b1" is
// two bytes, one column).
std::vector<std::string> Columns(const std::string& line) {
  std::vector<std::string> columns;
  for (char c : line) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80 && !columns.empty()) {
      columns.back() += c;
    } else {
      columns.emplace_back(1, c);
    }
  }
  return columns;
}

TEST(FormatTopTableTest, SampleModeColumnsLineUp) {
  std::istringstream lines(FormatTopTable(SampledTrainingProfile(), 10));
  std::string header;
  std::getline(lines, header);  // the title
  std::getline(lines, header);
  // Right-aligned fields: each row's estimate, bound and percentage end
  // where the header's "MiB", "sd" and "peak" end.
  auto end_of = [&header](const std::string& word) {
    return Columns(header.substr(0, header.find(word) + word.size())).size();
  };
  const size_t mib_end = end_of("MiB");
  const size_t sd_end = end_of("sd");
  const size_t peak_end = end_of("peak");
  std::string line;
  int rows = 0;
  while (std::getline(lines, line) && line.find("estimates") == line.npos) {
    const std::vector<std::string> row = Columns(line);
    ASSERT_GT(row.size(), peak_end) << line;
    for (size_t end : {mib_end, sd_end}) {
      EXPECT_TRUE(isdigit(static_cast<unsigned char>(row[end - 1][0])) &&
                  row[end] == " ")
          << "a field of " << line << " does not end at column " << end;
    }
    EXPECT_EQ(row[peak_end - 1], "%") << line;
    EXPECT_EQ(row[peak_end], " ") << line;
    ++rows;
  }
  EXPECT_EQ(rows, 5);
  EXPECT_EQ(Columns(header)[sd_end - 6], "\u00b1");
}

TEST(FormatTopTableTest, TheNoteSpellsTheInterval) {
  Profile profile;
  profile.mode = "sample";
  profile.reason = "exit";
  profile.sample_interval_bytes = 256 << 10;
  // Nothing seen still leaves 16 R = 4 MiB unaccounted for.
  EXPECT_EQ(FormatTopTable(profile, 10),
            "tidemark: peak tracked memory 0.0 \u00b1 4.0 MiB (sample mode); "
            "nothing tracked was live at the peak.\n"
            "tidemark: estimates from sampling every ~256 KiB allocated "
            "(blocks of 256 KiB or more exactly); \u00b1 is 4 standard "
            "deviations\n");
  profile.sample_interval_bytes = 1536 << 10;
  EXPECT_THAT(FormatTopTable(profile, 10),
              testing::HasSubstr(" 0.0 \u00b1 24.0 MiB (sample mode)"));
  EXPECT_THAT(
      FormatTopTable(profile, 10),
      testing::HasSubstr("every ~1.5 MiB allocated (blocks of 1.5 MiB"));
  profile.sample_interval_bytes = 1000;
  EXPECT_THAT(FormatTopTable(profile, 10),
              testing::HasSubstr("every ~1000 bytes allocated"));
}
// --- End of the sampling bounds.

// Runs `reporter` with stderr sent to a file and returns what it printed.
std::string CaptureStderr(TopTableReporter& reporter, const Profile& profile,
                          const std::string& directory, bool* ok) {
  const std::string path = MakeTestDirectory("top_table_stderr") + "/stderr";
  const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  close(file);
  std::string error;
  *ok = reporter.Write(profile, OpenTestDirectory(directory), &error);
  dup2(saved, STDERR_FILENO);
  close(saved);
  return ReadFileOrMissing(path);
}

TEST(TopTableReporterTest, PrintsTheTableToStderrAndWritesNoFile) {
  const std::string dir = MakeTestDirectory("top_table_write");
  TopTableReporter reporter;
  EXPECT_EQ(TrainingProfile().top_rows, 10);  // Profile's default
  bool ok = false;
  EXPECT_EQ(CaptureStderr(reporter, TrainingProfile(), dir, &ok),
            FormatTopTable(TrainingProfile(), 10));
  EXPECT_TRUE(ok);
  EXPECT_THAT(ListDirectory(dir), IsEmpty());
  EXPECT_THAT(reporter.FileNames(), IsEmpty());
}

TEST(TopTableReporterTest, HonoursTheProfilesTopRows) {
  TopTableReporter reporter;
  Profile profile = TrainingProfile();
  profile.top_rows = 2;  // --top 2
  bool ok = false;
  EXPECT_EQ(CaptureStderr(reporter, profile, "/nonexistent", &ok),
            FormatTopTable(TrainingProfile(), 2));
  EXPECT_TRUE(ok);
}

TEST(TopTableReporterTest, ReportsAClosedStderr) {
  TopTableReporter reporter;
  const int saved = dup(STDERR_FILENO);
  close(STDERR_FILENO);
  std::string error;
  const bool ok = reporter.Write(TrainingProfile(), ReportDirectory(), &error);
  dup2(saved, STDERR_FILENO);
  close(saved);
  EXPECT_FALSE(ok);
  EXPECT_THAT(error, StartsWith("cannot write the top table to stderr"));
}

TEST(TopTableReporterTest, IsRegisteredAsTopTable) {
  std::unique_ptr<Reporter> reporter(ReporterRegistry::Create("top_table"));
  ASSERT_NE(reporter, nullptr);
  EXPECT_NE(dynamic_cast<TopTableReporter*>(reporter.get()), nullptr);
}

}  // namespace
}  // namespace tidemark
