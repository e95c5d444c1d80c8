#ifndef TIDEMARK_REPORTERS_TESTING_SYNTHETIC_PROFILE_H_
#define TIDEMARK_REPORTERS_TESTING_SYNTHETIC_PROFILE_H_

#include "core/profile.h"

namespace tidemark {

// `stack_count` distinct stacks of `depth` (>= 1) Python frames each, shaped
// like a real call tree: stacks share their outer frames and branch out
// towards the leaves, so frames are reused as in a real profile. The three
// innermost levels are in the standard library (/usr/lib/python3.11/...),
// the rest in user code. Stacks are largest first with distinct sizes, and
// peak_bytes is their sum.
Profile MakeSyntheticProfile(int stack_count, int depth);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_TESTING_SYNTHETIC_PROFILE_H_
