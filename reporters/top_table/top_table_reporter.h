#ifndef TIDEMARK_REPORTERS_TOP_TABLE_TOP_TABLE_REPORTER_H_
#define TIDEMARK_REPORTERS_TOP_TABLE_TOP_TABLE_REPORTER_H_

#include <string>

#include "core/profile.h"
#include "core/reporter.h"

namespace tidemark {

// The few lines of the user's code responsible for most of the peak, as
// plain text for the terminal, the report a person reads first.
//
// Each stack's bytes are credited to its *user line* (UserLinePosition in
// reporters/common/code_origin.h): its innermost frame in the user's own
// code, past the standard library, installed packages, frozen modules and
// generated code ("<string>", "<__array_function__ internals>"); failing
// that, its innermost non-frozen Python frame, then its innermost frame; a
// stack with no frames counts as "[no Python stack]". A row shows the user
// line and, after "→", what it called (ContextPosition: the outermost
// installed frame below it, else a generated one), taken from the row's
// largest stack. File names are short (ShortFileName: package-relative,
// or relative to the working directory).
//
// The first line is the run's facts: the peak, when it happened (seconds
// into the run, "of" the run's length when known), the kernel's RSS
// high-water mark, the mode, and the report's moment when it is not the
// exit. Then the `rows` largest lines, then one row totalling the rest;
// rows that would print as 0.0 MiB are left out (their bytes go to the
// rest, which is itself left out when it rounds to nothing). Every line
// starts with "tidemark: " so it can be told apart from (and grepped out
// of) the program's own stderr:
//
//   tidemark: peak tracked memory 812.4 MiB (exact mode) at 3.2 s of 9.5 s;
//             RSS high-water mark 850.1 MiB; top 2 lines:     [one line]
//   tidemark:       MiB  % peak  line
//   tidemark:     512.0   63.0%  features (job.py:19) → stack
//                                (numpy/core/shape_base.py:449)   [one line]
//   tidemark:     200.3   24.7%  [no Python stack]
//   tidemark:     100.1   12.3%  (5 more lines)
//
// The out-of-memory report's first line reads "out of memory: tracked
// memory live 812.4 MiB (exact mode) when it ran out at 5.0 s; ...".
//
// When the tracked peak is more than twice the RSS high-water mark and more
// than 64 MiB above it, a line after the rows says that most of it was
// reserved but never touched (see AppendReservationNote for the choice).
//
// In sample mode every figure is an estimate: the total and each row carry
// their bound (reporters/common/sampling_bound.h, a row's from its stacks'
// summed samples), and a last line says what they are:
//
//   tidemark: peak tracked memory 812.4 ± 54.1 MiB (sample mode) at ...
//   tidemark:       MiB   ± 4 sd  % peak  line
//   tidemark:     512.0 ±   38.6   63.0%  features (job.py:19) → ...
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
