#include "tools/plugin_check.h"

#include <algorithm>

#include "core/registry.h"

namespace tidemark {
namespace {

// `names` is one name or, with `list`, a comma-separated list of them. The
// unwinder is one name: the library looks "a,b" up whole, so must we.
template <typename RegistryType>
bool CheckRegistered(const char* flag, const char* kind,
                     const std::string& names, bool list, std::string* error) {
  if (RegistryType::size() == 0) return true;
  size_t start = 0;
  while (start <= names.size()) {
    size_t end =
        list ? std::min(names.find(',', start), names.size()) : names.size();
    if (RegistryType::Find(names.data() + start, end - start) == nullptr) {
      *error = std::string(flag) + ": unknown " + kind + " '" +
               names.substr(start, end - start) +
               "' (available: " + RegistryType::JoinedNames() + ")";
      return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

bool CheckPluginNames(const ProfileFlags& flags, std::string* error) {
  if (flags.unwinder && !CheckRegistered<UnwinderRegistry>(
                            "--unwinder", "unwinder", *flags.unwinder,
                            /*list=*/false, error)) {
    return false;
  }
  return !flags.reporters ||
         CheckRegistered<ReporterRegistry>(
             "--reporters", "reporter", *flags.reporters, /*list=*/true, error);
}

}  // namespace tidemark
