#ifndef TIDEMARK_REPORTERS_FOLDED_FOLDED_REPORTER_H_
#define TIDEMARK_REPORTERS_FOLDED_FOLDED_REPORTER_H_

#include <string>
#include <vector>

#include "core/profile.h"
#include "core/reporter.h"

namespace tidemark {

inline constexpr const char kFoldedFileName[] = "peak.folded";

// The "folded stacks" text that flamegraph.pl and inferno-flamegraph read:
// one line per stack, "ROOT;...;INNERMOST BYTES", bytes live at the peak,
// largest first. Each frame is FormatFrame()'s "FUNCTION (FILE:LINE)" made
// safe for the format: ';' (the frame separator) becomes ':', newlines and
// other control characters become spaces, ill-formed UTF-8 becomes U+FFFD.
// Stacks whose text comes out the same (distinct code objects with equal
// names and lines) are merged into one line, as the flamegraph tools would.
std::string RenderFolded(const Profile& profile);

// Registered as "folded": writes RenderFolded() to DIRECTORY/peak.folded.
class FoldedReporter : public Reporter {
 public:
  bool Write(const Profile& profile, const ReportDirectory& directory,
             std::string* error) override;
  std::vector<std::string> FileNames() const override {
    return {kFoldedFileName};
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_FOLDED_FOLDED_REPORTER_H_
