#ifndef TIDEMARK_CORE_REPORTER_H_
#define TIDEMARK_CORE_REPORTER_H_

#include <string>
#include <vector>

#include "core/profile.h"
#include "core/report_directory.h"

namespace tidemark {

// Turns a Profile into something people read or tools ingest. Reporters run
// outside the allocation path (at exit, on a signal's behalf, periodically),
// on a thread whose own allocations the profiler does not track, so they may
// use the standard library freely. Files must be written atomically, and
// only inside the folder they are given: use WriteFileAtomically
// (core/atomic_file.h), which writes through the folder's descriptor.
class Reporter {
 public:
  virtual ~Reporter() = default;

  // Writes this reporter's output for `profile` into `directory` (open, see
  // report_directory.h). Returns false with a reason in *error.
  virtual bool Write(const Profile& profile, const ReportDirectory& directory,
                     std::string* error) = 0;

  // The names of the files Write creates in the folder (none for a reporter
  // that only prints). A reused folder is cleared of these at start-up, so
  // it never mixes two runs' reports.
  virtual std::vector<std::string> FileNames() const { return {}; }
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_REPORTER_H_
