#include "core/session_rules.h"

#include <algorithm>

#include "core/job_index.h"

namespace tidemark {

namespace pf = profile_format;

bool IsNoiseAtEnd(bool runtime_present, bool python_seen, int64_t peak_bytes,
                  int64_t live_bytes, int64_t threshold) {
  return IsNoiseProcess(runtime_present || python_seen,
                        std::max(peak_bytes, live_bytes), threshold);
}

bool IsReplacedImage(const pf::FileHeader& header, pid_t pid,
                     uint64_t start_ticks) {
  return header.pid == pid && header.start_ticks != 0 &&
         header.start_ticks == start_ticks && header.ending == pf::kRunning &&
         header.final_reports_written == 0;
}

pf::PeakMoment PeakMomentFor(bool sample_mode, bool live_total_known) {
  if (!sample_mode) return pf::kPeakMomentExactTotal;
  return live_total_known ? pf::kPeakMomentLiveTotal : pf::kPeakMomentEstimate;
}

pf::Started HowStarted(bool replaced_an_image, bool first) {
  if (replaced_an_image) return pf::kStartedExec;
  return first ? pf::kStartedFirst : pf::kStartedChild;
}

std::string UnkeptFolderName(const std::string& base,
                             const std::vector<std::string>& kept) {
  std::string name = base;
  for (int n = 2;
       n < 1000 && std::find(kept.begin(), kept.end(), name) != kept.end();
       ++n) {
    name = base + "-" + std::to_string(n);
  }
  return name;
}

}  // namespace tidemark
