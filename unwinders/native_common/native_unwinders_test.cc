// Each native unwinder, in this process, on a known chain: Level3 calls
// Level2 calls Level1, which captures. Each level records its own return
// address (__builtin_return_address), so the captured stack must hold
// them in order, innermost first, with nothing invented between them.
#include <cstdint>
#include <memory>
#include <vector>

#include "core/frame.h"
#include "gtest/gtest.h"
#include "unwinders/fp/fp_unwinder.h"
#include "unwinders/libdw/libdw_unwinder.h"
#include "unwinders/libunwind/libunwind_unwinder.h"

namespace tidemark {
namespace {

struct Chain {
  uint64_t into_level2 = 0;  // Level1's return address
  uint64_t into_level3 = 0;  // Level2's
  uint64_t into_caller = 0;  // Level3's
  RawFrame frames[128];
  int max = 128;
  int depth = 0;
};

__attribute__((noinline)) void Level1(Unwinder* u, Chain* c) {
  c->into_level2 = reinterpret_cast<uint64_t>(__builtin_return_address(0));
  c->depth = u->Capture(c->frames, c->max);
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void Level2(Unwinder* u, Chain* c) {
  c->into_level3 = reinterpret_cast<uint64_t>(__builtin_return_address(0));
  Level1(u, c);
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void Level3(Unwinder* u, Chain* c) {
  c->into_caller = reinterpret_cast<uint64_t>(__builtin_return_address(0));
  Level2(u, c);
  __asm__ volatile("" ::: "memory");
}

// `beyond`: frames expected past the chain (gtest's, main's); fp stops
// where a caller keeps no frame pointer (Debian's libgtest), so not there.
template <typename T>
void ExpectTheChain(size_t beyond) {
  T unwinder;
  unwinder.set_own_code({});  // this test's frames are all in one binary
  Chain chain;
  Level3(&unwinder, &chain);
  std::vector<uint64_t> pcs;
  for (int i = 0; i < chain.depth; ++i) {
    EXPECT_EQ(chain.frames[i].kind(), FrameKind::kNative);
    pcs.push_back(chain.frames[i].ip);
  }
  // The capture starts inside the unwinder (its frames, then Level1's):
  // find the return address into Level2 and read on from there.
  size_t at = 0;
  while (at < pcs.size() && pcs[at] != chain.into_level2) ++at;
  ASSERT_LT(at + 2, pcs.size()) << "the chain was not captured";
  EXPECT_EQ(pcs[at + 1], chain.into_level3);
  EXPECT_EQ(pcs[at + 2], chain.into_caller);
  EXPECT_GE(pcs.size(), at + 3 + beyond);
}

TEST(NativeUnwinders, FpCapturesTheChain) { ExpectTheChain<FpUnwinder>(0); }

TEST(NativeUnwinders, LibunwindCapturesTheChain) {
  ExpectTheChain<LibunwindUnwinder>(3);
}

TEST(NativeUnwinders, LibdwCapturesTheChain) {
  ExpectTheChain<LibdwUnwinder>(3);
}

TEST(NativeUnwinders, EveryUnwinderStopsAtMax) {
  FpUnwinder fp;
  LibunwindUnwinder libunwind;
  LibdwUnwinder libdw;
  for (native::NativeUnwinder* u :
       std::vector<native::NativeUnwinder*>{&fp, &libunwind, &libdw}) {
    u->set_own_code({});
    Chain chain;
    chain.max = 3;  // the chain alone is deeper, for every unwinder
    Level3(u, &chain);
    EXPECT_EQ(chain.depth, 3);
  }
}

}  // namespace
}  // namespace tidemark
