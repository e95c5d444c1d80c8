#include "unwinders/cpython/python_version.h"

#include <cstring>

namespace tidemark {
namespace cpython {
namespace {

// Reads a decimal number of at most three digits; advances *text past it.
bool ParseSmallNumber(const char** text, int* value) {
  int digits = 0;
  int result = 0;
  while (**text >= '0' && **text <= '9') {
    if (++digits > 3) return false;
    result = result * 10 + (**text - '0');
    ++*text;
  }
  *value = result;
  return digits > 0;
}

}  // namespace

PythonVersion VersionFromHex(unsigned long hex) {
  PythonVersion version;
  version.major = static_cast<int>((hex >> 24) & 0xff);
  version.minor = static_cast<int>((hex >> 16) & 0xff);
  return version;
}

bool ParseVersionString(const char* text, PythonVersion* version) {
  if (text == nullptr) return false;
  PythonVersion parsed;
  if (!ParseSmallNumber(&text, &parsed.major) || *text++ != '.' ||
      !ParseSmallNumber(&text, &parsed.minor)) {
    return false;
  }
  *version = parsed;
  return true;
}

bool IsFreeThreadedBuild(const char* text) {
  return text != nullptr && std::strstr(text, "free-threading") != nullptr;
}

}  // namespace cpython
}  // namespace tidemark
