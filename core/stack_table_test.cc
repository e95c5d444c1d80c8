#include "core/stack_table.h"

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>
#include <vector>

#include "core/frame_names.h"
#include "core/testing/fake_unwinder.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

std::vector<RawFrame> MakeStack(std::initializer_list<uint64_t> ips) {
  std::vector<RawFrame> frames;
  for (uint64_t ip : ips) frames.push_back(RawFrame::Python(ip, ip * 2));
  return frames;
}

class StackTableTest : public ::testing::Test {
 protected:
  uint32_t Intern(const std::vector<RawFrame>& frames) {
    const int depth = static_cast<int>(frames.size());
    return table_.Intern(frames.data(), depth,
                         StackTable::Hash(frames.data(), depth), &names_,
                         &unwinder_);
  }

  StackTable table_;
  FrameNames names_;
  // Names frame ip N "fN" in "file.py" at line N, counting the calls.
  FakeUnwinder unwinder_{"file.py", FakeUnwinder::Line::kIp};
};

TEST_F(StackTableTest, SameStackGetsTheSameId) {
  const std::vector<RawFrame> stack = MakeStack({10, 20, 30});
  const uint32_t id = Intern(stack);
  EXPECT_EQ(id, 1u);
  EXPECT_EQ(Intern(stack), id);
  // An equal stack in a different buffer is still the same stack.
  const std::vector<RawFrame> copy = MakeStack({10, 20, 30});
  EXPECT_EQ(Intern(copy), id);
  EXPECT_EQ(table_.Count(), 1u);
  // Three distinct frames, each named exactly once.
  EXPECT_EQ(unwinder_.resolves(), 3);
}

TEST_F(StackTableTest, DistinctStacksGetDistinctIds) {
  const uint32_t a = Intern(MakeStack({10, 20, 30}));
  const uint32_t b = Intern(MakeStack({10, 20, 31}));  // last frame differs
  const uint32_t c = Intern(MakeStack({10, 20}));      // a prefix
  const uint32_t d = Intern(MakeStack({30, 20, 10}));  // reversed
  const uint32_t e = Intern({});                       // no frames at all
  const std::set<uint32_t> ids = {a, b, c, d, e};
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids.count(0), 0u);
  EXPECT_EQ(table_.Count(), 5u);
  // Same ip, different aux (another instruction in the same function).
  std::vector<RawFrame> other_line = MakeStack({10, 20, 30});
  other_line[0] = RawFrame::Python(10, 999);
  EXPECT_NE(Intern(other_line), a);
}

TEST_F(StackTableTest, RecordHoldsTheFramesAndTheirNames) {
  const std::vector<RawFrame> stack = MakeStack({7, 8});
  const uint32_t id = Intern(stack);
  const StackRecord* record = table_.Get(id);
  ASSERT_NE(record, nullptr);
  ASSERT_EQ(record->depth, 2);
  EXPECT_EQ(record->frames[0], stack[0]);
  EXPECT_EQ(record->frames[1], stack[1]);
  const FrameLocation* inner = names_.Get(record->locations[0]);
  const FrameLocation* outer = names_.Get(record->locations[1]);
  ASSERT_NE(inner, nullptr);
  ASSERT_NE(outer, nullptr);
  EXPECT_STREQ(inner->function, "f7");
  EXPECT_STREQ(outer->function, "f8");
  EXPECT_STREQ(inner->file, "file.py");
  EXPECT_EQ(inner->line, 7);
  EXPECT_EQ(inner->kind, FrameKind::kPython);
  EXPECT_TRUE(
      table_.Matches(id, stack.data(), 2, StackTable::Hash(stack.data(), 2)));
}

TEST_F(StackTableTest, StacksSharingAFrameShareItsLocation) {
  const uint32_t a = Intern(MakeStack({1, 2}));
  const uint32_t b = Intern(MakeStack({3, 2}));
  EXPECT_EQ(table_.Get(a)->locations[1], table_.Get(b)->locations[1]);
  EXPECT_NE(table_.Get(a)->locations[0], table_.Get(b)->locations[0]);
  EXPECT_EQ(names_.Count(), 3u);
  EXPECT_EQ(unwinder_.resolves(), 3);
}

TEST_F(StackTableTest, CollidingHashesStillGiveDistinctIds) {
  // Force every stack into one hash value: only the frames tell them apart.
  const uint64_t same_hash = 0x1234567890abcdefULL;
  std::vector<uint32_t> ids;
  for (uint64_t ip = 1; ip <= 50; ++ip) {
    const std::vector<RawFrame> stack = MakeStack({ip});
    ids.push_back(
        table_.Intern(stack.data(), 1, same_hash, &names_, &unwinder_));
  }
  EXPECT_EQ(std::set<uint32_t>(ids.begin(), ids.end()).size(), 50u);
  for (uint64_t ip = 1; ip <= 50; ++ip) {
    const std::vector<RawFrame> stack = MakeStack({ip});
    EXPECT_EQ(table_.Intern(stack.data(), 1, same_hash, &names_, &unwinder_),
              ids[ip - 1]);
  }
}

TEST_F(StackTableTest, KeepsIdsWhileGrowing) {
  // Far more stacks than a shard's first table holds (256 slots), so every
  // shard grows several times; ids handed out before must still be found.
  constexpr int kStacks = 20000;
  std::vector<uint32_t> ids(kStacks);
  for (int i = 0; i < kStacks; ++i) {
    ids[i] = Intern(MakeStack({static_cast<uint64_t>(i) + 100, 5, 6}));
    ASSERT_EQ(ids[i], static_cast<uint32_t>(i + 1));
  }
  for (int i = 0; i < kStacks; ++i) {
    ASSERT_EQ(Intern(MakeStack({static_cast<uint64_t>(i) + 100, 5, 6})),
              ids[i]);
  }
  EXPECT_EQ(table_.Count(), static_cast<uint32_t>(kStacks));
  EXPECT_EQ(names_.Count(), static_cast<uint32_t>(kStacks + 2));
}

TEST_F(StackTableTest, ThreadsInterningTheSameStacksAgreeOnTheirIds) {
  constexpr int kThreads = 4;
  constexpr int kStacks = 2000;
  std::vector<std::vector<uint32_t>> seen(kThreads,
                                          std::vector<uint32_t>(kStacks));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) {
      }
      // Each thread walks the stacks in its own order so that new stacks
      // race with lookups and with each other.
      for (int k = 0; k < kStacks; ++k) {
        const int i = (t % 2 == 0) ? k : kStacks - 1 - k;
        const uint64_t ip = static_cast<uint64_t>(i);
        seen[t][i] = Intern(MakeStack({ip, ip + 1, 42}));
      }
    });
  }
  for (std::thread& th : threads) th.join();

  std::set<uint32_t> distinct;
  for (int i = 0; i < kStacks; ++i) {
    ASSERT_NE(seen[0][i], 0u);
    for (int t = 1; t < kThreads; ++t) {
      ASSERT_EQ(seen[t][i], seen[0][i]) << "stack " << i << " thread " << t;
    }
    distinct.insert(seen[0][i]);
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kStacks));
  // A thread that lost a race leaves an unused record behind, so Count()
  // may exceed the distinct stacks, but the winners' ids are all in range.
  EXPECT_GE(table_.Count(), static_cast<uint32_t>(kStacks));
  EXPECT_LE(*distinct.rbegin(), table_.Count());
  // After the race, every stack still resolves to its agreed id.
  for (int i = 0; i < kStacks; ++i) {
    const uint64_t ip = static_cast<uint64_t>(i);
    ASSERT_EQ(Intern(MakeStack({ip, ip + 1, 42})), seen[0][i]);
  }
}

}  // namespace
}  // namespace tidemark
