// unwinder_probe.so: the "cpython" unwinder behind a C API, for tests that
// load it into a real interpreter with ctypes and check what it sees of the
// calling thread's Python stack. Loaded with ctypes.PyDLL the call keeps the
// GIL; with ctypes.CDLL it runs with the GIL released.
#include <time.h>

#include <cstdio>
#include <cstring>
#include <thread>

#include "core/frame.h"
#include "core/registry.h"
#include "core/unwinder.h"

namespace {

constexpr int kMaxFrames = 256;

tidemark::Unwinder* GetUnwinder() {
  // Through the registry, as the tool does: also checks the registration.
  static tidemark::Unwinder* unwinder =
      tidemark::UnwinderRegistry::Create("cpython");
  return unwinder;
}

void SleepMicroseconds(int us) {
  timespec ts{us / 1000000, (us % 1000000) * 1000L};
  nanosleep(&ts, nullptr);
}

// Appends "function (file:line);" for each captured frame.
int DescribeStack(char* out, int size, int max_frames) {
  tidemark::Unwinder* unwinder = GetUnwinder();
  if (unwinder == nullptr || size <= 0) return -1;
  if (max_frames > kMaxFrames) max_frames = kMaxFrames;
  tidemark::RawFrame frames[kMaxFrames];
  int n = unwinder->Capture(frames, max_frames);
  int used = 0;
  out[0] = '\0';
  for (int i = 0; i < n; ++i) {
    tidemark::ResolvedFrame resolved;
    unwinder->Resolve(frames[i], &resolved);
    int wrote = std::snprintf(out + used, size - used, "%s (%s:%d);",
                              resolved.function, resolved.file, resolved.line);
    if (wrote < 0 || wrote >= size - used) return -1;
    used += wrote;
  }
  return n;
}

}  // namespace

extern "C" {

// Writes the calling thread's Python stack, innermost first, as
// "function (file:line);..." into `out` (NUL-terminated). Captures at most
// `max_frames` frames, after sleeping `delay_us` (so that, called with the
// GIL released, another thread can take the GIL first). Returns the number of
// frames, or -1 if the unwinder is missing or `out` is too small.
__attribute__((visibility("default"))) int tidemark_probe_stack(
    char* out, int size, int max_frames, int delay_us) {
  if (delay_us > 0) SleepMicroseconds(delay_us);
  return DescribeStack(out, size, max_frames);
}

// The same from a fresh native thread that Python never saw.
__attribute__((visibility("default"))) int tidemark_probe_native_thread(
    char* out, int size) {
  int result = -1;
  std::thread thread([&] { result = DescribeStack(out, size, kMaxFrames); });
  thread.join();
  return result;
}

}  // extern "C"
