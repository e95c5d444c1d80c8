#include "reporters/top_table/library_path.h"

#include <cctype>

namespace tidemark {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "python3", "python3.11", "python3.13t" (free-threaded), "python311.zip"
// (the zipped standard library).
bool IsPythonVersionDirectory(std::string_view name) {
  if (!StartsWith(name, "python")) return false;
  std::string_view version = name.substr(6);
  if (version.size() > 4 && version.substr(version.size() - 4) == ".zip") {
    version.remove_suffix(4);
  }
  if (!version.empty() && version.back() == 't') version.remove_suffix(1);
  if (version.empty() ||
      !std::isdigit(static_cast<unsigned char>(version[0]))) {
    return false;
  }
  for (char c : version) {
    if (c != '.' && !std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

bool IsLibraryFile(std::string_view file) {
  if (StartsWith(file, "<frozen ")) return true;
  std::string_view previous;
  while (!file.empty()) {
    const size_t slash = file.find('/');
    // The last component is the file itself, never a directory we look for.
    if (slash == std::string_view::npos) break;
    const std::string_view component = file.substr(0, slash);
    file.remove_prefix(slash + 1);
    if (component == "site-packages" || component == "dist-packages") {
      return true;
    }
    if ((previous == "lib" || previous == "lib64") &&
        IsPythonVersionDirectory(component)) {
      return true;
    }
    previous = component;
  }
  return false;
}

}  // namespace tidemark
