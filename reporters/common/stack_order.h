#ifndef TIDEMARK_REPORTERS_COMMON_STACK_ORDER_H_
#define TIDEMARK_REPORTERS_COMMON_STACK_ORDER_H_

#include <string>
#include <vector>

#include "core/profile.h"

namespace tidemark {

// The stacks worth reporting (bytes > 0), largest first, ties kept in profile
// order. The profile builder already promises this order; reporters sort
// anyway so their output never depends on that promise being kept.
std::vector<const ProfileStack*> StacksByBytes(const Profile& profile);

// The frame at `index`, or nullptr when the index is out of range. Reports are
// written at exit and on signals: a corrupt index must cost a "???" in the
// output, never the profiled program's last moments.
const ProfileFrame* FrameAt(const Profile& profile, int index);

// What a report prints for a frame it cannot find.
inline constexpr char kUnknownFrame[] = "???";

// A frame as every text report spells it: PrintableText(FormatFrame()), or
// kUnknownFrame for nullptr (see FrameAt).
std::string FrameText(const ProfileFrame* frame);

// bytes as a percentage of the peak; 0 when the peak is 0 (nothing tracked).
double PercentOfPeak(const Profile& profile, int64_t bytes);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_COMMON_STACK_ORDER_H_
