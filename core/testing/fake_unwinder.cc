#include "core/testing/fake_unwinder.h"

#include <cstdio>

namespace tidemark {
namespace {

// The calling thread's stack, shared by every FakeUnwinder: the tracker
// captures on the allocating thread, so a per-thread choice is what lets
// threads of one test allocate from different stacks.
thread_local const std::vector<RawFrame>* t_thread_stack = nullptr;

}  // namespace

int FakeUnwinder::Capture(RawFrame* frames, int max) {
  const std::vector<RawFrame>* stack =
      t_thread_stack != nullptr ? t_thread_stack : default_stack_;
  if (stack == nullptr) return 0;
  int n = 0;
  for (const RawFrame& frame : *stack) {
    if (n == max) break;
    frames[n++] = frame;
  }
  return n;
}

void FakeUnwinder::Resolve(const RawFrame& frame, ResolvedFrame* out) {
  resolves_.fetch_add(1);
  snprintf(out->function, sizeof(out->function), "f%llu",
           static_cast<unsigned long long>(frame.ip));
  snprintf(out->file, sizeof(out->file), "%s", file_);
  out->line = line_ == Line::kIp ? static_cast<int>(frame.ip) : 1;
}

void SetFakeThreadStack(const std::vector<RawFrame>* frames) {
  t_thread_stack = frames;
}

}  // namespace tidemark
