#include "reporters/testing/synthetic_profile.h"

#include <cmath>
#include <map>
#include <string>
#include <utility>

namespace tidemark {

Profile MakeSyntheticProfile(int stack_count, int depth) {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.unwinder = "cpython";
  profile.command = {"python3", "train.py", "--epochs=3"};
  profile.pid = 4242;
  profile.has_exit_code = true;
  profile.wall_seconds = 12.5;
  profile.sample_interval_bytes = 0;

  // (level from the root, branch) -> frame index.
  std::map<std::pair<int, int>, int> frame_index;
  auto frame_for = [&](int level, int branch) {
    auto [it, inserted] = frame_index.emplace(
        std::make_pair(level, branch), static_cast<int>(profile.frames.size()));
    if (inserted) {
      ProfileFrame frame;
      const bool library = level >= depth - 3;
      frame.function = (library ? "decode_" : "step_") + std::to_string(level) +
                       "_" + std::to_string(branch);
      frame.file = library ? "/usr/lib/python3.11/json/decoder.py"
                           : "/home/user/project/module_" +
                                 std::to_string(level) + ".py";
      frame.line = 10 + branch % 500;
      profile.frames.push_back(std::move(frame));
    }
    return it->second;
  };

  for (int i = 0; i < stack_count; ++i) {
    ProfileStack stack;
    // Innermost first. Level L has stack_count^((L + 1) / depth) branches:
    // few near the root, one per stack at the leaf, so stacks are distinct
    // and share their outer frames as a real call tree does.
    for (int level = depth - 1; level >= 0; --level) {
      const int64_t branches =
          level == depth - 1
              ? stack_count
              : static_cast<int64_t>(std::ceil(std::pow(
                    stack_count, static_cast<double>(level + 1) / depth)));
      const int branch = static_cast<int>(i * branches / stack_count);
      stack.frames.push_back(frame_for(level, branch));
    }
    stack.bytes = static_cast<int64_t>(stack_count - i) * 4096 + 17;
    stack.allocations = i % 7 + 1;
    profile.peak_bytes += stack.bytes;
    profile.tracked_allocations += stack.allocations;
    profile.stacks.push_back(std::move(stack));
  }
  profile.current_bytes = profile.peak_bytes / 2;
  profile.rss_hwm_bytes = profile.peak_bytes + (64 << 20);
  return profile;
}

}  // namespace tidemark
