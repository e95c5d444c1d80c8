#ifndef TIDEMARK_REPORTERS_TESTING_PYTHON_JSON_H_
#define TIDEMARK_REPORTERS_TESTING_PYTHON_JSON_H_

#include <string>

namespace tidemark {

// Whether /usr/bin/python3 exists; tests skip their Python checks otherwise.
bool PythonAvailable();

// Loads the JSON file at `json_path` with Python's json module (strict: no
// raw control characters, valid UTF-8, and here also no duplicate keys) into
// a variable `data`, then runs `python_code`, which prints its findings.
// Returns true with what was printed in *output, or false with Python's error
// output there.
bool RunPythonOnJson(const std::string& json_path,
                     const std::string& python_code, std::string* output);

// The canonical form of the JSON file: sorted keys, ASCII only, no spaces.
// Comparing it with an expected string checks every value and type at once.
inline constexpr const char kPrintCanonicalJson[] =
    "print(json.dumps(data, sort_keys=True, ensure_ascii=True, "
    "separators=(',', ':')))";

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_TESTING_PYTHON_JSON_H_
