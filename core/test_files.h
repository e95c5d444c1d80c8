#ifndef TIDEMARK_CORE_TEST_FILES_H_
#define TIDEMARK_CORE_TEST_FILES_H_

#include <string>
#include <vector>

namespace tidemark {

// For tests: the names in `directory`, sorted, without "." and "..". A
// folder that cannot be opened reads as {"<cannot open>"}, never as empty,
// so that "nothing was written there" cannot pass by the folder's absence.
std::vector<std::string> ListDirectory(const std::string& directory);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_TEST_FILES_H_
