#include "reporters/common/stack_order.h"

#include <algorithm>

#include "reporters/common/text.h"

namespace tidemark {

std::vector<const ProfileStack*> StacksByBytes(const Profile& profile) {
  std::vector<const ProfileStack*> order;
  order.reserve(profile.stacks.size());
  for (const ProfileStack& stack : profile.stacks) {
    if (stack.bytes > 0) order.push_back(&stack);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const ProfileStack* a, const ProfileStack* b) {
                     return a->bytes > b->bytes;
                   });
  return order;
}

const ProfileFrame* FrameAt(const Profile& profile, int index) {
  if (index < 0 || static_cast<size_t>(index) >= profile.frames.size()) {
    return nullptr;
  }
  return &profile.frames[static_cast<size_t>(index)];
}

std::string FrameText(const ProfileFrame* frame) {
  return frame == nullptr ? kUnknownFrame : PrintableText(FormatFrame(*frame));
}

double PercentOfPeak(const Profile& profile, int64_t bytes) {
  if (profile.peak_bytes <= 0) return 0;
  return 100.0 * static_cast<double>(bytes) /
         static_cast<double>(profile.peak_bytes);
}

}  // namespace tidemark
