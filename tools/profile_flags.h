#ifndef TIDEMARK_TOOLS_PROFILE_FLAGS_H_
#define TIDEMARK_TOOLS_PROFILE_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"

namespace tidemark {

// What the user asked for on the command line. Optional fields stay unset
// when the flag was not given, so the preloaded library keeps its own
// default (see Config) instead of a second copy of it here.
struct ProfileFlags {
  bool help = false;
  // --list-plugins: print the plugins compiled in and exit (no command).
  bool list_plugins = false;
  Mode mode = Mode::kExact;
  // As typed; empty means a new timestamped folder (see output_dir.h).
  std::string output;
  std::optional<std::string> unwinder;
  // preload, glibc or jemalloc (what is compiled in): also picks the
  // library the launcher preloads (tools/library_locator.h).
  std::optional<std::string> interposer;
  std::optional<std::string> reporters;  // comma-separated, no empty names
  std::optional<int64_t> sample_interval_bytes;
  std::optional<double> flush_interval_seconds;
  std::optional<int> top_rows;
  std::optional<uint64_t> sample_seed;
  // --no-oom-detection sets false, --oom-exit sets true.
  std::optional<bool> oom_detection;
  std::optional<bool> oom_exit;
  // --native: the unwinder becomes kNativeUnwinderSpec (core/unwinder_spec.h).
  std::optional<bool> native;
  // --follow-children=false profiles only the first process.
  std::optional<bool> follow_children;
  std::optional<int64_t> process_threshold_bytes;
  // The program to run and its arguments; never empty after a successful
  // parse unless `help` is set.
  std::vector<std::string> command;
};

// Parses the arguments that follow the program name. Flags come first; the
// first argument that is not a flag, or everything after "--", is the
// command, and nothing after the command's name is read as a flag. Returns
// false with a one-line reason (no "tidemark: " prefix) on a bad flag, a bad
// value or a missing command. Stops at --help and --list-plugins, which
// need no command.
bool ParseProfileFlags(const std::vector<std::string>& args,
                       ProfileFlags* flags, std::string* error);

// The --help text, defaults included.
std::string UsageText();

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_PROFILE_FLAGS_H_
