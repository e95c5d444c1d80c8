#ifndef TIDEMARK_TOOLS_REPORT_FLAGS_H_
#define TIDEMARK_TOOLS_REPORT_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

namespace tidemark {

// Which snapshot of a stored profile to render (--snapshot).
enum class ReportSnapshot {
  kDefault,      // the peak, plus out-of-memory/ when one was stored
  kPeak,         // the peak only
  kOutOfMemory,  // what was live when memory ran out, only
};

// The command line of //tools:report: `report [FLAGS] DIR_OR_FILE`.
struct ReportFlags {
  bool help = false;
  // Unset: the list recorded in the stored profile. --format sets it too,
  // from format names (FormatReporterNames).
  std::optional<std::string> reporters;
  std::optional<std::string> formats;  // --format as given
  // --focus / --ignore: RE2 patterns over frames (tools/report_filter.h).
  std::optional<std::string> focus;
  std::optional<std::string> ignore;
  // --top: rows of the text table (overrides the run's --top).
  std::optional<int> top_rows;
  std::optional<std::string> reason;  // overrides what the ending implies
  std::optional<std::string> ended;   // ditto
  std::optional<int> exit_code;       // when the header has none
  // A new folder of this name, inside the profile's folder, for the reports.
  std::optional<std::string> subfolder;
  // A new folder PREFIX followed by the first free number (sigusr2-1, ...).
  std::optional<std::string> numbered_subfolder;
  bool running = false;  // reports made while the program runs on
  bool quiet = false;    // no "reports in" line
  // Print only (the launcher's table of the job): no reporter that writes
  // files, nothing in the folder changed, no "reports in" line.
  bool print_only = false;
  // A job folder: only (re)write its job.json.
  bool index_only = false;
  ReportSnapshot snapshot = ReportSnapshot::kDefault;
  std::string path;  // the stored profile, or the folder holding it
};

// Parses the arguments after the program name: flags (--name=value or
// --name value), then exactly one path. Returns false with a one-line reason
// (no "tidemark: " prefix). Reporter names are checked for form here and
// against the linked reporters by CheckReporterNames.
bool ParseReportFlags(const std::vector<std::string>& args, ReportFlags* flags,
                      std::string* error);

// The reporters a comma-separated list of --format names asks for, in
// order, each once: text -> top_table, folded -> folded, json ->
// summary_json, svg -> flamegraph, html -> html, pprof -> pprof,
// speedscope -> speedscope. False with a reason for an unknown name.
bool FormatReporterNames(const std::string& formats, std::string* reporters,
                         std::string* error);

// Each name in the comma-separated `list` is a linked reporter; otherwise
// "`what`: unknown reporter 'x' (available: a, b)".
bool CheckReporterNames(const std::string& what, const std::string& list,
                        std::string* error);

std::string ReportUsageText();

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_REPORT_FLAGS_H_
