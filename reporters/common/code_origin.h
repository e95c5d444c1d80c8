#ifndef TIDEMARK_REPORTERS_COMMON_CODE_ORIGIN_H_
#define TIDEMARK_REPORTERS_COMMON_CODE_ORIGIN_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/profile.h"

namespace tidemark {

// Whose code a frame is, guessed from its file name alone (all a profile
// has). Reports credit a stack to its *user line*, the innermost frame of
// the user's own code, because that is the line a person can change; a wrong
// guess moves a row, never loses bytes.
enum class CodeOrigin {
  kUser,             // the program's own files (and anything unrecognised)
  kLibrary,          // a third-party package: site-packages, dist-packages
  kStandardLibrary,  // ".../lib/python3.11/...", ".../lib64/python3.12/..."
  kFrozen,           // "<frozen importlib._bootstrap>", "<frozen runpy>"
  kGenerated,        // "<string>", "<__array_function__ internals>", "<stdin>"
  kNative,           // a native frame (its file is a shared object)
};

// The origin of a Python frame's file (never kNative).
CodeOrigin OriginOfFile(std::string_view file);

// kNative for native frames, else OriginOfFile(frame.file).
CodeOrigin OriginOfFrame(const ProfileFrame& frame);

// Installed code: a package or the standard library, frozen modules
// included. Generated code is not installed code (it may be the user's,
// e.g. `python -c`), though it is never a user line while a user frame
// exists.
bool IsLibraryFile(std::string_view file);

// The position in `stack.frames` (0 = innermost) of the stack's user line:
// its innermost kUser frame; failing that, its innermost Python frame that
// is not frozen (the library or generated code it ran); failing that, its
// innermost frame. -1 for a stack with no frames. Frame indices out of
// range count as native.
int UserLinePosition(const Profile& profile, const ProfileStack& stack);

// Every frame's origin, by index into profile.frames: reporters that credit
// many stacks work out each file's origin once rather than once per stack.
std::vector<CodeOrigin> OriginsOfFrames(const Profile& profile);

// UserLinePosition with the origins OriginsOfFrames gave (indices out of
// range count as native).
int UserLinePosition(const std::vector<CodeOrigin>& origins,
                     const ProfileStack& stack);

// What the user line called, as context for it ("features (job.py:19) →
// stack (numpy/core/shape_base.py:449)"): the position of the outermost
// library or standard-library frame inside (below) position `user_line`,
// the API the user's code called, skipping nested functions ("<locals>" in
// the name: decorators' wrappers, such as pandas' around `concat`) when
// another installed frame is there; failing that, the outermost generated
// frame inside it (a namedtuple's "<lambda> (<string>:1)"); -1 when there is
// neither (the user line allocated itself, or only native and frozen frames
// lie below it) or `user_line` is not a kUser frame. `origins` is
// OriginsOfFrames(profile).
int ContextPosition(const Profile& profile,
                    const std::vector<CodeOrigin>& origins,
                    const ProfileStack& stack, int user_line);

// `file` as a label shows it: a package's file from its package
// ("numpy/core/shape_base.py"), the standard library's from below its
// version folder ("json/decoder.py"), the user's relative to
// `working_directory` when inside it (absolute paths only; empty = unknown),
// anything else unchanged. Never empty for a non-empty `file`.
std::string ShortFileName(std::string_view file,
                          std::string_view working_directory);

// A frame as labels show it: "FUNCTION (SHORT_FILE:LINE)" for a Python
// frame, "FUNCTION (OBJECT)" for a native one, through PrintableText (one
// line, valid UTF-8).
std::string ShortFrameText(const ProfileFrame& frame,
                           std::string_view working_directory);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_COMMON_CODE_ORIGIN_H_
