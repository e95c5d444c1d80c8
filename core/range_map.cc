#include "core/range_map.h"

namespace tidemark {
namespace {

// weight * part / whole without overflow for any realistic mapping size.
int64_t Share(int64_t weight, uint64_t part, uint64_t whole) {
  if (part >= whole) return weight;
  return static_cast<int64_t>(static_cast<__int128>(weight) * part / whole);
}

}  // namespace

void RangeMap::Add(uintptr_t start, uint64_t length, Piece piece,
                   RemovedFn removed, void* context) {
  if (length == 0) return;
  SpinLockHolder hold(lock_);
  RemoveLocked(start, start + length, removed, context);
  ranges_.emplace(start, Range{start + length, piece.stack_id, piece.weight});
}

void RangeMap::Remove(uintptr_t start, uint64_t length, RemovedFn removed,
                      void* context) {
  if (length == 0) return;
  SpinLockHolder hold(lock_);
  RemoveLocked(start, start + length, removed, context);
}

void RangeMap::RemoveLocked(uintptr_t start, uintptr_t end, RemovedFn removed,
                            void* context) {
  // First range that could overlap: the one starting at or before `start`.
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.begin()) --it;
  while (it != ranges_.end() && it->first < end) {
    const uintptr_t r_start = it->first;
    const Range r = it->second;
    if (r.end <= start) {
      ++it;
      continue;
    }
    const uintptr_t cut_start = r_start > start ? r_start : start;
    const uintptr_t cut_end = r.end < end ? r.end : end;
    const uint64_t whole = r.end - r_start;
    // Each side that survives keeps its proportional share; the cut takes
    // the rest, so the weights always add up to the original.
    const int64_t left_weight =
        r_start < cut_start ? Share(r.weight, cut_start - r_start, whole) : 0;
    const int64_t right_weight =
        cut_end < r.end ? Share(r.weight, r.end - cut_end, whole) : 0;
    it = ranges_.erase(it);
    if (r_start < cut_start) {
      ranges_.emplace(r_start, Range{cut_start, r.stack_id, left_weight});
    }
    if (cut_end < r.end) {
      it = ranges_.emplace(cut_end, Range{r.end, r.stack_id, right_weight})
               .first;
      ++it;
    }
    removed(context, Piece{r.stack_id, r.weight - left_weight - right_weight});
  }
}

void RangeMap::Clear() {
  SpinLockHolder hold(lock_);
  ranges_.clear();
}

int64_t RangeMap::RangeCount() const {
  SpinLockHolder hold(lock_);
  return static_cast<int64_t>(ranges_.size());
}

uint64_t RangeMap::TotalLength() const {
  SpinLockHolder hold(lock_);
  uint64_t total = 0;
  for (const auto& [start, r] : ranges_) total += r.end - start;
  return total;
}

}  // namespace tidemark
