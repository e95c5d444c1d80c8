#include "reporters/flamegraph/flame_tree.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reporters/testing/profile_parts.h"

namespace tidemark {
namespace {

using reporter_testing::NativeFrame;
using reporter_testing::PythonFrame;
using reporter_testing::Stack;

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The tree in pre-order, one line per node: indentation for depth, then
// "LABEL BYTES@OFFSET". Also checks that the children lists agree with the
// pre-order and depths, so every test checks the structure too.
std::vector<std::string> Describe(const FlameTree& tree) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    const FlameNode& node = tree.nodes[i];
    lines.push_back(std::string(static_cast<size_t>(node.depth) * 2, ' ') +
                    node.label + " " + std::to_string(node.bytes) + "@" +
                    std::to_string(node.offset));
    int64_t offset = node.offset;
    for (int child : node.children) {
      const FlameNode& c = tree.nodes[static_cast<size_t>(child)];
      EXPECT_GT(static_cast<size_t>(child), i);
      EXPECT_EQ(c.depth, node.depth + 1) << c.label;
      EXPECT_EQ(c.offset, offset) << c.label;  // children tile left to right
      offset += c.bytes;
    }
    EXPECT_LE(offset, node.offset + node.bytes) << node.label;
  }
  return lines;
}

// <module> -> main -> load -> ones (-> PyArray_Zeros), main -> parse, and a
// stack with no Python frame.
Profile SmallProfile() {
  Profile profile;
  profile.mode = "exact";
  profile.frames = {
      PythonFrame("<module>", "app.py", 30),                 // 0
      PythonFrame("main", "app.py", 23),                     // 1
      PythonFrame("load", "app.py", 7),                      // 2
      PythonFrame("ones", "numpy/numeric.py", 5),            // 3
      PythonFrame("parse", "app.py", 12),                    // 4
      NativeFrame("PyArray_Zeros", "_multiarray_umath.so"),  // 5
  };
  // Deliberately not largest first.
  profile.stacks =
      {
          Stack({4, 1, 0}, 300), Stack({3, 2, 1, 0}, 2048),
          Stack({}, 100),        Stack({5, 3, 2, 1, 0}, 1500),
          Stack({4, 1, 0}, 0),  // none live at the peak: no node
      };
  profile.peak_bytes = 3948;
  return profile;
}

TEST(BuildFlameTreeTest, MergesStacksByTheirRootFirstPrefixes) {
  const FlameTree tree = BuildFlameTree(SmallProfile(), 0);
  EXPECT_THAT(Describe(tree),
              ElementsAre("all 3948@0",                                //
                          "  <module> (app.py:30) 3848@0",             //
                          "    main (app.py:23) 3848@0",               //
                          "      load (app.py:7) 3548@0",              //
                          "        ones (numpy/numeric.py:5) 3548@0",  //
                          "          PyArray_Zeros (_multiarray_umath.so) "
                          "1500@0",
                          "      parse (app.py:12) 300@3548",  //
                          "  [no Python stack] 100@3848"));
  EXPECT_EQ(tree.max_depth, 5);
  EXPECT_EQ(tree.nodes[0].kind, FlameNode::Kind::kRoot);
  EXPECT_EQ(tree.nodes[1].kind, FlameNode::Kind::kFrame);
  EXPECT_EQ(tree.nodes[1].file, "app.py");
  EXPECT_EQ(tree.nodes[4].file, "numpy/numeric.py");
  EXPECT_EQ(tree.nodes[5].file, "_multiarray_umath.so");
  EXPECT_EQ(tree.nodes[7].kind, FlameNode::Kind::kNoPythonStack);
  EXPECT_EQ(tree.nodes[7].file, "");
}

TEST(BuildFlameTreeTest, EmptyProfileHasNoNodes) {
  EXPECT_THAT(BuildFlameTree(Profile(), 0).nodes, IsEmpty());
  Profile zero;
  zero.frames = {PythonFrame("f", "a.py", 1)};
  zero.stacks = {Stack({0}, 0), Stack({}, -5)};
  EXPECT_THAT(BuildFlameTree(zero, 0).nodes, IsEmpty());
}

TEST(BuildFlameTreeTest, MergesDistinctFramesThatReadTheSame) {
  Profile profile;
  // Two entries for one line (e.g. a reloaded module's code object).
  profile.frames = {PythonFrame("f", "a.py", 1), PythonFrame("f", "a.py", 1),
                    PythonFrame("g", "a.py", 2)};
  profile.stacks = {Stack({2, 0}, 50), Stack({2, 1}, 30), Stack({1}, 40)};
  EXPECT_THAT(
      Describe(BuildFlameTree(profile, 0)),
      ElementsAre("all 120@0", "  f (a.py:1) 120@0", "    g (a.py:2) 80@0"));
}

TEST(BuildFlameTreeTest, SameFrameUnderDifferentCallersStaysApart) {
  Profile profile;
  profile.frames = {PythonFrame("a", "m.py", 1), PythonFrame("b", "m.py", 2),
                    PythonFrame("leaf", "m.py", 3)};
  profile.stacks = {Stack({2, 0}, 10), Stack({2, 1}, 20), Stack({2}, 5)};
  EXPECT_THAT(Describe(BuildFlameTree(profile, 0)),
              ElementsAre("all 35@0", "  b (m.py:2) 20@0",
                          "    leaf (m.py:3) 20@0", "  a (m.py:1) 10@20",
                          "    leaf (m.py:3) 10@20", "  leaf (m.py:3) 5@30"));
}

TEST(BuildFlameTreeTest, OrdersChildrenLargestFirstThenByLabel) {
  Profile profile;
  profile.frames = {PythonFrame("c", "m.py", 1), PythonFrame("a", "m.py", 1),
                    PythonFrame("b", "m.py", 1)};
  profile.stacks = {Stack({0}, 10), Stack({1}, 10), Stack({2}, 20)};
  EXPECT_THAT(Describe(BuildFlameTree(profile, 0)),
              ElementsAre("all 40@0", "  b (m.py:1) 20@0", "  a (m.py:1) 10@20",
                          "  c (m.py:1) 10@30"));
}

TEST(BuildFlameTreeTest, NoPythonStackIsARootChildOfItsOwn) {
  Profile profile;
  // A frame that reads like the label must not absorb those stacks.
  profile.frames = {PythonFrame("[no Python stack]", "x.py", 1)};
  profile.stacks = {Stack({}, 7), Stack({0}, 9), Stack({}, 4)};
  const FlameTree tree = BuildFlameTree(profile, 0);
  EXPECT_THAT(Describe(tree),
              ElementsAre("all 20@0", "  [no Python stack] 11@0",
                          "  [no Python stack] (x.py:1) 9@11"));
  EXPECT_EQ(tree.nodes[1].kind, FlameNode::Kind::kNoPythonStack);
  EXPECT_EQ(tree.nodes[2].kind, FlameNode::Kind::kFrame);
}

TEST(BuildFlameTreeTest, MergesSmallSiblingsIntoOneBoxDrawnLast) {
  Profile profile;
  profile.frames = {
      PythonFrame("main", "m.py", 1), PythonFrame("a", "m.py", 2),
      PythonFrame("b", "m.py", 3),    PythonFrame("c", "m.py", 4),
      PythonFrame("d", "m.py", 5),    PythonFrame("e", "m.py", 6)};
  profile.stacks = {Stack({1, 0}, 1000), Stack({2, 0}, 6), Stack({3, 0}, 5),
                    Stack({4, 0}, 4), Stack({5, 1, 0}, 3)};
  // At 10 bytes: a (1003) stays, its child e (3) is dropped alone, b, c, d
  // (15 together) become one box after a.
  const FlameTree tree = BuildFlameTree(profile, 10);
  EXPECT_THAT(
      Describe(tree),
      ElementsAre("all 1018@0", "  main (m.py:1) 1018@0",
                  "    a (m.py:2) 1003@0", "    [3 smaller frames] 15@1003"));
  EXPECT_EQ(tree.nodes[3].kind, FlameNode::Kind::kSmaller);
  EXPECT_EQ(tree.max_depth, 2);

  // At 16 bytes the three together are still too small: dropped.
  EXPECT_THAT(Describe(BuildFlameTree(profile, 16)),
              ElementsAre("all 1018@0", "  main (m.py:1) 1018@0",
                          "    a (m.py:2) 1003@0"));
}

TEST(BuildFlameTreeTest, NamesBadFrameIndicesAndUnprintableNames) {
  Profile profile;
  profile.frames = {PythonFrame("f\nx\x1B[2J", "a\xFF.py", 1)};
  profile.stacks = {Stack({7, 0}, 10), Stack({-1}, 5)};
  EXPECT_THAT(Describe(BuildFlameTree(profile, 0)),
              ElementsAre("all 15@0", "  f x [2J (a\xEF\xBF\xBD.py:1) 10@0",
                          "    ??? 10@0", "  ??? 5@10"));
}

TEST(BuildFlameTreeTest, HandlesVeryDeepStacks) {
  Profile profile;
  ProfileStack deep;
  for (int i = 0; i < 20000; ++i) {
    profile.frames.push_back(PythonFrame("f" + std::to_string(i), "r.py", i));
    deep.frames.push_back(i);
  }
  deep.bytes = 64;
  profile.stacks.push_back(deep);
  const FlameTree tree = BuildFlameTree(profile, 1);
  ASSERT_EQ(tree.nodes.size(), 20001u);
  EXPECT_EQ(tree.max_depth, 20000);
  EXPECT_EQ(tree.nodes[1].label, "f19999 (r.py:19999)");  // outermost
  EXPECT_EQ(tree.nodes.back().label, "f0 (r.py:0)");
}

TEST(BuildFlameTreeTest, LeavesImportMachineryOutAndLabelsShort) {
  Profile profile;
  profile.mode = "exact";
  profile.working_directory = "/home/u";
  profile.frames = {
      PythonFrame("<module>", "/home/u/job.py", 3),                       // 0
      PythonFrame("_find_and_load", "<frozen importlib._bootstrap>", 1),  // 1
      PythonFrame("exec_module", "<frozen importlib._bootstrap_external>",
                  2),                                                       // 2
      PythonFrame("<module>", "/v/lib/python3.11/site-packages/pd.py", 9),  // 3
      PythonFrame("<module>", "<frozen runpy>", 4),                         // 4
  };
  profile.stacks = {Stack({3, 2, 1, 0, 4}, 100)};
  const FlameTree tree = BuildFlameTree(profile, 1);
  EXPECT_THAT(Describe(tree),
              ElementsAre("all 100@0", "  <module> (<frozen runpy>:4) 100@0",
                          "    <module> (/home/u/job.py:3) 100@0",
                          "      <module> "
                          "(/v/lib/python3.11/site-packages/pd.py:9) 100@0"));
  EXPECT_EQ(tree.hidden_frames, 2);
  EXPECT_EQ(tree.max_depth, 3);
  ASSERT_EQ(tree.nodes.size(), 4u);
  EXPECT_EQ(tree.nodes[0].short_label, "all");
  EXPECT_EQ(tree.nodes[2].short_label, "<module> (job.py:3)");
  EXPECT_EQ(tree.nodes[3].short_label, "<module> (pd.py:9)");
  EXPECT_EQ(tree.nodes[1].origin, CodeOrigin::kFrozen);
  EXPECT_EQ(tree.nodes[2].origin, CodeOrigin::kUser);
  EXPECT_EQ(tree.nodes[3].origin, CodeOrigin::kLibrary);
  EXPECT_EQ(tree.nodes[3].file, "/v/lib/python3.11/site-packages/pd.py");
}

}  // namespace
}  // namespace tidemark
