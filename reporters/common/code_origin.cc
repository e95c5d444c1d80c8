#include "reporters/common/code_origin.h"

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

// Where an installed file's own name starts: after the last "site-packages/"
// or "dist-packages/" folder, else after a "lib/pythonX.Y/" pair of folders;
// npos for a file of neither kind. Only folders count, never the file's own
// last component.
struct InstalledPart {
  CodeOrigin origin = CodeOrigin::kUser;
  size_t start = std::string_view::npos;
};

InstalledPart FindInstalledPart(std::string_view file) {
  InstalledPart found;
  std::string_view previous;
  size_t position = 0;
  while (position < file.size()) {
    const size_t slash = file.find('/', position);
    if (slash == std::string_view::npos) break;
    const std::string_view component = file.substr(position, slash - position);
    if (component == "site-packages" || component == "dist-packages") {
      found = {CodeOrigin::kLibrary, slash + 1};
    } else if (found.origin != CodeOrigin::kLibrary &&
               (previous == "lib" || previous == "lib64") &&
               IsPythonVersionDirectory(component)) {
      found = {CodeOrigin::kStandardLibrary, slash + 1};
    }
    previous = component;
    position = slash + 1;
  }
  return found;
}

}  // namespace

CodeOrigin OriginOfFile(std::string_view file) {
  if (StartsWith(file, "<frozen ")) return CodeOrigin::kFrozen;
  if (StartsWith(file, "<") && file.back() == '>') {
    return CodeOrigin::kGenerated;
  }
  return FindInstalledPart(file).origin;
}

CodeOrigin OriginOfFrame(const ProfileFrame& frame) {
  if (frame.kind != FrameKind::kPython) return CodeOrigin::kNative;
  return OriginOfFile(frame.file);
}

bool IsLibraryFile(std::string_view file) {
  const CodeOrigin origin = OriginOfFile(file);
  return origin == CodeOrigin::kLibrary ||
         origin == CodeOrigin::kStandardLibrary ||
         origin == CodeOrigin::kFrozen;
}

int UserLinePosition(const Profile& profile, const ProfileStack& stack) {
  int fallback = -1;
  for (size_t position = 0; position < stack.frames.size(); ++position) {
    const int index = stack.frames[position];
    if (index < 0 || static_cast<size_t>(index) >= profile.frames.size()) {
      continue;
    }
    const CodeOrigin origin =
        OriginOfFrame(profile.frames[static_cast<size_t>(index)]);
    if (origin == CodeOrigin::kUser) return static_cast<int>(position);
    if (fallback < 0 && origin != CodeOrigin::kNative &&
        origin != CodeOrigin::kFrozen) {
      fallback = static_cast<int>(position);
    }
  }
  if (fallback >= 0) return fallback;
  return stack.frames.empty() ? -1 : 0;
}

std::string ShortFileName(std::string_view file,
                          std::string_view working_directory) {
  const InstalledPart installed = FindInstalledPart(file);
  if (installed.origin != CodeOrigin::kUser && installed.start < file.size()) {
    return std::string(file.substr(installed.start));
  }
  if (!working_directory.empty() && working_directory.front() == '/' &&
      StartsWith(file, working_directory)) {
    std::string_view rest = file.substr(working_directory.size());
    if (working_directory.back() == '/' ||
        (!rest.empty() && rest.front() == '/')) {
      while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
      if (!rest.empty()) return std::string(rest);
    }
  }
  return std::string(file);
}

}  // namespace tidemark
