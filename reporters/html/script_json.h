#ifndef TIDEMARK_REPORTERS_HTML_SCRIPT_JSON_H_
#define TIDEMARK_REPORTERS_HTML_SCRIPT_JSON_H_

#include <string>
#include <string_view>

namespace tidemark {

// Appends `text` as a JSON string literal (quotes included) that is safe
// inside an HTML <script> element: besides JSON's own escapes (quote,
// backslash, control characters as \uXXXX), '<', '>' and '&' become
// \u003c, \u003e and \u0026, so no name can spell "</script>" or "<!--"
// and end the element early; U+2028 and U+2029 become \u2028 and \u2029
// (line terminators to older JavaScript); ill-formed UTF-8 becomes \ufffd.
// The page reads the text back with JSON.parse, which undoes all of it.
void AppendScriptJsonString(std::string_view text, std::string* out);

// An integer or a double (shortest round-tripping %g; NaN and infinities,
// which JSON lacks, as 0).
void AppendJsonInt(long long value, std::string* out);
void AppendJsonNumber(double value, std::string* out);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_HTML_SCRIPT_JSON_H_
