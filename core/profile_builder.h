#ifndef TIDEMARK_CORE_PROFILE_BUILDER_H_
#define TIDEMARK_CORE_PROFILE_BUILDER_H_

#include "core/profile.h"
#include "core/tracker.h"

namespace tidemark {

// Fills the stacks, frames and byte totals of `profile` from the tracker's
// copy of the peak; the caller fills the facts about the run (mode,
// command, ...). Runs outside the allocation path, with the reentrancy
// guard held.
void FillProfileFromTracker(Tracker& tracker, Profile* profile);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROFILE_BUILDER_H_
