#ifndef TIDEMARK_REPORTERS_TOP_TABLE_LIBRARY_PATH_H_
#define TIDEMARK_REPORTERS_TOP_TABLE_LIBRARY_PATH_H_

#include <string_view>

namespace tidemark {

// Whether a Python frame's file belongs to installed code rather than the
// user's own: the standard library (".../lib/python3.11/...",
// ".../lib64/python3.12/...", frozen modules like "<frozen runpy>") or a
// third-party package ("site-packages", "dist-packages"). A guess from the
// path alone, which is all a profile has; it decides which line of a stack
// the top table credits, so a wrong guess moves a row, never loses bytes.
bool IsLibraryFile(std::string_view file);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_TOP_TABLE_LIBRARY_PATH_H_
