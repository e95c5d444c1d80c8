#ifndef TIDEMARK_TOOLS_AFTER_CHILD_H_
#define TIDEMARK_TOOLS_AFTER_CHILD_H_

#include <cstdint>
#include <string>

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

// After the child is gone: when its stored profile (profile.tidemark in
// `report_folder`) says the final reports were never written (a kill, the
// OOM killer, os._exit, a fatal signal), renders them with the renderer at
// `report_tool` (//tools:report) and says in one `tidemark:` line why the
// job ended. Returns true when it rendered reports.
bool RenderAfterChild(const std::string& report_tool,
                      const std::string& report_folder,
                      const ChildStatus& status, int64_t oom_kills_before,
                      int64_t oom_kills_after);

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_AFTER_CHILD_H_
