#include "core/range_map.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

constexpr uintptr_t kBase = 0x7f0000000000;
constexpr uint64_t kPage = 4096;

// Collects what the map reports as removed.
class Removed {
 public:
  static void Record(void* self, RangeMap::Piece piece) {
    static_cast<Removed*>(self)->pieces.push_back(piece);
  }
  int64_t TotalWeight() const {
    int64_t total = 0;
    for (const RangeMap::Piece& p : pieces) total += p.weight;
    return total;
  }
  std::vector<RangeMap::Piece> pieces;
};

TEST(RangeMapTest, RemovingAWholeRangeGivesBackItsWeight) {
  RangeMap map;
  Removed removed;
  map.Add(kBase, 4 * kPage, RangeMap::Piece{3, 4 * kPage}, &Removed::Record,
          &removed);
  EXPECT_TRUE(removed.pieces.empty());
  EXPECT_EQ(map.RangeCount(), 1);
  EXPECT_EQ(map.TotalLength(), 4 * kPage);

  map.Remove(kBase, 4 * kPage, &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 1u);
  EXPECT_EQ(removed.pieces[0].stack_id, 3u);
  EXPECT_EQ(removed.pieces[0].weight, int64_t{4 * kPage});
  EXPECT_EQ(map.RangeCount(), 0);
  EXPECT_EQ(map.TotalLength(), 0u);
}

TEST(RangeMapTest, UnmappingTheMiddleSplitsTheRange) {
  // Exact mode: weight == length, so the bytes removed are exactly the
  // bytes unmapped.
  RangeMap map;
  Removed removed;
  map.Add(kBase, 8 * kPage, RangeMap::Piece{1, 8 * kPage}, &Removed::Record,
          &removed);
  map.Remove(kBase + 3 * kPage, 2 * kPage, &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 1u);
  EXPECT_EQ(removed.pieces[0].weight, int64_t{2 * kPage});
  EXPECT_EQ(map.RangeCount(), 2);
  EXPECT_EQ(map.TotalLength(), 6 * kPage);

  // The two survivors keep 3 and 3 pages of weight.
  map.Remove(kBase, 3 * kPage, &Removed::Record, &removed);
  map.Remove(kBase + 5 * kPage, 3 * kPage, &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 3u);
  EXPECT_EQ(removed.pieces[1].weight, int64_t{3 * kPage});
  EXPECT_EQ(removed.pieces[2].weight, int64_t{3 * kPage});
  EXPECT_EQ(map.RangeCount(), 0);
}

TEST(RangeMapTest, PartialUnmapTakesAProportionalShareOfASampledWeight) {
  // Sample mode: a 4-page mapping standing for 1000 bytes. Unmapping its
  // first page takes a quarter of the weight.
  RangeMap map;
  Removed removed;
  map.Add(kBase, 4 * kPage, RangeMap::Piece{5, 1000}, &Removed::Record,
          &removed);
  map.Remove(kBase, kPage, &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 1u);
  EXPECT_EQ(removed.pieces[0].stack_id, 5u);
  EXPECT_EQ(removed.pieces[0].weight, 250);
  EXPECT_EQ(map.TotalLength(), 3 * kPage);
}

TEST(RangeMapTest, SplitWeightsAlwaysAddUpToTheOriginal) {
  // 1000 over 3 pages does not divide evenly: the survivors keep the
  // rounded-down shares (333 each) and the cut takes the remainder (334),
  // so nothing is lost or invented.
  RangeMap map;
  Removed removed;
  map.Add(kBase, 3 * kPage, RangeMap::Piece{2, 1000}, &Removed::Record,
          &removed);
  map.Remove(kBase + kPage, kPage, &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 1u);
  EXPECT_EQ(removed.pieces[0].weight, 334);

  map.Remove(kBase, 3 * kPage, &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 3u);
  EXPECT_EQ(removed.pieces[1].weight, 333);
  EXPECT_EQ(removed.pieces[2].weight, 333);
  EXPECT_EQ(removed.TotalWeight(), 1000);
}

TEST(RangeMapTest, OneUnmapCanCoverSeveralRanges) {
  RangeMap map;
  Removed removed;
  // Three adjacent mappings from different stacks, plus one far away.
  map.Add(kBase, 2 * kPage, RangeMap::Piece{1, 2 * kPage}, &Removed::Record,
          &removed);
  map.Add(kBase + 2 * kPage, 2 * kPage, RangeMap::Piece{2, 2 * kPage},
          &Removed::Record, &removed);
  map.Add(kBase + 4 * kPage, 2 * kPage, RangeMap::Piece{3, 2 * kPage},
          &Removed::Record, &removed);
  map.Add(kBase + 100 * kPage, kPage, RangeMap::Piece{4, kPage},
          &Removed::Record, &removed);

  // From the middle of the first to the middle of the third.
  map.Remove(kBase + kPage, 4 * kPage, &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 3u);
  EXPECT_EQ(removed.pieces[0].stack_id, 1u);
  EXPECT_EQ(removed.pieces[0].weight, int64_t{kPage});
  EXPECT_EQ(removed.pieces[1].stack_id, 2u);
  EXPECT_EQ(removed.pieces[1].weight, int64_t{2 * kPage});
  EXPECT_EQ(removed.pieces[2].stack_id, 3u);
  EXPECT_EQ(removed.pieces[2].weight, int64_t{kPage});
  EXPECT_EQ(map.RangeCount(), 3);
  EXPECT_EQ(map.TotalLength(), 3 * kPage);
}

TEST(RangeMapTest, UnmappingUntrackedMemoryRemovesNothing) {
  RangeMap map;
  Removed removed;
  map.Add(kBase + 10 * kPage, kPage, RangeMap::Piece{1, kPage},
          &Removed::Record, &removed);
  map.Remove(kBase, 10 * kPage, &Removed::Record, &removed);  // just below
  map.Remove(kBase + 11 * kPage, kPage, &Removed::Record, &removed);
  map.Remove(kBase, 0, &Removed::Record, &removed);
  EXPECT_TRUE(removed.pieces.empty());
  EXPECT_EQ(map.TotalLength(), kPage);
}

TEST(RangeMapTest, AMappingLaidOverAnotherReplacesTheOverlap) {
  // mmap(MAP_FIXED) over the second half of a tracked mapping.
  RangeMap map;
  Removed removed;
  map.Add(kBase, 4 * kPage, RangeMap::Piece{1, 4 * kPage}, &Removed::Record,
          &removed);
  map.Add(kBase + 2 * kPage, 4 * kPage, RangeMap::Piece{2, 4 * kPage},
          &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 1u);
  EXPECT_EQ(removed.pieces[0].stack_id, 1u);
  EXPECT_EQ(removed.pieces[0].weight, int64_t{2 * kPage});
  EXPECT_EQ(map.RangeCount(), 2);
  EXPECT_EQ(map.TotalLength(), 6 * kPage);

  map.Remove(kBase, 6 * kPage, &Removed::Record, &removed);
  ASSERT_EQ(removed.pieces.size(), 3u);
  EXPECT_EQ(removed.TotalWeight(), int64_t{2 * kPage + 4 * kPage + 2 * kPage});
}

}  // namespace
}  // namespace tidemark
