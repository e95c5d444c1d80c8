#include "reporters/flamegraph/flamegraph_reporter.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/testing/profile_parts.h"
#include "reporters/testing/synthetic_profile.h"
#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

using reporter_testing::NativeFrame;
using reporter_testing::PythonFrame;
using reporter_testing::Stack;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int64_t kMiB = int64_t{1024} * 1024;
constexpr double kDrawable = kFlameGraphWidth - 2 * kFlameGraphPadding;
constexpr double kCharWidth = 0.61 * 12;  // as the reporter fits labels
constexpr char kEmDash[] = "\xE2\x80\x94";
constexpr char kEllipsis[] = "\xE2\x80\xA6";

// A small program's peak in whole MiB, so every width is exact:
// <module> -> main -> load -> ones 5 MiB, main -> load 1 MiB,
// main -> <listcomp> 1 MiB, and 1 MiB with no Python stack.
Profile ExampleProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.pid = 4242;
  profile.command = {"python3", "train.py", "--epochs=3"};
  profile.frames = {
      PythonFrame("<module>", "train.py", 30),                           // 0
      PythonFrame("main", "train.py", 23),                               // 1
      PythonFrame("load", "train.py", 7),                                // 2
      PythonFrame("ones", "/usr/lib/python3/numpy/core/numeric.py", 5),  // 3
      PythonFrame("<listcomp>", "train.py", 12),                         // 4
  };
  profile.stacks = {
      Stack({3, 2, 1, 0}, 5 * kMiB),
      Stack({2, 1, 0}, 1 * kMiB),
      Stack({4, 1, 0}, 1 * kMiB),
      Stack({}, 1 * kMiB),
  };
  profile.peak_bytes = 8 * kMiB;
  return profile;
}

std::string Unescape(std::string text) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"},
      {"&gt;", ">"},
      {"&quot;", "\""},
      {"&apos;", "'"},
      {"&amp;", "&"}};
  for (const auto& [entity, raw] : kEntities) {
    for (size_t at = text.find(entity); at != std::string::npos;
         at = text.find(entity, at + 1)) {
      text.replace(at, std::string(entity).size(), raw);
    }
  }
  return text;
}

// One box as drawn, text unescaped.
struct Box {
  std::string label;    // the tooltip's frame part
  std::string tooltip;  // the whole tooltip
  double x = 0;
  double width = 0;
  int row = 0;
  std::string fill;
  bool has_text = false;
  std::string text;  // the visible label
  bool has_search = false;
  std::string search;  // the transparent whole label, for the browser's find
  double text_x = -1;
  double search_x = -1;

  // The label the box stands for, whole: what find must match.
  const std::string& whole() const { return has_search ? search : text; }
};

constexpr int kFirstRowY = 72;

// The boxes of an SVG, read from its text: the reporter writes one per line.
std::vector<Box> ParseBoxes(const std::string& svg) {
  static const std::regex kBox(
      "<g class=\"f\"><title>([^<]*)</title><rect x=\"([0-9.]+)\" "
      "y=\"([0-9]+)\" width=\"([0-9.]+)\" height=\"15\" "
      "fill=\"(#[0-9a-f]{6})\"/>(<text x=\"([0-9.]+)\" y=\"[0-9]+\">([^<]*)"
      "</text>)?(<text class=\"s\" x=\"([0-9.]+)\" y=\"[0-9]+\">([^<]*)"
      "</text>)?</g>");
  std::vector<Box> boxes;
  std::istringstream lines(svg);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("<g class=\"f\">", 0) != 0) continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, kBox)) << line;
    if (m.empty()) continue;
    Box box;
    box.tooltip = Unescape(m[1]);
    box.label = box.tooltip.substr(
        0, box.tooltip.rfind(std::string(" ") + kEmDash + " "));
    box.x = std::stod(m[2]);
    box.row = (std::stoi(m[3]) - kFirstRowY) / kFlameGraphRowHeight;
    box.width = std::stod(m[4]);
    box.fill = m[5];
    box.has_text = m[6].matched;
    if (box.has_text) box.text_x = std::stod(m[7]);
    box.text = Unescape(m[8]);
    box.has_search = m[9].matched;
    if (box.has_search) box.search_x = std::stod(m[10]);
    box.search = Unescape(m[11]);
    boxes.push_back(box);
  }
  return boxes;
}

int CodePoints(const std::string& text) {
  int n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

double Pixels(int64_t bytes, int64_t scale) {
  return kDrawable * static_cast<double>(bytes) / static_cast<double>(scale);
}

// Runs /usr/bin/python3 on the file: an independent XML parser. Returns
// false (with its output) if the document is not well-formed.
bool RunPythonOnXml(const std::string& path, const std::string& code,
                    std::string* output) {
  const std::string script = MakeTestDirectory("flamegraph_xml") + "/check.py";
  std::ofstream(script) << "import sys, xml.etree.ElementTree as ET\n"
                        << "root = ET.parse(sys.argv[1]).getroot()\n"
                        << code << "\n";
  const std::string command =
      "/usr/bin/python3 '" + script + "' '" + path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  char buffer[4096];
  size_t n;
  output->clear();
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output->append(buffer, n);
  }
  const int status = pclose(pipe);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(RenderFlameGraphTest, DrawsOneBoxPerMergedNodeWithWidthsInBytes) {
  const std::vector<Box> boxes = ParseBoxes(RenderFlameGraph(ExampleProfile()));
  std::vector<std::string> drawn;
  for (const Box& box : boxes) {
    std::ostringstream line;
    line << box.row << " " << box.label << " x=" << box.x << " w=" << box.width;
    drawn.push_back(line.str());
  }
  // 8 MiB over 1180 px: 147.5 px per MiB, from x = 10.
  EXPECT_THAT(drawn,
              ElementsAre("0 all x=10 w=1180",                       //
                          "1 <module> (train.py:30) x=10 w=1032.5",  //
                          "2 main (train.py:23) x=10 w=1032.5",      //
                          "3 load (train.py:7) x=10 w=885",          //
                          "4 ones (/usr/lib/python3/numpy/core/numeric.py:5) "
                          "x=10 w=737.5",
                          "3 <listcomp> (train.py:12) x=895 w=147.5",  //
                          "1 [no Python stack] x=1042.5 w=147.5"));
}

TEST(RenderFlameGraphTest, TooltipsGiveMiBAndPercentOfPeak) {
  const std::vector<Box> boxes = ParseBoxes(RenderFlameGraph(ExampleProfile()));
  ASSERT_EQ(boxes.size(), 7u);
  const std::string dash = std::string(" ") + kEmDash + " ";
  EXPECT_EQ(boxes[0].tooltip, "all" + dash + "8.0 MiB (100.0%)");
  EXPECT_EQ(boxes[3].tooltip, "load (train.py:7)" + dash + "6.0 MiB (75.0%)");
  EXPECT_EQ(boxes[5].tooltip,
            "<listcomp> (train.py:12)" + dash + "1.0 MiB (12.5%)");
  EXPECT_EQ(boxes[6].tooltip, "[no Python stack]" + dash + "1.0 MiB (12.5%)");
}

TEST(RenderFlameGraphTest, TitleLineHasPeakModeAndCommand) {
  const std::string svg = RenderFlameGraph(ExampleProfile());
  EXPECT_THAT(svg, HasSubstr(std::string("<title>Peak tracked memory: 8.0 MiB "
                                         "(exact mode) ") +
                             kEmDash + " python3 train.py --epochs=3</title>"));
  EXPECT_THAT(svg, HasSubstr("Report at exit, pid 4242."));
  EXPECT_THAT(svg, StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\""));
  // Self-contained: nothing fetched from elsewhere.
  EXPECT_THAT(svg, Not(HasSubstr("href")));
  EXPECT_THAT(svg, Not(HasSubstr("http://www.w3.org/1999/xlink")));
}

TEST(RenderFlameGraphTest, ScalesToTheStacksWhenTheyExceedThePeak) {
  Profile profile = ExampleProfile();
  profile.peak_bytes = 4 * kMiB;  // sample-mode estimates can overshoot
  const std::vector<Box> boxes = ParseBoxes(RenderFlameGraph(profile));
  ASSERT_FALSE(boxes.empty());
  EXPECT_EQ(boxes[0].width, kDrawable);
  EXPECT_THAT(boxes[0].tooltip, HasSubstr("8.0 MiB (200.0%)"));

  // ... and to the peak when the stacks fall short of it.
  profile.peak_bytes = 16 * kMiB;
  const std::vector<Box> half = ParseBoxes(RenderFlameGraph(profile));
  ASSERT_FALSE(half.empty());
  EXPECT_EQ(half[0].width, kDrawable / 2);
}

TEST(RenderFlameGraphTest, EscapesEveryNameAndStaysWellFormedXml) {
  Profile profile;
  profile.mode = "exact";
  profile.reason = "exit";
  profile.command = {"python3", "-c", "print(1 < 2 & 3 > \"x\" 'y')", "]]>",
                     "\x1B[31m"};
  profile.frames = {
      PythonFrame("<module>", "<string>", 1),
      PythonFrame("<listcomp>", "a&b\"c'd.py", 2),
      PythonFrame("<lambda>", "bad\xFF\xFE.py", 3),
      PythonFrame("]]></script><script>alert(1)</script>", "x.py", 4),
      PythonFrame("nonchar\xEF\xBF\xBF", "y.py", 5),
      PythonFrame("semi;colon\nnew<script>", "dir;x\ny\".py", 6),
  };
  profile.stacks = {Stack({1, 0}, 3 * kMiB), Stack({2, 0}, 2 * kMiB),
                    Stack({3, 0}, 2 * kMiB), Stack({4}, 1 * kMiB),
                    Stack({5, 0}, 1 * kMiB)};
  profile.peak_bytes = 9 * kMiB;
  const std::string svg = RenderFlameGraph(profile);

  const std::vector<Box> boxes = ParseBoxes(svg);
  std::vector<std::string> labels;
  labels.reserve(boxes.size());
  for (const Box& box : boxes) labels.push_back(box.label);
  EXPECT_THAT(labels, ElementsAre("all", "<module> (<string>:1)",
                                  "<listcomp> (a&b\"c'd.py:2)",
                                  "<lambda> (bad\xEF\xBF\xBD\xEF\xBF\xBD.py:3)",
                                  "]]></script><script>alert(1)</script> "
                                  "(x.py:4)",
                                  "semi;colon new<script> (dir;x y\".py:6)",
                                  "nonchar\xEF\xBF\xBD (y.py:5)"));
  // The text a box carries, visible or for find, is the same name: one line,
  // escaped, `;` kept.
  for (const Box& box : boxes) {
    EXPECT_EQ(box.whole().find('\n'), std::string::npos) << box.label;
    if (box.label.rfind("semi", 0) == 0) {
      EXPECT_EQ(box.whole(), box.label);
    }
  }
  EXPECT_THAT(svg, HasSubstr("semi;colon new&lt;script&gt; (dir;x "
                             "y&quot;.py:6)"));
  EXPECT_THAT(svg, HasSubstr("&lt;module&gt; (&lt;string&gt;:1)"));
  EXPECT_THAT(svg, HasSubstr("&lt;listcomp&gt; (a&amp;b&quot;c&apos;d.py:2)"));
  // Exactly one script element and one CDATA end: names cannot add one.
  EXPECT_EQ(svg.find("<script"), svg.rfind("<script"));
  EXPECT_EQ(svg.find("]]>"), svg.rfind("]]>"));

  if (access("/usr/bin/python3", X_OK) != 0) {
    GTEST_SKIP() << "no /usr/bin/python3 to parse the XML independently";
  }
  const std::string dir = MakeTestDirectory("flamegraph_escape");
  std::ofstream(dir + "/peak.svg", std::ios::binary) << svg;
  std::string output;
  ASSERT_TRUE(RunPythonOnXml(dir + "/peak.svg",
                             "ns = '{http://www.w3.org/2000/svg}'\n"
                             "for g in root.iter(ns + 'g'):\n"
                             "    t = g.find(ns + 'title').text\n"
                             "    texts = [x.text for x in g.iter(ns + "
                             "'text')]\n"
                             "    assert texts, t\n"
                             "    print(t[:t.rindex(' \\u2014 ')])\n",
                             &output))
      << output;
  EXPECT_EQ(output,
            "all\n<module> (<string>:1)\n<listcomp> (a&b\"c'd.py:2)\n"
            "<lambda> (bad\xEF\xBF\xBD\xEF\xBF\xBD.py:3)\n"
            "]]></script><script>alert(1)</script> (x.py:4)\n"
            "semi;colon new<script> (dir;x y\".py:6)\n"
            "nonchar\xEF\xBF\xBD (y.py:5)\n");
}

TEST(RenderFlameGraphTest, CutsLabelsToFitTheirBoxes) {
  Profile profile;
  const std::string long_name = "load_every_training_shard_into_memory_" +
                                std::string(40, 'x') + "\xC3\xA9t\xC3\xA9";
  profile.frames = {PythonFrame(long_name, "/home/u/project/data.py", 99),
                    PythonFrame("tiny", "t.py", 1)};
  // Only "all" is wide enough for the long label.
  profile.stacks = {Stack({0}, 20 * kMiB), Stack({1}, 2 * kMiB)};
  profile.peak_bytes = 200 * kMiB;
  const std::vector<Box> boxes = ParseBoxes(RenderFlameGraph(profile));
  ASSERT_EQ(boxes.size(), 3u);
  const Box& cut = boxes[1];
  EXPECT_EQ(cut.label, long_name + " (/home/u/project/data.py:99)");
  EXPECT_DOUBLE_EQ(cut.width, 118);  // 20 MiB of 200
  ASSERT_TRUE(cut.has_text);
  EXPECT_EQ(cut.text, "load_every_tra\xE2\x80\xA6");  // 15 characters
  EXPECT_EQ(CodePoints(cut.text), static_cast<int>((118 - 6) / kCharWidth));
  // The whole label stays in the box, for the browser's find.
  ASSERT_TRUE(cut.has_search);
  EXPECT_EQ(cut.search, long_name + " (/home/u/project/data.py:99)");
  EXPECT_EQ(cut.search_x, cut.text_x);
  // 2 MiB is 11.8 px: no room for three letters and an ellipsis, but find
  // still finds it.
  EXPECT_DOUBLE_EQ(boxes[2].width, 11.8);
  EXPECT_FALSE(boxes[2].has_text);
  EXPECT_EQ(boxes[2].search, "tiny (t.py:1)");
  EXPECT_DOUBLE_EQ(boxes[2].search_x, boxes[2].x + 3);
  // Labels that fit need no second copy.
  EXPECT_FALSE(boxes[0].has_search);
}

TEST(RenderFlameGraphTest, KeepsWholeLabelsThatFit) {
  const std::vector<Box> boxes = ParseBoxes(RenderFlameGraph(ExampleProfile()));
  std::vector<std::string> texts;
  texts.reserve(boxes.size());
  for (const Box& box : boxes) texts.push_back(box.text);
  // 147.5 px holds 19 characters: "[no Python stack]" fits, the list
  // comprehension's frame does not.
  // Installed files are shown from their package: "ones" keeps its line.
  EXPECT_THAT(
      texts,
      ElementsAre("all", "<module> (train.py:30)", "main (train.py:23)",
                  "load (train.py:7)", "ones (numpy/core/numeric.py:5)",
                  "<listcomp> (train.\xE2\x80\xA6", "[no Python stack]"));
}

TEST(RenderFlameGraphTest, ColoursFollowTheFileUserCodeWarm) {
  const std::vector<Box> boxes = ParseBoxes(RenderFlameGraph(ExampleProfile()));
  std::map<std::string, std::string> fill_of;
  for (const Box& box : boxes) fill_of[box.label] = box.fill;
  // Same file, same colour; another file, another colour.
  EXPECT_EQ(fill_of["main (train.py:23)"], fill_of["load (train.py:7)"]);
  EXPECT_EQ(fill_of["main (train.py:23)"], fill_of["<module> (train.py:30)"]);
  EXPECT_NE(fill_of["main (train.py:23)"],
            fill_of["ones (/usr/lib/python3/numpy/core/numeric.py:5)"]);
  EXPECT_EQ(fill_of["[no Python stack]"], "#b4b4b4");

  // Deterministic across renders, and the user's files warm (much red, some
  // green, little blue), the synthetic profile's standard-library file
  // cool (teal).
  const Profile synthetic = MakeSyntheticProfile(300, 8);
  const std::vector<Box> many = ParseBoxes(RenderFlameGraph(synthetic));
  EXPECT_EQ(RenderFlameGraph(synthetic), RenderFlameGraph(synthetic));
  std::set<std::string> fills;
  int library_boxes = 0;
  for (const Box& box : many) {
    if (box.label == "all" || box.label.front() == '[') continue;
    fills.insert(box.fill);
    const int r = std::stoi(box.fill.substr(1, 2), nullptr, 16);
    const int g = std::stoi(box.fill.substr(3, 2), nullptr, 16);
    const int b = std::stoi(box.fill.substr(5, 2), nullptr, 16);
    if (box.label.find("/lib/python3.11/") != std::string::npos) {
      ++library_boxes;
      EXPECT_LT(r, 110) << box.label << " " << box.fill;
      EXPECT_GT(g, r + 50) << box.label << " " << box.fill;
      EXPECT_GT(b, r + 40) << box.label << " " << box.fill;
      continue;
    }
    EXPECT_GE(r, 205) << box.fill;
    EXPECT_LT(g, r) << box.fill;
    EXPECT_LT(b, 70) << box.fill;
  }
  EXPECT_GT(library_boxes, 0);
  // Eight user files and one library file.
  EXPECT_GE(fills.size(), 5u);
}

TEST(RenderFlameGraphTest, EachKindOfCodeHasItsOwnColours) {
  Profile profile;
  profile.mode = "exact";
  profile.frames = {
      PythonFrame("features", "/home/u/job.py", 21),
      PythonFrame("stack",
                  "/usr/lib/python3/dist-packages/numpy/core/shape_base.py",
                  471),
      PythonFrame("raw_decode", "/usr/lib/python3.11/json/decoder.py", 353),
      PythonFrame("<lambda>", "<string>", 1),
      NativeFrame("malloc", "libc.so.6"),
  };
  profile.stacks = {Stack({0}, kMiB), Stack({1}, kMiB), Stack({2}, kMiB),
                    Stack({3}, kMiB), Stack({4}, kMiB)};
  profile.peak_bytes = 5 * kMiB;
  std::map<std::string, std::array<int, 3>> rgb;
  for (const Box& box : ParseBoxes(RenderFlameGraph(profile))) {
    rgb[box.label.substr(0, box.label.find(' '))] = {
        std::stoi(box.fill.substr(1, 2), nullptr, 16),
        std::stoi(box.fill.substr(3, 2), nullptr, 16),
        std::stoi(box.fill.substr(5, 2), nullptr, 16)};
  }
  ASSERT_EQ(rgb.size(), 6u);  // with "all"
  // The user's code: red above the rest.
  EXPECT_GE(rgb["features"][0], 205);
  EXPECT_LT(rgb["features"][2], 70);
  // A package: blue above the rest; the standard library: green and blue
  // above red.
  EXPECT_GE(rgb["stack"][2], 205);
  EXPECT_LT(rgb["stack"][0], 100);
  EXPECT_GE(rgb["raw_decode"][1], 175);
  EXPECT_LT(rgb["raw_decode"][0], 110);
  // Generated code: pale lavender (blue highest, red above green).
  EXPECT_GE(rgb["<lambda>"][2], 225);
  EXPECT_GT(rgb["<lambda>"][0], rgb["<lambda>"][1] - 25);
  // Native code: grey (channels within 35 of each other).
  EXPECT_LT(std::abs(rgb["malloc"][0] - rgb["malloc"][2]), 35);
}

TEST(RenderFlameGraphTest, ShortensPathsSoLabelsKeepTheirLine) {
  // An ETL job's pandas call in a box a quarter of the drawing wide
  // (295 px, 40 characters): the full path would be cut long before ":912)".
  Profile profile;
  profile.mode = "exact";
  profile.working_directory = "/home/u/etl";
  profile.frames = {
      PythonFrame("<module>", "/home/u/etl/jobs/load.py", 30),
      PythonFrame("read_csv",
                  "/usr/lib/python3/dist-packages/pandas/io/parsers.py", 912),
  };
  profile.stacks = {Stack({1, 0}, 25 * kMiB), Stack({0}, 75 * kMiB)};
  profile.peak_bytes = 100 * kMiB;
  const std::vector<Box> boxes = ParseBoxes(RenderFlameGraph(profile));
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_EQ(boxes[1].text, "<module> (jobs/load.py:30)");
  EXPECT_EQ(boxes[2].text, "read_csv (pandas/io/parsers.py:912)");
  EXPECT_DOUBLE_EQ(boxes[2].width, 295);
  // The tooltip keeps the whole path.
  EXPECT_EQ(boxes[2].label,
            "read_csv (/usr/lib/python3/dist-packages/pandas/io/parsers.py:"
            "912)");
}

TEST(RenderFlameGraphTest, HeightFitsTheRowsDrawn) {
  // A module imported ten deep: each import adds `<module>` below five of
  // importlib's frames, which are left out of the picture.
  Profile profile;
  profile.mode = "exact";
  profile.frames = {PythonFrame("<module>", "/home/u/job.py", 1)};
  static const char* const kMachinery[][2] = {
      {"_find_and_load", "<frozen importlib._bootstrap>"},
      {"_find_and_load_unlocked", "<frozen importlib._bootstrap>"},
      {"_load_unlocked", "<frozen importlib._bootstrap>"},
      {"exec_module", "<frozen importlib._bootstrap_external>"},
      {"_call_with_frames_removed", "<frozen importlib._bootstrap>"}};
  std::vector<int> outermost_first = {0};
  for (int level = 0; level < 10; ++level) {
    for (const auto& frame : kMachinery) {
      outermost_first.push_back(static_cast<int>(profile.frames.size()));
      profile.frames.push_back(PythonFrame(frame[0], frame[1], 100 + level));
    }
    outermost_first.push_back(static_cast<int>(profile.frames.size()));
    profile.frames.push_back(PythonFrame(
        "<module>",
        "/usr/lib/python3/dist-packages/m" + std::to_string(level) + ".py",
        level + 1));
  }
  profile.stacks = {
      Stack(std::vector<int>(outermost_first.rbegin(), outermost_first.rend()),
            kMiB)};
  profile.peak_bytes = kMiB;
  const std::string svg = RenderFlameGraph(profile);
  const std::vector<Box> boxes = ParseBoxes(svg);
  // "all", the job's <module> and the ten modules, one row each.
  ASSERT_EQ(boxes.size(), 12u);
  EXPECT_EQ(boxes.back().row, 11);
  EXPECT_EQ(boxes.back().label,
            "<module> (/usr/lib/python3/dist-packages/m9.py:10)");
  // Twelve rows of 16 px below the header's 72, and a 10 px margin.
  const int height = kFirstRowY + 12 * kFlameGraphRowHeight + 10;
  EXPECT_THAT(svg, HasSubstr("height=\"" + std::to_string(height) + "\""));
  EXPECT_THAT(svg, HasSubstr("importlib frames are hidden."));
  for (const Box& box : boxes) {
    EXPECT_EQ(box.label.find("frozen importlib"), std::string::npos);
  }
}

TEST(RenderFlameGraphTest, EveryBoxCarriesItsWholeLabelAsText) {
  const Profile profile = MakeSyntheticProfile(2000, 12);
  const std::vector<Box> boxes = ParseBoxes(RenderFlameGraph(profile));
  ASSERT_GT(boxes.size(), 50u);
  int searchable = 0;
  for (const Box& box : boxes) {
    // The whole label is laid out text: uncut and visible, or transparent.
    ASSERT_TRUE(box.has_text || box.has_search) << box.label;
    const std::string& whole = box.whole();
    EXPECT_FALSE(whole.empty()) << box.label;
    if (box.has_text && box.has_search) {
      const std::string shown = box.text.substr(0, box.text.size() - 3);
      EXPECT_EQ(whole.compare(0, shown.size(), shown), 0) << box.text;
    }
    searchable += box.has_search;
  }
  EXPECT_GT(searchable, 0);
}

TEST(RenderFlameGraphTest, BigProfilesOnlyDrawVisibleBoxes) {
  const Profile profile = MakeSyntheticProfile(10000, 20);
  const std::string svg = RenderFlameGraph(profile);
  const std::vector<Box> boxes = ParseBoxes(svg);
  ASSERT_FALSE(boxes.empty());
  const double min_width =
      Pixels(profile.peak_bytes, profile.peak_bytes) * kFlameGraphMinFraction;
  int smaller = 0;
  for (const Box& box : boxes) {
    EXPECT_GE(box.width, min_width - 0.01) << box.label;
    if (box.label.find(" smaller frames]") != std::string::npos) ++smaller;
    if (box.has_text) {
      // Every label is a prefix of its frame, fitted to its box.
      EXPECT_LE(CodePoints(box.text) * kCharWidth, box.width - 6) << box.text;
      const bool cut = box.text.size() >= 3 &&
                       box.text.compare(box.text.size() - 3, 3, kEllipsis) == 0;
      const std::string prefix =
          cut ? box.text.substr(0, box.text.size() - 3) : box.text;
      EXPECT_EQ(box.whole().compare(0, prefix.size(), prefix), 0) << box.text;
    }
  }
  // 10000 stacks of 20 frames are 200000 frame visits; a tiny fraction of
  // them is wide enough to draw.
  EXPECT_LT(boxes.size(), 5000u);
  EXPECT_GT(smaller, 0);
  EXPECT_LT(svg.size(), 2u * 1024 * 1024);
}

TEST(RenderFlameGraphTest, EmptyProfileIsAValidPictureWithNoBoxes) {
  Profile profile;
  profile.mode = "sample";
  profile.reason = "SIGUSR2";
  const std::string svg = RenderFlameGraph(profile);
  EXPECT_THAT(ParseBoxes(svg), IsEmpty());
  EXPECT_THAT(svg, HasSubstr("nothing tracked was live at the peak"));
  EXPECT_THAT(svg, HasSubstr("0.0 MiB (sample mode)"));
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_THAT(svg, HasSubstr("</svg>\n"));
}

TEST(FlameGraphReporterTest, WritesPeakSvgAtomically) {
  const std::string dir = MakeTestDirectory("flamegraph_write");
  FlameGraphReporter reporter;
  std::string error;
  ASSERT_TRUE(reporter.Write(ExampleProfile(), OpenTestDirectory(dir), &error))
      << error;
  // The final name only: no temporary file left behind.
  EXPECT_THAT(ListDirectory(dir), ElementsAre("peak.svg"));
  // What it declares is what it writes (a reused folder is cleared of it).
  EXPECT_THAT(reporter.FileNames(), ElementsAre("peak.svg"));
  EXPECT_EQ(ReadFileOrMissing(dir + "/peak.svg"),
            RenderFlameGraph(ExampleProfile()));
}

TEST(FlameGraphReporterTest, ReportsAMissingDirectory) {
  FlameGraphReporter reporter;
  std::string error;
  EXPECT_FALSE(reporter.Write(
      ExampleProfile(), OpenTestDirectory("/nonexistent/tidemark"), &error));
  EXPECT_THAT(error, HasSubstr("/nonexistent/tidemark/peak.svg"));
}

TEST(FlameGraphReporterTest, IsRegisteredAsFlamegraph) {
  std::unique_ptr<Reporter> reporter(ReporterRegistry::Create("flamegraph"));
  ASSERT_NE(reporter, nullptr);
  EXPECT_NE(dynamic_cast<FlameGraphReporter*>(reporter.get()), nullptr);
}

// Leaves a picture to look at: bazel keeps undeclared outputs in the test's
// outputs.zip.
TEST(FlameGraphReporterTest, WritesAnExampleForPeople) {
  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  if (outputs == nullptr) GTEST_SKIP() << "not run by bazel test";
  Profile profile = MakeSyntheticProfile(400, 12);
  // Mix in the example program's stacks and names.
  const Profile example = ExampleProfile();
  const int base = static_cast<int>(profile.frames.size());
  profile.frames.insert(profile.frames.end(), example.frames.begin(),
                        example.frames.end());
  for (ProfileStack stack : example.stacks) {
    for (int& frame : stack.frames) frame += base;
    stack.bytes *= 8;
    profile.peak_bytes += stack.bytes;
    profile.stacks.push_back(stack);
  }
  FlameGraphReporter reporter;
  std::string error;
  EXPECT_TRUE(reporter.Write(profile, OpenTestDirectory(outputs), &error))
      << error;
}

}  // namespace
}  // namespace tidemark
