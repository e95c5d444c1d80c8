#include "unwinders/cpython/hybrid_stack.h"

namespace tidemark {
namespace cpython {

int MergeHybridStack(const RawFrame* native, int native_count,
                     const RawFrame* python, int python_count,
                     const EvaluatorCalls& calls, EvaluatorCode evaluator,
                     RawFrame* out, int max) {
  int written = 0;
  int call = 0;       // the next evaluator call to place
  int python_at = 0;  // its first frame
  auto put = [&](const RawFrame& frame) {
    if (written < max) out[written++] = frame;
  };
  for (int i = 0; i < native_count && written < max; ++i) {
    const RawFrame& frame = native[i];
    if (frame.kind() != FrameKind::kNative || !evaluator.Holds(frame.ip) ||
        call >= calls.count) {
      put(frame);
      continue;
    }
    const int end =
        calls.ends[call] < python_count ? calls.ends[call] : python_count;
    for (; python_at < end; ++python_at) put(python[python_at]);
    ++call;
  }
  // What the native walk did not reach.
  for (; python_at < python_count; ++python_at) put(python[python_at]);
  return written;
}

}  // namespace cpython
}  // namespace tidemark
