#ifndef TIDEMARK_CORE_TEST_FILES_H_
#define TIDEMARK_CORE_TEST_FILES_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace tidemark {

// For tests: the names in `directory`, sorted, without "." and "..". A
// folder that cannot be opened reads as {"<cannot open>"}, never as empty,
// so that "nothing was written there" cannot pass by the folder's absence.
std::vector<std::string> ListDirectory(const std::string& directory);

// The whole file, or "<missing>" when it cannot be read (never "", so a
// missing file cannot pass for an empty one).
std::string ReadFileText(const std::string& path);

// A pid no process has: that of a child that was forked and reaped.
pid_t ReapedPid();

// A new, empty folder `name`.XXXXXX under $TEST_TMPDIR (/tmp without it),
// or "" when it cannot be made. The caller removes it, or leaves it in
// TEST_TMPDIR, which Bazel clears before the next run.
std::string MakeTempDir(const std::string& name);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_TEST_FILES_H_
