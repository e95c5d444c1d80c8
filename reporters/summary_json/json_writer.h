#ifndef TIDEMARK_REPORTERS_SUMMARY_JSON_JSON_WRITER_H_
#define TIDEMARK_REPORTERS_SUMMARY_JSON_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark {

// Appends `text` to `out` as a JSON string literal, quotes included. The
// result is always valid JSON and valid UTF-8, whatever bytes `text` holds:
// quotes, backslashes and control characters are escaped, ill-formed UTF-8
// becomes \ufffd, and U+2028/U+2029 are escaped so the text is also a valid
// JavaScript literal. Well-formed non-ASCII text is kept as is.
void AppendJsonString(std::string_view text, std::string* out);

// A number as JSON: the shortest %g form that reads back as the same double.
// JSON has no NaN or infinity; those are written as null.
void AppendJsonDouble(double value, std::string* out);

// Writes one JSON value into a string as it is described, inserting commas
// and (when `indent` > 0) newlines and indentation. Misuse (a value in an
// object without a key, unbalanced End calls) is a programming error caught
// by assertions in debug builds.
//
//   JsonWriter json;
//   json.BeginObject().Key("n").Int(1).Key("xs").BeginArray().EndArray();
//   json.EndObject();  // json.str() == "{\n  \"n\": 1,\n  \"xs\": []\n}"
class JsonWriter {
 public:
  explicit JsonWriter(int indent = 2) : indent_(indent) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  // An array kept on one line, its elements separated by ", " (a short
  // tuple, such as a timeline's point); what it holds stays on that line.
  // Closed by EndArray.
  JsonWriter& BeginOneLineArray();
  JsonWriter& EndArray();
  // Names the next value; only inside an object.
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // The text so far; a complete JSON value once every Begin has its End.
  const std::string& str() const { return out_; }

 private:
  struct Level {
    bool is_object;
    int members;
    bool one_line;
  };

  // Separates a value (or key) from the previous member of its container.
  void StartMember();
  // Called before every value: after a key, or as an array element, or as
  // the top-level value.
  void BeforeValue();
  void Begin(char open, bool is_object, bool one_line = false);
  void End(char close, bool is_object);
  void NewLine();

  const int indent_;
  std::string out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_SUMMARY_JSON_JSON_WRITER_H_
