#ifndef TIDEMARK_CORE_PROFILE_BUILDER_H_
#define TIDEMARK_CORE_PROFILE_BUILDER_H_

#include "core/profile.h"
#include "core/tracker.h"

namespace tidemark {

enum class ProfileMoment {
  kPeak,     // what was live when the tracked total was highest
  kCurrent,  // what is live now (out-of-memory reports)
};

// Fills the stacks, frames and byte totals of `profile` from the tracker;
// the caller fills the facts about the run (mode, command, ...). Runs
// outside the allocation path, with the reentrancy guard held.
void FillProfileFromTracker(Tracker& tracker, ProfileMoment moment,
                            Profile* profile);

// The kernel's high-water mark of resident memory for this process
// (VmHWM), in bytes; 0 if unknown.
int64_t ReadRssHighWaterMark();

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROFILE_BUILDER_H_
