#include "core/address_map.h"

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

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

TEST(AddressMapTest, WeightsOfFourGibibytesAndMoreAreKeptWhole) {
  AddressMap map;
  const int64_t huge = (int64_t{5} << 30) + 3;  // past 32 bits
  const int64_t edge = int64_t{0xFFFFFFFF};     // the escape value itself
  TrackedBlock replaced;
  ASSERT_FALSE(map.Insert(0x4000, TrackedBlock{1, huge}, &replaced));
  ASSERT_FALSE(map.Insert(0x4010, TrackedBlock{2, edge}, &replaced));
  ASSERT_FALSE(map.Insert(0x4020, TrackedBlock{3, edge - 1}, &replaced));
  // Replaced by a small one, then a large one again.
  ASSERT_TRUE(map.Insert(0x4010, TrackedBlock{4, 16}, &replaced));
  EXPECT_EQ(replaced.weight, edge);
  ASSERT_TRUE(map.Insert(0x4010, TrackedBlock{5, huge + 1}, &replaced));
  EXPECT_EQ(replaced.weight, 16);
  TrackedBlock removed;
  ASSERT_TRUE(map.Remove(0x4000, &removed));
  EXPECT_EQ(removed.stack_id, 1u);
  EXPECT_EQ(removed.weight, huge);
  ASSERT_TRUE(map.Remove(0x4010, &removed));
  EXPECT_EQ(removed.stack_id, 5u);
  EXPECT_EQ(removed.weight, huge + 1);
  ASSERT_TRUE(map.Remove(0x4020, &removed));
  EXPECT_EQ(removed.weight, edge - 1);
  EXPECT_EQ(map.Size(), 0);
}

// Random inserts, re-inserts and removes against a reference map: every
// value that comes back, and the size, must match exactly, through the
// tables' growth, runs that wrap around a table's end, deletions that
// shift entries back, weights of zero and past 32 bits, addresses only
// 8-byte aligned (two in one 16-byte granule share a home), and Clear.
TEST(AddressMapTest, MatchesAReferenceMapOnRandomOperations) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr uint32_t kSeeds = 1;  // ten times slower there
#else
  constexpr uint32_t kSeeds = 4;
#endif
  for (uint32_t seed = 1; seed <= kSeeds; ++seed) {
    AddressMap map;
    std::unordered_map<uintptr_t, TrackedBlock> reference;
    std::mt19937_64 rng(seed);
    // A pool of addresses a few times the live set, so frees hit and miss
    // and addresses come back (as malloc hands them out again).
    std::vector<uintptr_t> pool;
    pool.reserve(60000);
    for (int i = 0; i < 60000; ++i) {
      pool.push_back(0x7f1200000000 + uintptr_t{8} * (rng() % 400000));
    }
    for (int op = 0; op < 400000; ++op) {
      const uintptr_t address = pool[rng() % pool.size()];
      const uint64_t r = rng();
      if (r % 3 != 0) {
        int64_t weight = static_cast<int64_t>(r >> 40);  // up to 16 Mi
        if (r % 97 == 0) weight = 0;
        if (r % 101 == 0) {
          weight = (int64_t{1} << 32) + static_cast<int64_t>(r >> 50);
        }
        const TrackedBlock block{static_cast<uint32_t>(r >> 8) | 1, weight};
        TrackedBlock replaced{0, 0};
        const bool was = map.Insert(address, block, &replaced);
        auto it = reference.find(address);
        ASSERT_EQ(was, it != reference.end()) << "op " << op;
        if (was) {
          ASSERT_EQ(replaced.stack_id, it->second.stack_id) << "op " << op;
          ASSERT_EQ(replaced.weight, it->second.weight) << "op " << op;
        }
        reference[address] = block;
      } else {
        TrackedBlock removed{0, 0};
        const bool was = map.Remove(address, &removed);
        auto it = reference.find(address);
        ASSERT_EQ(was, it != reference.end()) << "op " << op;
        if (was) {
          ASSERT_EQ(removed.stack_id, it->second.stack_id) << "op " << op;
          ASSERT_EQ(removed.weight, it->second.weight) << "op " << op;
          reference.erase(it);
        }
      }
      if (op % 50000 == 0) {
        ASSERT_EQ(map.Size(), static_cast<int64_t>(reference.size()));
      }
      if (op == 200000 && (seed % 2 == 0 || kSeeds == 1)) {
        map.Clear();
        reference.clear();
        ASSERT_EQ(map.Size(), 0);
      }
    }
    ASSERT_EQ(map.Size(), static_cast<int64_t>(reference.size()));
    // Everything left comes out with its own values.
    for (const auto& [address, block] : reference) {
      TrackedBlock removed{0, 0};
      ASSERT_TRUE(map.Remove(address, &removed));
      ASSERT_EQ(removed.stack_id, block.stack_id);
      ASSERT_EQ(removed.weight, block.weight);
    }
    EXPECT_EQ(map.Size(), 0);
  }
}

}  // namespace
}  // namespace tidemark
