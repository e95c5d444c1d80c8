#ifndef TIDEMARK_REPORTERS_COMMON_SOURCE_LINES_H_
#define TIDEMARK_REPORTERS_COMMON_SOURCE_LINES_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark {

// The text of a program's source lines, read at report time so that a report
// can show the line a frame names ("x = np.zeros(n)") beside "job.py:19".
// Reports are written at exit and on signals, so reading must stay cheap and
// can never hang or balloon whatever the profile names:
//  - only regular files are read (opened O_NONBLOCK, checked with fstat, so
//    a FIFO or a device named by a frame cannot block the report);
//  - a file larger than kMaxSourceFileBytes is never read (generated or
//    minified sources are not worth a report's time), and once
//    kMaxSourceBytesTotal bytes have been read no further file is opened;
//  - every file is read at most once (cached, hits and misses alike);
//  - a missing or unreadable file, a name like "<string>" or
//    "<frozen importlib._bootstrap>", or a line past the end has no text.
// The source may have changed since the run; the text is what the file
// says now, which is what the user's editor shows too.
inline constexpr int64_t kMaxSourceFileBytes = 2 << 20;
inline constexpr int64_t kMaxSourceBytesTotal = 64 << 20;
// A line's text is cut to this many bytes (at a UTF-8 boundary, "…" added).
inline constexpr size_t kMaxSourceLineBytes = 160;

class SourceLines {
 public:
  // Relative file names are read relative to `working_directory` (the
  // profiled program's, Profile::working_directory); empty = unknown, and
  // then relative names have no text.
  explicit SourceLines(std::string working_directory);

  // Line `line` (1-based) of `file`: printable (PrintableText), leading and
  // trailing blanks removed, cut to kMaxSourceLineBytes. Empty when there is
  // no text to show.
  std::string Line(const std::string& file, int line);

  // How many files were actually read (for tests of the caching).
  int files_read() const { return files_read_; }

 private:
  struct File {
    bool loaded = false;
    std::string contents;
    std::vector<size_t> line_starts;  // offsets of each line's first byte
  };
  const File& Load(const std::string& file);

  std::string working_directory_;
  std::map<std::string, File> files_;
  int64_t bytes_read_ = 0;
  int files_read_ = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_COMMON_SOURCE_LINES_H_
