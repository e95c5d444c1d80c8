// What a peak copy costs as the number of distinct stacks grows. A copy is
// taken on the first free after every new high (core/peak_tracker.h), so a
// program that grows steadily while freeing pays it often. Since issue 10 a
// copy costs the stacks changed since the slot was last filled, whatever
// the number of stacks; a whole pass over the stacks (BM_WholeCopy) is left
// for what the tracker's dirty log cannot vouch for.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "core/peak_tracker.h"
#include "core/profile_store.h"

namespace tidemark {
namespace {

// state.range(0) stacks with live bytes, then a new high and its copy per
// iteration: one more byte on the first stack makes a new high. Before
// issue 10 every iteration copied every stack; now it copies the one that
// changed. (Items: stacks, as the table's older rows count them.)
void CopyPeaks(benchmark::State& state, PeakTracker* peak) {
  const uint32_t stacks = static_cast<uint32_t>(state.range(0));
  for (uint32_t id = 1; id <= stacks; ++id) peak->Add(id, int64_t{64} * id);
  for (auto _ : state) {
    peak->Add(1, 1);
    peak->CaptureIfPeak();
  }
  if (peak->peak_bytes() != peak->current_bytes()) {
    state.SkipWithError("the last high was not copied");
  }
  state.SetItemsProcessed(state.iterations() * stacks);
}

void BM_PeakCopy(benchmark::State& state) {
  auto peak = std::make_unique<PeakTracker>();
  CopyPeaks(state, peak.get());
}
BENCHMARK(BM_PeakCopy)->Arg(10)->Arg(1000)->Arg(100000);

// The same copy when the counters and both peak slots live in the stored
// profile's file (core/profile_store.h), as they do in a profiled process:
// what keeping the profile on disk costs the peak publication.
ProfileStore* StoreInTemporaryFolder() {
  const char* base = getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") +
                        "/peak_tracker_benchmark.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return nullptr;
  const int fd = open(pattern.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  std::string why;
  ProfileStore* store =
      ProfileStore::CreateInDirectory(fd, pattern, ProfileStore::Facts(), &why);
  close(fd);
  return store;
}

// Runs `pattern` on a tracker whose counters are in a stored profile's file.
void RunStored(benchmark::State& state,
               void (*pattern)(benchmark::State&, PeakTracker*)) {
  ProfileStore* store = StoreInTemporaryFolder();
  if (store == nullptr || !store->file_backed()) {
    state.SkipWithError("cannot create the stored profile");
    return;
  }
  auto peak = std::make_unique<PeakTracker>();
  peak->AttachStore(store);
  pattern(state, peak.get());
}

void BM_PeakCopyStored(benchmark::State& state) { RunStored(state, CopyPeaks); }
BENCHMARK(BM_PeakCopyStored)->Arg(10)->Arg(1000)->Arg(100000);

// The pattern that made exact mode slow on allocation-dense programs
// (issue 10): a heap that keeps growing while it frees, so that every free
// follows a new high and takes a peak copy. state.range(0) stacks hold the
// live heap; each iteration allocates 64 bytes on one stack and frees 32 on
// the next, the two walking round all the stacks, so the copies see
// changes spread over the whole table. Timed per free (one iteration).
void AlternateOnGrowingHeap(benchmark::State& state, PeakTracker* peak) {
  const uint32_t stacks = static_cast<uint32_t>(state.range(0));
  for (uint32_t id = 1; id <= stacks; ++id) peak->Add(id, 64);
  peak->CaptureIfPeak();
  uint32_t next = 1;
  for (auto _ : state) {
    peak->Add(next, 64);
    next = next % stacks + 1;
    peak->Remove(next, 32);  // a new high (+32 per iteration): a copy
  }
  // Every free was at a new high, so the last copy was taken just before
  // the last free.
  if (peak->peak_bytes() != peak->current_bytes() + 32) {
    state.SkipWithError("the free did not copy the new high");
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AlternateOnGrowingHeap(benchmark::State& state) {
  auto peak = std::make_unique<PeakTracker>();
  AlternateOnGrowingHeap(state, peak.get());
}
BENCHMARK(BM_AlternateOnGrowingHeap)->Arg(10)->Arg(1000)->Arg(100000);

void BM_AlternateOnGrowingHeapStored(benchmark::State& state) {
  RunStored(state, AlternateOnGrowingHeap);
}
BENCHMARK(BM_AlternateOnGrowingHeapStored)->Arg(10)->Arg(1000)->Arg(100000);

// A pass over every stack: what a copy falls back to when the dirty log
// cannot vouch for a range (it wrapped round, after a fork), and what the
// out-of-memory snapshot always takes (measured through it).
void BM_WholeCopy(benchmark::State& state) {
  const uint32_t stacks = static_cast<uint32_t>(state.range(0));
  auto peak = std::make_unique<PeakTracker>();
  for (uint32_t id = 1; id <= stacks; ++id) peak->Add(id, 64);
  profile_format::SnapshotInfo info = {};
  for (auto _ : state) peak->CaptureLiveForOutOfMemory(&info);
  if (info.total_bytes != int64_t{64} * stacks) {
    state.SkipWithError("the pass did not copy every stack");
  }
  state.SetItemsProcessed(state.iterations() * stacks);
}
BENCHMARK(BM_WholeCopy)->Arg(10)->Arg(1000)->Arg(100000);

// The same events when the total is not a new high: what every tracked
// free pays for the peak check alone.
void BM_AddRemoveBelowPeak(benchmark::State& state) {
  const uint32_t stacks = static_cast<uint32_t>(state.range(0));
  auto peak = std::make_unique<PeakTracker>();
  for (uint32_t id = 1; id <= stacks; ++id) peak->Add(id, 64);
  peak->CaptureIfPeak();
  peak->Remove(1, 64);
  for (auto _ : state) {
    peak->Add(1, 32);
    peak->CaptureIfPeak();
    peak->Remove(1, 32);
  }
}
BENCHMARK(BM_AddRemoveBelowPeak)->Arg(100000);

}  // namespace
}  // namespace tidemark
