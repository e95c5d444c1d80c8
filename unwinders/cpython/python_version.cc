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

unsigned long VersionHexFromString(const char* text) {
  if (text == nullptr) return 0;
  int major = 0;
  int minor = 0;
  int micro = 0;
  if (!ParseSmallNumber(&text, &major) || *text++ != '.' ||
      !ParseSmallNumber(&text, &minor) || *text++ != '.' ||
      !ParseSmallNumber(&text, &micro) || major > 255 || minor > 255 ||
      micro > 255) {
    return 0;
  }
  unsigned long level = 0xF;  // final
  int serial = 0;
  if (text[0] == 'a' || text[0] == 'b') {
    level = text[0] == 'a' ? 0xA : 0xB;
    ++text;
  } else if (text[0] == 'r' && text[1] == 'c') {
    level = 0xC;
    text += 2;
  }
  if (level != 0xF && (!ParseSmallNumber(&text, &serial) || serial > 15)) {
    return 0;
  }
  return static_cast<unsigned long>(major) << 24 |
         static_cast<unsigned long>(minor) << 16 |
         static_cast<unsigned long>(micro) << 8 | level << 4 |
         static_cast<unsigned long>(serial);
}

bool IsFreeThreadedBuild(const char* text) {
  return text != nullptr && std::strstr(text, "free-threading") != nullptr;
}

}  // namespace cpython
}  // namespace tidemark
