#ifndef TIDEMARK_REPORTERS_TESTING_PROFILE_PARTS_H_
#define TIDEMARK_REPORTERS_TESTING_PROFILE_PARTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/profile.h"

namespace tidemark {
namespace reporter_testing {

// Short spellings for building small, exact profiles in reporter tests.
ProfileFrame Frame(FrameKind kind, std::string function, std::string file,
                   int line);
ProfileFrame PythonFrame(std::string function, std::string file, int line);
// A native frame: `object` is the library (or executable) it is in; it has no
// line.
ProfileFrame NativeFrame(std::string function, std::string object);

// A stack of `bytes` over frames given innermost first (indices into
// Profile::frames).
ProfileStack Stack(std::vector<int> innermost_first, int64_t bytes,
                   int64_t allocations = 1);

}  // namespace reporter_testing
}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_TESTING_PROFILE_PARTS_H_
