#include "tools/report_flags.h"

#include <algorithm>
#include <cstring>

#include "core/atomic_file.h"
#include "core/config.h"
#include "core/registry.h"

namespace tidemark {
namespace {

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

bool SetValue(const std::string& name, const std::string& value,
              ReportFlags* flags, std::string* error) {
  if (name == "reporters") {
    char field[Config::kMaxList];
    char why[256];
    if (!ParseReporterList(value.c_str(), field, sizeof(field), why,
                           sizeof(why))) {
      return Fail(error, std::string("--reporters: ") + why);
    }
    flags->reporters = value;
  } else if (name == "format") {
    std::string reporters;
    if (!FormatReporterNames(value, &reporters, error)) {
      return Fail(error, "--format: " + *error);
    }
    flags->formats = value;
    flags->reporters = reporters;
  } else if (name == "focus" || name == "ignore") {
    if (value.empty()) {
      return Fail(error, "--" + name + ": the pattern is empty");
    }
    (name == "focus" ? flags->focus : flags->ignore) = value;
  } else if (name == "top") {
    int rows = 0;
    char why[256];
    if (!ParsePositiveInt(value.c_str(), &rows, why, sizeof(why))) {
      return Fail(error, "--top: " + std::string(why));
    }
    flags->top_rows = rows;
  } else if (name == "reason") {
    if (value.empty()) return Fail(error, "--reason: the reason is empty");
    flags->reason = value;
  } else if (name == "ended") {
    flags->ended = value;
  } else if (name == "exit-code") {
    int code = 0;
    char why[256];
    if (value == "0") {
      code = 0;
    } else if (!ParsePositiveInt(value.c_str(), &code, why, sizeof(why)) ||
               code > 255) {
      return Fail(
          error, "--exit-code: '" + value + "' is not an exit code (0 to 255)");
    }
    flags->exit_code = code;
  } else if (name == "subfolder") {
    // One new folder right inside the profile's folder, nothing else.
    if (!IsPlainFileName(value)) {
      return Fail(error, "--subfolder: '" + value +
                             "' is not a plain folder name (no '/', not . "
                             "or ..)");
    }
    flags->subfolder = value;
  } else if (name == "numbered-subfolder") {
    if (!IsPlainFileName(value)) {
      return Fail(error, "--numbered-subfolder: '" + value +
                             "' is not a plain folder name (no '/', not . "
                             "or ..)");
    }
    flags->numbered_subfolder = value;
  } else if (name == "snapshot") {
    if (value == "peak") {
      flags->snapshot = ReportSnapshot::kPeak;
    } else if (value == "out-of-memory") {
      flags->snapshot = ReportSnapshot::kOutOfMemory;
    } else {
      return Fail(error, "--snapshot: '" + value +
                             "' is not one of peak, out-of-memory");
    }
  } else {
    return Fail(error, "unknown flag '--" + name + "'");
  }
  return true;
}

bool TakesValue(const std::string& name) {
  static constexpr const char* kNames[] = {
      "reporters", "reason",    "ended",
      "exit-code", "subfolder", "numbered-subfolder",
      "snapshot",  "format",    "focus",
      "ignore",    "top"};
  return std::any_of(std::begin(kNames), std::end(kNames),
                     [&](const char* n) { return name == n; });
}

}  // namespace

bool ParseReportFlags(const std::vector<std::string>& args, ReportFlags* flags,
                      std::string* error) {
  *flags = ReportFlags();
  std::vector<std::string> paths;
  bool only_paths = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_paths || arg.empty() || arg[0] != '-' || arg == "-") {
      paths.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_paths = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      flags->help = true;
      return true;
    }
    if (arg.compare(0, 2, "--") != 0) {
      return Fail(error, "unknown flag '" + arg + "'");
    }
    const size_t equals = arg.find('=');
    const std::string name = arg.substr(
        2, equals == std::string::npos ? std::string::npos : equals - 2);
    if (name == "running" || name == "quiet" || name == "print-only" ||
        name == "index-only") {
      if (equals != std::string::npos) {
        return Fail(error, "--" + name + " takes no value");
      }
      bool* flag = name == "running"      ? &flags->running
                   : name == "quiet"      ? &flags->quiet
                   : name == "index-only" ? &flags->index_only
                                          : &flags->print_only;
      *flag = true;
      continue;
    }
    if (name == "help") return Fail(error, "--help takes no value");
    if (!TakesValue(name)) return Fail(error, "unknown flag '--" + name + "'");
    if ((name == "format" && flags->reporters && !flags->formats) ||
        (name == "reporters" && flags->formats)) {
      return Fail(error,
                  "--format and --reporters: give one (formats name files, "
                  "reporters name plugins)");
    }
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Fail(error, "--" + name + " needs a value");
    }
    if (!SetValue(name, value, flags, error)) return false;
  }
  if (paths.empty()) {
    return Fail(error, "no stored profile given (a report folder or its " +
                           std::string("profile.tidemark)"));
  }
  if (paths.size() > 1) {
    return Fail(error, "one stored profile at a time, got " +
                           std::to_string(paths.size()) + " paths");
  }
  if (paths[0].empty()) return Fail(error, "the path is empty");
  if (flags->print_only &&
      (flags->subfolder || flags->numbered_subfolder || flags->running ||
       flags->snapshot == ReportSnapshot::kOutOfMemory)) {
    return Fail(error,
                "--print-only writes nothing: no --subfolder, "
                "--numbered-subfolder, --running or --snapshot=out-of-memory");
  }
  flags->path = paths[0];
  return true;
}

bool FormatReporterNames(const std::string& formats, std::string* reporters,
                         std::string* error) {
  static constexpr struct {
    const char* format;
    const char* reporter;
  } kFormats[] = {
      {"text", "top_table"},
      {"folded", "folded"},
      {"json", "summary_json"},
      {"svg", "flamegraph"},
      {"html", "html"},
      {"pprof", "pprof"},
      {"speedscope", "speedscope"},
  };
  reporters->clear();
  std::vector<std::string> chosen;
  size_t start = 0;
  while (start <= formats.size()) {
    const size_t end = std::min(formats.find(',', start), formats.size());
    const std::string format = formats.substr(start, end - start);
    start = end + 1;
    const auto* match =
        std::find_if(std::begin(kFormats), std::end(kFormats),
                     [&](const auto& f) { return format == f.format; });
    if (match == std::end(kFormats)) {
      std::string known;
      for (const auto& f : kFormats) {
        known += known.empty() ? "" : ", ";
        known += f.format;
      }
      *error = "unknown format '" + format + "' (formats: " + known + ")";
      return false;
    }
    if (std::find(chosen.begin(), chosen.end(), match->reporter) !=
        chosen.end()) {
      continue;
    }
    chosen.push_back(match->reporter);
    *reporters += reporters->empty() ? "" : ",";
    *reporters += match->reporter;
  }
  return true;
}

bool CheckReporterNames(const std::string& what, const std::string& list,
                        std::string* error) {
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find(',', start), list.size());
    if (ReporterRegistry::Find(list.data() + start, end - start) == nullptr) {
      *error = what + ": unknown reporter '" + list.substr(start, end - start) +
               "' (available: " + ReporterRegistry::JoinedNames() + ")";
      return false;
    }
    start = end + 1;
  }
  return true;
}

std::string ReportUsageText() {
  return R"(usage: report [FLAGS] DIR_OR_FILE

Renders the reports of a stored profile (profile.tidemark, kept in every
report folder while the program runs) into the folder that holds it: after
the program was killed (SIGKILL, the kernel's OOM killer), or again with
other reporters. DIR_OR_FILE is the report folder or the file itself.

  --reporters=LIST   comma-separated reporters (default: those of the run)
  --format=LIST      comma-separated formats, instead of --reporters:
                     text (the table), folded (peak.folded), json
                     (summary.json), svg (peak.svg), html (peak.html),
                     pprof (profile.pb.gz), speedscope
                     (peak.speedscope.json)
  --focus=RE         keep only the stacks with a frame matching RE (RE2,
                     anywhere in a frame FUNCTION (FILE:LINE)), as pprof's
  --ignore=RE        drop the stacks with a frame matching RE; both keep
                     the run's facts, so percentages stay of the whole peak
  --top=N            rows of the text table (default: the run's --top)
  --reason=TEXT      the reports' reason (default: from how the run ended)
  --ended=TEXT       how the program ended, in words (default: ditto)
  --exit-code=N      the program's exit code, when it exited without
                     recording one (os._exit); the launcher passes it
  --subfolder=NAME   write into a new folder NAME inside the report folder
  --numbered-subfolder=PREFIX
                     write into a new folder PREFIX1, PREFIX2, ... (the
                     first number not taken), as SIGUSR2's reports do
  --running          the program still runs: terminal reporters stay quiet
  --quiet            no "reports in" line (the profiled process and the
                     launcher run it so; errors are still said)
  --print-only       only print: reporters that write files are refused,
                     the folder is left as it is (no leftovers cleared, no
                     out-of-memory/), the table is printed even for a
                     process that was never seen to end (the launcher
                     prints the job's table so)
  --index-only       DIR is a job's folder: only write its job.json (the
                     job's first process does so when it ends through
                     _exit)
  --snapshot=WHICH   peak, or out-of-memory (what was live when memory ran
                     out); default: the peak, and out-of-memory/ when the
                     run stored one
  --help             this text

Exit status: 0 rendered, 1 the profile cannot be rendered, 2 bad flags.
)";
}

}  // namespace tidemark
