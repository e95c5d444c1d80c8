#ifndef TIDEMARK_CORE_OUTPUT_DIRECTORY_H_
#define TIDEMARK_CORE_OUTPUT_DIRECTORY_H_

#include <ctime>
#include <string>

namespace tidemark {

// The report directory for this process: `configured` with "{pid}"
// replaced, or, when nothing was configured, a new timestamped folder under
// ./tidemark-results/ (e.g. tidemark-results/2026-11-25T13-29-32_759-4242).
std::string ResolveOutputDirectory(const std::string& configured, int pid,
                                   const timespec& now);

// mkdir -p, then proves the directory takes a new file. Returns false with
// a reason ("cannot write reports to DIR: Permission denied").
bool PrepareOutputDirectory(const std::string& path, std::string* error);

// "2026-11-25T13-29-32_759": sortable, and legal in any file system.
std::string TimestampForPath(const timespec& now);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_OUTPUT_DIRECTORY_H_
