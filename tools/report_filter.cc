#include "tools/report_filter.h"

#include <re2/re2.h>

#include <algorithm>
#include <vector>

#include "reporters/common/stack_order.h"

namespace tidemark {
namespace {

bool CompileOne(const char* flag, const std::string& pattern,
                std::unique_ptr<re2::RE2>* out, std::string* error) {
  out->reset();
  if (pattern.empty()) return true;
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  if (!re->ok()) {
    *error = std::string(flag) + ": '" + pattern +
             "' is not a regular expression (" + re->error() + ")";
    return false;
  }
  *out = std::move(re);
  return true;
}

}  // namespace

StackFilter::StackFilter() = default;
StackFilter::~StackFilter() = default;
StackFilter::StackFilter(StackFilter&&) noexcept = default;
StackFilter& StackFilter::operator=(StackFilter&&) noexcept = default;

bool StackFilter::Compile(const std::string& focus, const std::string& ignore,
                          std::string* error) {
  return CompileOne("--focus", focus, &focus_, error) &&
         CompileOne("--ignore", ignore, &ignore_, error);
}

void StackFilter::Apply(Profile* profile) const {
  if (!active()) return;
  // Frames are shared by many stacks: match each once. Bit 0: focus
  // matches, bit 1: ignore matches.
  auto matches = [this](const std::string& text) {
    int bits = 0;
    if (focus_ != nullptr && re2::RE2::PartialMatch(text, *focus_)) bits |= 1;
    if (ignore_ != nullptr && re2::RE2::PartialMatch(text, *ignore_)) {
      bits |= 2;
    }
    return bits;
  };
  std::vector<int> frame_bits(profile->frames.size());
  for (size_t i = 0; i < profile->frames.size(); ++i) {
    frame_bits[i] = matches(FrameText(&profile->frames[i]));
  }
  const int unknown_bits = matches(FrameText(nullptr));
  const int no_stack_bits = matches(kNoPythonStack);
  auto keep = [&](const ProfileStack& stack) {
    int bits = 0;
    if (stack.frames.empty()) bits = no_stack_bits;
    for (int index : stack.frames) {
      bits |= FrameAt(*profile, index) == nullptr
                  ? unknown_bits
                  : frame_bits[static_cast<size_t>(index)];
    }
    const bool focused = focus_ == nullptr || (bits & 1) != 0;
    const bool ignored = (bits & 2) != 0;
    return focused && !ignored;
  };
  profile->stacks.erase(
      std::remove_if(profile->stacks.begin(), profile->stacks.end(),
                     [&](const ProfileStack& s) { return !keep(s); }),
      profile->stacks.end());
}

}  // namespace tidemark
