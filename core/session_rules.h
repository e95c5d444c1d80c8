#ifndef TIDEMARK_CORE_SESSION_RULES_H_
#define TIDEMARK_CORE_SESSION_RULES_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/profile_format.h"

namespace tidemark {

// The decisions Session::Start() and a process's end make, as pure
// functions of what they read (session.cc does the reading), so that each
// rule is tested without starting a session in a process.

// The noise rule as the running process applies it (core/job_index.h has
// the rule itself): Python counts when the unwinder found its interpreter
// at start or a Python frame was recorded since; the peak is the copied
// peak or what is live now when that is higher (the copy is taken lazily,
// on a free, so a process ending at its high has no copy of it yet).
bool IsNoiseAtEnd(bool runtime_present, bool python_seen, int64_t peak_bytes,
                  int64_t live_bytes, int64_t threshold);

// Whether `header` is the stored profile of the image this process replaced
// by exec: the same pid and start time (exec keeps both; a reused pid has
// another start time; 0 is "unknown", never a match), and still running
// without final reports (an image that ended, or a folder an earlier run
// left, is not).
bool IsReplacedImage(const profile_format::FileHeader& header, pid_t pid,
                     uint64_t start_ticks);

// How this process started: replacing a profiled image, as the job's first
// process, or as a new program of the job.
profile_format::Started HowStarted(bool replaced_an_image, bool first);

// What chooses the moment of the peak (FileHeader::peak_moment): exact
// mode's exact total; in sample mode the exact live total
// (core/live_total.h) when the interposer gave the allocator's block sizes,
// else, as before it existed, the estimate itself.
profile_format::PeakMoment PeakMomentFor(bool sample_mode,
                                         bool live_total_known);

// `base` ("1234-python3"), or, when a replaced image of this pid kept its
// reports under that name (Python exec'ing Python), the first of base-2,
// base-3, ... (up to base-999) not in `kept`.
std::string UnkeptFolderName(const std::string& base,
                             const std::vector<std::string>& kept);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_SESSION_RULES_H_
