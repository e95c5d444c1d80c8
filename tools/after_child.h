#ifndef TIDEMARK_TOOLS_AFTER_CHILD_H_
#define TIDEMARK_TOOLS_AFTER_CHILD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/child_runner.h"

namespace tidemark {

// Why the job ended without writing its final reports, in the words of a
// report: `reason` (summary.json's "reason": the signal's name, or "killed
// by the kernel's OOM killer") and `ended` (e.g. "killed by SIGKILL").
// `oom_killed`: the cgroup's oom_kill counters went up while the job ran.
// Returns false when the child ended normally and nothing is missing.
struct EndingWords {
  std::string reason;
  std::string ended;
};
EndingWords DescribeEnding(const ChildStatus& status, bool oom_killed);

// How the launcher names the child's end in its one line: "the program was
// killed by SIGKILL", "the program ended with exit code 3 without writing
// its reports".
std::string ChildEndingSummary(const ChildStatus& status,
                               const EndingWords& words);

// The renderer's arguments for a process whose final reports are missing:
// --quiet, its reason and ending in words, the exit code when it has one
// (>= 0), then its folder.
std::vector<std::string> RenderArguments(const std::string& folder,
                                         const EndingWords& words,
                                         int exit_code);

// Runs the renderer (//tools:report at `report_tool`) with `args` and waits
// for it; its output goes where ours goes. Returns its exit code, -1 when
// it could not run or did not exit.
int RunReportTool(const std::string& report_tool,
                  const std::vector<std::string>& args);

// After the child is gone (a job with no index, core/job_index.h: the
// library did not start or refused the folder): when its stored profile
// (profile.tidemark in `report_folder`) says the final reports were never
// written (a kill, the OOM killer, os._exit, a fatal signal), renders them with
// the renderer at `report_tool` (//tools:report) and says in one `tidemark:`
// line why the job ended. Returns true when it rendered reports.
bool RenderAfterChild(const std::string& report_tool,
                      const std::string& report_folder,
                      const ChildStatus& status, int64_t oom_kills_before,
                      int64_t oom_kills_after);

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_AFTER_CHILD_H_
