#include "reporters/flamegraph/flame_tree.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "reporters/common/stack_order.h"
#include "reporters/common/text.h"

namespace tidemark {
namespace {

// Frames are merged by text, so the tree is built over text ids. Two ids are
// reserved for the labels that are not a profile frame's text.
constexpr int kNoPythonText = 0;
constexpr int kBadFrameText = 1;

struct FullNode {
  int text;
  int parent;
  int depth;
  int64_t bytes;
};

// A node waiting to be copied into the kept tree; `full` is -1 for the box
// that merges a parent's too-small children.
struct Pending {
  int full;
  int parent;  // index in FlameTree::nodes
  int64_t offset;
  int64_t bytes;  // for the merged box only
  int count;      // for the merged box only
};

std::string SmallerLabel(int count) {
  return "[" + std::to_string(count) + " smaller frame" +
         (count == 1 ? "" : "s") + "]";
}

}  // namespace

bool IsImportMachinery(const ProfileFrame& frame) {
  return frame.kind == FrameKind::kPython &&
         frame.file.rfind("<frozen importlib._bootstrap", 0) == 0;
}

FlameTree BuildFlameTree(const Profile& profile, int64_t min_bytes) {
  std::vector<std::string> texts = {kNoPythonStack, kUnknownFrame};
  // A frame with each text (for the short label and origin, worked out only
  // for the few nodes kept); -1 for the reserved ones.
  std::vector<int> text_frame = {-1, -1};
  // A frame's text id, or kHidden for a frame left out of the paths.
  constexpr int kHidden = -1;
  std::vector<int> frame_text;
  frame_text.reserve(profile.frames.size());
  {
    std::unordered_map<std::string, int> text_ids;
    for (const ProfileFrame& frame : profile.frames) {
      if (IsImportMachinery(frame)) {
        frame_text.push_back(kHidden);
        continue;
      }
      std::string text = FrameText(&frame);
      auto [it, inserted] =
          text_ids.try_emplace(text, static_cast<int>(texts.size()));
      if (inserted) {
        texts.push_back(std::move(text));
        text_frame.push_back(static_cast<int>(frame_text.size()));
      }
      frame_text.push_back(it->second);
    }
  }

  // The whole merged tree first: whether a node is big enough to keep is
  // only known once every stack has been added.
  std::vector<FullNode> full = {{-1, -1, 0, 0}};
  // (parent node << 32) | text id -> child node. One flat map rather than one
  // per node: most nodes have a single child.
  std::unordered_map<uint64_t, int> child_of;
  const auto child = [&](int parent, int text) {
    const uint64_t key =
        (static_cast<uint64_t>(parent) << 32) | static_cast<uint32_t>(text);
    auto [it, inserted] =
        child_of.try_emplace(key, static_cast<int>(full.size()));
    if (inserted) {
      full.push_back(
          {text, parent, full[static_cast<size_t>(parent)].depth + 1, 0});
    }
    return it->second;
  };
  FlameTree tree;
  for (const ProfileStack& stack : profile.stacks) {
    if (stack.bytes <= 0) continue;
    full[0].bytes += stack.bytes;
    if (stack.frames.empty()) {
      full[static_cast<size_t>(child(0, kNoPythonText))].bytes += stack.bytes;
      continue;
    }
    int node = 0;
    // Stored innermost first; the tree grows from the root.
    for (auto it = stack.frames.rbegin(); it != stack.frames.rend(); ++it) {
      const int index = *it;
      const int text =
          index >= 0 && static_cast<size_t>(index) < frame_text.size()
              ? frame_text[static_cast<size_t>(index)]
              : kBadFrameText;
      if (text == kHidden) {
        ++tree.hidden_frames;
        continue;
      }
      node = child(node, text);
      full[static_cast<size_t>(node)].bytes += stack.bytes;
    }
  }

  if (full[0].bytes <= 0) return tree;
  std::vector<std::vector<int>> children(full.size());
  for (size_t i = 1; i < full.size(); ++i) {
    children[static_cast<size_t>(full[i].parent)].push_back(
        static_cast<int>(i));
  }

  // Depth first with an explicit stack: Python call stacks can be thousands
  // of frames deep, and reports may run on a thread with a small stack.
  std::vector<Pending> pending = {{0, -1, 0, 0, 0}};
  while (!pending.empty()) {
    const Pending item = pending.back();
    pending.pop_back();
    const int index = static_cast<int>(tree.nodes.size());
    FlameNode node;
    node.offset = item.offset;
    if (item.full < 0) {
      node.kind = FlameNode::Kind::kSmaller;
      node.label = SmallerLabel(item.count);
      node.short_label = node.label;
      node.bytes = item.bytes;
      node.depth = tree.nodes[static_cast<size_t>(item.parent)].depth + 1;
    } else {
      const FullNode& source = full[static_cast<size_t>(item.full)];
      node.bytes = source.bytes;
      node.depth = source.depth;
      if (item.full == 0) {
        node.kind = FlameNode::Kind::kRoot;
        node.label = "all";
        node.short_label = node.label;
      } else if (source.text == kNoPythonText) {
        node.kind = FlameNode::Kind::kNoPythonStack;
        node.label = kNoPythonStack;
        node.short_label = node.label;
      } else {
        node.label = texts[static_cast<size_t>(source.text)];
        const int index = text_frame[static_cast<size_t>(source.text)];
        if (index >= 0) {
          const ProfileFrame& frame =
              profile.frames[static_cast<size_t>(index)];
          node.short_label = ShortFrameText(frame, profile.working_directory);
          node.file = frame.file;
          node.origin = OriginOfFrame(frame);
        } else {
          node.short_label = node.label;
        }
      }
    }
    tree.max_depth = std::max(tree.max_depth, node.depth);
    if (item.parent >= 0) {
      tree.nodes[static_cast<size_t>(item.parent)].children.push_back(index);
    }
    tree.nodes.push_back(std::move(node));
    if (item.full < 0) continue;

    std::vector<int>& kids = children[static_cast<size_t>(item.full)];
    std::sort(kids.begin(), kids.end(), [&](int a, int b) {
      const FullNode& x = full[static_cast<size_t>(a)];
      const FullNode& y = full[static_cast<size_t>(b)];
      if (x.bytes != y.bytes) return x.bytes > y.bytes;
      return texts[static_cast<size_t>(x.text)] <
             texts[static_cast<size_t>(y.text)];
    });
    // Largest first, so the kept children are a prefix.
    size_t kept = 0;
    int64_t right = item.offset;
    std::vector<int64_t> offsets;
    while (kept < kids.size() &&
           full[static_cast<size_t>(kids[kept])].bytes >= min_bytes) {
      offsets.push_back(right);
      right += full[static_cast<size_t>(kids[kept])].bytes;
      ++kept;
    }
    int64_t small_bytes = 0;
    for (size_t i = kept; i < kids.size(); ++i) {
      small_bytes += full[static_cast<size_t>(kids[i])].bytes;
    }
    // Pushed in reverse so they come off the stack left to right, the merged
    // box last of all.
    if (small_bytes > 0 && small_bytes >= min_bytes) {
      pending.push_back({-1, index, right, small_bytes,
                         static_cast<int>(kids.size() - kept)});
    }
    for (size_t i = kept; i-- > 0;) {
      pending.push_back({kids[i], index, offsets[i], 0, 0});
    }
    std::vector<int>().swap(kids);  // done with it; keep the peak memory down
  }
  return tree;
}

}  // namespace tidemark
