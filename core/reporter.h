#ifndef TIDEMARK_CORE_REPORTER_H_
#define TIDEMARK_CORE_REPORTER_H_

#include <string>

#include "core/profile.h"

namespace tidemark {

// Turns a Profile into something people read or tools ingest. Reporters run
// outside the allocation path (at exit, on a signal's behalf, periodically),
// on a thread whose own allocations the profiler does not track, so they may
// use the standard library freely. Files must be written atomically: use
// WriteFileAtomically (core/atomic_file.h).
class Reporter {
 public:
  virtual ~Reporter() = default;

  // Writes this reporter's output for `profile` into `directory` (which
  // exists). Returns false with a reason in *error.
  virtual bool Write(const Profile& profile, const std::string& directory,
                     std::string* error) = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_REPORTER_H_
