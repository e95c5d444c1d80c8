#ifndef TIDEMARK_TOOLS_JOB_END_H_
#define TIDEMARK_TOOLS_JOB_END_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/job_index.h"
#include "tools/child_runner.h"

namespace tidemark {

// What the launcher knows when its child is gone.
struct JobEnd {
  std::string job_dir;            // J, absolute
  ChildStatus status;             // the direct child's
  bool oom_killed = false;        // the cgroups' oom_kill counters went up
  int64_t process_threshold = 0;  // Config::process_threshold_bytes
  std::string reporters;          // the chosen ones, comma-separated
};

// The reporters of the comma-separated `list` that write files, in its
// order (top_table only prints); unknown names are left out.
std::string FileWritingReporters(const std::string& list);

// Runs //tools:report with these arguments; returns its exit code.
using ReportRunner = std::function<int(const std::vector<std::string>&)>;

// The launcher's end of a job (design: one folder per process, one index
// per job). Reads the job's index; for each process that is gone and left
// a stored profile without final reports: removes its folder when it is
// noise (IsNoiseProcess), else renders its reports (the direct child, the
// last image of the child's pid, with its known status and the OOM
// killer's verdict, as before; others as the index says they ended), with
// the chosen reporters that write files (its table is not printed). Prints the
// table of the process with the highest peak
// (`run_report` --print-only); when no chosen reporter writes files,
// removes the stored profiles and the folders they leave empty; then writes
// J/job.json and prints the job's lines on stderr. Returns false, having done
// and said nothing, when the index cannot be read or is empty (the library did
// not start, or refused the folder): the caller says what it says for a job
// without one.
bool FinishJob(const JobEnd& job, const ReportRunner& run_report);

// The lines printed after the table (without it), for `index` after
// FinishJob's changes; exposed for tests.
std::string JobLines(const JobEnd& job, const JobIndex& index);

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_JOB_END_H_
