#ifndef TIDEMARK_REPORTERS_SUMMARY_JSON_SUMMARY_JSON_REPORTER_H_
#define TIDEMARK_REPORTERS_SUMMARY_JSON_SUMMARY_JSON_REPORTER_H_

#include <string>
#include <vector>

#include "core/profile.h"
#include "core/reporter.h"

namespace tidemark {

inline constexpr const char kSummaryJsonFileName[] = "summary.json";
inline constexpr int kSummaryTopStacks = 10;

// The run's facts and its largest stacks as one JSON object, for scripts and
// CI checks ("fail if peak_bytes grew"). Members:
//   schema_version         1; raised when a member changes meaning
//   mode, reason, unwinder strings, as in Profile
//   pid                    integer
//   command                array of strings
//   exit_code              integer, or null when the program had not exited
//   wall_seconds           number
//   peak_bytes, current_bytes, rss_hwm_bytes, profiler_bytes,
//   deferred_reports, tracked_allocations,
//   sample_interval_bytes  integers (sample_interval_bytes is 0 in exact mode;
//                          deferred_reports: signal reports acted on when the
//                          thread left the allocator or the profiler)
//   peak_bytes_bound, current_bytes_bound, inherited_bytes_bound
//                          integers: in sample mode the figure named is an
//                          estimate and the truth lies within +- this (four
//                          standard deviations; reporters/common/
//                          sampling_bound.h); 0 in exact mode (measured) and
//                          for inherited_bytes outside a forked child
//   peak_moment            (after tracked_allocations) what chose the
//                          moment of the peak: "exact_total" (exact mode),
//                          "exact_live_total" (sample mode: the moment the
//                          exact live total was highest; the peak is the
//                          estimate then), "estimate" (sample mode without
//                          the allocator's block sizes: the highest
//                          estimate, biased upward under churn), "unknown"
//                          (a stored profile from before)
//   live_bytes_at_peak_moment  integer with "exact_live_total" (the exact
//                          live total then, in the allocator's block sizes),
//                          else null
//   stack_count            stacks with bytes live at the peak
//   top                    the `top_stacks` largest of them, largest first:
//     bytes, allocations   integers (in sample mode `allocations` counts the
//                          stack's records, i.e. its sampled allocations and
//                          those of at least the interval, not all of them)
//     bytes_bound          integer: bytes' bound, as for peak_bytes_bound
//     percent_of_peak      bytes / peak_bytes * 100, rounded to 2 decimals
//     frames               root first: {function, file, line,
//                          kind: "python"|"native"}; for a native frame
//                          `file` is the object and `line` is 0 when unknown.
//                          Empty for an allocation with no Python stack.
// Names are written as given, escaped; bytes that are not UTF-8 become
// U+FFFD so the file is always valid JSON.
std::string RenderSummaryJson(const Profile& profile,
                              int top_stacks = kSummaryTopStacks);

// Registered as "summary_json": writes RenderSummaryJson() to
// DIRECTORY/summary.json.
class SummaryJsonReporter : public Reporter {
 public:
  bool Write(const Profile& profile, const ReportDirectory& directory,
             std::string* error) override;
  std::vector<std::string> FileNames() const override {
    return {kSummaryJsonFileName};
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_SUMMARY_JSON_SUMMARY_JSON_REPORTER_H_
