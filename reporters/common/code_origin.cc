#include "reporters/common/code_origin.h"

#include <cctype>

#include "reporters/common/text.h"

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

std::vector<CodeOrigin> OriginsOfFrames(const Profile& profile) {
  std::vector<CodeOrigin> origins;
  origins.reserve(profile.frames.size());
  for (const ProfileFrame& frame : profile.frames) {
    origins.push_back(OriginOfFrame(frame));
  }
  return origins;
}

namespace {

CodeOrigin OriginAt(const std::vector<CodeOrigin>& origins, int index) {
  if (index < 0 || static_cast<size_t>(index) >= origins.size()) {
    return CodeOrigin::kNative;
  }
  return origins[static_cast<size_t>(index)];
}

// The rule of UserLinePosition over a frame-index -> origin function, so
// that a caller with one stack classifies only that stack's frames (never
// a vector of the whole profile per stack) and one with many classifies
// each frame once (OriginsOfFrames).
template <typename OriginOf>
int UserLineWith(const ProfileStack& stack, OriginOf origin_of) {
  int fallback = -1;
  for (size_t position = 0; position < stack.frames.size(); ++position) {
    const CodeOrigin origin = origin_of(stack.frames[position]);
    if (origin == CodeOrigin::kUser) return static_cast<int>(position);
    if (fallback < 0 && origin != CodeOrigin::kNative &&
        origin != CodeOrigin::kFrozen) {
      fallback = static_cast<int>(position);
    }
  }
  if (fallback >= 0) return fallback;
  return stack.frames.empty() ? -1 : 0;
}

}  // namespace

int UserLinePosition(const std::vector<CodeOrigin>& origins,
                     const ProfileStack& stack) {
  return UserLineWith(
      stack, [&origins](int index) { return OriginAt(origins, index); });
}

int UserLinePosition(const Profile& profile, const ProfileStack& stack) {
  return UserLineWith(stack, [&profile](int index) {
    if (index < 0 || static_cast<size_t>(index) >= profile.frames.size()) {
      return CodeOrigin::kNative;
    }
    return OriginOfFrame(profile.frames[static_cast<size_t>(index)]);
  });
}

int ContextPosition(const Profile& profile,
                    const std::vector<CodeOrigin>& origins,
                    const ProfileStack& stack, int user_line) {
  if (user_line <= 0 || static_cast<size_t>(user_line) >= stack.frames.size() ||
      OriginAt(origins, stack.frames[static_cast<size_t>(user_line)]) !=
          CodeOrigin::kUser) {
    return -1;
  }
  // Outward from the innermost frame, so the last match is the outermost.
  int installed = -1;
  int installed_plain = -1;  // not a nested function
  int generated = -1;
  for (int position = 0; position < user_line; ++position) {
    const int index = stack.frames[static_cast<size_t>(position)];
    switch (OriginAt(origins, index)) {
      case CodeOrigin::kLibrary:
      case CodeOrigin::kStandardLibrary:
        installed = position;
        if (static_cast<size_t>(index) < profile.frames.size() &&
            profile.frames[static_cast<size_t>(index)].function.find(
                "<locals>") == std::string::npos) {
          installed_plain = position;
        }
        break;
      case CodeOrigin::kGenerated:
        generated = position;
        break;
      default:
        break;
    }
  }
  if (installed_plain >= 0) return installed_plain;
  return installed >= 0 ? installed : generated;
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

std::string ShortFrameText(const ProfileFrame& frame,
                           std::string_view working_directory) {
  ProfileFrame shown = frame;
  if (frame.kind == FrameKind::kPython) {
    shown.file = ShortFileName(frame.file, working_directory);
  }
  return PrintableText(FormatFrame(shown));
}

}  // namespace tidemark
