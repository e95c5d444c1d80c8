#ifndef TIDEMARK_CORE_MESSAGE_TEXT_H_
#define TIDEMARK_CORE_MESSAGE_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace tidemark {

// Every message Tidemark prints is one line starting "tidemark:". Values in
// it come from users (paths, flags, TIDEMARK_* variables) and may hold a
// newline, an ESC or another control byte, which would start a second line
// or drive the terminal. These spell such bytes out: "\n", "\r", "\t",
// otherwise "\xHH" (DEL too). Other bytes, UTF-8 included, are kept.

// Into a fixed buffer, for the preloaded library (no allocation). Writes at
// most `capacity` - 1 bytes and a terminating NUL, never splitting an
// escape; returns the length written.
size_t EscapeControlBytes(std::string_view text, char* out, size_t capacity);

std::string EscapeControlBytes(std::string_view text);

// "SIGTERM", "SIGKILL", ... ("signal 77" for one without a name): how
// reports and messages name a signal.
std::string SignalText(int number);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_MESSAGE_TEXT_H_
