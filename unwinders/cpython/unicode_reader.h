#ifndef TIDEMARK_UNWINDERS_CPYTHON_UNICODE_READER_H_
#define TIDEMARK_UNWINDERS_CPYTHON_UNICODE_READER_H_

#include <cstddef>
#include <cstdint>

#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {

// Copies the text of the Python str at `str` into `out` as NUL-terminated
// UTF-8, truncated to fit `size` bytes without splitting a character.
// Reads the object's own storage (compact ASCII, compact 1/2/4-byte kinds,
// or a ready non-compact string) instead of calling PyUnicode_AsUTF8, which
// may allocate. Returns false, leaving "" in `out`, if `str` is not a str
// (`unicode_type` is &PyUnicode_Type) or has no readable data.
bool CopyUnicodeAsUtf8(const Layout& layout, uintptr_t unicode_type,
                       uintptr_t str, char* out, size_t size);

// Encodes one code point as UTF-8 into `out` (room for 4 bytes); returns the
// byte count. Surrogates and out-of-range values become U+FFFD.
int EncodeUtf8(uint32_t code_point, char* out);

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_UNICODE_READER_H_
