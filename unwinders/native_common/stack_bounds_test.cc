#include "unwinders/native_common/stack_bounds.h"

#include <pthread.h>

#include <cstdint>

#include "gtest/gtest.h"

namespace tidemark {
namespace native {
namespace {

void* RangeOfThisThread(void* out) {
  int local = 0;
  const auto sp = reinterpret_cast<uint64_t>(&local);
  *static_cast<StackRange*>(out) = CurrentStackRange(sp);
  return nullptr;
}

TEST(StackBounds, TheMainThreadsStackHoldsALocal) {
  int local = 0;
  const auto sp = reinterpret_cast<uint64_t>(&local);
  const StackRange range = CurrentStackRange(sp);
  EXPECT_LE(range.low, sp);
  EXPECT_GT(range.high, sp);
  // The same again, from the thread's cache.
  const StackRange again = CurrentStackRange(sp);
  EXPECT_EQ(again.low, range.low);
  EXPECT_EQ(again.high, range.high);
}

TEST(StackBounds, AThreadsStackIsItsOwnMapping) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{256} * 1024);
  StackRange range;
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, &RangeOfThisThread, &range), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  int local = 0;
  const auto sp = reinterpret_cast<uint64_t>(&local);
  ASSERT_NE(range.high, 0u);
  EXPECT_FALSE(sp >= range.low && sp < range.high);
  // At least the stack asked for (the guard page is a mapping of its own).
  EXPECT_GE(range.high - range.low, 256u * 1024);
  EXPECT_LE(range.high - range.low, 512u * 1024);
}

TEST(StackBounds, NoMappingHoldsAddressZero) {
  const StackRange range = FindMapping(8);
  EXPECT_EQ(range.high, 0u);
}

}  // namespace
}  // namespace native
}  // namespace tidemark
