#include "core/profile_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <unordered_map>

namespace tidemark {

void FillProfileFromTracker(Tracker& tracker, Profile* profile) {
  PeakTracker& peak = tracker.peak();
  // The peak might be happening right now (the program only grew since the
  // last free, or by less than the sample-mode copy threshold); make sure
  // it is captured.
  peak.CaptureForReport();
  profile->peak_bytes = peak.peak_bytes();
  profile->current_bytes = peak.current_bytes();
  profile->tracked_allocations = tracker.tracked_allocations();

  std::unordered_map<uint32_t, int> frame_index;  // location id -> index
  auto add_stack = [&](uint32_t stack_id, PeakTracker::Entry entry) {
    if (entry.bytes <= 0) return;
    const StackRecord* record = tracker.stacks().Get(stack_id);
    if (record == nullptr) return;
    ProfileStack stack;
    stack.bytes = entry.bytes;
    stack.allocations = entry.allocations;
    stack.frames.reserve(static_cast<size_t>(record->depth));
    for (int i = 0; i < record->depth; ++i) {
      const uint32_t location_id = record->locations[i];
      auto [it, inserted] = frame_index.try_emplace(
          location_id, static_cast<int>(profile->frames.size()));
      if (inserted) {
        const FrameLocation* location = tracker.names().Get(location_id);
        ProfileFrame frame;
        if (location != nullptr) {
          frame.kind = location->kind;
          frame.function = location->function;
          frame.file = location->file;
          frame.line = location->line;
        }
        profile->frames.push_back(std::move(frame));
      }
      stack.frames.push_back(it->second);
    }
    profile->stacks.push_back(std::move(stack));
  };
  peak.VisitPeak(add_stack);
  std::sort(profile->stacks.begin(), profile->stacks.end(),
            [](const ProfileStack& a, const ProfileStack& b) {
              return a.bytes > b.bytes;
            });
}

}  // namespace tidemark
