#ifndef TIDEMARK_CORE_PROFILE_H_
#define TIDEMARK_CORE_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/frame.h"

namespace tidemark {

// The profile data model every reporter reads: what was live at the peak,
// by call stack, plus facts about the run. Built outside the allocation path
// (core/profile_reader.h, from the stored profile), so it uses ordinary
// containers.
struct ProfileFrame {
  FrameKind kind = FrameKind::kPython;
  std::string function;
  std::string file;  // for native frames, the object (library) name
  int line = 0;
  // Native frames: the return address, until core/native_symbols.h names
  // the frame (then the function, and the source file and line where debug
  // information has them); 0 otherwise.
  uint64_t address = 0;
  // Native frames: the object that holds it (its path), kept when `file`
  // becomes a source file; empty otherwise.
  std::string module;
};

// One loaded object of the profiled process (profile_format::ModuleEntry):
// what names its native frames at report time.
struct ProfileModule {
  std::string path;
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t bias = 0;
  std::string build_id;  // raw bytes; empty when unknown
};

struct ProfileStack {
  // Indices into Profile::frames, innermost first. Empty for an allocation
  // made with no Python frame on its thread.
  std::vector<int> frames;
  int64_t bytes = 0;        // live at the peak (estimated, in sample mode)
  int64_t allocations = 0;  // live at the peak (estimated, in sample mode)
};

// One point of the process's memory over time (core keeps a bounded
// timeline in the stored profile; see profile_format.h, "The timeline").
// A point closes the span that began at the point before it (or at the
// start): draw tracked_bytes as a step over (previous seconds, seconds],
// the RSS as a line through the points.
struct TimelinePoint {
  double seconds = 0;  // since the start: when the span ended
  // The highest tracked total in the span (exact mode: exactly; sample
  // mode: the estimate at the span's highest exact live total, the way
  // the peak is chosen). peak_bytes is the highest of these, and the
  // first point at or after peak_seconds holds it.
  int64_t tracked_bytes = 0;
  int64_t rss_bytes = 0;  // the kernel's VmRSS at `seconds`; 0 when unknown
};

struct Profile {
  std::string mode;    // "exact" or "sample"
  std::string reason;  // "exit", "SIGTERM", "SIGUSR2", "periodic", ...
  // How the program ended, in words ("exit code 0", "killed by SIGKILL",
  // "killed by the kernel's OOM killer"); empty while it still runs
  // (periodic and on-demand reports).
  std::string ended;
  // False for reports written while the program runs on (periodic, SIGUSR2):
  // reporters that print to the terminal stay quiet for those.
  bool final_report = true;
  std::string unwinder;
  // The Python interpreter's version ("3.11.2"); empty when unknown.
  std::string python_version;
  // How allocations were seen: the interposer backend and whose blocks
  // (Interposer::Allocator()); empty when unknown (an older file).
  std::string interposer;
  std::string allocator;
  std::vector<std::string> command;
  // The program's working directory when profiling started (absolute;
  // empty when unknown): reports show the user's files relative to it.
  std::string working_directory;
  int pid = 0;
  bool has_exit_code = false;
  int exit_code = 0;
  double wall_seconds = 0;
  int64_t peak_bytes = 0;  // tracked bytes live at the peak
  // When the peak happened, in seconds since the start; negative when no
  // peak was recorded yet.
  double peak_seconds = -1;
  int64_t current_bytes = 0;  // tracked bytes live when the report was made
  // What chose the peak's moment (profile_format::PeakMomentName):
  // "exact_total" (exact mode), "exact_live_total" (sample mode: the exact
  // live total, core/live_total.h), "estimate" (sample mode without it),
  // "unknown" (a file from before this was stored).
  std::string peak_moment = "unknown";
  // With "exact_live_total": the exact live total at that moment (the
  // allocator's block sizes; see core/live_total.h for what it counts).
  int64_t live_bytes_at_peak_moment = 0;
  int64_t tracked_allocations = 0;  // allocations recorded over the run
  int64_t rss_hwm_bytes = 0;        // the kernel's VmHWM, for comparison
  int64_t profiler_bytes = 0;       // the profiler's own memory (its arena)
  // Signal reports acted on late, when the thread the signal landed on left
  // the allocator or the profiler (core/report_trigger.h).
  int64_t deferred_reports = 0;
  int64_t sample_interval_bytes = 0;  // 0 in exact mode
  // The process within its job (core/job_index.h): its parent, how it came
  // to be profiled ("first", "exec", "child", "fork"), and for a forked
  // child what was live in its parent at the fork (not in its stacks).
  int parent_pid = 0;
  std::string started;
  int64_t inherited_bytes = 0;
  int top_rows = 10;  // how many rows a text summary shows (--top)
  // Set in the out-of-memory report ("out-of-memory/"): its stacks are what
  // was live when memory ran out, and these say which limit and why.
  bool out_of_memory = false;
  std::string oom_reason;
  int64_t oom_limit_bytes = 0;
  int64_t oom_available_bytes = 0;
  // Memory over time, oldest first, at most 512 points whatever the run's
  // length (profile_format::kTimelinePoints); empty when none was kept (a
  // stored profile from before the timeline).
  std::vector<TimelinePoint> timeline;
  std::vector<ProfileFrame> frames;
  std::vector<ProfileStack> stacks;  // bytes > 0 only, largest first
  // The process's module map (empty without native frames, or from a file
  // written before it was kept), in the order modules were first seen.
  std::vector<ProfileModule> modules;
  // What was live when the report was made, by stack (bytes > 0 only,
  // largest first; frames index `frames` too). Empty in the out-of-memory
  // report, whose `stacks` are what was live then. Only reporters with a
  // place for it read it (pprof's inuse_space).
  std::vector<ProfileStack> end_stacks;
};

// "FUNCTION (FILE:LINE)" for a Python frame; "FUNCTION (OBJECT)" for a
// native one. The one spelling every text reporter uses.
std::string FormatFrame(const ProfileFrame& frame);

// The label used for a stack with no frames.
inline constexpr const char kNoPythonStack[] = "[no Python stack]";

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROFILE_H_
