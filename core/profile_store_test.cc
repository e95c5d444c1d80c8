#include "core/profile_store.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "core/frame.h"
#include "core/module_record.h"
#include "core/peak_tracker.h"
#include "core/profile_reader.h"
#include "core/test_files.h"
#include "core/timeline.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

namespace pf = profile_format;

// A module of the map, as core/module_map.h would add it.
ModuleRecord TestModule(const char* path, uint64_t start) {
  ModuleRecord m = {};
  m.start = start;
  m.end = start + 0x10000;
  m.bias = start;
  m.path = path;
  m.build_id_bytes = 4;
  m.build_id[0] = 0xbe;
  m.build_id[3] = 0xef;
  return m;
}

ProfileStore::Facts TestFacts() {
  ProfileStore::Facts facts;
  facts.pid = getpid();
  facts.start_monotonic_ns = 0;
  facts.unwinder = "cpython";
  facts.reporters = "folded,summary_json";
  facts.command = {"python3", "job.py"};
  return facts;
}

// One stack per "line": stack `id` has the single frame f<id> (job.py:<id>).
void AddStacks(ProfileStore* store, uint32_t count) {
  for (uint32_t id = 1; id <= count; ++id) {
    const std::string function = "f" + std::to_string(id);
    store->AddLocation(id, FrameKind::kPython, function.c_str(), "job.py",
                       static_cast<int>(id));
    store->AddStack(id, &id, 1);
  }
}

int64_t BytesOfLine(const Profile& profile, int line) {
  int64_t bytes = 0;
  for (const ProfileStack& stack : profile.stacks) {
    if (!stack.frames.empty() && profile.frames[stack.frames[0]].line == line) {
      bytes += stack.bytes;
    }
  }
  return bytes;
}

// Forks a child that creates a file-backed store in a fresh folder and runs
// `write` on it (which never returns) until it is SIGKILLed `delay`
// microseconds later. *file is what the child left, opened; nullptr (with
// *why) when it was killed before the file was published. Call it through
// ASSERT_NO_FATAL_FAILURE.
void KillWhileWriting(useconds_t delay, unsigned seed,
                      void (*write)(ProfileStore* store),
                      std::unique_ptr<ProfileFile>* file, std::string* why) {
  const std::string dir = MakeTempDir("profile_store_test");
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir_fd, 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string child_why;
    ProfileStore* store =
        ProfileStore::CreateInDirectory(dir_fd, dir, TestFacts(), &child_why);
    if (store == nullptr) _exit(3);
    write(store);
    _exit(4);
  }
  usleep(delay);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "seed " << seed;
  *file = ProfileFile::Open(dir, why);
  close(dir_fd);
}

class ProfileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("profile_store_test");
    ASSERT_FALSE(dir_.empty());
    dir_fd_ = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir_fd_, 0);
  }
  void TearDown() override { close(dir_fd_); }

  // A file-backed store in the test's folder, and a tracker keeping its
  // counters there.
  ProfileStore* NewStore(std::unique_ptr<PeakTracker>* peak) {
    std::string why;
    ProfileStore* store =
        ProfileStore::CreateInDirectory(dir_fd_, dir_, TestFacts(), &why);
    EXPECT_NE(store, nullptr) << why;
    if (store != nullptr) {
      *peak = std::make_unique<PeakTracker>();
      (*peak)->AttachStore(store);
    }
    return store;
  }

  // The peak as a renderer reads it from the file.
  bool ReadPeakFromFile(Profile* profile) {
    std::string why;
    std::unique_ptr<ProfileFile> file = ProfileFile::Open(dir_, &why);
    EXPECT_NE(file, nullptr) << why;
    if (file == nullptr) return false;
    const bool ok =
        ReadStoredProfile(*file, StoredSnapshot::kPeak, profile, &why);
    EXPECT_TRUE(ok) << why;
    return ok;
  }

  std::string dir_;
  int dir_fd_ = -1;
};

TEST_F(ProfileStoreTest, TheFileHoldsThePeakAndTheLiveBytes) {
  std::unique_ptr<PeakTracker> peak;
  ProfileStore* store = NewStore(&peak);
  ASSERT_NE(store, nullptr);
  EXPECT_STREQ(store->path(), (dir_ + "/profile.tidemark").c_str());
  AddStacks(store, 3);
  peak->Add(1, 1000);
  peak->Add(2, 500);
  peak->Remove(1, 1000);  // the peak (1500) is copied here
  peak->Add(3, 200);

  Profile profile;
  ASSERT_TRUE(ReadPeakFromFile(&profile));
  EXPECT_EQ(profile.peak_bytes, 1500);
  EXPECT_EQ(BytesOfLine(profile, 1), 1000);
  EXPECT_EQ(BytesOfLine(profile, 2), 500);
  EXPECT_EQ(BytesOfLine(profile, 3), 0);
  EXPECT_EQ(profile.current_bytes, 700);
  ASSERT_EQ(profile.command.size(), 2u);
  EXPECT_EQ(profile.command[1], "job.py");
}

TEST_F(ProfileStoreTest, LiveBytesAboveTheLastCopyAreThePeak) {
  // A job that only grew since its last free and was then killed: the
  // peak is what was live at the end.
  std::unique_ptr<PeakTracker> peak;
  ProfileStore* store = NewStore(&peak);
  ASSERT_NE(store, nullptr);
  AddStacks(store, 2);
  peak->Add(1, 100);
  peak->Remove(1, 100);
  peak->Add(2, 4096);
  peak->Add(2, 4096);

  Profile profile;
  ASSERT_TRUE(ReadPeakFromFile(&profile));
  EXPECT_EQ(profile.peak_bytes, 8192);
  EXPECT_EQ(BytesOfLine(profile, 2), 8192);
  EXPECT_EQ(BytesOfLine(profile, 1), 0);
}

TEST_F(ProfileStoreTest, AStackWhoseCountersWereNeverMadeReadsAsZero) {
  // A stack is published before its first count makes the counter chunk;
  // a process killed in between leaves exactly this file.
  std::unique_ptr<PeakTracker> peak;
  ProfileStore* store = NewStore(&peak);
  ASSERT_NE(store, nullptr);
  AddStacks(store, 2);

  Profile profile;
  ASSERT_TRUE(ReadPeakFromFile(&profile));
  EXPECT_EQ(profile.peak_bytes, 0);
  EXPECT_EQ(profile.current_bytes, 0);
  EXPECT_EQ(BytesOfLine(profile, 1), 0);
}

TEST_F(ProfileStoreTest, ManyStacksSpanManyChunks) {
  std::unique_ptr<PeakTracker> peak;
  ProfileStore* store = NewStore(&peak);
  ASSERT_NE(store, nullptr);
  constexpr uint32_t kStacks = 10000;  // > 4096 per counter chunk
  AddStacks(store, kStacks);
  for (uint32_t id = 1; id <= kStacks; ++id) peak->Add(id, id);
  peak->Remove(1, 1);
  Profile profile;
  ASSERT_TRUE(ReadPeakFromFile(&profile));
  EXPECT_EQ(profile.peak_bytes, int64_t{kStacks} * (kStacks + 1) / 2);
  EXPECT_EQ(BytesOfLine(profile, 9999), 9999);
  EXPECT_EQ(profile.stacks.size(), kStacks);
}

// The whole file, as bytes.
std::string FileBytes(const std::string& path) {
  std::string bytes;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return bytes;
  char buffer[65536];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
    bytes.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return bytes;
}

// In a forked child: says which check failed and ends it with its line.
#define CHILD_CHECK(condition)                                                \
  do {                                                                        \
    if (!(condition)) {                                                       \
      fprintf(stderr, "%s:%d: failed in the child: %s\n", __FILE__, __LINE__, \
              #condition);                                                    \
      _exit(__LINE__ % 256 == 0 ? 1 : __LINE__ % 256);                        \
    }                                                                         \
  } while (0)

// The stored profile `dir` holds, read as a renderer reads it.
Profile ReadInChild(const std::string& dir, pf::FileHeader* header) {
  std::string why;
  std::unique_ptr<ProfileFile> file = ProfileFile::Open(dir, &why);
  CHILD_CHECK(file != nullptr);
  *header = *file->header();
  Profile profile;
  CHILD_CHECK(ReadStoredProfile(*file, StoredSnapshot::kPeak, &profile, &why));
  return profile;
}

TEST_F(ProfileStoreTest, AForkedChildStartsOverInAFileOfItsOwn) {
  std::unique_ptr<PeakTracker> peak;
  ProfileStore* store = NewStore(&peak);
  ASSERT_NE(store, nullptr);
  AddStacks(store, 3);
  store->AddModule(0, TestModule("/usr/lib/liba.so", 0x7f0000000000));
  peak->Add(1, 1000);
  peak->Add(2, 500);
  peak->Remove(1, 1000);  // the parent's peak: 1500
  peak->Add(3, 200);
  // The parent's timeline: the child's starts empty.
  AppendToTimeline(&store->mutable_header()->timeline,
                   pf::TimelineEntry{5, 1500, 4096});
  AppendToTimeline(&store->mutable_header()->timeline,
                   pf::TimelineEntry{9, 700, 8192});
  const std::string parent_file = dir_ + "/profile.tidemark";
  const std::string parent_bytes = FileBytes(parent_file);
  ASSERT_FALSE(parent_bytes.empty());
  const std::string child_dir = MakeTempDir("profile_store_test");
  ASSERT_FALSE(child_dir.empty());

  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int child_fd =
        open(child_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHILD_CHECK(child_fd >= 0);
    ProfileStore::Facts facts = TestFacts();
    facts.pid = getpid();
    facts.parent_pid = getppid();
    facts.started = pf::kStartedFork;
    facts.start_ticks = 4242;
    facts.inherited_bytes = peak->current_bytes();
    peak->StartFreshAfterFork();
    std::string why;
    CHILD_CHECK(store->StartOverInDirectory(child_fd, child_dir, facts, &why));
    CHILD_CHECK(std::string(store->path()) == child_dir + "/profile.tidemark");

    pf::FileHeader h;
    Profile profile = ReadInChild(child_dir, &h);
    CHILD_CHECK(h.pid == getpid());
    CHILD_CHECK(h.parent_pid == getppid());
    CHILD_CHECK(h.started == pf::kStartedFork);
    CHILD_CHECK(h.start_ticks == 4242);
    CHILD_CHECK(h.inherited_bytes == 700);
    CHILD_CHECK(h.stack_count == 3 && h.location_count == 3);
    CHILD_CHECK(h.peak_generation == 0 && h.tracked_allocations == 0);
    CHILD_CHECK((h.flags & pf::kFlagIncomplete) == 0);
    CHILD_CHECK(profile.peak_bytes == 0 && profile.current_bytes == 0);
    CHILD_CHECK(profile.stacks.empty());
    CHILD_CHECK(profile.timeline.empty() && h.timeline.generation == 0);
    // The parent's module map (its frames' names) is the child's too.
    CHILD_CHECK(profile.modules.size() == 1 &&
                profile.modules[0].path == "/usr/lib/liba.so" &&
                profile.modules[0].build_id.size() == 4);

    // The child's own counters, under the parent's stacks and names, and
    // a stack of its own.
    peak->Add(2, 64);
    peak->Add(3, 32);
    store->AddLocation(4, FrameKind::kPython, "f4", "job.py", 4);
    const uint32_t location = 4;
    store->AddStack(4, &location, 1);
    peak->Add(4, 8);
    peak->Remove(3, 32);  // the child's peak: 104
    profile = ReadInChild(child_dir, &h);
    CHILD_CHECK(profile.peak_bytes == 104);
    CHILD_CHECK(BytesOfLine(profile, 1) == 0);
    CHILD_CHECK(BytesOfLine(profile, 2) == 64);
    CHILD_CHECK(BytesOfLine(profile, 3) == 32);
    CHILD_CHECK(BytesOfLine(profile, 4) == 8);
    CHILD_CHECK(profile.current_bytes == 72);
    bool named = false;
    for (const ProfileFrame& frame : profile.frames) {
      named = named || (frame.function == "f2" && frame.file == "job.py");
    }
    CHILD_CHECK(named);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "see the child's line above";

  // The child never wrote to the parent's file.
  EXPECT_TRUE(FileBytes(parent_file) == parent_bytes);
  Profile profile;
  ASSERT_TRUE(ReadPeakFromFile(&profile));
  EXPECT_EQ(profile.peak_bytes, 1500);
  EXPECT_EQ(profile.current_bytes, 700);
  ASSERT_EQ(profile.timeline.size(), 2u);
  EXPECT_EQ(profile.timeline[1].tracked_bytes, 700);
}

TEST_F(ProfileStoreTest, AnInMemoryStoreStartsOverWithItsStacks) {
  ProfileStore::Facts facts = TestFacts();
  ProfileStore* store = ProfileStore::CreateInMemory(facts);
  ASSERT_NE(store, nullptr);
  PeakTracker peak;
  peak.AttachStore(store);
  AddStacks(store, 2);
  store->AddModule(0, TestModule("/usr/lib/liba.so", 0x7f0000000000));
  store->AddModule(1, TestModule("/usr/lib/libb.so", 0x7f1000000000));
  peak.Add(1, 100);
  peak.Add(1, 50);
  peak.Remove(1, 100);  // a peak of 150; 50 still live

  facts.pid = 777;
  facts.started = pf::kStartedFork;
  facts.inherited_bytes = 0;
  peak.StartFreshAfterFork();
  store->StartOverInMemory(facts);
  const pf::FileHeader* h = store->header();
  EXPECT_EQ(h->pid, 777);
  EXPECT_EQ(h->started, pf::kStartedFork);
  EXPECT_EQ(h->stack_count, 2u);
  EXPECT_EQ(h->peak_generation, 0u);
  peak.Add(2, 30);
  std::string why;
  Profile profile;
  ASSERT_TRUE(ReadStoredProfile(*store, StoredSnapshot::kPeak, &profile, &why))
      << why;
  EXPECT_EQ(profile.peak_bytes, 30);
  EXPECT_EQ(BytesOfLine(profile, 1), 0);
  EXPECT_EQ(BytesOfLine(profile, 2), 30);
  // The module map is kept, as the stacks are.
  ASSERT_EQ(profile.modules.size(), 2u);
  EXPECT_EQ(profile.modules[1].path, "/usr/lib/libb.so");
  EXPECT_EQ(profile.modules[1].start, 0x7f1000000000u);
  EXPECT_EQ(profile.modules[1].build_id, std::string("\xbe\0\0\xef", 4));
}

// The publication protocol under real kills: a child makes new peaks as
// fast as it can and is SIGKILLed at a random moment; whatever instruction
// it died on, the file must read as a complete peak the child really had.
// Each round i adds `i` bytes on stack (i % 7) + 1 and frees 1 byte, so a
// consistent peak has bytes == sum of a prefix of rounds, and every stack's
// bytes agree with that prefix.
TEST_F(ProfileStoreTest, AKillAtAnyMomentLeavesACompletePeak) {
  const unsigned seed = static_cast<unsigned>(time(nullptr));
  std::mt19937 random(seed);
  for (int run = 0; run < 30; ++run) {
    std::unique_ptr<ProfileFile> file;
    std::string why;
    ASSERT_NO_FATAL_FAILURE(KillWhileWriting(
        1000 + random() % 50000, seed,
        [](ProfileStore* store) {
          auto* peak = new PeakTracker();
          peak->AttachStore(store);
          AddStacks(store, 7);
          peak->Add(8 - 7, 1);  // the byte each round frees
          for (int64_t i = 1;; ++i) {
            peak->Add(static_cast<uint32_t>(i % 7) + 1, i);
            peak->Remove(1, 1);
            peak->Add(1, 1);
          }
        },
        &file, &why));
    if (file == nullptr) {
      // Killed before the file was published: a clear error, no file.
      EXPECT_NE(why.find("profile.tidemark"), std::string::npos) << why;
      continue;
    }
    Profile profile;
    ASSERT_TRUE(ReadStoredProfile(*file, StoredSnapshot::kPeak, &profile, &why))
        << why << " (seed " << seed << ", run " << run << ")";
    // A consistent state is rounds 1..r done, with or without the byte
    // (the live counters at the instant of death may sit between the free
    // and the next add). Every stack must agree with the same r.
    int64_t total = 0;
    for (const ProfileStack& stack : profile.stacks) total += stack.bytes;
    EXPECT_EQ(total, profile.peak_bytes);
    bool consistent = false;
    int64_t done[8] = {};  // rounds 1..rounds, by stack
    for (int64_t rounds = 0, prefix = 0; prefix <= total && !consistent;) {
      for (int64_t byte = 0; byte <= 1 && !consistent; ++byte) {
        bool all = true;
        for (int line = 1; line <= 7; ++line) {
          all = all && BytesOfLine(profile, line) ==
                           done[line] + (line == 1 ? byte : 0);
        }
        consistent = all;
      }
      ++rounds;
      prefix += rounds;
      done[rounds % 7 + 1] += rounds;
    }
    EXPECT_TRUE(consistent)
        << "total " << total << " seed " << seed << " run " << run;
  }
}

TEST_F(ProfileStoreTest, KeepsTheWorkingDirectoryWholeOrNotAtAll) {
  ProfileStore::Facts facts = TestFacts();
  facts.working_directory = "/home/user/my project";
  std::string why;
  ProfileStore* store =
      ProfileStore::CreateInDirectory(dir_fd_, dir_, facts, &why);
  ASSERT_NE(store, nullptr) << why;
  Profile profile;
  ASSERT_TRUE(ReadPeakFromFile(&profile));
  EXPECT_EQ(profile.working_directory, "/home/user/my project");
  // One byte too long for the field (with its NUL): unknown, never cut.
  facts.working_directory =
      "/" + std::string(pf::kWorkingDirectoryBytes - 1, 'd');
  ProfileStore* in_memory = ProfileStore::CreateInMemory(facts);
  ASSERT_NE(in_memory, nullptr);
  ASSERT_TRUE(
      ReadStoredProfile(*in_memory, StoredSnapshot::kPeak, &profile, &why))
      << why;
  EXPECT_EQ(profile.working_directory, "");
  facts.working_directory.pop_back();  // fits exactly
  in_memory = ProfileStore::CreateInMemory(facts);
  ASSERT_NE(in_memory, nullptr);
  ASSERT_TRUE(
      ReadStoredProfile(*in_memory, StoredSnapshot::kPeak, &profile, &why))
      << why;
  EXPECT_EQ(profile.working_directory.size(), pf::kWorkingDirectoryBytes - 1);
}

// The timeline's publication under real kills: a child appends points as
// fast as it can (merging again and again) and is SIGKILLed at a random
// moment. Point i has all three fields i, so a merged point (the max of
// its pair) has three equal fields too, and a torn one would not.
TEST_F(ProfileStoreTest, AKillAtAnyMomentLeavesAWholeTimeline) {
  const unsigned seed = static_cast<unsigned>(time(nullptr));
  std::mt19937 random(seed);
  for (int run = 0; run < 20; ++run) {
    std::unique_ptr<ProfileFile> file;
    std::string why;
    ASSERT_NO_FATAL_FAILURE(KillWhileWriting(
        1000 + random() % 30000, seed,
        [](ProfileStore* store) {
          pf::TimelineRecord* record = &store->mutable_header()->timeline;
          record->interval_ns = 1;
          for (int64_t i = 1;; ++i) {
            AppendToTimeline(record, pf::TimelineEntry{i, i, i});
          }
        },
        &file, &why));
    if (file == nullptr) continue;  // killed before the file was published
    Profile profile;
    ASSERT_TRUE(ReadStoredProfile(*file, StoredSnapshot::kPeak, &profile, &why))
        << why << " (seed " << seed << ", run " << run << ")";
    const uint64_t merges = file->header()->timeline.generation;
    if (merges > 0) {
      EXPECT_GE(profile.timeline.size(), pf::kTimelinePoints / 2 + 1);
    }
    EXPECT_LE(profile.timeline.size(), pf::kTimelinePoints);
    double last = 0;
    for (const TimelinePoint& point : profile.timeline) {
      EXPECT_EQ(std::llround(point.seconds * 1e9), point.tracked_bytes)
          << "seed " << seed << " run " << run;
      EXPECT_EQ(point.tracked_bytes, point.rss_bytes);
      EXPECT_GE(point.seconds, last);
      last = point.seconds;
    }
  }
}

}  // namespace
}  // namespace tidemark
