#include "tools/plugin_check.h"

#include <algorithm>
#include <memory>

#include "core/interposer.h"
#include "core/registry.h"
#include "core/reporter.h"
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
  if (flags.interposer && !CheckRegistered<InterposerRegistry>(
                              "--interposer", "interposer", *flags.interposer,
                              /*list=*/false, error)) {
    return false;
  }
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

namespace tidemark {

std::string PluginListText() {
  std::string text = "interposers:\n";
  for (int i = 0; i < InterposerRegistry::size(); ++i) {
    const auto& entry = InterposerRegistry::at(i);
    Interposer* interposer = entry.factory();
    std::string name = entry.name;
    name.resize(std::max<size_t>(name.size(), 10), ' ');
    text += "  " + name + interposer->Allocator() + "\n";
    delete interposer;
  }
  text += "unwinders:\n";
  for (int i = 0; i < UnwinderRegistry::size(); ++i) {
    text += std::string("  ") + UnwinderRegistry::at(i).name + "\n";
  }
  text += "reporters:\n";
  for (int i = 0; i < ReporterRegistry::size(); ++i) {
    text += std::string("  ") + ReporterRegistry::at(i).name + "\n";
  }
  return text;
}

}  // namespace tidemark
