// The composition root of the preloaded library: what is linked in (see
// PLUGINS in BUILD.bazel) registered itself at priority 200; this starts the
// session afterwards, before the program's main().
#include "core/session.h"

namespace {

__attribute__((constructor(300))) void StartTidemark() {
  tidemark::Session::Start();
}

}  // namespace
