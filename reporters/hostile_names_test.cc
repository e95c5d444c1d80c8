// Every built-in reporter, given function and file names written to break
// its format (<script>, quotes, ';', line breaks, terminal escapes), keeps
// the format whole: line formats keep one stack per line, JSON files parse
// and hold the names exactly, markup never carries them raw, and nothing
// printed starts a line of its own. New reporters are covered by being
// registered: the test walks the registry.
#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/registry.h"
#include "core/reporter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/testing/profile_parts.h"
#include "reporters/testing/python_json.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using reporter_testing::PythonFrame;
using reporter_testing::Stack;

constexpr char kScript[] = "</script><script>alert(\"x\")</script>";
constexpr char kQuotes[] = "it's \"quoted\"";
constexpr char kSemicolons[] = "semi;colon;frames";
constexpr char kNewlines[] = "line\nbreak\r\ttab\x1b[2J";

// Three stacks of hostile frames under one ordinary root, 3000, 2000 and
// 1000 bytes.
Profile HostileProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.ended = "exit code 0";
  profile.command = {"python3", kScript};
  profile.peak_bytes = 6000;
  profile.peak_seconds = 1;
  profile.frames = {
      PythonFrame("<module>", "app.py", 1),           // 0
      PythonFrame(kScript, kQuotes, 2),               // 1
      PythonFrame(kSemicolons, "a;b.py", 3),          // 2
      PythonFrame(kNewlines, "file\nwith\nnl.py", 4)  // 3
  };
  profile.stacks = {Stack({1, 0}, 3000), Stack({2, 0}, 2000),
                    Stack({3, 0}, 1000)};
  return profile;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(HostileNamesTest, EveryReporterKeepsItsFormatWhole) {
  ASSERT_TRUE(PythonAvailable()) << "/usr/bin/python3 is needed";
  std::vector<std::string> names;
  {
    std::istringstream in(ReporterRegistry::JoinedNames());
    for (std::string name; std::getline(in, name, ',');) {
      name.erase(0, name.find_first_not_of(' '));
      names.push_back(name);
    }
  }
  ASSERT_GE(names.size(), 6u) << ReporterRegistry::JoinedNames();
  for (const std::string& name : names) {
    SCOPED_TRACE("reporter " + name);
    std::unique_ptr<Reporter> reporter(ReporterRegistry::Create(name.c_str()));
    ASSERT_NE(reporter, nullptr);
    const std::string dir = MakeTestDirectory("hostile_" + name);
    std::string error;
    ::testing::internal::CaptureStderr();
    const bool written =
        reporter->Write(HostileProfile(), OpenTestDirectory(dir), &error);
    const std::string printed = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(written) << error;
    // Printed text: every line is the reporter's own.
    for (const std::string& line : Lines(printed)) {
      EXPECT_EQ(line.rfind("tidemark:", 0), 0u) << "stray line: " << line;
    }
    EXPECT_EQ(printed.find('\x1b'), std::string::npos);
    for (const std::string& file : reporter->FileNames()) {
      SCOPED_TRACE(file);
      const std::string path = dir + "/" + file;
      const std::string text = ReadFileOrMissing(path);
      if (EndsWith(file, ".folded")) {
        // One line per stack, two frames each, the count last.
        const std::vector<std::string> lines = Lines(text);
        ASSERT_EQ(lines.size(), 3u) << text;
        for (const std::string& line : lines) {
          const std::string stack = line.substr(0, line.rfind(' '));
          EXPECT_EQ(std::count(stack.begin(), stack.end(), ';'), 1) << line;
        }
        EXPECT_EQ(text.find('\x1b'), std::string::npos);
      } else if (EndsWith(file, ".json")) {
        // Strict JSON holding each name exactly as the program spelled it.
        std::string output;
        ASSERT_TRUE(RunPythonOnJson(path, R"(
strings = set()
def walk(value):
    if isinstance(value, str):
        strings.add(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            walk(v)
    elif isinstance(value, list):
        for v in value:
            walk(v)
walk(data)
names = ['</script><script>alert("x")</script>', 'semi;colon;frames',
         'line\nbreak\r\ttab\x1b[2J', 'it\'s "quoted"']
print(sorted(n for n in names if n not in strings))
)",
                                    &output))
            << output;
        EXPECT_EQ(output, "[]") << "names missing from " << file;
      } else if (EndsWith(file, ".svg") || EndsWith(file, ".html")) {
        // Markup: the names only escaped.
        EXPECT_EQ(text.find(kScript), std::string::npos);
        EXPECT_EQ(text.find("<script>alert"), std::string::npos);
        EXPECT_EQ(text.find(kNewlines), std::string::npos);
      } else {
        // Binary (profile.pb.gz): its own test decodes it.
        EXPECT_NE(text, "<missing>");
      }
    }
  }
}

}  // namespace
}  // namespace tidemark
