// Renders the reports of a stored profile after the fact:
//
//   bazel run //tools:report -- [FLAGS] DIR_OR_FILE
//
// See tools/report_flags.h for the flags and tools/report_command.h for
// what it does.

#include <signal.h>

#include <string>
#include <vector>

#include "tools/report_command.h"

int main(int argc, char** argv) {
  // Run by a profiled process (core/renderer_process.h), this starts with
  // every signal blocked: they were blocked across its clone and exec.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<std::string> args(argv + 1, argv + argc);
  return tidemark::RunReportCommand(args);
}
