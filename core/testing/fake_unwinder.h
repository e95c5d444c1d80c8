#ifndef TIDEMARK_CORE_TESTING_FAKE_UNWINDER_H_
#define TIDEMARK_CORE_TESTING_FAKE_UNWINDER_H_

#include <atomic>
#include <vector>

#include "core/frame.h"
#include "core/unwinder.h"

namespace tidemark {

// The one fake Unwinder of the core's and the plugins' tests and
// benchmarks. Capture() copies a stack the test chose (the calling thread's
// own, set with SetFakeThreadStack, else the unwinder's default, else none);
// Resolve() names a frame "f<ip>" in `file`, counting the calls, so tests
// can check that each distinct frame is named once. Neither allocates nor
// locks: both run inside the tracker's allocation path, as a real
// unwinder's do.
class FakeUnwinder : public Unwinder {
 public:
  // Which line Resolve() gives a frame.
  enum class Line {
    kOne,  // always 1
    kIp,   // the frame's ip (distinct frames get distinct lines)
  };

  explicit FakeUnwinder(const char* file = "test.py", Line line = Line::kOne)
      : file_(file), line_(line) {}

  // The stack Capture() returns on threads without their own; `frames` must
  // outlive the captures. Set it before any thread captures.
  void set_default_stack(const std::vector<RawFrame>* frames) {
    default_stack_ = frames;
  }

  int Capture(RawFrame* frames, int max) override;
  void Resolve(const RawFrame& frame, ResolvedFrame* out) override;

  int resolves() const { return resolves_.load(); }

 private:
  const char* const file_;
  const Line line_;
  const std::vector<RawFrame>* default_stack_ = nullptr;
  std::atomic<int> resolves_{0};
};

// Makes `frames` (nullptr: none) what any FakeUnwinder captures on the
// calling thread, until the next call there; `frames` must outlive the
// captures.
void SetFakeThreadStack(const std::vector<RawFrame>* frames);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_TESTING_FAKE_UNWINDER_H_
