#ifndef TIDEMARK_REPORTERS_HTML_HTML_DATA_H_
#define TIDEMARK_REPORTERS_HTML_HTML_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/profile.h"
#include "reporters/common/code_origin.h"

namespace tidemark {

// What peak.html embeds, before it becomes JSON: the page's script builds
// the flame graph (plain and inverted, with or without import-time frames)
// from these stacks, so that every view adds up to the same bytes.

// Which stacks are drawn. A large profile would make the page slow, so only
// the largest stacks covering kHtmlCoverage of the stacks' bytes are kept,
// never fewer than kHtmlMinStacks (when there are that many) nor more than
// kHtmlMaxStacks; the rest are folded into one box whose size the page shows.
inline constexpr double kHtmlCoverage = 0.99;
inline constexpr int kHtmlMinStacks = 300;
inline constexpr int kHtmlMaxStacks = 10000;
inline constexpr int kHtmlTopLines = 20;

// A frame as the page shows it. Frames that read the same are one entry.
struct HtmlFrame {
  std::string function;  // printable
  std::string file;      // printable ShortFileName (native: the object)
  int line = 0;
  CodeOrigin origin = CodeOrigin::kUser;
  // A frame of the import machinery ("<frozen importlib._bootstrap>" or
  // "<frozen importlib._bootstrap_external>"): the page's "hide import-time
  // frames" toggle cuts a stack at its outermost such frame, so the frame and
  // everything it called (the imported module's top-level code included)
  // become one "[import]" box below the line that imported.
  bool import_machinery = false;
  std::string source;  // the line's text (ReadSourceLines), "" when unknown
};

struct HtmlStack {
  std::vector<int> frames;  // indices into HtmlData::frames, OUTERMOST first
  int64_t bytes = 0;
  int64_t allocations = 0;
};

// One row of "top user lines": the stacks whose user line
// (UserLinePosition) is `frame`, summed over all stacks, folded ones too.
struct HtmlLine {
  int frame = -1;
  // The frame just inside the user line (the library call it made, e.g.
  // numpy.stack), from the largest stack of the row; -1 when the user line
  // is innermost.
  int context = -1;
  int64_t bytes = 0;
  int64_t allocations = 0;
  int64_t bound = 0;  // sample mode's ± (SamplingBound); 0 in exact mode
};

struct HtmlData {
  std::vector<HtmlFrame> frames;
  std::vector<HtmlStack> stacks;    // the kept stacks, largest first
  int64_t stack_bytes = 0;          // every stack's bytes (kept and folded)
  int total_stacks = 0;             // stacks with bytes > 0
  int folded_stacks = 0;            // not kept ...
  int64_t folded_bytes = 0;         // ... and their bytes
  std::vector<HtmlLine> top_lines;  // largest first, at most kHtmlTopLines
};

// With `read_sources`, the frames' text is read (ReadSourceLines, relative
// names from the profile's working directory); without, it stays empty.
HtmlData BuildHtmlData(const Profile& profile, bool read_sources);

// How many of `sorted_bytes` (largest first, all > 0) the page draws: the
// kHtmlCoverage rule above.
int StacksToKeep(const std::vector<int64_t>& sorted_bytes);

// "user", "library", "stdlib", "frozen", "generated", "native": the page's
// names for origins (its colours and legend).
const char* OriginName(CodeOrigin origin);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_HTML_HTML_DATA_H_
