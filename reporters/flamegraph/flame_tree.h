#ifndef TIDEMARK_REPORTERS_FLAMEGRAPH_FLAME_TREE_H_
#define TIDEMARK_REPORTERS_FLAMEGRAPH_FLAME_TREE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/profile.h"
#include "reporters/common/code_origin.h"

namespace tidemark {

// One box of the flame graph: a frame reached by one particular call path.
struct FlameNode {
  enum class Kind {
    kRoot,           // "all": every stack
    kFrame,          // a frame of some stack
    kNoPythonStack,  // stacks with no frames, a child of the root
    kSmaller,        // siblings too small to draw, merged into one box
  };
  Kind kind = Kind::kFrame;
  // Printable text (PrintableText of FormatFrame, "???" for a bad frame
  // index); "all", kNoPythonStack or "[N smaller frames]" for the others.
  std::string label;
  // `label` as the box shows it: the file shortened (ShortFrameText, with
  // the profile's working directory); the same as `label` for the others.
  std::string short_label;
  // Whose code the frame is (kUser for the kinds that are not frames; they
  // are coloured by kind).
  CodeOrigin origin = CodeOrigin::kUser;
  // What the box's colour is derived from: the frame's file (for a native
  // frame, its object). Empty for the kinds that are not frames.
  std::string file;
  int64_t bytes = 0;  // live at the peak under this node, itself included
  // Bytes to the left of this box in its row: the box spans
  // [offset, offset + bytes) on the same scale as the root's
  // [0, root bytes), so drawing is a multiplication.
  int64_t offset = 0;
  int depth = 0;              // 0 for the root
  std::vector<int> children;  // indices into FlameTree::nodes, left to right
};

// importlib's own frames (`<frozen importlib._bootstrap>`,
// `<frozen importlib._bootstrap_external>`): the machinery between one
// module's `<module>` frame and the next. Six of them per nested import
// make a picture of import-time memory mostly plumbing, and rows deep.
bool IsImportMachinery(const ProfileFrame& frame);

struct FlameTree {
  // Pre-order (a parent before its children, children left to right);
  // nodes[0] is the root. Empty when no stack has bytes > 0.
  std::vector<FlameNode> nodes;
  int max_depth = 0;          // of any node kept
  int64_t hidden_frames = 0;  // frame visits left out (IsImportMachinery)
};

// The profile's stacks (bytes > 0) merged into one call tree, root first:
// stacks share a node for as long as their outermost frames read the same
// (by FormatFrame text, so distinct frame entries naming the same code are
// one box, as in the folded output). Stacks with no frames become one
// kNoPythonStack child of the root. Children are ordered largest first,
// ties by label, so the drawing does not depend on profile order.
//
// Frames for which IsImportMachinery holds are left out of the paths (the
// modules that import one another stay, each below its importer), counted
// in `hidden_frames`.
//
// Nodes smaller than `min_bytes` are not kept: a large tree would otherwise
// become a multi-megabyte file of boxes too thin to see. Each parent's
// too-small children are merged into one kSmaller box (drawn last) when
// together they reach `min_bytes`, so their memory stays visible, and are
// dropped otherwise (the parent's box still counts them).
FlameTree BuildFlameTree(const Profile& profile, int64_t min_bytes);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_FLAMEGRAPH_FLAME_TREE_H_
