// The command-line launcher: checks the flags, prepares the report folder,
// then runs the command with libtidemark.so preloaded and configured through
// the environment, and exits the way the command did.
//
//   bazel run //tools:profile -- [FLAGS] -- COMMAND [ARGS...]

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/memory_limits.h"
#include "core/message_text.h"
#include "tools/after_child.h"
#include "tools/child_env.h"
#include "tools/child_runner.h"
#include "tools/job_end.h"
#include "tools/library_locator.h"
#include "tools/output_dir.h"
#include "tools/paths.h"
#include "tools/plugin_check.h"
#include "tools/profile_flags.h"

extern char** environ;

namespace tidemark {
namespace {

// Exit code for every failure of the tool itself, before the command runs;
// after that the exit code is the command's.
constexpr int kToolError = 2;

// Every line starts "tidemark:" and is one line, whatever a path or a flag
// value holds (message_text.h).
void Say(const std::string& message) {
  fprintf(stderr, "tidemark: %s\n", EscapeControlBytes(message).c_str());
}

int ToolError(const std::string& message) {
  Say(message);
  return kToolError;
}

int UsageError(const std::string& message) {
  Say(message);
  Say("run with --help for usage");
  return kToolError;
}

std::string JoinPaths(const std::vector<std::string>& paths) {
  std::string joined;
  for (const std::string& path : paths) {
    if (!joined.empty()) joined += ", ";
    joined += path;
  }
  return joined;
}

void SayWhereReportsAre(const OutputDir& output, pid_t pid, bool expect_files) {
  const std::string dir = ForProcess(output.path, pid);
  switch (InspectReportFolder(output.path, pid)) {
    case ReportFolder::kHasFiles:
      Say("reports in " + dir);
      break;
    case ReportFolder::kEmpty:
    case ReportFolder::kMissing:
      if (expect_files) {
        Say("no report was written to " + dir +
            " (the program ended before it could write one, e.g. killed by "
            "a signal, or writing failed)");
      } else if (output.created) {
        // Only printed reports were asked for: no empty folder left behind.
        rmdir(dir.c_str());
      }
      break;
    case ReportFolder::kRefused:
      // The library refused the folder and already said why, in one line.
      break;
  }
}

int Main(int argc, char** argv) {
  ProfileFlags flags;
  std::string error;
  if (!ParseProfileFlags(std::vector<std::string>(argv + 1, argv + argc),
                         &flags, &error)) {
    return UsageError(error);
  }
  if (flags.help) {
    fputs(UsageText().c_str(), stdout);
    return 0;
  }
  if (flags.list_plugins) {
    fputs(PluginListText().c_str(), stdout);
    return 0;
  }
  if (!CheckPluginNames(flags, &error)) return UsageError(error);

  const char* build_dir = getenv("BUILD_WORKING_DIRECTORY");
  const std::string user_dir = UserDirectory(build_dir);

  // One library per interposer (core/interposer.h): only the preload one
  // puts a malloc of its own into the program.
  const std::string interposer = flags.interposer.value_or("preload");
  const std::string library_name = LibraryFileName(interposer);
  const std::vector<std::string> candidates =
      LibraryCandidates(getenv("TIDEMARK_LIBRARY"), getenv("RUNFILES_DIR"),
                        RealExecutablePath(), user_dir, library_name);
  std::string library;
  if (!FindLibrary(candidates, &library)) {
    return ToolError("cannot find " + library_name +
                     " (looked in: " + JoinPaths(candidates) +
                     "); set TIDEMARK_LIBRARY to libtidemark.so's path");
  }
  // glibc reads its hook variables only in libc_malloc_debug.so.0 (2.34
  // and later). Without it the library says, in one line, that the hooks
  // cannot work, and the program runs unprofiled.
  const std::string preload_last =
      interposer == "glibc" ? FindMallocDebugLibrary() : "";

  OutputDir output;
  if (!PrepareOutputDir(flags.output, user_dir, &output, &error)) {
    return ToolError(error);
  }

  // `bazel run` starts this tool inside its runfiles tree; the command's
  // relative paths ("python3 my_script.py") mean the user's directory.
  std::string working_dir;
  if (build_dir != nullptr && build_dir[0] != '\0') {
    if (chdir(build_dir) != 0) {
      return ToolError(std::string("cannot enter ") + build_dir + ": " +
                       strerror(errno));
    }
    working_dir = build_dir;
  }

  // The renderer ships beside the library (bazel-bin/tools/, runfiles).
  const std::string report_tool =
      library.substr(0, library.rfind('/') + 1) + "report";
  // Read before and after: a rise means the kernel's OOM killer struck in
  // this job's cgroup (or an ancestor's) while it ran.
  const int64_t oom_kills_before = ReadOomKillCount();
  const std::vector<std::string> child_env = BuildChildEnvironment(
      environ, flags, output.path, library, working_dir, preload_last);
  // What the library will read there: the job's end uses the same
  // reporters and process threshold.
  Config child_config;
  if (!ConfigForChild(child_env, &child_config, &error)) {
    return ToolError(error);
  }
  ChildStatus status;
  if (!RunChild(flags.command, child_env, &status, &error)) {
    return ToolError(error);
  }
  if (status.exec_failed) {
    // Nothing ran (the child said why); do not leave an empty folder behind.
    if (output.created) rmdir(output.path.c_str());
    ExitLikeChild(status);
  }
  const int64_t oom_kills_after = ReadOomKillCount();
  JobEnd job;
  job.job_dir = ForProcess(output.path, status.pid);
  job.status = status;
  job.oom_killed = oom_kills_before >= 0 && oom_kills_after > oom_kills_before;
  job.process_threshold = child_config.process_threshold_bytes;
  job.reporters = child_config.reporters;
  const ReportRunner run_report = [&](const std::vector<std::string>& args) {
    return RunReportTool(report_tool, args);
  };
  if (!FinishJob(job, run_report)) {
    // No index (the library did not start, or refused the folder, and said
    // why): what a one-folder run says.
    RenderAfterChild(report_tool, job.job_dir, status, oom_kills_before,
                     oom_kills_after);
    // A hook backend (glibc, jemalloc) that cannot work in this process
    // (no jemalloc; another malloc ahead of the debug library) has said so
    // in one line and the program ran unprofiled: nothing was meant to be
    // written, so no second line says that nothing was.
    const ReportFolder folder = InspectReportFolder(output.path, status.pid);
    const bool declined =
        interposer != "preload" && status.signal == 0 &&
        (folder == ReportFolder::kMissing || folder == ReportFolder::kEmpty);
    SayWhereReportsAre(
        output, status.pid,
        !declined && !FileWritingReporters(job.reporters).empty());
  }
  ExitLikeChild(status);
}

}  // namespace
}  // namespace tidemark

int main(int argc, char** argv) { return tidemark::Main(argc, argv); }
