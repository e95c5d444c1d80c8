#ifndef TIDEMARK_CORE_REPORT_DIRECTORY_H_
#define TIDEMARK_CORE_REPORT_DIRECTORY_H_

#include <string>

namespace tidemark {

// Where reports go: a folder opened once (O_DIRECTORY | O_NOFOLLOW, after the
// checks in output_directory.h), written into only through `fd` (openat,
// renameat, ...). Reports never name a path again after that, so nobody can
// swap a folder or plant a symbolic link under Tidemark between the check
// and the write. The fd belongs to whoever opened it.
struct ReportDirectory {
  int fd = -1;
  // Absolute; for messages only, never opened.
  std::string display_path;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_REPORT_DIRECTORY_H_
