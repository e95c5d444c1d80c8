// The peak tracker against a brute-force model: random allocate/free
// sequences, and after them (and at random moments in between) the
// tracker's peak, its live counters and, with a store, the stored profile
// as a reader sees it must equal what replaying the events from scratch
// gives, to the byte and the allocation.
//
// The model keeps only the running total and the last high; the peak's
// content is recomputed at each check by replaying the events up to the
// moment of the last copy. Nothing of the tracker's own bookkeeping (the
// dirty log, the stamps) is mirrored, so the comparison holds whatever the
// copies do inside.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/frame.h"
#include "core/peak_tracker.h"
#include "core/profile_format.h"
#include "core/profile_reader.h"
#include "core/profile_store.h"
#include "core/test_files.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

namespace pf = profile_format;

// Stack id -> {bytes, allocations}.
using Contents = std::map<uint32_t, std::pair<int64_t, int64_t>>;

// The master seed: TIDEMARK_PROPERTY_SEED when set (to replay a failure),
// else the clock.
uint64_t MasterSeed() {
  const char* fixed = getenv("TIDEMARK_PROPERTY_SEED");
  if (fixed != nullptr && fixed[0] != '\0') return strtoull(fixed, nullptr, 10);
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000003u +
         static_cast<uint64_t>(now.tv_nsec);
}

// The first differences between two contents, or "" when equal.
std::string Differences(const Contents& got, const Contents& want) {
  std::ostringstream out;
  int shown = 0;
  auto entry = [&](const Contents& contents, uint32_t id) {
    const auto it = contents.find(id);
    if (it == contents.end()) {
      out << "nothing";
    } else {
      out << it->second.first << " B/" << it->second.second;
    }
  };
  auto show = [&](uint32_t id) {
    if (++shown > 5) return;
    out << " stack " << id << ": got ";
    entry(got, id);
    out << ", want ";
    entry(want, id);
    out << ";";
  };
  for (const auto& [id, value] : got) {
    auto w = want.find(id);
    if (w == want.end() || w->second != value) show(id);
  }
  for (const auto& [id, value] : want) {
    if (got.find(id) == got.end()) show(id);
  }
  if (shown == 0) return "";
  out << " (" << shown << " stacks differ)";
  return out.str();
}

// Only the stacks with bytes, as VisitPeak/VisitCurrent and the reader
// list them.
Contents WithBytes(const Contents& all) {
  Contents out;
  for (const auto& [id, value] : all) {
    if (value.first != 0) out[id] = value;
  }
  return out;
}

// The brute-force model of one process's run: its events since it started
// (or forked), the running total, the last high copied and when.
class Model {
 public:
  void Add(uint32_t id, int64_t bytes) {
    events_.push_back({id, bytes, +1});
    total_ += bytes;
  }
  void Free(uint32_t id, int64_t bytes) {
    CaptureIfPeak();
    events_.push_back({id, -bytes, -1});
    total_ -= bytes;
  }
  void CaptureIfPeak() {
    if (total_ > peak_total_) CaptureNow();
  }
  void CaptureNow() {
    copied_at_ = static_cast<int64_t>(events_.size());
    peak_total_ = total_;
  }
  void Fork() {
    events_.clear();
    total_ = 0;
    peak_total_ = 0;
    copied_at_ = -1;
  }

  bool has_peak() const { return copied_at_ >= 0; }
  int64_t total() const { return total_; }
  int64_t peak_total() const { return peak_total_; }
  // Every stack ever counted in this run, zero or not, at the last copy
  // or now: the events replayed from the start.
  Contents AtPeak() const { return Replay(has_peak() ? copied_at_ : 0); }
  Contents Now() const { return Replay(static_cast<int64_t>(events_.size())); }

 private:
  struct Event {
    uint32_t id;
    int64_t bytes;
    int64_t allocations;
  };
  Contents Replay(int64_t count) const {
    Contents out;
    for (int64_t i = 0; i < count; ++i) {
      const Event& e = events_[static_cast<size_t>(i)];
      out[e.id].first += e.bytes;
      out[e.id].second += e.allocations;
    }
    return out;
  }

  std::vector<Event> events_;
  int64_t total_ = 0;
  int64_t peak_total_ = 0;
  int64_t copied_at_ = -1;
};

// The tracker's peak copy and its live counters, as Contents.
Contents PeakContents(PeakTracker& peak) {
  Contents out;
  peak.VisitPeak([&](uint32_t id, PeakTracker::Entry e) {
    out[id] = {e.bytes, e.allocations};
  });
  return out;
}
Contents CurrentContents(PeakTracker& peak) {
  Contents out;
  peak.VisitCurrent([&](uint32_t id, PeakTracker::Entry e) {
    out[id] = {e.bytes, e.allocations};
  });
  return out;
}

std::pair<int64_t, int64_t> Sums(const Contents& contents) {
  std::pair<int64_t, int64_t> sums{0, 0};
  for (const auto& [id, value] : contents) {
    sums.first += value.first;
    sums.second += value.second;
  }
  return sums;
}

enum class Backing { kNone, kMemoryStore, kFileStore };

const char* BackingName(Backing b) {
  switch (b) {
    case Backing::kNone:
      return "no store";
    case Backing::kMemoryStore:
      return "store in memory";
    case Backing::kFileStore:
      return "store in a file";
  }
  return "?";
}

// A file store's folder and the one file it holds.
void RemoveStoreFolder(const std::string& dir) {
  unlink((dir + "/" + pf::kFileName).c_str());
  rmdir(dir.c_str());
}

ProfileStore::Facts TestFacts() {
  ProfileStore::Facts facts;
  facts.pid = getpid();
  facts.unwinder = "cpython";
  facts.reporters = "folded";
  facts.command = {"python3", "job.py"};
  return facts;
}

// A tracker, its store if any, and what the store has published. One with
// a store is reused from one sequence to the next through Fork(), as a
// forked child reuses its parent's (stack ids stay, counters restart).
class Subject {
 public:
  Subject(Backing backing, int log_shift)
      : backing_(backing), peak_(std::make_unique<PeakTracker>(log_shift)) {
    if (backing_ == Backing::kMemoryStore) {
      store_ = ProfileStore::CreateInMemory(TestFacts());
    } else if (backing_ == Backing::kFileStore) {
      dir_ = MakeTempDir("peak_tracker_property_test");
      const int fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      std::string why;
      store_ = ProfileStore::CreateInDirectory(fd, dir_, TestFacts(), &why);
      close(fd);
      EXPECT_NE(store_, nullptr) << why;
    }
    if (store_ != nullptr) peak_->AttachStore(store_);
  }
  ~Subject() {
    if (!dir_.empty()) RemoveStoreFolder(dir_);
  }

  bool ok() const { return backing_ == Backing::kNone || store_ != nullptr; }
  // The store's header (nullptr without a store).
  const pf::FileHeader* header() const {
    return store_ == nullptr ? nullptr : store_->header();
  }
  PeakTracker& peak() { return *peak_; }

  // Stack `id` named f<id> at job.py line <id>, as the stack table would
  // publish it before its first count.
  void Publish(uint32_t count) {
    if (store_ == nullptr) return;
    for (uint32_t id = published_ + 1; id <= count; ++id) {
      const std::string function = "f" + std::to_string(id);
      store_->AddLocation(id, FrameKind::kPython, function.c_str(), "job.py",
                          static_cast<int>(id));
      store_->AddStack(id, &id, 1);
    }
    published_ = std::max(published_, count);
  }

  // What a forked child does: the tracker starts fresh, then the store
  // (for a file, in a new folder, as StartProfileInChild does).
  bool Fork(std::string* why) {
    peak_->StartFreshAfterFork();
    if (backing_ == Backing::kMemoryStore) {
      store_->StartOverInMemory(TestFacts());
    } else if (backing_ == Backing::kFileStore) {
      const std::string old_dir = dir_;
      dir_ = MakeTempDir("peak_tracker_property_test");
      const int fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      const bool moved =
          store_->StartOverInDirectory(fd, dir_, TestFacts(), why);
      close(fd);
      RemoveStoreFolder(old_dir);
      return moved;
    }
    return true;
  }

  // Every check of the tracker against the model; "" when all hold.
  std::string Check(const Model& model) {
    std::ostringstream out;
    if (peak_->current_bytes() != model.total()) {
      out << " current_bytes " << peak_->current_bytes() << " want "
          << model.total() << ";";
    }
    if (peak_->peak_bytes() != model.peak_total()) {
      out << " peak_bytes " << peak_->peak_bytes() << " want "
          << model.peak_total() << ";";
    }
    const Contents want_peak = model.AtPeak();
    const Contents want_now = model.Now();
    const std::string peak_diff =
        Differences(PeakContents(*peak_),
                    model.has_peak() ? WithBytes(want_peak) : Contents());
    if (!peak_diff.empty()) out << " VisitPeak:" << peak_diff;
    const std::string now_diff =
        Differences(CurrentContents(*peak_), WithBytes(want_now));
    if (!now_diff.empty()) out << " VisitCurrent:" << now_diff;
    if (store_ != nullptr) CheckStored(model, want_peak, want_now, &out);
    return out.str();
  }

 private:
  void CheckStored(const Model& model, const Contents& want_peak,
                   const Contents& want_now, std::ostringstream* out) {
    std::string why;
    std::unique_ptr<ProfileFile> file;
    const StoredProfileSource* source = store_;
    if (backing_ == Backing::kFileStore) {
      file = ProfileFile::Open(dir_, &why);
      if (file == nullptr) {
        *out << " cannot open the stored profile: " << why << ";";
        return;
      }
      source = file.get();
    }
    // The slot's own totals, kept by difference, against the replay's.
    const pf::FileHeader* h = source->header();
    const uint64_t generation = h->peak_generation;
    if ((generation != 0) != model.has_peak()) {
      *out << " generation " << generation << " but the model "
           << (model.has_peak() ? "has" : "has no") << " peak;";
    } else if (generation != 0) {
      const pf::SnapshotInfo& info = h->peak[generation % 2];
      const auto sums = Sums(want_peak);
      if (info.total_bytes != sums.first ||
          info.total_allocations != sums.second) {
        *out << " slot totals " << info.total_bytes << " B/"
             << info.total_allocations << " want " << sums.first << " B/"
             << sums.second << ";";
      }
    }
    // As a report reads it: the peak, or what is live when it is higher.
    Profile profile;
    if (!ReadStoredProfile(*source, StoredSnapshot::kPeak, &profile, &why)) {
      *out << " ReadStoredProfile: " << why << ";";
      return;
    }
    const bool live_wins =
        model.total() > (model.has_peak() ? model.peak_total() : 0);
    const Contents& want = live_wins ? want_now : want_peak;
    Contents read;
    for (const ProfileStack& stack : profile.stacks) {
      if (stack.frames.empty()) continue;
      const auto line = static_cast<uint32_t>(
          profile.frames[static_cast<size_t>(stack.frames[0])].line);
      read[line] = {stack.bytes, stack.allocations};
    }
    Contents want_read;
    for (const auto& [id, value] : want) {
      if (value.first > 0) want_read[id] = value;
    }
    const std::string diff = Differences(read, want_read);
    if (!diff.empty()) *out << " stored peak:" << diff;
    const int64_t want_bytes = live_wins          ? model.total()
                               : model.has_peak() ? model.peak_total()
                                                  : 0;
    if (profile.peak_bytes != want_bytes) {
      *out << " stored peak_bytes " << profile.peak_bytes << " want "
           << want_bytes << ";";
    }
    if (profile.current_bytes != model.total()) {
      *out << " stored current_bytes " << profile.current_bytes << " want "
           << model.total() << ";";
    }
  }

  Backing backing_;
  std::unique_ptr<PeakTracker> peak_;
  ProfileStore* store_ = nullptr;  // never freed: chunks point into it
  std::string dir_;
  uint32_t published_ = 0;
};

// How a phase of a sequence allocates and frees.
struct Phase {
  double allocate = 0.5;  // chance an event is an allocation
  uint32_t first = 1;     // stacks [first, first + span)
  uint32_t span = 1;
  bool sweep = false;  // allocate on every stack in turn
};

class Sequence {
 public:
  Sequence(std::mt19937_64* random, Subject* subject, uint32_t stacks,
           int events)
      : random_(*random),
        subject_(*subject),
        stacks_(stacks),
        events_(events) {}

  // Runs the events, checking at random moments and at the end; "" when
  // every check held, else the first failure.
  std::string Run() {
    subject_.Publish(stacks_);
    Phase phase = NewPhase();
    int phase_left = 0;
    uint32_t sweep_next = 0;
    for (int i = 0; i < events_; ++i) {
      if (phase_left-- <= 0) {
        phase = NewPhase();
        phase_left = static_cast<int>(Uniform(20, 600));
        sweep_next = 0;
      }
      const uint64_t roll = Uniform(0, 999);
      if (roll < 8) {
        subject_.peak().CaptureNow();
        model_.CaptureNow();
      } else if (roll < 16) {
        subject_.peak().CaptureForReport();
        model_.CaptureIfPeak();
      } else if (roll < 18) {
        std::string why;
        if (!subject_.Fork(&why)) return "fork: " + why;
        model_.Fork();
        live_.clear();
      } else if (roll < 24) {
        const std::string failed = subject_.Check(model_);
        if (!failed.empty()) return At(i) + failed;
      } else if (live_.empty() || std::generate_canonical<double, 32>(random_) <
                                      phase.allocate) {
        uint32_t id;
        if (phase.sweep) {
          id = phase.first + sweep_next;
          sweep_next = (sweep_next + 1) % phase.span;
        } else {
          id = phase.first + static_cast<uint32_t>(Uniform(0, phase.span - 1));
        }
        const int64_t bytes = Size();
        subject_.peak().Add(id, bytes);
        model_.Add(id, bytes);
        live_.emplace_back(id, bytes);
      } else {
        // Any live block may be the one freed.
        const size_t k = static_cast<size_t>(Uniform(0, live_.size() - 1));
        const auto [id, bytes] = live_[k];
        live_[k] = live_.back();
        live_.pop_back();
        subject_.peak().Remove(id, bytes);
        model_.Free(id, bytes);
      }
    }
    const std::string failed = subject_.Check(model_);
    return failed.empty() ? "" : At(events_) + failed;
  }

  // The sequence ends as a forked child's would begin: nothing live.
  bool Finish(std::string* why) {
    model_.Fork();
    return subject_.Fork(why);
  }

 private:
  uint64_t Uniform(uint64_t low, uint64_t high) {
    return std::uniform_int_distribution<uint64_t>(low, high)(random_);
  }

  Phase NewPhase() {
    Phase phase;
    switch (Uniform(0, 4)) {
      case 0:  // growth
        phase.allocate = 0.75;
        break;
      case 1:  // shrinking
        phase.allocate = 0.25;
        break;
      case 2:  // churn around a level: a new high on and off
        phase.allocate = 0.5;
        break;
      case 3:  // a burst on a few stacks
        phase.allocate = 0.6;
        phase.span = static_cast<uint32_t>(Uniform(1, 3));
        phase.first = static_cast<uint32_t>(
            Uniform(1, stacks_ - std::min(stacks_, phase.span) + 1));
        phase.span = std::min(phase.span, stacks_ - phase.first + 1);
        return phase;
      default:  // every stack in turn: many changes between two copies
        phase.allocate = 0.8;
        phase.sweep = true;
        break;
    }
    phase.first = 1;
    phase.span = stacks_;
    return phase;
  }

  // Mostly small blocks, some large, a few of zero bytes (malloc(0)).
  int64_t Size() {
    const uint64_t kind = Uniform(0, 99);
    if (kind < 2) return 0;
    if (kind < 70) return static_cast<int64_t>(Uniform(1, 256));
    if (kind < 95) return static_cast<int64_t>(Uniform(257, 65536));
    return static_cast<int64_t>(Uniform(65537, 64 << 20));
  }

  std::string At(int event) const {
    return "after event " + std::to_string(event) + ":";
  }

  std::mt19937_64& random_;
  Subject& subject_;
  const uint32_t stacks_;
  const int events_;
  Model model_;
  std::vector<std::pair<uint32_t, int64_t>> live_;
};

// Log-uniform in [1, high]: as many small cases as large ones.
uint64_t LogUniform(std::mt19937_64* random, uint64_t high) {
  const double x = std::uniform_real_distribution<double>(
      0.0, std::log(static_cast<double>(high) + 1))(*random);
  return std::min<uint64_t>(
      high, std::max<uint64_t>(1, static_cast<uint64_t>(std::exp(x))));
}

// The same cases, fewer under the sanitizers (.ci/run runs the core tests
// under both): ASan is some 3x slower here, TSan 10x, and TSan's real work
// is the threaded test below (these sequences run on one thread).
#if defined(__SANITIZE_THREAD__)
constexpr int kSequences = 200;
#elif defined(__SANITIZE_ADDRESS__)
constexpr int kSequences = 600;
#else
constexpr int kSequences = 2000;
#endif

TEST(PeakTrackerPropertyTest, RandomSequencesMatchABruteForceReplay) {
  const uint64_t seed = MasterSeed();
  SCOPED_TRACE("TIDEMARK_PROPERTY_SEED=" + std::to_string(seed));
  std::mt19937_64 random(seed);
  // Logs of 2 entries (wrapping round at nearly every copy, so copies are
  // mostly whole), 64, and the real 64k (copies mostly logged).
  const int log_shifts[] = {1, 6, PeakTracker::kMaxLogShift};
  auto pick_log_shift_index = [&]() {
    const int roll = std::uniform_int_distribution<int>(0, 9)(random);
    return roll < 1 ? 0 : roll < 3 ? 1 : 2;
  };
  // Stores are reused from one sequence to the next through a fork, as a
  // forked child reuses its parent's (stack ids stay, so their whole
  // copies span every stack seen so far); without a store, each sequence
  // has a tracker of its own.
  std::unique_ptr<Subject> stored[2][3];
  int64_t events = 0;
  for (int n = 0; n < kSequences; ++n) {
    // Half without a store, a quarter each with a store in memory and in a
    // file (a file per fork: the slowest).
    const int roll = std::uniform_int_distribution<int>(0, 3)(random);
    const Backing backing = roll < 2    ? Backing::kNone
                            : roll == 2 ? Backing::kMemoryStore
                                        : Backing::kFileStore;
    const int shift_index = pick_log_shift_index();
    const int log_shift = log_shifts[shift_index];
    std::unique_ptr<Subject> own;
    Subject* subject;
    if (backing == Backing::kNone) {
      own = std::make_unique<Subject>(backing, log_shift);
      subject = own.get();
    } else {
      std::unique_ptr<Subject>& kept =
          stored[backing == Backing::kMemoryStore ? 0 : 1][shift_index];
      if (kept == nullptr) kept = std::make_unique<Subject>(backing, log_shift);
      subject = kept.get();
    }
    ASSERT_TRUE(subject->ok()) << BackingName(backing);
    const auto stacks = static_cast<uint32_t>(LogUniform(&random, 5000));
    const int length = static_cast<int>(LogUniform(&random, 4000));
    events += length;
    Sequence sequence(&random, subject, stacks, length);
    const std::string failed = sequence.Run();
    ASSERT_EQ(failed, "") << "sequence " << n << " (" << stacks << " stacks, "
                          << length << " events, " << BackingName(backing)
                          << ", log of 2^" << log_shift << ")";
    std::string why;
    ASSERT_TRUE(sequence.Finish(&why)) << why;
  }
  RecordProperty("events", std::to_string(events));
}

// Threads allocating and freeing on shared stacks while copies run: a copy
// taken then is a mix of moments, but once the threads have stopped, the
// next copy must equal the live counters exactly, and so must the one
// after it (the other slot): no change may stay out of a slot for good,
// whatever the interleaving of a change with a copy or the log's wrapping.
TEST(PeakTrackerPropertyTest, OnceThreadsStopTheNextCopiesEqualTheLiveCounts) {
  const uint64_t seed = MasterSeed();
  SCOPED_TRACE("TIDEMARK_PROPERTY_SEED=" + std::to_string(seed));
  constexpr int kThreads = 4;
  constexpr uint32_t kStacks = 48;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr int kRounds = 6;
  constexpr int kEventsPerThread = 6000;
#else
  constexpr int kRounds = 8;
  constexpr int kEventsPerThread = 20000;
#endif
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Rounds alternate a log that wraps round constantly and the real one;
    // half keep the peak in a store, whose slot totals are checked too.
    const int log_shift = round % 2 == 0 ? 3 : PeakTracker::kMaxLogShift;
    Subject subject(round % 4 < 2 ? Backing::kNone : Backing::kMemoryStore,
                    log_shift);
    ASSERT_TRUE(subject.ok());
    subject.Publish(kStacks);
    PeakTracker& peak = subject.peak();
    std::atomic<bool> stop{false};
    // Copies at any moment, besides those the frees take at new highs.
    std::thread copier([&] {
      while (!stop.load(std::memory_order_relaxed)) peak.CaptureNow();
    });
    // Each thread's own blocks; the model is the sum of what stays live.
    std::vector<std::vector<std::pair<uint32_t, int64_t>>> live(kThreads);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 random(seed * 31 + static_cast<uint64_t>(round) * 7 +
                               static_cast<uint64_t>(t));
        std::vector<std::pair<uint32_t, int64_t>>& mine = live[t];
        for (int i = 0; i < kEventsPerThread; ++i) {
          // Growing slowly: new highs keep coming, so frees copy too.
          if (mine.empty() || random() % 100 < 55) {
            const auto id = static_cast<uint32_t>(1 + random() % kStacks);
            const auto bytes = static_cast<int64_t>(1 + random() % 4096);
            peak.Add(id, bytes);
            mine.emplace_back(id, bytes);
          } else {
            const size_t k = random() % mine.size();
            const auto [id, bytes] = mine[k];
            mine[k] = mine.back();
            mine.pop_back();
            peak.Remove(id, bytes);
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    stop.store(true);
    copier.join();

    Contents want;
    for (const auto& blocks : live) {
      for (const auto& [id, bytes] : blocks) {
        want[id].first += bytes;
        want[id].second += 1;
      }
    }
    ASSERT_EQ(Differences(CurrentContents(peak), want), "") << "live counters";
    for (int copy = 0; copy < 2; ++copy) {
      peak.CaptureNow();
      EXPECT_EQ(Differences(PeakContents(peak), want), "") << "copy " << copy;
      EXPECT_EQ(peak.peak_bytes(), Sums(want).first);
      const pf::FileHeader* h = subject.header();
      if (h != nullptr) {
        const pf::SnapshotInfo& info = h->peak[h->peak_generation % 2];
        EXPECT_EQ(info.total_bytes, Sums(want).first) << "copy " << copy;
        EXPECT_EQ(info.total_allocations, Sums(want).second) << "copy " << copy;
      }
    }
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace tidemark
