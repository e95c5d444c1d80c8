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
#include "reporters/common/code_origin.h"
#include "reporters/common/sampling_bound.h"
#include "reporters/common/stack_order.h"
#include "reporters/common/text.h"

namespace tidemark {
namespace {

constexpr char kPrefix[] = "tidemark: ";
constexpr double kMiB = 1024.0 * 1024.0;
constexpr char kArrow[] = " \u2192 ";  // between a user line and its context

// One row of the table: a user line's bytes summed over its stacks, and
// their records (the samples its sample-mode bound rests on).
struct Line {
  std::string text;
  int64_t bytes = 0;
  int64_t samples = 0;
};

bool IsSampled(const Profile& profile) {
  return profile.sample_interval_bytes > 0;
}

// Rows print bytes to 0.1 MiB; one that would read "0.0" says nothing.
bool RoundsToNothing(int64_t bytes) {
  return absl::StrFormat("%.1f", static_cast<double>(bytes) / kMiB) == "0.0";
}

// Labels of frames, each made once: many stacks share frames.
class FrameLabels {
 public:
  explicit FrameLabels(const Profile& profile)
      : profile_(profile), labels_(profile.frames.size()) {}

  const std::string& Of(int index) {
    const ProfileFrame* frame = FrameAt(profile_, index);
    if (frame == nullptr) return unknown_;
    std::string& label = labels_[static_cast<size_t>(index)];
    if (label.empty()) {
      label = ShortFrameText(*frame, profile_.working_directory);
    }
    return label;
  }

 private:
  const Profile& profile_;
  std::vector<std::string> labels_;
  const std::string unknown_ = kUnknownFrame;
};

// The row a stack's bytes go to, keyed by its user line (see FormatTopTable),
// and the label that row shows when this stack is its largest.
struct Credit {
  std::string key;
  std::string label;
};

Credit CreditOf(const Profile& profile, const ProfileStack& stack,
                const std::vector<CodeOrigin>& origins, FrameLabels* labels) {
  const int user_line = UserLinePosition(origins, stack);
  if (user_line < 0) return {kNoPythonStack, kNoPythonStack};
  Credit credit;
  credit.key = labels->Of(stack.frames[static_cast<size_t>(user_line)]);
  credit.label = credit.key;
  const int context = ContextPosition(profile, origins, stack, user_line);
  if (context >= 0) {
    credit.label += kArrow;
    credit.label += labels->Of(stack.frames[static_cast<size_t>(context)]);
  }
  return credit;
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

// The run's facts, the table's first line, without its ending.
std::string FactsLine(const Profile& profile) {
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
  // When the peak was, against the run's length, so that a report written
  // at exit does not read as a peak at exit.
  if (profile.peak_seconds >= 0) {
    absl::StrAppendFormat(&out, " %s %.1f s",
                          profile.out_of_memory ? "when it ran out at" : "at",
                          profile.peak_seconds);
    // The run's length is known once it has ended by exiting (the end is
    // recorded) or at its exit report (rendered then); a killed process's
    // profile rendered later would give the time until the rendering.
    if ((profile.has_exit_code || profile.reason == "exit") &&
        profile.wall_seconds >= profile.peak_seconds) {
      absl::StrAppendFormat(&out, " of %.1f s", profile.wall_seconds);
    }
  }
  if (profile.rss_hwm_bytes > 0) {
    absl::StrAppendFormat(&out, "; RSS high-water mark %.1f MiB",
                          static_cast<double>(profile.rss_hwm_bytes) / kMiB);
  }
  // Most tables are the exit report's; any other moment is worth saying.
  if (!profile.out_of_memory && profile.reason != "exit") {
    absl::StrAppendFormat(
        &out, "; report: %s",
        profile.reason.empty() ? "unknown" : PrintableText(profile.reason));
  }
  return out;
}

// Tracked bytes are what the program asked for; the high-water mark is what
// it touched. A program that reserves far more than it ever writes (`sort`
// sizing a buffer to the machine's memory, a large calloc or anonymous mmap
// left mostly untouched) has a tracked peak well above its RSS, and the
// table's rows are then reservations, not resident memory. Twice the RSS
// leaves room for ordinary lag (a freshly allocated numpy array is not
// resident until written; the interpreter's own pages are resident but not
// tracked the other way round), and 64 MiB keeps small programs, where a
// few untouched arenas can double a tiny RSS, quiet.
constexpr int64_t kReservationSlack = int64_t{64} << 20;

void AppendReservationNote(const Profile& profile, std::string* out) {
  if (profile.rss_hwm_bytes <= 0 ||
      profile.peak_bytes <= 2 * profile.rss_hwm_bytes ||
      profile.peak_bytes - profile.rss_hwm_bytes <= kReservationSlack) {
    return;
  }
  absl::StrAppendFormat(
      out,
      "%sthe tracked peak is %.1f times the RSS high-water mark: most of it "
      "was reserved (a large malloc, calloc or mmap) but never touched, so "
      "it never took physical memory\n",
      kPrefix,
      static_cast<double>(profile.peak_bytes) /
          static_cast<double>(profile.rss_hwm_bytes));
}

}  // namespace

std::string FormatTopTable(const Profile& profile, int rows) {
  // Total bytes per user line, keyed by the line's text so that distinct
  // frame entries naming the same line are one row. Stacks come largest
  // first, so a row's label (its context) is its largest stack's.
  std::vector<Line> lines;
  std::unordered_map<std::string, size_t> line_of_key;
  const std::vector<CodeOrigin> origins = OriginsOfFrames(profile);
  FrameLabels labels(profile);
  for (const ProfileStack* stack : StacksByBytes(profile)) {
    Credit credit = CreditOf(profile, *stack, origins, &labels);
    auto [entry, inserted] =
        line_of_key.emplace(std::move(credit.key), lines.size());
    if (inserted) lines.push_back(Line{std::move(credit.label), 0, 0});
    Line& line = lines[entry->second];
    line.bytes += stack->bytes;
    line.samples += stack->allocations;
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.text < b.text;
  });
  // Largest first, so the rows worth printing are a prefix.
  size_t visible = 0;
  while (visible < lines.size() && !RoundsToNothing(lines[visible].bytes)) {
    ++visible;
  }
  const size_t shown =
      std::min(visible, static_cast<size_t>(std::max(rows, 0)));

  std::string out = FactsLine(profile);
  if (lines.empty() || visible == 0) {
    if (lines.empty()) {
      out += profile.out_of_memory
                 ? "; nothing tracked was live when memory ran out.\n"
                 : "; nothing tracked was live at the peak.\n";
    } else {
      absl::StrAppendFormat(&out, "; all %d line%s round to 0.0 MiB.\n",
                            lines.size(), lines.size() == 1 ? "" : "s");
    }
    AppendReservationNote(profile, &out);
    AppendSamplingNote(profile, &out);
    return out;
  }
  absl::StrAppendFormat(&out, "; top %d line%s:\n", shown,
                        shown == 1 ? "" : "s");
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
  if (shown < lines.size() && !RoundsToNothing(rest.bytes)) {
    const size_t count = lines.size() - shown;
    rest.text =
        absl::StrFormat("(%d more line%s)", count, count == 1 ? "" : "s");
    AppendRow(profile, rest, &out);
  }
  AppendReservationNote(profile, &out);
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
