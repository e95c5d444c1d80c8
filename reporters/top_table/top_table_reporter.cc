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
#include "reporters/common/sampling_bound.h"
#include "reporters/common/stack_order.h"
#include "reporters/common/text.h"
#include "reporters/common/code_origin.h"

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

// One row of the table: a line's bytes summed over its stacks, and their
// records (the samples its sample-mode bound rests on).
struct Line {
  std::string text;
  int64_t bytes = 0;
  int64_t samples = 0;
};

bool IsSampled(const Profile& profile) {
  return profile.sample_interval_bytes > 0;
}

void AppendRow(const Profile& profile, const Line& line, std::string* out) {
  absl::StrAppendFormat(out, "%s%9.1f", kPrefix,
                        static_cast<double>(line.bytes) / kMiB);
  if (IsSampled(profile)) {
    absl::StrAppendFormat(
        out, " \u00b1 %6.1f",
        static_cast<double>(BytesBound(profile, line.bytes, line.samples)) /
            kMiB);
  }
  absl::StrAppendFormat(out, " %6.1f%%  %s\n",
                        PercentOfPeak(profile, line.bytes), line.text);
}

// "1 MiB", "256 KiB", "1.5 MiB", "1000 bytes": the sampling interval as the
// note under the table says it (core/memory_limits.h's FormatBytes would
// write "1.0 MiB", as it does for limits).
std::string IntervalText(int64_t bytes) {
  static constexpr struct {
    int64_t scale;
    const char* name;
  } kUnits[] = {{int64_t{1} << 20, "MiB"}, {int64_t{1} << 10, "KiB"}};
  for (const auto& unit : kUnits) {
    if (bytes < unit.scale) continue;
    return bytes % unit.scale == 0
               ? absl::StrFormat("%d %s", bytes / unit.scale, unit.name)
               : absl::StrFormat("%.1f %s",
                                 static_cast<double>(bytes) /
                                     static_cast<double>(unit.scale),
                                 unit.name);
  }
  return absl::StrFormat("%d bytes", bytes);
}

// Sample mode's last line: what the figures are and what the ± means.
void AppendSamplingNote(const Profile& profile, std::string* out) {
  if (!IsSampled(profile)) return;
  const std::string interval = IntervalText(profile.sample_interval_bytes);
  absl::StrAppendFormat(
      out,
      "%sestimates from sampling every ~%s allocated (blocks of %s or more "
      "exactly); \u00b1 is %d standard deviations\n",
      kPrefix, interval, interval, kBoundSigmas);
}

}  // namespace

std::string FormatTopTable(const Profile& profile, int rows) {
  // Total bytes per line, keyed by the line's text so that distinct frame
  // entries naming the same line are one row.
  std::vector<Line> lines;
  std::unordered_map<std::string, size_t> line_of_text;
  std::vector<signed char> is_user_cache(profile.frames.size(), -1);
  for (const ProfileStack* stack : StacksByBytes(profile)) {
    std::string text =
        LineText(profile, CreditedFrame(profile, *stack, &is_user_cache));
    auto [entry, inserted] = line_of_text.emplace(text, lines.size());
    if (inserted) lines.push_back(Line{std::move(text), 0, 0});
    Line& line = lines[entry->second];
    line.bytes += stack->bytes;
    line.samples += stack->allocations;
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.text < b.text;
  });

  const size_t shown =
      std::min(lines.size(), static_cast<size_t>(std::max(rows, 0)));
  // "peak tracked memory 812.4 MiB (exact mode), peak at 3.2 s, at exit";
  // the out-of-memory report shows what was live when memory ran out.
  std::string out = absl::StrFormat(
      "%s%s %.1f", kPrefix,
      profile.out_of_memory ? "out of memory: tracked memory live"
                            : "peak tracked memory",
      static_cast<double>(profile.peak_bytes) / kMiB);
  if (IsSampled(profile)) {
    absl::StrAppendFormat(&out, " \u00b1 %.1f",
                          static_cast<double>(PeakBytesBound(profile)) / kMiB);
  }
  absl::StrAppendFormat(&out, " MiB (%s mode)", PrintableText(profile.mode));
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
    AppendSamplingNote(profile, &out);
    return out;
  }
  absl::StrAppendFormat(&out, "top %d line%s:\n", shown, shown == 1 ? "" : "s");
  // In sample mode the ± column is as wide as a row's " ± %6.1f", 9
  // characters ("±" is two bytes: written out, not padded by StrFormat).
  absl::StrAppendFormat(&out, "%s%9s%s %7s  %s\n", kPrefix, "MiB",
                        IsSampled(profile)
                            ? absl::StrFormat("   \u00b1 %d sd", kBoundSigmas)
                            : "",
                        "% peak", "line");
  Line rest;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i < shown) {
      AppendRow(profile, lines[i], &out);
    } else {
      rest.bytes += lines[i].bytes;
      rest.samples += lines[i].samples;
    }
  }
  if (shown < lines.size()) {
    const size_t count = lines.size() - shown;
    rest.text =
        absl::StrFormat("(%d more line%s)", count, count == 1 ? "" : "s");
    AppendRow(profile, rest, &out);
  }
  AppendSamplingNote(profile, &out);
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
