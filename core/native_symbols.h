#ifndef TIDEMARK_CORE_NATIVE_SYMBOLS_H_
#define TIDEMARK_CORE_NATIVE_SYMBOLS_H_

#include "core/profile.h"

namespace tidemark {

// Names the native frames of `profile` that the unwinder captured as bare
// return addresses (ProfileFrame::address set, function empty), against
// the module map the stored profile keeps (Profile::modules). Runs at
// report time, in whatever process renders (the program at exit,
// //tools:report after its death), never on the allocation path: it
// allocates freely and opens the modules' files with elfutils libdw.
//
// Each frame gets, best first: the function (demangled), the source file
// and line where the module has debug information (or a debug file
// found by build id), and the functions inlined at that address as frames
// of their own (innermost first, each at the line it is at); for a
// stripped module the symbol tables it has (the dynamic one); and
// otherwise `NAME+0xOFFSET` (NAME the module's file name, OFFSET from its
// load bias), never a bare "unknown". A file whose build id no longer
// matches the one recorded is not trusted for names. Frames already
// named, and Python frames, are left as they are. Idempotent.
void SymbolizeNativeFrames(Profile* profile);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_NATIVE_SYMBOLS_H_
