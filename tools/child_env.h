#ifndef TIDEMARK_TOOLS_CHILD_ENV_H_
#define TIDEMARK_TOOLS_CHILD_ENV_H_

#include <string>
#include <vector>

#include "core/config.h"
#include "tools/profile_flags.h"

namespace tidemark {

// The environment the profiled command starts with: `parent_env` (an
// environ-style array) plus the configuration, which the preloaded library
// reads only from there (TIDEMARK_* names in core/config.h).
//   - LD_PRELOAD gets `library` in front of whatever was preloaded before,
//     and `preload_last` (if not empty) after it: the glibc backend's
//     libc_malloc_debug.so.0, which must come before libc.so.6 but after
//     any allocator the user preloaded, so it displaces none.
//   - TIDEMARK_MODE, TIDEMARK_OUTPUT (= `output_dir`) and TIDEMARK_LAUNCHED=1
//     are always set; the other TIDEMARK_* only for flags that were given.
//     Inherited TIDEMARK_* settings are dropped, so a run is configured by
//     its flags alone.
//   - With a non-empty `working_dir` the command starts there, and PWD says
//     so (shells and build scripts trust PWD).
std::vector<std::string> BuildChildEnvironment(
    char* const* parent_env, const ProfileFlags& flags,
    const std::string& output_dir, const std::string& library,
    const std::string& working_dir, const std::string& preload_last = "");

// The configuration the preloaded library reads from `env` (as built
// above): the launcher's end of the job uses the same reporters and process
// threshold. False with the library's reason for a value it would refuse.
bool ConfigForChild(const std::vector<std::string>& env, Config* config,
                    std::string* error);

// Shortest decimal text that reads back as exactly `value`.
std::string ExactDecimal(double value);

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_CHILD_ENV_H_
