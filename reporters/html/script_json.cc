#include "reporters/html/script_json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "reporters/common/text.h"

namespace tidemark {
namespace {

void AppendUnicodeEscape(unsigned code, std::string* out) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "\\u%04x", code & 0xFFFFu);
  *out += buffer;
}

}  // namespace

void AppendScriptJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  while (!text.empty()) {
    const Utf8Step step = NextUtf8(text);
    if (!step.valid) {
      *out += "\\ufffd";
    } else if (step.length == 1) {
      const unsigned char c = static_cast<unsigned char>(text[0]);
      if (c == '"') {
        *out += "\\\"";
      } else if (c == '\\') {
        *out += "\\\\";
      } else if (c < 0x20 || c == 0x7F || c == '<' || c == '>' || c == '&') {
        AppendUnicodeEscape(c, out);
      } else {
        out->push_back(static_cast<char>(c));
      }
    } else if (text.substr(0, 3) == "\xE2\x80\xA8") {
      *out += "\\u2028";
    } else if (text.substr(0, 3) == "\xE2\x80\xA9") {
      *out += "\\u2029";
    } else {
      out->append(text.data(), static_cast<size_t>(step.length));
    }
    text.remove_prefix(static_cast<size_t>(step.length));
  }
  out->push_back('"');
}

void AppendJsonInt(long long value, std::string* out) {
  *out += std::to_string(value);
}

void AppendJsonNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    out->push_back('0');
    return;
  }
  char buffer[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  *out += buffer;
}

}  // namespace tidemark
