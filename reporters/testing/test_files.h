#ifndef TIDEMARK_REPORTERS_TESTING_TEST_FILES_H_
#define TIDEMARK_REPORTERS_TESTING_TEST_FILES_H_

#include <string>
#include <vector>

#include "core/report_directory.h"
#include "core/test_files.h"  // ListDirectory, for the reporters' tests

namespace tidemark {

// `path` opened as reporters receive their folder (O_DIRECTORY); fd -1 when
// it cannot be opened, which a reporter must report as an error. The fd is
// left open for the rest of the test.
ReportDirectory OpenTestDirectory(const std::string& path);

// A new empty directory under $TEST_TMPDIR named `name` (removed and
// recreated if a previous test left one).
std::string MakeTestDirectory(const std::string& name);

// The whole file, or "<missing>" when it cannot be opened.
std::string ReadFileOrMissing(const std::string& path);

// Writes `contents` to `path` as they are (binary), replacing what was there.
void WriteFile(const std::string& path, const std::string& contents);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_TESTING_TEST_FILES_H_
