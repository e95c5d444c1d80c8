#include "reporters/html/html_data.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

#include "reporters/common/sampling_bound.h"
#include "reporters/common/source_lines.h"
#include "reporters/common/stack_order.h"
#include "reporters/common/text.h"

namespace tidemark {
namespace {

bool IsImportMachinery(const ProfileFrame& frame) {
  return frame.kind == FrameKind::kPython &&
         (frame.file == "<frozen importlib._bootstrap>" ||
          frame.file == "<frozen importlib._bootstrap_external>");
}

// Maps the profile's frame indices to HtmlData::frames, merging frames that
// read the same, once per index.
class FrameTable {
 public:
  FrameTable(const Profile& profile, HtmlData* data)
      : profile_(profile),
        data_(data),
        ids_(profile.frames.size() + 1, kUnmapped) {}

  int Id(int index) {
    const bool bad =
        index < 0 || static_cast<size_t>(index) >= profile_.frames.size();
    // The last slot stands for every bad index ("???").
    const size_t slot =
        bad ? profile_.frames.size() : static_cast<size_t>(index);
    if (ids_[slot] != kUnmapped) return ids_[slot];
    HtmlFrame frame;
    std::string key;
    if (bad) {
      frame.function = kUnknownFrame;
      frame.origin = CodeOrigin::kNative;
      key = "?";
    } else {
      const ProfileFrame& raw = profile_.frames[slot];
      frame.function = PrintableText(raw.function);
      frame.origin = OriginOfFrame(raw);
      frame.file = PrintableText(
          frame.origin == CodeOrigin::kNative
              ? raw.file
              : ShortFileName(raw.file, profile_.working_directory));
      frame.line = raw.line;
      frame.import_machinery = IsImportMachinery(raw);
      key = std::string(1, static_cast<char>('0' + static_cast<int>(raw.kind)));
      key += raw.function;
      key += '\0';
      key += raw.file;
      key += '\0';
      key += std::to_string(raw.line);
    }
    auto [it, inserted] =
        by_key_.emplace(std::move(key), static_cast<int>(data_->frames.size()));
    if (inserted) data_->frames.push_back(std::move(frame));
    ids_[slot] = it->second;
    return it->second;
  }

  // The raw frame behind an id's first index, for reading its source.
  const ProfileFrame* Raw(int index) const { return FrameAt(profile_, index); }

 private:
  static constexpr int kUnmapped = -1;
  const Profile& profile_;
  HtmlData* data_;
  std::vector<int> ids_;
  std::unordered_map<std::string, int> by_key_;
};

}  // namespace

const char* OriginName(CodeOrigin origin) {
  switch (origin) {
    case CodeOrigin::kUser:
      return "user";
    case CodeOrigin::kLibrary:
      return "library";
    case CodeOrigin::kStandardLibrary:
      return "stdlib";
    case CodeOrigin::kFrozen:
      return "frozen";
    case CodeOrigin::kGenerated:
      return "generated";
    case CodeOrigin::kNative:
      return "native";
  }
  return "user";
}

int StacksToKeep(const std::vector<int64_t>& sorted_bytes) {
  int64_t total = 0;
  for (int64_t bytes : sorted_bytes) total += bytes;
  const int count = static_cast<int>(sorted_bytes.size());
  int kept = 0;
  int64_t covered = 0;
  // Integer-free of rounding surprises: covered / total >= kHtmlCoverage.
  while (kept < count && kept < kHtmlMaxStacks &&
         (kept < kHtmlMinStacks ||
          static_cast<double>(covered) <
              kHtmlCoverage * static_cast<double>(total))) {
    covered += sorted_bytes[static_cast<size_t>(kept)];
    ++kept;
  }
  return kept;
}

HtmlData BuildHtmlData(const Profile& profile, bool read_sources) {
  HtmlData data;
  FrameTable table(profile, &data);
  const std::vector<const ProfileStack*> stacks = StacksByBytes(profile);
  std::vector<int64_t> sizes;
  sizes.reserve(stacks.size());
  for (const ProfileStack* stack : stacks) sizes.push_back(stack->bytes);
  const int kept = StacksToKeep(sizes);
  data.total_stacks = static_cast<int>(stacks.size());

  // Source text is wanted only for frames the page shows (kept stacks and
  // the top lines), once per frame id, and read all at once at the end.
  std::vector<bool> wanted;
  std::vector<SourceRequest> requests;
  std::vector<int> requested_ids;
  auto want_source = [&](int index, int id) {
    if (!read_sources) return;
    if (wanted.size() < data.frames.size()) {
      wanted.resize(data.frames.size(), false);
    }
    if (wanted[static_cast<size_t>(id)]) return;
    wanted[static_cast<size_t>(id)] = true;
    const ProfileFrame* raw = table.Raw(index);
    if (raw == nullptr || raw->kind != FrameKind::kPython) return;
    requests.push_back({raw->file, raw->line});
    requested_ids.push_back(id);
  };

  struct LineSum {
    int context = -1;
    int raw_index = -1;  // a profile frame index of the line, for its text
    int64_t bytes = 0;
    int64_t allocations = 0;
  };
  std::unordered_map<int, LineSum> lines;
  // Each frame classified once, not once per stack that holds it.
  const std::vector<CodeOrigin> origins = OriginsOfFrames(profile);
  for (size_t i = 0; i < stacks.size(); ++i) {
    const ProfileStack& stack = *stacks[i];
    data.stack_bytes += stack.bytes;
    if (static_cast<int>(i) < kept) {
      HtmlStack out;
      out.bytes = stack.bytes;
      out.allocations = stack.allocations;
      out.frames.reserve(stack.frames.size());
      for (auto it = stack.frames.rbegin(); it != stack.frames.rend(); ++it) {
        const int id = table.Id(*it);
        want_source(*it, id);
        out.frames.push_back(id);
      }
      data.stacks.push_back(std::move(out));
    } else {
      ++data.folded_stacks;
      data.folded_bytes += stack.bytes;
    }
    const int position = UserLinePosition(origins, stack);
    if (position < 0) continue;
    const int raw_index = stack.frames[static_cast<size_t>(position)];
    const int id = table.Id(raw_index);
    LineSum& sum = lines[id];
    if (sum.raw_index < 0) {  // stacks come largest first
      sum.raw_index = raw_index;
      if (position > 0) {
        sum.context = table.Id(stack.frames[static_cast<size_t>(position) - 1]);
      }
    }
    sum.bytes += stack.bytes;
    sum.allocations += stack.allocations;
  }

  for (const auto& [id, sum] : lines) {
    HtmlLine line;
    line.frame = id;
    line.context = sum.context;
    line.bytes = sum.bytes;
    line.allocations = sum.allocations;
    line.bound = BytesBound(profile, sum.bytes, sum.allocations);
    data.top_lines.push_back(line);
  }
  std::sort(data.top_lines.begin(), data.top_lines.end(),
            [&](const HtmlLine& a, const HtmlLine& b) {
              if (a.bytes != b.bytes) return a.bytes > b.bytes;
              return a.frame < b.frame;
            });
  if (data.top_lines.size() > kHtmlTopLines) {
    data.top_lines.resize(kHtmlTopLines);
  }
  // The top lines' own text (a line only folded stacks reach has none yet).
  for (const HtmlLine& line : data.top_lines) {
    want_source(lines[line.frame].raw_index, line.frame);
  }
  if (!requests.empty()) {
    std::vector<std::string> texts =
        ReadSourceLines(requests, profile.working_directory);
    for (size_t i = 0; i < texts.size(); ++i) {
      data.frames[static_cast<size_t>(requested_ids[i])].source =
          std::move(texts[i]);
    }
  }
  return data;
}

}  // namespace tidemark
