#ifndef TIDEMARK_REPORTERS_PPROF_PPROF_REPORTER_H_
#define TIDEMARK_REPORTERS_PPROF_PPROF_REPORTER_H_

#include <string>
#include <vector>

#include "core/profile.h"
#include "core/reporter.h"

namespace tidemark {

inline constexpr const char kPprofFileName[] = "profile.pb.gz";

// What was live at the peak as pprof's profile.proto (uncompressed), for
// `pprof`, Pyroscope, Grafana and Parca:
// - four sample types, "peak_space"/"bytes" (the default) and
//   "peak_objects"/"count": each stack's bytes and allocations live at the
//   peak; "inuse_space"/"bytes" and "inuse_objects"/"count": live when the
//   report was made (Profile::end_stacks; at exit, the end), all already
//   scaled (sample mode's estimates, not raw sample counts); a stack live
//   at only one of the two moments has zeros for the other;
// - one Location per frame, innermost first, with a Line naming a Function
//   (name, file name) and the line number; a native frame's Location points
//   at a Mapping for its shared object (no addresses: the frames are
//   already named, so has_functions is set and pprof never symbolizes);
// - a stack without frames is one Location "[no Python stack]";
// - comments: the run's facts.
// Names pass through PrintableText (valid UTF-8, no control characters).
// Deterministic: the same profile always gives the same bytes.
std::string RenderPprofProto(const Profile& profile);

// Registered as "pprof": writes RenderPprofProto() gzipped to
// DIRECTORY/profile.pb.gz.
class PprofReporter : public Reporter {
 public:
  bool Write(const Profile& profile, const ReportDirectory& directory,
             std::string* error) override;
  std::vector<std::string> FileNames() const override {
    return {kPprofFileName};
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_PPROF_PPROF_REPORTER_H_
