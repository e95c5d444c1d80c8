#include "core/sampled_address_filter.h"

#include <cstdint>
#include <random>
#include <thread>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

// The filter is process-wide; each test uses its own address range and
// leaves every slot it touched at zero again.

TEST(SampledAddressFilterTest, AnAddedAddressIsMaybeUntilRemoved) {
  const uintptr_t a = 0x7f1200001230;
  ASSERT_FALSE(SampledAddressFilter::MaybeContains(a));
  SampledAddressFilter::Add(a);
  EXPECT_TRUE(SampledAddressFilter::MaybeContains(a));
  SampledAddressFilter::Remove(a);
  EXPECT_FALSE(SampledAddressFilter::MaybeContains(a));
}

TEST(SampledAddressFilterTest, CountsRatherThanSetsBits) {
  // Two addresses sharing a slot: removing one must not hide the other
  // (a bit filter would, and the other's free would then be missed).
  const uintptr_t a = 0x7f3400000000;
  SampledAddressFilter::Add(a);
  // Find another 16-byte-aligned address in a's slot: one that reads
  // "maybe" while a is in and "no" once a is out.
  uintptr_t b = a + 16;
  for (;; b += 16) {
    if (!SampledAddressFilter::MaybeContains(b)) continue;
    SampledAddressFilter::Remove(a);
    const bool shares_slot = !SampledAddressFilter::MaybeContains(b);
    SampledAddressFilter::Add(a);
    if (shares_slot) break;
  }
  ASSERT_NE(a, b);
  SampledAddressFilter::Add(b);
  SampledAddressFilter::Remove(a);
  EXPECT_TRUE(SampledAddressFilter::MaybeContains(b));
  EXPECT_TRUE(SampledAddressFilter::MaybeContains(a));  // same slot
  SampledAddressFilter::Remove(b);
  EXPECT_FALSE(SampledAddressFilter::MaybeContains(b));
  EXPECT_FALSE(SampledAddressFilter::MaybeContains(a));
}

TEST(SampledAddressFilterTest, TheSameAddressAddedTwiceNeedsTwoRemoves) {
  const uintptr_t a = 0x7f5600000040;
  SampledAddressFilter::Add(a);
  SampledAddressFilter::Add(a);
  SampledAddressFilter::Remove(a);
  EXPECT_TRUE(SampledAddressFilter::MaybeContains(a));
  SampledAddressFilter::Remove(a);
  EXPECT_FALSE(SampledAddressFilter::MaybeContains(a));
}

TEST(SampledAddressFilterTest, FalseMaybeRateIsAboutLiveSamplesOverSlots) {
  // 1000 live samples in 65536 slots: about 1.5% of other addresses read
  // "maybe". Heap-like addresses: 16-byte aligned, within a few GiB.
  std::mt19937_64 rng(2024);
  std::uniform_int_distribution<uint64_t> offset(0, (uint64_t{4} << 30) / 16);
  const uintptr_t base = 0x7f7800000000;
  constexpr int kLive = 1000;
  uintptr_t live[kLive];
  for (uintptr_t& a : live) {
    a = base + 16 * offset(rng);
    SampledAddressFilter::Add(a);
  }
  for (uintptr_t a : live) ASSERT_TRUE(SampledAddressFilter::MaybeContains(a));

  constexpr int kProbes = 200000;
  int maybes = 0;
  for (int i = 0; i < kProbes; ++i) {
    maybes += SampledAddressFilter::MaybeContains(base + 16 * offset(rng));
  }
  const double rate = static_cast<double>(maybes) / kProbes;
  // At most 1000 distinct slots are occupied, so at most 1.53% of slots;
  // with an even spread the rate is close to that, and never above 2%.
  EXPECT_GT(rate, 0.010);
  EXPECT_LT(rate, 0.020);

  for (uintptr_t a : live) SampledAddressFilter::Remove(a);
  for (uintptr_t a : live) EXPECT_FALSE(SampledAddressFilter::MaybeContains(a));
}

TEST(SampledAddressFilterTest, ABlockIsMaybeWhileAnotherInItsSlotComesAndGoes) {
  // Two threads whose blocks share a slot, each adding its own, checking
  // it reads "maybe" (as the free of that block will) and removing it,
  // over and over: a removal that empties the slot must never hide the
  // other thread's block, added an instant before.
  const uintptr_t a = 0x7f9a00000100;
  uintptr_t b = a + 16;
  SampledAddressFilter::Add(a);
  for (;; b += 16) {
    if (!SampledAddressFilter::MaybeContains(b)) continue;
    SampledAddressFilter::Remove(a);
    const bool shares_slot = !SampledAddressFilter::MaybeContains(b);
    SampledAddressFilter::Add(a);
    if (shares_slot) break;
  }
  SampledAddressFilter::Remove(a);
  std::atomic<int> hidden{0};
  auto churn = [&hidden](uintptr_t own) {
    for (int i = 0; i < 200000; ++i) {
      SampledAddressFilter::Add(own);
      if (!SampledAddressFilter::MaybeContains(own)) hidden.fetch_add(1);
      SampledAddressFilter::Remove(own);
    }
  };
  std::thread first(churn, a);
  std::thread second(churn, b);
  first.join();
  second.join();
  EXPECT_EQ(hidden.load(), 0);
  EXPECT_FALSE(SampledAddressFilter::MaybeContains(a));
}

TEST(SampledAddressFilterTest, ClearForgetsEveryAddress) {
  const uintptr_t a = 0x7fbc00000200;
  SampledAddressFilter::Add(a);
  SampledAddressFilter::Add(a);
  SampledAddressFilter::Clear();
  EXPECT_FALSE(SampledAddressFilter::MaybeContains(a));
  SampledAddressFilter::Add(a);
  EXPECT_TRUE(SampledAddressFilter::MaybeContains(a));
  SampledAddressFilter::Remove(a);
  EXPECT_FALSE(SampledAddressFilter::MaybeContains(a));
}

}  // namespace
}  // namespace tidemark
