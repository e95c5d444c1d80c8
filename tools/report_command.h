#ifndef TIDEMARK_TOOLS_REPORT_COMMAND_H_
#define TIDEMARK_TOOLS_REPORT_COMMAND_H_

#include <string>
#include <vector>

#include "core/profile_format.h"
#include "core/profile_reader.h"

namespace tidemark {

// //tools:report: renders a stored profile's reports into the folder that
// holds it (see ReportUsageText in report_flags.h). `args` follow the
// program name. Messages go to stderr, each one "tidemark: " line; returns
// the exit code (0 rendered, 1 cannot render, 2 bad flags).
int RunReportCommand(const std::vector<std::string>& args);

// What the reports say about how the run ended, from the header: `alive`
// is whether the recorded process still runs.
struct EndingText {
  std::string reason;
  std::string ended;
  bool final_report = true;
};
EndingText DescribeEnding(const StoredEnding& ending, bool alive);

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_REPORT_COMMAND_H_
