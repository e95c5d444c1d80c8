#include "reporters/folded/folded_reporter.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/registry.h"
#include "reporters/common/stack_order.h"
#include "reporters/common/text.h"

namespace tidemark {
namespace {

std::string FoldedFrameText(const ProfileFrame* frame) {
  std::string text = FrameText(frame);
  std::replace(text.begin(), text.end(), ';', ':');
  return text;
}

}  // namespace

std::string RenderFolded(const Profile& profile) {
  // Frames are shared by many stacks: name each once.
  std::vector<std::string> frame_text;
  frame_text.reserve(profile.frames.size());
  for (size_t i = 0; i < profile.frames.size(); ++i) {
    frame_text.push_back(FoldedFrameText(&profile.frames[i]));
  }
  const std::string bad_frame = FoldedFrameText(nullptr);

  const std::vector<const ProfileStack*> stacks = StacksByBytes(profile);
  std::vector<std::pair<std::string, int64_t>> lines;
  // Keys view the texts in `lines`, which never reallocates (reserved), so
  // each stack's text is stored once. Only used before the sort below.
  lines.reserve(stacks.size());
  std::unordered_map<std::string_view, size_t> line_of_text;
  size_t total_size = 0;
  for (const ProfileStack* stack : stacks) {
    std::string text;
    if (stack->frames.empty()) text = kNoPythonStack;
    // Stored innermost first; the format wants the root first.
    for (auto it = stack->frames.rbegin(); it != stack->frames.rend(); ++it) {
      if (!text.empty()) text += ';';
      text += FrameAt(profile, *it) == nullptr
                  ? bad_frame
                  : frame_text[static_cast<size_t>(*it)];
    }
    auto entry = line_of_text.find(text);
    if (entry == line_of_text.end()) {
      total_size += text.size() + 22;  // " BYTES\n", at most 20 digits
      lines.emplace_back(std::move(text), stack->bytes);
      line_of_text.emplace(lines.back().first, lines.size() - 1);
    } else {
      lines[entry->second].second += stack->bytes;
    }
  }
  // Merging can reorder sizes; the text breaks ties so output is stable.
  std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });

  std::string out;
  out.reserve(total_size);
  for (const auto& [text, bytes] : lines) {
    out += text;
    out += ' ';
    out += std::to_string(bytes);
    out += '\n';
  }
  return out;
}

bool FoldedReporter::Write(const Profile& profile,
                           const ReportDirectory& directory,
                           std::string* error) {
  return WriteFileAtomically(directory, kFoldedFileName, RenderFolded(profile),
                             error);
}

TIDEMARK_REGISTER_REPORTER("folded", FoldedReporter)

}  // namespace tidemark
