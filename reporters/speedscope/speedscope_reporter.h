#ifndef TIDEMARK_REPORTERS_SPEEDSCOPE_SPEEDSCOPE_REPORTER_H_
#define TIDEMARK_REPORTERS_SPEEDSCOPE_SPEEDSCOPE_REPORTER_H_

#include <string>
#include <vector>

#include "core/profile.h"
#include "core/reporter.h"

namespace tidemark {

inline constexpr const char kSpeedscopeFileName[] = "peak.speedscope.json";

// What was live at the peak in speedscope's file format
// (https://www.speedscope.app/file-format-schema.json): one "sampled"
// profile in bytes whose samples are the stacks (root first, as the format
// wants), each weighted by its bytes live at the peak (sample mode's scaled
// estimates), largest first; shared frames carry the function's name, file
// and line, each distinct frame once. A stack without frames is one frame
// "[no Python stack]". Names reach the file only as JSON strings
// (AppendJsonString: quotes, control characters, U+2028/9 escaped,
// ill-formed UTF-8 replaced); speedscope shows them as text. One line, no
// indentation: the file is for a program, and stays small.
std::string RenderSpeedscope(const Profile& profile);

// Registered as "speedscope": writes RenderSpeedscope() to
// DIRECTORY/peak.speedscope.json.
class SpeedscopeReporter : public Reporter {
 public:
  bool Write(const Profile& profile, const ReportDirectory& directory,
             std::string* error) override;
  std::vector<std::string> FileNames() const override {
    return {kSpeedscopeFileName};
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_SPEEDSCOPE_SPEEDSCOPE_REPORTER_H_
