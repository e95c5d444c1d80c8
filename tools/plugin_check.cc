#include "tools/plugin_check.h"

#include <algorithm>
#include <memory>

#include "core/registry.h"
#include "core/unwinder.h"
#include "core/unwinder_spec.h"

namespace tidemark {
namespace {

// `names` is one name or, with `list`, a comma-separated list of them.
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
  if (flags.unwinder && UnwinderRegistry::size() != 0) {
    // The library's own function: one name, or a pair that composes.
    std::string why;
    std::unique_ptr<Unwinder> unwinder(CreateUnwinder(*flags.unwinder, &why));
    if (unwinder == nullptr) {
      *error = "--unwinder: " + why;
      return false;
    }
  }
  return !flags.reporters ||
         CheckRegistered<ReporterRegistry>(
             "--reporters", "reporter", *flags.reporters, /*list=*/true, error);
}

}  // namespace tidemark
