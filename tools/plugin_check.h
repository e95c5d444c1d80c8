#ifndef TIDEMARK_TOOLS_PLUGIN_CHECK_H_
#define TIDEMARK_TOOLS_PLUGIN_CHECK_H_

#include <string>

#include "tools/profile_flags.h"

namespace tidemark {

// Checks --interposer, --unwinder and each --reporters name against the plugins
// linked into this binary (:linked_plugins, the same set as the preloaded
// library), so a typo fails at once instead of after a long run that writes no
// report. A kind with no linked plugins is not checked: the library then has
// the last word. The error reads e.g.
// "--unwinder: unknown unwinder 'x' (available: a, b)".
bool CheckPluginNames(const ProfileFlags& flags, std::string* error);

// --list-plugins: each kind's names as compiled into this binary (the same
// set as the preloaded libraries: each library carries one interposer),
// an interposer with what it sees.
std::string PluginListText();

}  // namespace tidemark

#endif  // TIDEMARK_TOOLS_PLUGIN_CHECK_H_
