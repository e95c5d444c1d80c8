#include "core/profile_reader.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "core/stored_profile_testing.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

using namespace profile_format;  // NOLINT(google-build-using-namespace)

constexpr char kName[] = "/r/profile.tidemark";

// Three stacks: two share their outer frames, one has no frames.
TestStoredProfile ThreeStacks() {
  TestStoredProfile p;
  p.pid = 777;
  p.command = {"python3", "-c", "x = [0] * 10"};
  p.peak_tracked_allocations = 1234;
  const TestFrame main_frame{"<module>", "/app/main.py", 3};
  const TestFrame load{"load", "/app/data.py", 17};
  const TestFrame parse{"parse", "/app/data.py", 40};
  p.stacks = {
      {{load, main_frame}, 500, 5, 1000, 10, 0, 0},
      {{parse, load, main_frame}, 3000, 4, 3000, 3, 0, 0},
      {{}, 0, 0, 24, 1, 0, 0},
  };
  return p;
}

std::unique_ptr<StoredProfileBuffer> Buffer(const std::string& image) {
  std::string error;
  auto buffer =
      StoredProfileBuffer::Create(image.data(), image.size(), kName, &error);
  EXPECT_NE(buffer, nullptr) << error;
  return buffer;
}

// Reads `image`; returns the error, or "" when it was read.
std::string ReadError(const std::string& image,
                      StoredSnapshot which = StoredSnapshot::kPeak) {
  std::string error;
  auto buffer =
      StoredProfileBuffer::Create(image.data(), image.size(), kName, &error);
  if (buffer == nullptr) return error;
  Profile profile;
  if (ReadStoredProfile(*buffer, which, &profile, &error)) return "";
  return error;
}

// Reads the image built from `p` into *profile; a failure names the
// reader's error.
::testing::AssertionResult ReadBuilt(
    const TestStoredProfile& p, Profile* profile,
    StoredSnapshot which = StoredSnapshot::kPeak) {
  auto buffer = Buffer(BuildStoredProfileImage(p));
  if (buffer == nullptr) return ::testing::AssertionFailure() << "no buffer";
  std::string error;
  if (ReadStoredProfile(*buffer, which, profile, &error)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << error;
}

std::vector<std::string> StackText(const Profile& profile,
                                   const std::vector<ProfileStack>& stacks) {
  std::vector<std::string> out;
  for (const ProfileStack& stack : stacks) {
    std::string text = std::to_string(stack.bytes) + "/" +
                       std::to_string(stack.allocations) + ":";
    for (int index : stack.frames) {
      text += " " + FormatFrame(profile.frames[static_cast<size_t>(index)]);
    }
    out.push_back(text);
  }
  return out;
}

std::vector<std::string> StackText(const Profile& profile) {
  return StackText(profile, profile.stacks);
}

TEST(ProfileReaderTest, ReadsThePeakSlotWithItsNumbersAndNames) {
  TestStoredProfile p = ThreeStacks();
  p.ending = kExited;
  p.exit_code = 3;
  p.end_nanoseconds = 7'500'000'000;
  p.rss_hwm_bytes = 50'000'000;
  p.profiler_bytes = 3'000'000;
  p.deferred_reports = 17;
  p.python_version_hex = 0x030B02F0;
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(StackText(profile),
            (std::vector<std::string>{
                "3000/3: parse (/app/data.py:40) load (/app/data.py:17) "
                "<module> (/app/main.py:3)",
                "1000/10: load (/app/data.py:17) <module> (/app/main.py:3)",
                "24/1:",
            }));
  // What is live now, beside the peak, over the same frames.
  EXPECT_EQ(StackText(profile, profile.end_stacks),
            (std::vector<std::string>{
                "3000/4: parse (/app/data.py:40) load (/app/data.py:17) "
                "<module> (/app/main.py:3)",
                "500/5: load (/app/data.py:17) <module> (/app/main.py:3)",
            }));
  // Frames are shared by location, not repeated per stack (nor per
  // moment).
  EXPECT_EQ(profile.frames.size(), 3u);
  EXPECT_EQ(profile.peak_bytes, 4024);
  EXPECT_EQ(profile.current_bytes, 3500);
  EXPECT_DOUBLE_EQ(profile.peak_seconds, 3.2);
  EXPECT_DOUBLE_EQ(profile.wall_seconds, 7.5);
  EXPECT_EQ(profile.tracked_allocations, 1234);
  EXPECT_EQ(profile.mode, "exact");
  EXPECT_EQ(profile.pid, 777);
  EXPECT_EQ(profile.command,
            (std::vector<std::string>{"python3", "-c", "x = [0] * 10"}));
  EXPECT_EQ(profile.unwinder, "cpython");
  EXPECT_EQ(profile.python_version, "3.11.2");
  EXPECT_EQ(profile.top_rows, 10);
  EXPECT_TRUE(profile.has_exit_code);
  EXPECT_EQ(profile.exit_code, 3);
  EXPECT_EQ(profile.rss_hwm_bytes, 50'000'000);
  EXPECT_EQ(profile.profiler_bytes, 3'000'000);
  EXPECT_EQ(profile.deferred_reports, 17);
  EXPECT_EQ(profile.sample_interval_bytes, 0);
  EXPECT_FALSE(profile.out_of_memory);
}

TEST(ProfileReaderTest, TheCurrentSlotIsGenerationModuloTwo) {
  TestStoredProfile p = ThreeStacks();
  p.peak_generation = 6;  // slot 0; slot 1 holds other numbers
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(profile.peak_bytes, 4024);
  ASSERT_EQ(profile.stacks.size(), 3u);
  EXPECT_EQ(profile.stacks[0].bytes, 3000);
}

TEST(ProfileReaderTest, SampleModeFacts) {
  TestStoredProfile p = ThreeStacks();
  p.mode = 1;
  p.sample_interval_bytes = 65536;
  p.top_rows = 3;
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(profile.mode, "sample");
  EXPECT_EQ(profile.sample_interval_bytes, 65536);
  EXPECT_EQ(profile.top_rows, 3);
  EXPECT_FALSE(profile.has_exit_code);
  // No interpreter found at start.
  EXPECT_EQ(profile.python_version, "");
}

TEST(ProfileReaderTest, PythonVersionsReadAsPythonPrintsThem) {
  EXPECT_EQ(profile_format::PythonVersionText(0), "");
  EXPECT_EQ(profile_format::PythonVersionText(0x030A0DF0), "3.10.13");
  EXPECT_EQ(profile_format::PythonVersionText(0x030D00C1), "3.13.0rc1");
  EXPECT_EQ(profile_format::PythonVersionText(0x030C00A7), "3.12.0a7");
  EXPECT_EQ(profile_format::PythonVersionText(0x030C00B2), "3.12.0b2");
}

TEST(ProfileReaderTest, LiveCountersAboveTheLastPeakAreThePeak) {
  TestStoredProfile p = ThreeStacks();
  p.stacks[0].live_bytes = 9000;  // live: 9000 + 3000 > the slot's 4024
  p.ending = kSignal;
  p.signal_number = SIGTERM;
  p.end_nanoseconds = 9'250'000'000;
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(StackText(profile),
            (std::vector<std::string>{
                "9000/5: load (/app/data.py:17) <module> (/app/main.py:3)",
                "3000/4: parse (/app/data.py:40) load (/app/data.py:17) "
                "<module> (/app/main.py:3)",
            }));
  EXPECT_EQ(profile.peak_bytes, 12000);
  EXPECT_EQ(profile.current_bytes, 12000);
  EXPECT_DOUBLE_EQ(profile.peak_seconds, 9.25);
  EXPECT_FALSE(profile.has_exit_code);
}

TEST(ProfileReaderTest, NoPeakYetUsesWhatIsLive) {
  TestStoredProfile p = ThreeStacks();
  p.peak_generation = 0;
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(profile.peak_bytes, 3500);
  ASSERT_EQ(profile.stacks.size(), 2u);
  EXPECT_EQ(profile.stacks[0].bytes, 3000);
  // Still running: the peak is "now", some time after the start.
  EXPECT_GE(profile.peak_seconds, 0);
}

TEST(ProfileReaderTest, PeakBytesAloneAgreeWithTheWholeRead) {
  std::string error;
  int64_t peak = -1;
  // The slot's 4024 bytes (1000 + 3000 + 24), above the 3500 live.
  TestStoredProfile p = ThreeStacks();
  ASSERT_TRUE(
      ReadStoredPeakBytes(*Buffer(BuildStoredProfileImage(p)), &peak, &error))
      << error;
  EXPECT_EQ(peak, 4024);
  // Live now above it: 9000 + 3000.
  p.stacks[0].live_bytes = 9000;
  ASSERT_TRUE(
      ReadStoredPeakBytes(*Buffer(BuildStoredProfileImage(p)), &peak, &error));
  EXPECT_EQ(peak, 12000);
  // No peak stored: what is live.
  p = ThreeStacks();
  p.peak_generation = 0;
  ASSERT_TRUE(
      ReadStoredPeakBytes(*Buffer(BuildStoredProfileImage(p)), &peak, &error));
  EXPECT_EQ(peak, 3500);
  // A corrupt count is an error, as for the whole read.
  std::string image = BuildStoredProfileImage(ThreeStacks());
  MutableHeader(&image)->stack_count = 1u << 31;
  auto buffer = Buffer(image);
  EXPECT_FALSE(ReadStoredPeakBytes(*buffer, &peak, &error));
  EXPECT_NE(error.find("stack count"), std::string::npos) << error;
}

TEST(ProfileReaderTest, SaysWhatChoseThePeaksMoment) {
  TestStoredProfile p = ThreeStacks();
  p.live_bytes_at_peak_moment = 4100;
  const std::pair<uint32_t, const char*> words[] = {
      {kPeakMomentUnknown, "unknown"},
      {kPeakMomentExactTotal, "exact_total"},
      {kPeakMomentLiveTotal, "exact_live_total"},
      {kPeakMomentEstimate, "estimate"},
      {77, "unknown"},  // a later version's word
  };
  for (const auto& [word, name] : words) {
    p.peak_moment = word;
    Profile profile;
    ASSERT_TRUE(ReadBuilt(p, &profile));
    EXPECT_EQ(profile.peak_moment, name);
    // The live total belongs to the live total's choice only.
    EXPECT_EQ(profile.live_bytes_at_peak_moment,
              word == kPeakMomentLiveTotal ? 4100 : 0);
  }
}

// In sample mode with the moment chosen by the exact live total, a higher
// estimate now is the sample's noise, not a higher moment: the stored peak
// stands. Before any peak, what is live still stands for it.
TEST(ProfileReaderTest, TheLiveTotalsMomentIsNotReplacedByAHigherEstimate) {
  TestStoredProfile p = ThreeStacks();
  p.mode = 1;
  p.sample_interval_bytes = 1 << 20;
  p.peak_moment = kPeakMomentLiveTotal;
  p.stacks[0].live_bytes = 9000;  // live: 12000, above the slot's 4024
  std::string error;
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(profile.peak_bytes, 4024);
  EXPECT_EQ(profile.current_bytes, 12000);
  EXPECT_DOUBLE_EQ(profile.peak_seconds, 3.2);
  int64_t peak = -1;
  ASSERT_TRUE(
      ReadStoredPeakBytes(*Buffer(BuildStoredProfileImage(p)), &peak, &error));
  EXPECT_EQ(peak, 4024);
  // The estimate's own choice (and exact mode) keeps the old rule.
  p.peak_moment = kPeakMomentEstimate;
  ASSERT_TRUE(
      ReadStoredPeakBytes(*Buffer(BuildStoredProfileImage(p)), &peak, &error));
  EXPECT_EQ(peak, 12000);
  p.peak_moment = kPeakMomentLiveTotal;
  p.peak_generation = 0;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(profile.peak_bytes, 12000);
}

TEST(ProfileReaderTest, NothingStoredIsAnEmptyProfileNotAnError) {
  TestStoredProfile p;
  p.peak_generation = 0;
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_TRUE(profile.stacks.empty());
  EXPECT_TRUE(profile.frames.empty());
  EXPECT_EQ(profile.peak_bytes, 0);
  EXPECT_EQ(profile.peak_seconds, -1);
}

TEST(ProfileReaderTest, ReadsTheOutOfMemorySnapshot) {
  TestStoredProfile p = ThreeStacks();
  p.has_oom = true;
  p.stacks[0].oom_bytes = 70;
  p.stacks[0].oom_allocations = 7;
  p.stacks[2].oom_bytes = 800;
  p.stacks[2].oom_allocations = 8;
  p.oom_tracked_allocations = 99;
  p.oom_limit_bytes = 1 << 30;
  p.oom_available_bytes = 1 << 20;
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile, StoredSnapshot::kOutOfMemory));
  EXPECT_EQ(StackText(profile),
            (std::vector<std::string>{
                "800/8:",
                "70/7: load (/app/data.py:17) <module> (/app/main.py:3)",
            }));
  EXPECT_TRUE(profile.out_of_memory);
  // Its stacks are what was live then; there is no other moment in it.
  EXPECT_TRUE(profile.end_stacks.empty());
  EXPECT_EQ(profile.peak_bytes, 870);
  EXPECT_DOUBLE_EQ(profile.peak_seconds, 5.0);
  EXPECT_EQ(profile.tracked_allocations, 99);
  EXPECT_EQ(profile.oom_reason, "the cgroup's memory.max is nearly reached");
  EXPECT_EQ(profile.oom_limit_bytes, 1 << 30);
  EXPECT_EQ(profile.oom_available_bytes, 1 << 20);
}

TEST(ProfileReaderTest, NoOutOfMemorySnapshotIsAnError) {
  EXPECT_EQ(ReadError(BuildStoredProfileImage(ThreeStacks()),
                      StoredSnapshot::kOutOfMemory),
            std::string(kName) + ": no out-of-memory snapshot was stored");
}

TEST(ProfileReaderTest, ReadsTheEnding) {
  TestStoredProfile p = ThreeStacks();
  p.ending = kSignal;
  p.signal_number = SIGINT;
  p.has_oom = true;
  p.final_reports_written = true;
  p.flags = kFlagIncomplete;
  auto buffer = Buffer(BuildStoredProfileImage(p));
  StoredEnding ending;
  std::string error;
  ASSERT_TRUE(ReadStoredEnding(*buffer, &ending, &error)) << error;
  EXPECT_EQ(ending.pid, 777);
  EXPECT_EQ(ending.ending, kSignal);
  EXPECT_EQ(ending.signal_number, SIGINT);
  EXPECT_TRUE(ending.final_reports_written);
  EXPECT_TRUE(ending.has_out_of_memory);
  EXPECT_TRUE(ending.incomplete);
}

// --- A writer moving the peak while the reader copies it.

// Serves `buffer`; at each of the first `moves` reads of a peak chunk, a
// concurrent writer tears the slot being read and publishes a new peak in
// the other slot: after move N, each stack holds (N + 1) times its bytes of
// the first peak.
class MovingSource : public StoredProfileSource {
 public:
  MovingSource(StoredProfileBuffer* buffer, int moves)
      : buffer_(buffer), moves_(moves) {
    const FileHeader* h = buffer_->header();
    const uint32_t slot = static_cast<uint32_t>(h->peak_generation % 2);
    const auto* entries = reinterpret_cast<const CounterEntry*>(
        buffer_->chunk(slot == 0 ? kPeakArea0 : kPeakArea1, 0));
    base_.assign(entries, entries + h->peak[slot].stack_count + 1);
  }
  const FileHeader* header() const override { return buffer_->header(); }
  const uint8_t* chunk(Area area, uint32_t index) const override {
    if ((area == kPeakArea0 || area == kPeakArea1) && moves_ > 0) {
      --moves_;
      Move();
    }
    return buffer_->chunk(area, index);
  }
  std::string display_name() const override { return "moving"; }
  int moves_left() const { return moves_; }

 private:
  CounterEntry* Entries(uint32_t slot) const {
    return reinterpret_cast<CounterEntry*>(const_cast<uint8_t*>(
        buffer_->chunk(slot == 0 ? kPeakArea0 : kPeakArea1, 0)));
  }

  void Move() const {
    ++moved_;
    auto* h = reinterpret_cast<FileHeader*>(buffer_->mutable_data());
    const uint32_t reading = static_cast<uint32_t>(h->peak_generation % 2);
    const uint32_t next = 1 - reading;
    SnapshotInfo info = h->peak[reading];
    info.total_bytes = 0;
    for (size_t id = 1; id < base_.size(); ++id) {
      Entries(next)[id].bytes = base_[id].bytes * (moved_ + 1);
      Entries(next)[id].allocations = base_[id].allocations;
      info.total_bytes += Entries(next)[id].bytes;
      Entries(reading)[id].bytes = -5;  // torn: half of a later update
    }
    h->peak[next] = info;
    ++h->peak_generation;
  }

  StoredProfileBuffer* buffer_;
  std::vector<CounterEntry> base_;
  mutable int moves_;
  mutable int moved_ = 0;
};

TEST(ProfileReaderTest, ATornPeakCopyIsTakenAgain) {
  TestStoredProfile p = ThreeStacks();
  for (TestStack& stack : p.stacks) stack.live_bytes = 0;
  auto buffer = Buffer(BuildStoredProfileImage(p));
  MovingSource source(buffer.get(), 2);
  Profile profile;
  std::string error;
  ASSERT_TRUE(
      ReadStoredProfile(source, StoredSnapshot::kPeak, &profile, &error))
      << error;
  EXPECT_EQ(source.moves_left(), 0);
  EXPECT_EQ(profile.peak_bytes, 4024 * 3);
  EXPECT_EQ(StackText(profile),
            (std::vector<std::string>{
                "9000/3: parse (/app/data.py:40) load (/app/data.py:17) "
                "<module> (/app/main.py:3)",
                "3000/10: load (/app/data.py:17) <module> (/app/main.py:3)",
                "72/1:",
            }));
}

TEST(ProfileReaderTest, APeakThatNeverHoldsStillIsAClearError) {
  auto buffer = Buffer(BuildStoredProfileImage(ThreeStacks()));
  MovingSource source(buffer.get(), 1 << 30);
  Profile profile;
  std::string error;
  EXPECT_FALSE(
      ReadStoredProfile(source, StoredSnapshot::kPeak, &profile, &error));
  EXPECT_EQ(error,
            "moving: the peak changed during each of 1000 attempts to copy it");
}

TEST(ProfileReaderTest, ReadsTheWorkingDirectoryAndTheTimeline) {
  for (uint64_t generation : {0, 1, 2}) {
    TestStoredProfile p = ThreeStacks();
    p.working_directory = "/srv/a job's dir";
    p.timeline_generation = generation;
    p.timeline = {{0, 0, 30 << 20},
                  {200'000'000, 5000, 40 << 20},
                  {1'500'000'000, 9000, 41 << 20}};
    Profile profile;
    ASSERT_TRUE(ReadBuilt(p, &profile));
    EXPECT_EQ(profile.working_directory, "/srv/a job's dir");
    ASSERT_EQ(profile.timeline.size(), 3u) << generation;
    EXPECT_EQ(profile.timeline[0].seconds, 0.0);
    EXPECT_EQ(profile.timeline[0].tracked_bytes, 0);
    EXPECT_EQ(profile.timeline[0].rss_bytes, 30 << 20);
    EXPECT_DOUBLE_EQ(profile.timeline[1].seconds, 0.2);
    EXPECT_EQ(profile.timeline[1].tracked_bytes, 5000);
    EXPECT_EQ(profile.timeline[1].rss_bytes, 40 << 20);
    EXPECT_DOUBLE_EQ(profile.timeline[2].seconds, 1.5);
    EXPECT_EQ(profile.timeline[2].tracked_bytes, 9000);
    EXPECT_EQ(profile.timeline[2].rss_bytes, 41 << 20);
    // The out-of-memory report has the same timeline.
    p.has_oom = true;
    Profile oom;
    ASSERT_TRUE(ReadBuilt(p, &oom, StoredSnapshot::kOutOfMemory));
    EXPECT_EQ(oom.timeline.size(), 3u);
    EXPECT_EQ(oom.working_directory, "/srv/a job's dir");
  }
}

TEST(ProfileReaderTest, NoTimelineYetIsEmpty) {
  TestStoredProfile p = ThreeStacks();
  p.working_directory = "";
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(profile.working_directory, "");
  EXPECT_TRUE(profile.timeline.empty());
}

TEST(ProfileReaderTest, AFileFromBeforeTheTimelineReadsWithoutIt) {
  TestStoredProfile p = ThreeStacks();
  p.timeline = {{0, 0, 30 << 20}, {200'000'000, 5000, 40 << 20}};
  p.older_header = true;  // the fields hold values: they must be ignored
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(profile.working_directory, "");
  EXPECT_TRUE(profile.timeline.empty());
  // Everything else as from a current file.
  p.older_header = false;
  Profile expected;
  ASSERT_TRUE(ReadBuilt(p, &expected));
  EXPECT_EQ(StackText(profile), StackText(expected));
  EXPECT_EQ(profile.peak_bytes, expected.peak_bytes);
  EXPECT_EQ(profile.command, expected.command);
  EXPECT_EQ(expected.timeline.size(), 2u);
}

// A profile with native frames (bare addresses, named at report time) and
// the module map they are named against.
TestStoredProfile NativeStacks() {
  TestStoredProfile p = ThreeStacks();
  const TestFrame inner{"", "/usr/lib/libchain.so", 0, FrameKind::kNative,
                        0x7f0000001234};
  const TestFrame outer{"", "/usr/bin/prog", 0, FrameKind::kNative, 0x401000};
  p.stacks.push_back({{inner, outer}, 0, 0, 4096, 1, 0, 0});
  p.modules = {{"/usr/bin/prog", 0x400000, 0x500000, 0, "\x01\x02\x03"},
               {"/usr/lib/libchain.so", 0x7f0000000000, 0x7f0000010000,
                0x7f0000000000, std::string(20, 'b')}};
  return p;
}

TEST(ProfileReaderTest, ReadsNativeAddressesAndTheModuleMap) {
  Profile profile;
  ASSERT_TRUE(ReadBuilt(NativeStacks(), &profile));
  ASSERT_EQ(profile.modules.size(), 2u);
  EXPECT_EQ(profile.modules[0].path, "/usr/bin/prog");
  EXPECT_EQ(profile.modules[0].start, 0x400000u);
  EXPECT_EQ(profile.modules[0].end, 0x500000u);
  EXPECT_EQ(profile.modules[0].bias, 0u);
  EXPECT_EQ(profile.modules[0].build_id, "\x01\x02\x03");
  EXPECT_EQ(profile.modules[1].bias, 0x7f0000000000u);
  EXPECT_EQ(profile.modules[1].build_id, std::string(20, 'b'));
  int native = 0;
  for (const ProfileFrame& frame : profile.frames) {
    if (frame.kind != FrameKind::kNative || frame.address == 0) {
      EXPECT_EQ(frame.address, 0u);
      continue;
    }
    ++native;
    EXPECT_EQ(frame.module, frame.file);
    EXPECT_EQ(frame.address, frame.file == "/usr/bin/prog"
                                 ? uint64_t{0x401000}
                                 : uint64_t{0x7f0000001234});
  }
  EXPECT_EQ(native, 2);
}

TEST(ProfileReaderTest, AFileFromBeforeTheModuleMapReadsWithoutIt) {
  TestStoredProfile p = NativeStacks();
  p.working_directory = "/srv/job";
  p.timeline = {{0, 0, 30 << 20}};
  p.header_before_modules = true;  // the modules are there: ignored
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_TRUE(profile.modules.empty());
  // What came before the module map is still read.
  EXPECT_EQ(profile.working_directory, "/srv/job");
  EXPECT_EQ(profile.timeline.size(), 1u);
  p.header_before_modules = false;
  Profile expected;
  ASSERT_TRUE(ReadBuilt(p, &expected));
  EXPECT_EQ(StackText(profile), StackText(expected));
}

TEST(ProfileReaderTest, TheInterposerAndItsAllocatorAreRead) {
  TestStoredProfile p = NativeStacks();
  Profile profile;
  ASSERT_TRUE(ReadBuilt(p, &profile));
  EXPECT_EQ(profile.interposer, "glibc");
  EXPECT_EQ(profile.allocator, "glibc's malloc, through its hook variables");
  EXPECT_EQ(profile.modules.size(), p.modules.size());
  // A file from before them reads with neither, and everything else.
  p.header_before_interposer = true;
  Profile older;
  ASSERT_TRUE(ReadBuilt(p, &older));
  EXPECT_EQ(older.interposer, "");
  EXPECT_EQ(older.allocator, "");
  EXPECT_EQ(older.modules.size(), p.modules.size());
  EXPECT_EQ(StackText(older), StackText(profile));
}

TEST(ProfileReaderTest, ABadModuleEntryIsAClearError) {
  std::string image = BuildStoredProfileImage(NativeStacks());
  MutableHeader(&image)->module_entries[1] = uint64_t{1} << 40;
  EXPECT_NE(ReadError(image).find("module 1"), std::string::npos)
      << ReadError(image);
  image = BuildStoredProfileImage(NativeStacks());
  MutableHeader(&image)->module_count = kMaxModules + 1;
  EXPECT_NE(ReadError(image).find("module_count"), std::string::npos)
      << ReadError(image);
}

// --- Corruption: each names what is wrong, none crashes.

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override { image_ = BuildStoredProfileImage(ThreeStacks()); }
  FileHeader* h() { return MutableHeader(&image_); }
  template <typename T>
  T* Element(Area area, uint64_t id) {
    const int64_t at = ElementOffset(image_, area, id, sizeof(T));
    EXPECT_GE(at, 0);
    return reinterpret_cast<T*>(&image_[static_cast<size_t>(at)]);
  }
  std::string Expect(const std::string& what) {
    return std::string(kName) + ": " + what;
  }
  std::string image_;
};

TEST_F(CorruptionTest, Header) {
  std::string image = image_;
  image[0] = 'X';
  EXPECT_EQ(ReadError(image),
            Expect("not a Tidemark stored profile (wrong magic)"));
  h()->version = 2;
  EXPECT_EQ(ReadError(image_),
            Expect("format version 2, this reader knows version 1"));
  h()->version = kVersion;
  h()->chunk_bytes = 4096;
  EXPECT_NE(ReadError(image_).find("chunks of 4096 bytes"), std::string::npos);
  h()->chunk_bytes = kChunkBytes;
  h()->header_bytes = 12;
  EXPECT_NE(ReadError(image_).find("header of 12 bytes"), std::string::npos);
  h()->header_bytes = sizeof(FileHeader);
  h()->mode = 7;
  EXPECT_EQ(ReadError(image_), Expect("unknown mode 7"));
  h()->mode = 0;
  h()->top_rows = -1;
  EXPECT_EQ(ReadError(image_), Expect("top_rows is -1"));
  h()->top_rows = 10;
  h()->command_bytes = 9000;
  EXPECT_NE(ReadError(image_).find("command_bytes 9000 exceeds"),
            std::string::npos);
  h()->command_bytes = 3;
  memcpy(h()->command, "abc", 3);
  EXPECT_EQ(ReadError(image_),
            Expect("the command's last argument is not NUL-terminated"));
  h()->command_bytes = 0;
  memset(h()->unwinder, 'u', sizeof(h()->unwinder));
  EXPECT_EQ(ReadError(image_),
            Expect("the unwinder name is not NUL-terminated"));
  h()->unwinder[0] = '\0';
  h()->ending = 9;
  EXPECT_EQ(ReadError(image_), Expect("unknown ending 9"));
  h()->ending = 0;
  EXPECT_EQ(ReadError(image_), "");
}

TEST_F(CorruptionTest, Timeline) {
  TimelineBuffer& current = h()->timeline.buffers[h()->timeline.generation % 2];
  current.count = 2;
  current.points[0] = TimelineEntry{100, 1, 1};
  current.points[1] = TimelineEntry{50, 1, 1};
  EXPECT_EQ(ReadError(image_),
            Expect("the timeline's point 1 is earlier than the one before it"));
  current.points[1].nanoseconds = 150;
  EXPECT_EQ(ReadError(image_), "");
  current.count = kTimelinePoints + 1;
  EXPECT_EQ(ReadError(image_),
            Expect("the timeline holds 513 points (at most 512)"));
  current.count = 0;
  memset(h()->working_directory, 'a', sizeof(h()->working_directory));
  EXPECT_EQ(ReadError(image_),
            Expect("the working directory is not NUL-terminated"));
}

TEST_F(CorruptionTest, TooShortForTheHeader) {
  EXPECT_EQ(ReadError(image_.substr(0, 100)),
            Expect("100 bytes, too short for the header (" +
                   std::to_string(sizeof(FileHeader)) + " bytes)"));
}

TEST_F(CorruptionTest, Counts) {
  h()->peak[1].stack_count = 4;
  EXPECT_EQ(ReadError(image_),
            Expect("peak slot 1 covers 4 stacks but only 3 exist"));
  h()->peak[1].stack_count = 3;
  h()->stack_count = 0xffffffff;
  EXPECT_NE(ReadError(image_).find("stack count 4294967295 exceeds"),
            std::string::npos);
  h()->stack_count = 3;
  h()->location_count = 2;
  EXPECT_EQ(ReadError(image_),
            Expect("stack 2 refers to location 3 but only 2 exist"));
  h()->location_count = 0xffffffff;
  EXPECT_NE(ReadError(image_).find("location count 4294967295 exceeds"),
            std::string::npos);
  h()->location_count = 3;
  h()->string_pool_bytes = uint64_t{1} << 60;
  EXPECT_NE(ReadError(image_).find("exceed what the format can hold"),
            std::string::npos);
}

TEST_F(CorruptionTest, Stacks) {
  StackEntry* stack = Element<StackEntry>(kStackArea, 2);
  stack->depth = 129;
  EXPECT_EQ(ReadError(image_), Expect("stack 2 has depth 129 (at most 128)"));
  stack->depth = 3;
  const uint64_t frames = stack->frames;
  stack->frames = h()->frame_pool_bytes - 4;
  EXPECT_NE(ReadError(image_).find(
                "stack 2's 3 frames at frame pool offset 16 are not inside"),
            std::string::npos)
      << ReadError(image_);
  stack->frames = kChunkBytes - 4;  // crosses into the next chunk
  h()->frame_pool_bytes = uint64_t{2} * kChunkBytes;
  EXPECT_NE(ReadError(image_).find("are not inside one chunk"),
            std::string::npos);
  stack->frames = frames;
  h()->frame_pool_bytes = 20;
  uint32_t* ids = reinterpret_cast<uint32_t*>(
      &image_[h()->chunk_offset[kFramePool][0] + frames]);
  ids[1] = 0;
  EXPECT_EQ(ReadError(image_),
            Expect("stack 2 refers to location 0 but only 3 exist"));
  ids[1] = 99;
  EXPECT_EQ(ReadError(image_),
            Expect("stack 2 refers to location 99 but only 3 exist"));
}

TEST_F(CorruptionTest, Locations) {
  LocationEntry* location = Element<LocationEntry>(kLocationArea, 1);
  location->kind = 5;
  EXPECT_EQ(ReadError(image_), Expect("location 1 has unknown kind 5"));
  location->kind = 1;
  location->function = h()->string_pool_bytes;
  EXPECT_NE(ReadError(image_).find("location 1's function is at string pool "
                                   "offset"),
            std::string::npos);
  location->function = 0;
  // The file name's NUL falls outside the pool's used bytes.
  h()->string_pool_bytes = location->file + 2;
  EXPECT_NE(ReadError(image_).find("location 1's file (string pool offset "),
            std::string::npos)
      << ReadError(image_);
}

TEST_F(CorruptionTest, ChunkOffsets) {
  uint64_t& live = h()->chunk_offset[kLiveArea][0];
  const uint64_t good = live;
  live = good + 8;  // not a chunk boundary
  EXPECT_EQ(ReadError(image_),
            Expect("chunk 0 of the live counters is missing or lies outside "
                   "the file (truncated?)"));
  live = kChunkBytes;  // inside the header
  EXPECT_NE(ReadError(image_).find("chunk 0 of the live counters"),
            std::string::npos);
  live = image_.size();  // just past the end
  EXPECT_NE(ReadError(image_).find("chunk 0 of the live counters"),
            std::string::npos);
  live = ~uint64_t{0} & ~uint64_t{kChunkBytes - 1};
  EXPECT_NE(ReadError(image_).find("chunk 0 of the live counters"),
            std::string::npos);
  // No offset at all is a chunk never made (its stacks were published but
  // never counted), zero in a complete file; only an incomplete file may
  // have kept it elsewhere.
  live = 0;
  EXPECT_EQ(ReadError(image_), "");
  h()->flags |= kFlagIncomplete;
  EXPECT_NE(ReadError(image_).find("chunk 0 of the live counters"),
            std::string::npos);
  h()->flags &= ~kFlagIncomplete;
  live = good;
  h()->chunk_offset[kStringPool][0] = 0;
  EXPECT_EQ(ReadError(image_),
            Expect("chunk 0 of the string pool is missing or lies outside the "
                   "file (truncated?)"));
}

TEST_F(CorruptionTest, EveryTruncationIsAnErrorNeverACrash) {
  // Every chunk boundary and points in between, down to the bare header.
  for (uint64_t size = image_.size() - 1; size >= sizeof(FileHeader);
       size -= size > 300000 ? 4099 : 1) {
    const std::string error = ReadError(image_.substr(0, size));
    ASSERT_NE(error, "") << size;
    EXPECT_EQ(error.find(kName), 0u) << error;
    if (size < 300000) break;
  }
}

TEST_F(CorruptionTest, EveryByteFlippedNeverCrashes) {
  // Flip each byte outside the header's chunk table (mostly zeros, covered
  // above) and read both snapshots; any answer is fine but a crash.
  TestStoredProfile p = ThreeStacks();
  p.has_oom = true;
  const std::string image = BuildStoredProfileImage(p);
  std::vector<size_t> positions;
  for (size_t i = 0; i < offsetof(FileHeader, chunk_offset); i += 3) {
    positions.push_back(i);
  }
  for (uint32_t area = 0; area < kAreaCount; ++area) {
    const int64_t at = ElementOffset(image, static_cast<Area>(area), 0, 1);
    for (int64_t i = 0; at >= 0 && i < 256; ++i) {
      positions.push_back(static_cast<size_t>(at + i));
    }
  }
  // One buffer, each byte flipped in place and back: no copies of the
  // image per position.
  auto buffer = Buffer(image);
  uint8_t* bytes = buffer->mutable_data();
  for (size_t position : positions) {
    bytes[position] ^= 0xa5;
    for (StoredSnapshot which :
         {StoredSnapshot::kPeak, StoredSnapshot::kOutOfMemory}) {
      Profile profile;
      std::string error;
      if (!ReadStoredProfile(*buffer, which, &profile, &error)) {
        EXPECT_EQ(error.find(kName), 0u) << error;
      }
    }
    bytes[position] ^= 0xa5;
  }
}

// --- Files.

class ProfileFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TEST_TMPDIR");
    dir_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/reader_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    mkdir(dir_.c_str(), 0700);
    path_ = dir_ + "/" + kFileName;
  }
  std::string dir_;
  std::string path_;
};

TEST_F(ProfileFileTest, OpensTheFileOrItsFolder) {
  std::string error;
  ASSERT_TRUE(WriteStoredProfileFile(path_, ThreeStacks(), &error)) << error;
  for (const std::string& where : {path_, dir_, dir_ + "/"}) {
    auto file = ProfileFile::Open(where, &error);
    ASSERT_NE(file, nullptr) << error;
    EXPECT_EQ(file->path(), path_);
    Profile profile;
    ASSERT_TRUE(
        ReadStoredProfile(*file, StoredSnapshot::kPeak, &profile, &error))
        << error;
    EXPECT_EQ(profile.peak_bytes, 4024);
  }
}

TEST_F(ProfileFileTest, RefusesLinksShortFilesAndOtherKinds) {
  std::string error;
  EXPECT_EQ(ProfileFile::Open(path_, &error), nullptr);
  EXPECT_EQ(error, "cannot open " + path_ + ": No such file or directory");

  ASSERT_TRUE(WriteStoredProfileFile(dir_ + "/real", ThreeStacks(), &error));
  ASSERT_EQ(symlink("real", path_.c_str()), 0);
  EXPECT_EQ(ProfileFile::Open(path_, &error), nullptr);
  EXPECT_EQ(error,
            "cannot open " + path_ + ": Too many levels of symbolic links");
  EXPECT_EQ(ProfileFile::Open(dir_, &error), nullptr);
  EXPECT_EQ(error,
            "cannot open " + path_ + ": Too many levels of symbolic links");
  unlink(path_.c_str());

  ASSERT_EQ(mkfifo(path_.c_str(), 0600), 0);
  EXPECT_EQ(ProfileFile::Open(dir_, &error), nullptr);
  EXPECT_EQ(error, path_ + ": not a regular file");
  unlink(path_.c_str());

  const int fd = open(path_.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_EQ(write(fd, "TIDEMRK1", 8), 8);
  close(fd);
  EXPECT_EQ(ProfileFile::Open(path_, &error), nullptr);
  EXPECT_EQ(error, path_ + ": 8 bytes, too short for the header (" +
                       std::to_string(sizeof(FileHeader)) + " bytes)");
}

TEST_F(ProfileFileTest, ATruncatedFileIsAnErrorNamingIt) {
  std::string error;
  ASSERT_TRUE(WriteStoredProfileFile(path_, ThreeStacks(), &error));
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  ASSERT_EQ(truncate(path_.c_str(), st.st_size - kChunkBytes), 0);
  auto file = ProfileFile::Open(path_, &error);
  ASSERT_NE(file, nullptr) << error;
  Profile profile;
  EXPECT_FALSE(
      ReadStoredProfile(*file, StoredSnapshot::kPeak, &profile, &error));
  EXPECT_EQ(error.find(path_ + ": chunk 0 of the "), 0u) << error;
}

}  // namespace
}  // namespace tidemark
