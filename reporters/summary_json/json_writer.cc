#include "reporters/summary_json/json_writer.h"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "reporters/common/text.h"

namespace tidemark {

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  while (!text.empty()) {
    const Utf8Step step = NextUtf8(text);
    const unsigned char c = static_cast<unsigned char>(text[0]);
    if (!step.valid) {
      out->append("\\ufffd");
    } else if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\b') {
      out->append("\\b");
    } else if (c == '\f') {
      out->append("\\f");
    } else if (c < 0x20 || c == 0x7F) {
      // DEL is legal in JSON but escaping it keeps the file printable.
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else if (step.length == 3 && c == 0xE2 &&
               static_cast<unsigned char>(text[1]) == 0x80 &&
               (static_cast<unsigned char>(text[2]) == 0xA8 ||
                static_cast<unsigned char>(text[2]) == 0xA9)) {
      out->append(static_cast<unsigned char>(text[2]) == 0xA8 ? "\\u2028"
                                                              : "\\u2029");
    } else {
      out->append(text.data(), static_cast<size_t>(step.length));
    }
    text.remove_prefix(static_cast<size_t>(step.length));
  }
  out->push_back('"');
}

void AppendJsonDouble(double value, std::string* out) {
  if (!std::isfinite(value)) {
    out->append("null");
    return;
  }
  // 15 significant digits reads back exactly for most values people see
  // (12.5, 0.1); 17 always does.
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.15g", value);
  if (std::strtod(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  }
  out->append(buffer);
}

JsonWriter& JsonWriter::BeginObject() {
  Begin('{', true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  End('}', true);
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Begin('[', false);
  return *this;
}

JsonWriter& JsonWriter::BeginOneLineArray() {
  Begin('[', false, /*one_line=*/true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  End(']', false);
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  assert(!levels_.empty() && levels_.back().is_object && !after_key_);
  StartMember();
  AppendJsonString(key, &out_);
  out_.append(indent_ > 0 ? ": " : ":");
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(value, &out_);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  out_.append(std::to_string(value));
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  BeforeValue();
  AppendJsonDouble(value, &out_);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
  return *this;
}

void JsonWriter::StartMember() {
  Level& level = levels_.back();
  if (level.one_line) {
    if (level.members++ > 0) out_.append(indent_ > 0 ? ", " : ",");
    return;
  }
  if (level.members++ > 0) out_.push_back(',');
  NewLine();
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  // Outside any container only one value may be written.
  assert(levels_.empty() ? out_.empty() : !levels_.back().is_object);
  if (!levels_.empty()) StartMember();
}

void JsonWriter::Begin(char open, bool is_object, bool one_line) {
  BeforeValue();
  out_.push_back(open);
  one_line = one_line || (!levels_.empty() && levels_.back().one_line);
  levels_.push_back(Level{is_object, 0, one_line});
}

void JsonWriter::End(char close, bool is_object) {
  assert(!levels_.empty() && levels_.back().is_object == is_object &&
         !after_key_);
  const bool empty = levels_.back().members == 0;
  const bool one_line = levels_.back().one_line;
  levels_.pop_back();
  // An empty container stays on one line: "[]", not "[\n]".
  if (!empty && !one_line) NewLine();
  out_.push_back(close);
}

void JsonWriter::NewLine() {
  if (indent_ <= 0) return;
  out_.push_back('\n');
  out_.append(levels_.size() * static_cast<size_t>(indent_), ' ');
}

}  // namespace tidemark
