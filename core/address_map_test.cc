#include "core/address_map.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(AddressMapTest, InsertThenRemoveReturnsTheBlock) {
  AddressMap map;
  TrackedBlock replaced{0, 0};
  EXPECT_FALSE(map.Insert(0x1000, TrackedBlock{7, 640}, &replaced));
  EXPECT_EQ(map.Size(), 1);

  TrackedBlock removed{0, 0};
  ASSERT_TRUE(map.Remove(0x1000, &removed));
  EXPECT_EQ(removed.stack_id, 7u);
  EXPECT_EQ(removed.weight, 640);
  EXPECT_EQ(map.Size(), 0);
}

TEST(AddressMapTest, RemovingAnUntrackedAddressFails) {
  AddressMap map;
  TrackedBlock removed{99, 99};
  EXPECT_FALSE(map.Remove(0x2000, &removed));
  // The out-parameter is left alone when nothing was removed.
  EXPECT_EQ(removed.stack_id, 99u);
  EXPECT_EQ(removed.weight, 99);

  TrackedBlock replaced;
  map.Insert(0x2000, TrackedBlock{1, 16}, &replaced);
  ASSERT_TRUE(map.Remove(0x2000, &removed));
  // A second free of the same address is not tracked any more.
  EXPECT_FALSE(map.Remove(0x2000, &removed));
}

TEST(AddressMapTest, ReinsertingAnAddressHandsBackTheStaleBlock) {
  // A missed free: the address comes back from malloc while still tracked.
  AddressMap map;
  TrackedBlock replaced{0, 0};
  ASSERT_FALSE(map.Insert(0x3000, TrackedBlock{1, 100}, &replaced));
  ASSERT_TRUE(map.Insert(0x3000, TrackedBlock{2, 250}, &replaced));
  EXPECT_EQ(replaced.stack_id, 1u);
  EXPECT_EQ(replaced.weight, 100);
  EXPECT_EQ(map.Size(), 1);

  TrackedBlock removed;
  ASSERT_TRUE(map.Remove(0x3000, &removed));
  EXPECT_EQ(removed.stack_id, 2u);
  EXPECT_EQ(removed.weight, 250);
}

TEST(AddressMapTest, KeepsManyNeighbouringBlocksApart) {
  // Consecutive 16-byte-aligned blocks, as one thread's small allocations
  // are, spread over every shard; each must keep its own entry.
  AddressMap map;
  constexpr int kBlocks = 10000;
  const uintptr_t base = 0x7f0000000000;
  TrackedBlock replaced;
  for (int i = 0; i < kBlocks; ++i) {
    ASSERT_FALSE(map.Insert(
        base + uintptr_t{16} * i,
        TrackedBlock{static_cast<uint32_t>(i % 13 + 1), int64_t{i} * 3},
        &replaced));
  }
  EXPECT_EQ(map.Size(), kBlocks);

  // Remove the even ones and check every value that comes back.
  int64_t removed_weight = 0;
  for (int i = 0; i < kBlocks; i += 2) {
    TrackedBlock removed;
    ASSERT_TRUE(map.Remove(base + uintptr_t{16} * i, &removed));
    EXPECT_EQ(removed.stack_id, static_cast<uint32_t>(i % 13 + 1));
    removed_weight += removed.weight;
  }
  // 3 * (0 + 2 + ... + 9998) = 3 * 2 * (0 + 1 + ... + 4999).
  EXPECT_EQ(removed_weight, int64_t{3} * 2 * (int64_t{4999} * 5000 / 2));
  EXPECT_EQ(map.Size(), kBlocks / 2);
}

}  // namespace
}  // namespace tidemark
