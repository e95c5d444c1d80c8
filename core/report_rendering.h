#ifndef TIDEMARK_CORE_REPORT_RENDERING_H_
#define TIDEMARK_CORE_REPORT_RENDERING_H_

#include <string>
#include <utility>
#include <vector>

#include "core/profile.h"
#include "core/report_directory.h"
#include "core/reporter.h"

namespace tidemark {

// Hands `profile` to each reporter (name, instance) in turn, writing into
// `dir`. Every reporter runs even when an earlier one failed; the failures
// are joined into one line in *failures ("reporter 'x' failed: ...; ...",
// left empty on success), because a full disk fails them all and one line
// says so better than five. Returns true when every reporter succeeded.
// Every file a linked reporter writes (chosen or not): what a reused
// folder is cleared of, and what a process folder may hold.
std::vector<std::string> LinkedReportFileNames();

bool RenderReports(
    const Profile& profile,
    const std::vector<std::pair<std::string, Reporter*>>& reporters,
    const ReportDirectory& dir, std::string* failures);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_REPORT_RENDERING_H_
