#include "unwinders/fp/frame_pointer_walk.h"

#include <cstring>

namespace tidemark {
namespace fp {

int WalkFramePointers(uint64_t frame, uint64_t low, uint64_t high,
                      uint64_t* pcs, int max) {
  int n = 0;
  while (n < max) {
    // Two words at `frame` must lie inside the stack and be aligned.
    if (frame < low || frame > high - 16 || high < 16 || (frame & 7) != 0) {
      break;
    }
    uint64_t words[2];
    memcpy(words, reinterpret_cast<const void*>(frame), sizeof(words));
    const uint64_t next = words[0];
    const uint64_t pc = words[1];
    if (pc == 0) break;
    pcs[n++] = pc;
    if (next <= frame) break;  // not going up: the chain ended or is junk
    frame = next;
  }
  return n;
}

}  // namespace fp
}  // namespace tidemark
