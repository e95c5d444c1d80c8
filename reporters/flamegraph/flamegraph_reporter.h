#ifndef TIDEMARK_REPORTERS_FLAMEGRAPH_FLAMEGRAPH_REPORTER_H_
#define TIDEMARK_REPORTERS_FLAMEGRAPH_FLAMEGRAPH_REPORTER_H_

#include <string>
#include <vector>

#include "core/profile.h"
#include "core/reporter.h"

namespace tidemark {

inline constexpr const char kFlameGraphFileName[] = "peak.svg";

// Geometry of the drawing, in SVG user units (pixels at 100% zoom). Tests
// use them to turn box widths back into bytes.
inline constexpr int kFlameGraphWidth = 1200;
inline constexpr int kFlameGraphPadding = 10;  // left and right margins
inline constexpr int kFlameGraphRowHeight = 16;
// Boxes narrower than this fraction of the drawing are merged or dropped
// (see BuildFlameTree).
inline constexpr double kFlameGraphMinFraction = 0.001;

// A self-contained SVG flame graph (an icicle: the root on top, callees
// below their callers) of the memory live at the peak, for a browser:
//
//  - a title line: peak tracked memory in MiB, mode and command;
//  - one box per node of the merged call tree (BuildFlameTree), its width
//    proportional to the bytes under it, so that the full width (less the
//    margins) is the larger of the peak and the stacks' total;
//  - each box has a tooltip "FRAME — X.Y MiB (Z%)" (percent of the peak, as
//    in the other reports) and a label cut to fit with "…";
//  - colours are warm and derived from the frame's file, so every frame of
//    one file has the same colour in every report; "[no Python stack]" and
//    merged small boxes are grey;
//  - a short script zooms into a box on click (click "all" to zoom out);
//    without scripts the picture is complete, just static.
//
// All text from the profiled program goes through PrintableText and is
// XML-escaped, so no name can break the document.
std::string RenderFlameGraph(const Profile& profile);

// Registered as "flamegraph": writes RenderFlameGraph() to
// DIRECTORY/peak.svg.
class FlameGraphReporter : public Reporter {
 public:
  bool Write(const Profile& profile, const ReportDirectory& directory,
             std::string* error) override;
  std::vector<std::string> FileNames() const override {
    return {kFlameGraphFileName};
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_FLAMEGRAPH_FLAMEGRAPH_REPORTER_H_
