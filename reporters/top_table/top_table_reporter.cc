#include "reporters/top_table/top_table_reporter.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/atomic_file.h"
#include "core/registry.h"
#include "reporters/common/stack_order.h"
#include "reporters/common/text.h"
#include "reporters/top_table/library_path.h"

namespace tidemark {
namespace {

constexpr char kPrefix[] = "tidemark: ";
constexpr double kMiB = 1024.0 * 1024.0;

// The frame (an index into profile.frames) that a stack's bytes are credited
// to, or -1 for a stack with no frames. See FormatTopTable.
int CreditedFrame(const Profile& profile, const ProfileStack& stack,
                  std::vector<signed char>* is_user_cache) {
  int innermost_python = -1;
  for (int index : stack.frames) {
    const ProfileFrame* frame = FrameAt(profile, index);
    if (frame == nullptr || frame->kind != FrameKind::kPython) continue;
    if (innermost_python < 0) innermost_python = index;
    // Many stacks share frames: classify each file once.
    signed char& is_user = (*is_user_cache)[static_cast<size_t>(index)];
    if (is_user < 0) is_user = IsLibraryFile(frame->file) ? 0 : 1;
    if (is_user) return index;
  }
  if (innermost_python >= 0) return innermost_python;
  return stack.frames.empty() ? -1 : stack.frames.front();
}

std::string LineText(const Profile& profile, int frame_index) {
  if (frame_index < 0) return kNoPythonStack;
  return FrameText(FrameAt(profile, frame_index));
}

void AppendRow(const Profile& profile, int64_t bytes, const std::string& what,
               std::string* out) {
  absl::StrAppendFormat(out, "%s%9.1f %6.1f%%  %s\n", kPrefix,
                        static_cast<double>(bytes) / kMiB,
                        PercentOfPeak(profile, bytes), what);
}

}  // namespace

std::string FormatTopTable(const Profile& profile, int rows) {
  // Total bytes per line, keyed by the line's text so that distinct frame
  // entries naming the same line are one row.
  std::vector<std::pair<std::string, int64_t>> lines;
  std::unordered_map<std::string, size_t> line_of_text;
  std::vector<signed char> is_user_cache(profile.frames.size(), -1);
  for (const ProfileStack* stack : StacksByBytes(profile)) {
    std::string text =
        LineText(profile, CreditedFrame(profile, *stack, &is_user_cache));
    auto [entry, inserted] = line_of_text.emplace(text, lines.size());
    if (inserted) {
      lines.emplace_back(std::move(text), stack->bytes);
    } else {
      lines[entry->second].second += stack->bytes;
    }
  }
  std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });

  const size_t shown =
      std::min(lines.size(), static_cast<size_t>(std::max(rows, 0)));
  // "peak tracked memory 812.4 MiB (exact mode), peak at 3.2 s, at exit";
  // the out-of-memory report shows what was live when memory ran out.
  std::string out = absl::StrFormat(
      "%s%s %.1f MiB (%s mode)", kPrefix,
      profile.out_of_memory ? "out of memory: tracked memory live"
                            : "peak tracked memory",
      static_cast<double>(profile.peak_bytes) / kMiB,
      PrintableText(profile.mode));
  if (profile.peak_seconds >= 0) {
    absl::StrAppendFormat(&out, ", %s at %.1f s",
                          profile.out_of_memory ? "ran out" : "peak",
                          profile.peak_seconds);
  }
  absl::StrAppendFormat(
      &out, " at %s; ",
      profile.reason.empty() ? "unknown" : PrintableText(profile.reason));
  if (lines.empty()) {
    out += profile.out_of_memory
               ? "nothing tracked was live when memory ran out.\n"
               : "nothing tracked was live at the peak.\n";
    return out;
  }
  absl::StrAppendFormat(&out, "top %d line%s:\n", shown, shown == 1 ? "" : "s");
  absl::StrAppendFormat(&out, "%s%9s %7s  %s\n", kPrefix, "MiB", "% peak",
                        "line");
  int64_t rest_bytes = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i < shown) {
      AppendRow(profile, lines[i].second, lines[i].first, &out);
    } else {
      rest_bytes += lines[i].second;
    }
  }
  if (shown < lines.size()) {
    const size_t rest = lines.size() - shown;
    AppendRow(profile, rest_bytes,
              absl::StrFormat("(%d more line%s)", rest, rest == 1 ? "" : "s"),
              &out);
  }
  return out;
}

bool TopTableReporter::Write(const Profile& profile,
                             const ReportDirectory& directory,
                             std::string* error) {
  // A table on the program's stderr every flush interval would be noise.
  if (!profile.final_report) return true;
  const std::string table = FormatTopTable(profile, profile.top_rows);
  if (!WriteAll(STDERR_FILENO, table)) {
    *error =
        std::string("cannot write the top table to stderr: ") + strerror(errno);
    return false;
  }
  return true;
}

TIDEMARK_REGISTER_REPORTER("top_table", TopTableReporter)

}  // namespace tidemark
