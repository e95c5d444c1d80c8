#ifndef TIDEMARK_TOOLS_REPORT_LEFTOVERS_H_
#define TIDEMARK_TOOLS_REPORT_LEFTOVERS_H_

namespace tidemark {

// Clears what a process killed while writing reports left in its report
// folder `dir_fd`: WriteFileAtomically's temporary files (core/atomic_file.h)
// there and in its sigusr2-N and out-of-memory subfolders, then sigusr2-N
// folders left empty (a SIGUSR2 round that never wrote a file). Only regular
// files and folders owned by the effective user; never follows a link, never
// removes anything else. Best effort. Call it only once the process is gone:
// a live one may be writing those files right now.
void RemoveInterruptedReports(int dir_fd);

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_REPORT_LEFTOVERS_H_
