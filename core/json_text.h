#ifndef TIDEMARK_CORE_JSON_TEXT_H_
#define TIDEMARK_CORE_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace tidemark {

// `text` as a JSON string, quotes included, for the few JSON files the core
// writes itself (the job's index; reports use reporters/common). Any bytes
// come in (command arguments, file names): '"' and '\\' are escaped, control
// characters spelled \uXXXX (\n, \t, ... by their short names), and bytes
// that are not well-formed UTF-8 become U+FFFD, one per byte, so the output
// is always valid JSON in valid UTF-8.
std::string JsonQuoted(std::string_view text);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_JSON_TEXT_H_
