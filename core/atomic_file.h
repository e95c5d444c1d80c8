#ifndef TIDEMARK_CORE_ATOMIC_FILE_H_
#define TIDEMARK_CORE_ATOMIC_FILE_H_

#include <fcntl.h>

#include <string>
#include <string_view>

#include "core/report_directory.h"

namespace tidemark {

// Writes `contents` to the file `name` in `directory` so that a reader sees
// either the old file or the whole new one, never a part: a new temporary
// file with an unpredictable name (created O_EXCL | O_NOFOLLOW, so nothing
// planted under that name is ever opened), fsync, renameat over `name`
// (which replaces a symbolic link called `name` rather than following it).
// The temporary file is removed whenever the write is abandoned. `name` must
// be a plain file name (no '/'). File mode 0666 minus the umask. Returns
// false with a reason.
bool WriteFileAtomically(const ReportDirectory& directory,
                         const std::string& name, std::string_view contents,
                         std::string* error);

// Creates a new, empty file in `dir_fd` called `prefix` followed by random
// letters and digits, with O_CREAT | O_EXCL | O_NOFOLLOW (mode 0666 minus
// the umask), retrying on a name collision. Returns the open fd (O_CLOEXEC,
// opened for `access`: O_WRONLY or O_RDWR) and sets *name, or returns -1
// with errno set.
int CreateUniqueFile(int dir_fd, const std::string& prefix, std::string* name,
                     int access = O_WRONLY);

// Whether `name` is one of WriteFileAtomically's temporary files
// (".NAME.tmp-" and 12 letters or digits), which a process killed while
// writing its reports leaves behind.
bool IsAtomicFileTemporaryName(std::string_view name);

// Whether `name` names an entry directly inside a folder: not empty, not
// "." or "..", no '/'.
bool IsPlainFileName(std::string_view name);

// Writes all of `data` to `fd`, retrying after signals and short writes.
// Returns false with errno set on failure.
bool WriteAll(int fd, std::string_view data);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_ATOMIC_FILE_H_
