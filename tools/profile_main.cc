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

#include "tools/child_env.h"
#include "tools/child_runner.h"
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

int ToolError(const std::string& message) {
  fprintf(stderr, "tidemark: %s\n", message.c_str());
  return kToolError;
}

int UsageError(const std::string& message) {
  fprintf(stderr, "tidemark: %s\ntidemark: run with --help for usage\n",
          message.c_str());
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

void SayWhereReportsAre(const std::string& dir) {
  if (HasAnyFile(dir)) {
    fprintf(stderr, "tidemark: reports in %s\n", dir.c_str());
  } else {
    fprintf(stderr,
            "tidemark: no report was written to %s (the program may have "
            "been killed before it could exit)\n",
            dir.c_str());
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
  if (!CheckPluginNames(flags, &error)) return UsageError(error);

  const char* build_dir = getenv("BUILD_WORKING_DIRECTORY");
  const std::string user_dir = UserDirectory(build_dir);

  const std::vector<std::string> candidates =
      LibraryCandidates(getenv("TIDEMARK_LIBRARY"), getenv("RUNFILES_DIR"),
                        RealExecutablePath(), user_dir);
  std::string library;
  if (!FindLibrary(candidates, &library)) {
    return ToolError(
        "cannot find libtidemark.so (looked in: " + JoinPaths(candidates) +
        "); set TIDEMARK_LIBRARY to its path");
  }

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

  ChildStatus status;
  if (!RunChild(flags.command,
                BuildChildEnvironment(environ, flags, output.path, library,
                                      working_dir),
                &status, &error)) {
    return ToolError(error);
  }
  if (status.exec_failed) {
    // Nothing ran (the child said why); do not leave an empty folder behind.
    if (output.created) rmdir(output.path.c_str());
  } else {
    SayWhereReportsAre(ForProcess(output.path, status.pid));
  }
  ExitLikeChild(status);
}

}  // namespace
}  // namespace tidemark

int main(int argc, char** argv) { return tidemark::Main(argc, argv); }
