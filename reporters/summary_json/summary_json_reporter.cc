#include "reporters/summary_json/summary_json_reporter.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/registry.h"
#include "reporters/common/sampling_bound.h"
#include "reporters/common/stack_order.h"
#include "reporters/summary_json/json_writer.h"

namespace tidemark {
namespace {

constexpr int kSchemaVersion = 1;

void WriteFrame(const ProfileFrame* frame, JsonWriter* json) {
  // An out-of-range index (a bug upstream) still yields a well-formed entry.
  static const ProfileFrame kUnknown = [] {
    ProfileFrame unknown;
    unknown.kind = FrameKind::kNative;
    unknown.function = kUnknownFrame;
    unknown.file = kUnknownFrame;
    return unknown;
  }();
  if (frame == nullptr) frame = &kUnknown;
  json->BeginObject()
      .Key("function")
      .String(frame->function)
      .Key("file")
      .String(frame->file)
      .Key("line")
      .Int(frame->line)
      .Key("kind")
      .String(frame->kind == FrameKind::kPython     ? "python"
              : frame->kind == FrameKind::kStackCut ? "stack_cut"
                                                    : "native")
      .EndObject();
}

// A text the profile leaves empty when it is unknown: null then.
void StringOrNull(const std::string& value, JsonWriter* json) {
  if (value.empty()) {
    json->Null();
  } else {
    json->String(value);
  }
}

void WriteStack(const Profile& profile, const ProfileStack& stack,
                JsonWriter* json) {
  // Two decimals are all a reader uses; more would only show float noise.
  const double percent =
      std::round(PercentOfPeak(profile, stack.bytes) * 100) / 100;
  json->BeginObject().Key("bytes").Int(stack.bytes);
  // --- Sampling bound (issue 10): the stack's bytes +- this (0 in exact
  // mode), from its own samples (core/sampler.h).
  json->Key("bytes_bound")
      .Int(BytesBound(profile, stack.bytes, stack.allocations));
  // --- End of the sampling bound.
  json->Key("allocations")
      .Int(stack.allocations)
      .Key("percent_of_peak")
      .Double(percent)
      .Key("frames")
      .BeginArray();
  for (auto it = stack.frames.rbegin(); it != stack.frames.rend(); ++it) {
    WriteFrame(FrameAt(profile, *it), json);
  }
  json->EndArray().EndObject();
}

// --- Sampling bounds (issue 10): each byte figure above that sample mode
// estimates, +- its bound (reporters/common/sampling_bound.h); 0 in exact
// mode, where they are measured.
void WriteSamplingBounds(const Profile& profile, JsonWriter* json) {
  json->Key("peak_bytes_bound").Int(PeakBytesBound(profile));
  // What is live now has no sample count in the profile: bounded through
  // its bytes alone (wider, still 4 sigma).
  json->Key("current_bytes_bound")
      .Int(BytesBound(profile, profile.current_bytes, kUnknownSamples));
  // Only a forked child inherits; elsewhere inherited_bytes is a plain 0.
  json->Key("inherited_bytes_bound")
      .Int(profile.started == "fork"
               ? BytesBound(profile, profile.inherited_bytes, kUnknownSamples)
               : 0);
}
// --- End of the sampling bounds.

// --- Reports (issue 11): memory over time, oldest first, each point
// [seconds, tracked_bytes, rss_bytes]: the span since the point before
// ended at `seconds`, its highest tracked total was `tracked_bytes`, and
// the RSS then `rss_bytes` (0: unknown). Bounded (core/profile_format.h).
void WriteTimeline(const Profile& profile, JsonWriter* json) {
  json->Key("timeline").BeginArray();
  for (const TimelinePoint& point : profile.timeline) {
    json->BeginOneLineArray()
        .Double(point.seconds)
        .Int(point.tracked_bytes)
        .Int(point.rss_bytes)
        .EndArray();
  }
  json->EndArray();
}
// --- End of the timeline.

}  // namespace

std::string RenderSummaryJson(const Profile& profile, int top_stacks) {
  const std::vector<const ProfileStack*> stacks = StacksByBytes(profile);
  JsonWriter json;
  json.BeginObject()
      .Key("schema_version")
      .Int(kSchemaVersion)
      .Key("mode")
      .String(profile.mode)
      .Key("reason")
      .String(profile.reason)
      .Key("pid")
      .Int(profile.pid)
      .Key("parent_pid")
      .Int(profile.parent_pid)
      .Key("started")
      .String(profile.started)
      .Key("inherited_bytes")
      .Int(profile.inherited_bytes)
      .Key("command")
      .BeginArray();
  for (const std::string& arg : profile.command) json.String(arg);
  json.EndArray();
  // --- Reports (issue 11): the working directory at start (null when
  // unknown), which short file names are relative to.
  json.Key("working_directory");
  StringOrNull(profile.working_directory, &json);
  // --- End of the working directory.
  // The interpreter's version ("3.11.2"); null when no Python was found at
  // start.
  json.Key("python_version");
  StringOrNull(profile.python_version, &json);
  // --- Interposer backends (issue 13): how allocations were seen, and
  // whose blocks they are; null in a file written before they were kept.
  json.Key("interposer");
  StringOrNull(profile.interposer, &json);
  json.Key("allocator");
  StringOrNull(profile.allocator, &json);
  json.Key("exit_code");
  if (profile.has_exit_code) {
    json.Int(profile.exit_code);
  } else {
    json.Null();
  }
  // How it ended in words; null while it still runs (periodic, SIGUSR2).
  json.Key("ended");
  StringOrNull(profile.ended, &json);
  json.Key("wall_seconds")
      .Double(profile.wall_seconds)
      .Key("unwinder")
      .String(profile.unwinder)
      .Key("peak_bytes")
      .Int(profile.peak_bytes)
      .Key("peak_seconds");
  if (profile.peak_seconds < 0) {
    json.Null();  // no peak recorded yet
  } else {
    json.Double(profile.peak_seconds);
  }
  json.Key("current_bytes")
      .Int(profile.current_bytes)
      .Key("rss_hwm_bytes")
      .Int(profile.rss_hwm_bytes)
      .Key("profiler_bytes")
      .Int(profile.profiler_bytes)
      .Key("deferred_reports")
      .Int(profile.deferred_reports)
      .Key("tracked_allocations")
      .Int(profile.tracked_allocations);
  // --- The peak's moment (issue 10, item 3): what chose it, and in sample
  // mode the exact live total then, to compare with the estimate.
  json.Key("peak_moment").String(profile.peak_moment);
  json.Key("live_bytes_at_peak_moment");
  if (profile.peak_moment == "exact_live_total") {
    json.Int(profile.live_bytes_at_peak_moment);
  } else {
    json.Null();
  }
  // --- End of the peak's moment.
  json.Key("sample_interval_bytes").Int(profile.sample_interval_bytes);
  WriteSamplingBounds(profile, &json);
  if (profile.out_of_memory) {
    json.Key("out_of_memory")
        .BeginObject()
        .Key("reason")
        .String(profile.oom_reason)
        .Key("limit_bytes")
        .Int(profile.oom_limit_bytes)
        .Key("available_bytes")
        .Int(profile.oom_available_bytes)
        .EndObject();
  }
  WriteTimeline(profile, &json);
  json.Key("stack_count")
      .Int(static_cast<int64_t>(stacks.size()))
      .Key("top")
      .BeginArray();
  const size_t shown =
      std::min(stacks.size(), static_cast<size_t>(std::max(top_stacks, 0)));
  for (size_t i = 0; i < shown; ++i) WriteStack(profile, *stacks[i], &json);
  json.EndArray().EndObject();
  return json.str() + "\n";
}

bool SummaryJsonReporter::Write(const Profile& profile,
                                const ReportDirectory& directory,
                                std::string* error) {
  return WriteFileAtomically(directory, kSummaryJsonFileName,
                             RenderSummaryJson(profile), error);
}

TIDEMARK_REGISTER_REPORTER("summary_json", SummaryJsonReporter)

}  // namespace tidemark
