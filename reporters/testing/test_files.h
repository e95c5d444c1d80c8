#ifndef TIDEMARK_REPORTERS_TESTING_TEST_FILES_H_
#define TIDEMARK_REPORTERS_TESTING_TEST_FILES_H_

#include <string>
#include <vector>

namespace tidemark {

// A new empty directory under $TEST_TMPDIR named `name` (removed and
// recreated if a previous test left one).
std::string MakeTestDirectory(const std::string& name);

// The whole file, or "<missing>" when it cannot be opened.
std::string ReadFileOrMissing(const std::string& path);

// The names in `directory`, sorted, without "." and "..".
std::vector<std::string> ListDirectory(const std::string& directory);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_TESTING_TEST_FILES_H_
