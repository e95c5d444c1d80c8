// Fuzzes the job log's parser (core/job_log.h). The log is written by every
// process of a job, any of which may be killed mid-way or be a program that
// writes there itself, and the launcher reads it to build the job's index:
// whatever it holds must never make the parser read out of bounds or accept
// a folder outside the job's. What it accepts must read back the same after
// formatting it again (when the line fits).

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/job_log.h"

namespace tidemark {
namespace {

void Check(bool ok) {
  if (!ok) abort();
}

void CheckFolder(const std::string& folder) {
  Check(folder != "." && folder != "..");
  Check(folder.find('/') == std::string::npos);
  Check(folder.find('\0') == std::string::npos);
}

// The entry formatted again, or "" when it holds a NUL (not a C string) or
// does not fit.
std::string Format(const JobLogEntry& entry) {
  char buffer[kJobLogMaxLine];
  if (entry.folder.find('\0') != std::string::npos) return "";
  if (entry.kind == JobLogEntry::kEnd) {
    if (entry.ending.find('\0') != std::string::npos) return "";
    const JobLogEnd end{
        entry.pid,        entry.start_ticks, entry.ending.c_str(), entry.code,
        entry.peak_bytes, entry.python,      entry.folder.c_str()};
    return std::string(buffer, FormatJobLogEnd(end, buffer, sizeof(buffer)));
  }
  if (entry.program.find('\0') != std::string::npos) return "";
  std::vector<const char*> argv;
  for (const std::string& arg : entry.argv) {
    if (arg.find('\0') != std::string::npos) return "";
    argv.push_back(arg.c_str());
  }
  const JobLogStart start{entry.pid,
                          entry.parent_pid,
                          entry.start_ticks,
                          entry.started,
                          entry.folder.c_str(),
                          entry.program.c_str(),
                          argv.data(),
                          static_cast<int>(argv.size())};
  return std::string(buffer, FormatJobLogStart(start, buffer, sizeof(buffer)));
}

}  // namespace
}  // namespace tidemark

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tidemark;  // NOLINT(google-build-using-namespace)
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<JobLogEntry> entries;
  int skipped = -1;
  Check(ParseJobLog(text, &entries, &skipped));
  Check(skipped >= 0);
  for (const JobLogEntry& entry : entries) {
    Check(entry.pid > 0);
    if (!entry.folder.empty()) CheckFolder(entry.folder);
    const std::string line = Format(entry);
    if (line.empty() || entry.argv_truncated) continue;
    Check(line.size() <= kJobLogMaxLine && line.back() == '\n');
    std::vector<JobLogEntry> again;
    Check(ParseJobLog(line, &again, &skipped));
    Check(skipped == 0 && again.size() == 1);
    const JobLogEntry& back = again[0];
    Check(back.kind == entry.kind && back.pid == entry.pid &&
          back.start_ticks == entry.start_ticks && back.folder == entry.folder);
    if (entry.kind == JobLogEntry::kStart) {
      Check(back.parent_pid == entry.parent_pid &&
            back.started == entry.started && back.program == entry.program);
      // Arguments may have been dropped to fit, never changed.
      Check(back.argv.size() <= entry.argv.size());
      for (size_t i = 0; i < back.argv.size(); ++i) {
        Check(back.argv[i] == entry.argv[i]);
      }
      Check(back.argv_truncated == (back.argv.size() < entry.argv.size()));
    } else {
      Check(back.ending == entry.ending && back.code == entry.code &&
            back.peak_bytes == entry.peak_bytes && back.python == entry.python);
    }
  }
  return 0;
}
