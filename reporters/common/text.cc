#include "reporters/common/text.h"

namespace tidemark {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

Utf8Step NextUtf8(std::string_view text) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {1, true};
  // The lead byte fixes the length and the range allowed for the second
  // byte; these ranges exclude overlong forms, UTF-16 surrogates
  // (U+D800..U+DFFF) and code points above U+10FFFF (Unicode table 3-7).
  int length;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {1, false};  // a stray continuation byte, C0, C1 or F5..FF
  }
  for (int i = 1; i < length; ++i) {
    if (static_cast<size_t>(i) >= text.size()) return {i, false};
    const unsigned char c = byte(static_cast<size_t>(i));
    const bool ok = i == 1 ? (c >= low && c <= high) : IsContinuation(c);
    if (!ok) return {i, false};
  }
  return {length, true};
}

std::string PrintableText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const Utf8Step step = NextUtf8(text);
    const unsigned char lead = static_cast<unsigned char>(text[0]);
    if (!step.valid) {
      out += kReplacementCharacter;
    } else if (lead < 0x20 || lead == 0x7F ||
               // U+0080..U+009F, the C1 controls (CSI is U+009B)
               (lead == 0xC2 && static_cast<unsigned char>(text[1]) < 0xA0)) {
      out += ' ';
    } else {
      out.append(text.data(), static_cast<size_t>(step.length));
    }
    text.remove_prefix(static_cast<size_t>(step.length));
  }
  return out;
}

}  // namespace tidemark
