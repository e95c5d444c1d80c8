#ifndef TIDEMARK_REPORTERS_COMMON_SOURCE_LINES_H_
#define TIDEMARK_REPORTERS_COMMON_SOURCE_LINES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tidemark {

// The text of a program's source lines, read at report time so that a report
// can show the line a frame names ("x = np.zeros(n)") beside "job.py:19".
// Reports are written at exit, on signals and when memory runs out, so
// reading must stay cheap and small whatever the profile names:
//  - only regular files are read (opened O_NONBLOCK, checked with fstat, so
//    a FIFO or a device named by a frame cannot block the report);
//  - a file larger than kMaxSourceFileBytes is never read (generated or
//    minified sources are not worth a report's time), and once
//    kMaxSourceBytesTotal bytes have been read no further file is opened;
//  - each file is read once, one file at a time, and only the requested
//    lines are kept: memory use is one file plus the lines, never the sum of
//    the files (an out-of-memory report is rendered close to a limit);
//  - a missing or unreadable file, a name like "<string>" or
//    "<frozen importlib._bootstrap>", or a line past the end has no text.
// The source may have changed since the run; the text is what the file
// says now, which is what the user's editor shows too.
inline constexpr int64_t kMaxSourceFileBytes = int64_t{2} << 20;
inline constexpr int64_t kMaxSourceBytesTotal = int64_t{64} << 20;
// A line's text is cut to this many bytes (at a UTF-8 boundary, "…" added).
inline constexpr size_t kMaxSourceLineBytes = 160;

struct SourceRequest {
  std::string file;  // as the frame names it
  int line = 0;      // 1-based
};

struct SourceReadStats {
  int files_read = 0;
  int64_t bytes_read = 0;
};

// The text of each requested line, in request order: printable
// (PrintableText), leading and trailing blanks removed, cut to
// kMaxSourceLineBytes; "" when there is no text to show. Relative file
// names are read relative to `working_directory` (the profiled program's,
// Profile::working_directory); when that is empty (unknown) they have no
// text. `stats`, when given, says what was read.
std::vector<std::string> ReadSourceLines(
    const std::vector<SourceRequest>& requests,
    const std::string& working_directory, SourceReadStats* stats = nullptr);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_COMMON_SOURCE_LINES_H_
