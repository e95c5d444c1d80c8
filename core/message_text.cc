#include "core/message_text.h"

#include <string.h>

#include <cstring>

namespace tidemark {
namespace {

// The spelling of one byte: itself, or its escape. Returns the length.
size_t Spell(unsigned char c, char spelled[4]) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (c >= 0x20 && c != 0x7f) {
    spelled[0] = static_cast<char>(c);
    return 1;
  }
  spelled[0] = '\\';
  switch (c) {
    case '\n':
      spelled[1] = 'n';
      return 2;
    case '\r':
      spelled[1] = 'r';
      return 2;
    case '\t':
      spelled[1] = 't';
      return 2;
    default:
      spelled[1] = 'x';
      spelled[2] = kHex[c >> 4];
      spelled[3] = kHex[c & 0xf];
      return 4;
  }
}

}  // namespace

size_t EscapeControlBytes(std::string_view text, char* out, size_t capacity) {
  if (capacity == 0) return 0;
  size_t length = 0;
  for (char c : text) {
    char spelled[4];
    const size_t n = Spell(static_cast<unsigned char>(c), spelled);
    if (length + n > capacity - 1) break;
    memcpy(out + length, spelled, n);
    length += n;
  }
  out[length] = '\0';
  return length;
}

std::string EscapeControlBytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    char spelled[4];
    out.append(spelled, Spell(static_cast<unsigned char>(c), spelled));
  }
  return out;
}

std::string SignalText(int number) {
  const char* abbreviation = sigabbrev_np(number);
  if (abbreviation == nullptr) return "signal " + std::to_string(number);
  return std::string("SIG") + abbreviation;
}

}  // namespace tidemark
