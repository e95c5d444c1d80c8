#ifndef TIDEMARK_REPORTERS_TOP_TABLE_TOP_TABLE_REPORTER_H_
#define TIDEMARK_REPORTERS_TOP_TABLE_TOP_TABLE_REPORTER_H_

#include <string>

#include "core/profile.h"
#include "core/reporter.h"

namespace tidemark {

// The few lines of the user's code responsible for most of the peak, as
// plain text for the terminal. Each stack's bytes are credited to one line:
// its innermost Python frame outside the standard library and installed
// packages (IsLibraryFile), so "np.ones(...)" in train.py is charged to
// train.py, not numpy; failing that its innermost Python frame, then its
// innermost frame; a stack with no frames counts as "[no Python stack]".
// Lines are the `rows` largest, then one row totalling the rest. Every line
// starts with "tidemark: " so it can be told apart from (and grepped out of)
// the program's own stderr:
//
//   tidemark: peak tracked memory 812.4 MiB (exact mode) at exit; top 2 lines:
//   tidemark:       MiB  % peak  line
//   tidemark:     512.0   63.0%  load (/home/u/train.py:12)
//   tidemark:     200.3   24.7%  [no Python stack]
//   tidemark:     100.1   12.3%  (5 more lines)
//
// When the peak's time is known the first line says so ("peak tracked
// memory 812.4 MiB (exact mode), peak at 3.2 s at exit"); the out-of-memory
// report's reads "out of memory: tracked memory live 812.4 MiB (exact mode),
// ran out at 5.0 s at out-of-memory".
//
// In sample mode every figure is an estimate: the total and each row carry
// their bound (reporters/common/sampling_bound.h, a row's from its stacks'
// summed samples), and a last line says what they are:
//
//   tidemark: peak tracked memory 812.4 ± 54.1 MiB (sample mode) at exit; ...
//   tidemark:       MiB   ± 4 sd  % peak  line
//   tidemark:     512.0 ±   38.6   63.0%  load (/home/u/train.py:12)
//   ...
//   tidemark: estimates from sampling every ~1 MiB allocated (blocks of 1 MiB
//             or more exactly); ± is 4 standard deviations
std::string FormatTopTable(const Profile& profile, int rows);

// Registered as "top_table": writes FormatTopTable() with the profile's
// top_rows (--top) to stderr in one write(2) (so lines from other threads
// cannot interleave with it) and no file; Write() ignores its directory.
class TopTableReporter : public Reporter {
 public:
  bool Write(const Profile& profile, const ReportDirectory& directory,
             std::string* error) override;
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_TOP_TABLE_TOP_TABLE_REPORTER_H_
