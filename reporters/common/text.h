#ifndef TIDEMARK_REPORTERS_COMMON_TEXT_H_
#define TIDEMARK_REPORTERS_COMMON_TEXT_H_

#include <string>
#include <string_view>

namespace tidemark {

// Function and file names come from the profiled program: Python file names
// are bytes on Linux and need not be UTF-8, and names may hold newlines or
// terminal escapes. These helpers let reporters print them safely.

// One step through UTF-8 text: the next `length` bytes are either one
// well-formed code point (`valid`) or an ill-formed piece to be replaced by a
// single U+FFFD (the Unicode "maximal subpart" rule, so a truncated sequence
// costs one replacement, not one per byte).
struct Utf8Step {
  int length;
  bool valid;
};

// `text` must not be empty.
Utf8Step NextUtf8(std::string_view text);

// The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER.
inline constexpr const char kReplacementCharacter[] = "\xEF\xBF\xBD";

// `text` as well-formed UTF-8 with no control characters: ill-formed bytes
// become U+FFFD, and C0 controls (newline, tab, ESC, ...), DEL and C1
// controls become a space, so a name can neither break a line-oriented
// format nor drive a terminal.
std::string PrintableText(std::string_view text);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_COMMON_TEXT_H_
