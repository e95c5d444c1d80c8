#ifndef TIDEMARK_TOOLS_REPORT_FILTER_H_
#define TIDEMARK_TOOLS_REPORT_FILTER_H_

#include <memory>
#include <string>

#include "core/profile.h"

namespace re2 {
class RE2;
}

namespace tidemark {

// //tools:report's --focus and --ignore, as pprof's: a stack is kept when
// one of its frames matches `focus` (unset: every stack) and none matches
// `ignore`. A frame is matched as reports show it, "FUNCTION (FILE:LINE)"
// (FrameText: printable, "???" for a frame out of range); a stack with no
// frames as "[no Python stack]". Patterns are RE2 and match anywhere in the
// text (anchor them with ^ and $ to match all of it).
class StackFilter {
 public:
  StackFilter();
  ~StackFilter();
  StackFilter(StackFilter&&) noexcept;
  StackFilter& operator=(StackFilter&&) noexcept;

  // Compiles the patterns (empty = not given). False with a one-line
  // reason naming the flag when one is not a valid RE2 pattern.
  bool Compile(const std::string& focus, const std::string& ignore,
               std::string* error);

  bool active() const { return focus_ != nullptr || ignore_ != nullptr; }

  // Removes the stacks the patterns reject from profile->stacks. The run's
  // facts (peak_bytes, ...) stay as they were: percentages remain of the
  // whole peak, as pprof's remain of the whole total.
  void Apply(Profile* profile) const;

 private:
  std::unique_ptr<re2::RE2> focus_;
  std::unique_ptr<re2::RE2> ignore_;
};

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_REPORT_FILTER_H_
