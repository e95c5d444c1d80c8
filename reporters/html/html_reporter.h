#ifndef TIDEMARK_REPORTERS_HTML_HTML_REPORTER_H_
#define TIDEMARK_REPORTERS_HTML_HTML_REPORTER_H_

#include <string>
#include <vector>

#include "core/profile.h"
#include "core/reporter.h"
#include "reporters/html/html_data.h"

namespace tidemark {

inline constexpr const char kHtmlFileName[] = "peak.html";
// The id of the <script type="application/json"> element holding the data.
inline constexpr const char kHtmlDataElementId[] = "tidemark-data";

// The JSON the page embeds (a single object; see html_page.cc for how the
// page reads it):
//   "facts": the run's facts (command, mode, sample interval, reason, how
//       it ended, pid, wall time, peak and its ± and moment, RSS
//       high-water mark, ...);
//   "frames": [[function, file, line, origin, import_machinery 0/1,
//       source], ...] (HtmlFrame);
//   "stacks": [[bytes, allocations, [frame ids, outermost first]], ...];
//   "total_stacks", "stack_bytes", "folded": {"stacks", "bytes"};
//   "top_lines": [[frame, context frame or -1, bytes, allocations, ±], ...];
//   "timeline": [[seconds, tracked bytes, rss bytes], ...].
// Every string goes through AppendScriptJsonString (script_json.h).
std::string HtmlDataJson(const Profile& profile, const HtmlData& data);

// The whole page: one self-contained file (its CSS and script inline, no
// request to anything), the data above inside it.
std::string RenderHtmlPage(const Profile& profile);

// Registered as "html": writes RenderHtmlPage() to DIRECTORY/peak.html.
class HtmlReporter : public Reporter {
 public:
  bool Write(const Profile& profile, const ReportDirectory& directory,
             std::string* error) override;
  std::vector<std::string> FileNames() const override {
    return {kHtmlFileName};
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_HTML_HTML_REPORTER_H_
