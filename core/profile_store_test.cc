#include "core/profile_store.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "core/frame.h"
#include "core/peak_tracker.h"
#include "core/profile_reader.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

namespace pf = profile_format;

std::string MakeTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") +
                        "/profile_store_test.XXXXXX";
  char* made = mkdtemp(pattern.data());
  return made != nullptr ? made : "";
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

class ProfileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
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
    const std::string dir = MakeTempDir();
    const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir_fd, 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      std::string why;
      ProfileStore* store =
          ProfileStore::CreateInDirectory(dir_fd, dir, TestFacts(), &why);
      if (store == nullptr) _exit(3);
      auto* peak = new PeakTracker();
      peak->AttachStore(store);
      AddStacks(store, 7);
      peak->Add(8 - 7, 1);  // the byte each round frees
      for (int64_t i = 1;; ++i) {
        peak->Add(static_cast<uint32_t>(i % 7) + 1, i);
        peak->Remove(1, 1);
        peak->Add(1, 1);
      }
    }
    const useconds_t delay = 1000 + random() % 50000;
    usleep(delay);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "seed " << seed;
    std::string why;
    std::unique_ptr<ProfileFile> file = ProfileFile::Open(dir, &why);
    close(dir_fd);
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

}  // namespace
}  // namespace tidemark
