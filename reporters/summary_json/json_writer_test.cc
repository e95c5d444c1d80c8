#include "reporters/summary_json/json_writer.h"

#include <cmath>
#include <fstream>
#include <limits>

#include "gtest/gtest.h"
#include "reporters/testing/python_json.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

std::string Number(double value) {
  std::string out;
  AppendJsonDouble(value, &out);
  return out;
}

TEST(AppendJsonStringTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("plain /path/a.py"), R"("plain /path/a.py")");
  EXPECT_EQ(Quoted("say \"hi\" C:\\x"), R"("say \"hi\" C:\\x")");
  EXPECT_EQ(Quoted("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
  EXPECT_EQ(Quoted(std::string_view("\0\x01\x1F\x1B\x7F", 5)),
            R"("\u0000\u0001\u001f\u001b\u007f")");
}

TEST(AppendJsonStringTest, KeepsUtf8AndReplacesIllFormedBytes) {
  EXPECT_EQ(Quoted("caf\xC3\xA9 \xF0\x9F\x90\x8D"),
            "\"caf\xC3\xA9 \xF0\x9F\x90\x8D\"");
  EXPECT_EQ(Quoted("a\xFF"
                   "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(Quoted("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(Quoted("x\xE2\x82"), R"("x\ufffd")");                // truncated
  EXPECT_EQ(Quoted("\xE2\x80\xA8\xE2\x80\xA9"), R"("\u2028\u2029")");
}

TEST(AppendJsonDoubleTest, WritesShortestRoundTrippingForm) {
  EXPECT_EQ(Number(12.5), "12.5");
  EXPECT_EQ(Number(0.1), "0.1");
  EXPECT_EQ(Number(3), "3");
  EXPECT_EQ(Number(-2.25), "-2.25");
  EXPECT_EQ(Number(1e300), "1e+300");
  const double third = 1.0 / 3;
  EXPECT_EQ(std::strtod(Number(third).c_str(), nullptr), third);
}

TEST(AppendJsonDoubleTest, WritesNonFiniteValuesAsNull) {
  EXPECT_EQ(Number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(Number(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(Number(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriterTest, WritesCompactJson) {
  JsonWriter json(0);
  json.BeginObject()
      .Key("a")
      .Int(-5)
      .Key("b")
      .BeginArray()
      .Bool(true)
      .Null()
      .String("s")
      .BeginObject()
      .EndObject()
      .EndArray()
      .Key("c")
      .Double(0.5)
      .Key("d")
      .BeginArray()
      .EndArray()
      .EndObject();
  EXPECT_EQ(json.str(), R"({"a":-5,"b":[true,null,"s",{}],"c":0.5,"d":[]})");
}

TEST(JsonWriterTest, IndentsNestedContainers) {
  JsonWriter json;
  json.BeginObject()
      .Key("n")
      .Int(1)
      .Key("xs")
      .BeginArray()
      .Int(2)
      .BeginObject()
      .Key("k")
      .String("v")
      .EndObject()
      .EndArray()
      .Key("empty")
      .BeginObject()
      .EndObject()
      .EndObject();
  EXPECT_EQ(json.str(),
            "{\n"
            "  \"n\": 1,\n"
            "  \"xs\": [\n"
            "    2,\n"
            "    {\n"
            "      \"k\": \"v\"\n"
            "    }\n"
            "  ],\n"
            "  \"empty\": {}\n"
            "}");
}

TEST(JsonWriterTest, KeepsAOneLineArrayOnOneLine) {
  JsonWriter json;
  json.BeginObject().Key("points").BeginArray();
  json.BeginOneLineArray().Double(0.5).Int(10).Int(20).EndArray();
  json.BeginOneLineArray().BeginArray().Int(1).EndArray().Null().EndArray();
  json.BeginOneLineArray().EndArray();
  json.EndArray().Key("next").Int(1).EndObject();
  EXPECT_EQ(json.str(), R"({
  "points": [
    [0.5, 10, 20],
    [[1], null],
    []
  ],
  "next": 1
})");
  JsonWriter compact(0);
  compact.BeginOneLineArray().Int(1).Int(2).EndArray();
  EXPECT_EQ(compact.str(), "[1,2]");
}

TEST(JsonWriterTest, WritesAScalarAtTopLevel) {
  JsonWriter json;
  json.Int(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(json.str(), "-9223372036854775808");
}

// Every byte value, in keys and values, through Python's strict parser: what
// it decodes must be the input with each ill-formed byte replaced by U+FFFD.
TEST(JsonWriterTest, PythonDecodesEveryByteValue) {
  if (!PythonAvailable()) GTEST_SKIP() << "no /usr/bin/python3";
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  all_bytes += "\xC3\xA9\xF0\x9F\x90\x8D\xE2\x80\xA8";  // é 🐍 U+2028
  JsonWriter json;
  json.BeginObject().Key(all_bytes).String(all_bytes).EndObject();

  const std::string path = MakeTestDirectory("json_bytes") + "/all.json";
  std::ofstream(path, std::ios::binary) << json.str();
  std::string output;
  ASSERT_TRUE(RunPythonOnJson(path,
                              "[(k, v)] = data.items()\n"
                              "assert k == v, (k, v)\n"
                              "print(v.encode('utf-8').hex())",
                              &output))
      << output;

  std::string expected;
  for (int c = 0; c < 128; ++c) expected.push_back(static_cast<char>(c));
  for (int c = 128; c < 256; ++c) expected += "\xEF\xBF\xBD";
  expected += "\xC3\xA9\xF0\x9F\x90\x8D\xE2\x80\xA8";
  std::string expected_hex;
  for (unsigned char c : expected) {
    static constexpr char kHex[] = "0123456789abcdef";
    expected_hex.push_back(kHex[c >> 4]);
    expected_hex.push_back(kHex[c & 0xF]);
  }
  EXPECT_EQ(output, expected_hex);
}

}  // namespace
}  // namespace tidemark
