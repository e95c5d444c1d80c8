#include "unwinders/cpython/unicode_reader.h"

#include "unwinders/cpython/raw_memory.h"

namespace tidemark {
namespace cpython {

int EncodeUtf8(uint32_t cp, char* out) {
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) cp = 0xfffd;
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xc0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xe0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out[2] = static_cast<char>(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = static_cast<char>(0xf0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
  out[3] = static_cast<char>(0x80 | (cp & 0x3f));
  return 4;
}

bool CopyUnicodeAsUtf8(const Layout& layout, uintptr_t unicode_type,
                       uintptr_t str, char* out, size_t size) {
  if (size == 0) return false;
  out[0] = '\0';
  if (!IsPlausiblePointer(str) ||
      ReadPointerAt(str, layout.object_type) != unicode_type) {
    return false;
  }
  uint32_t state = ReadAt<uint32_t>(str, layout.unicode_state);
  int64_t length = ReadAt<int64_t>(str, layout.unicode_length);
  int kind = static_cast<int>((state >> layout.state_kind_shift) &
                              layout.state_kind_mask);
  if (length < 0 || (kind != 1 && kind != 2 && kind != 4)) return false;

  uintptr_t data;
  if ((state >> layout.state_compact_bit) & 1) {
    // The characters follow the header, which is shorter for ASCII strings.
    data = str + ((state >> layout.state_ascii_bit) & 1
                      ? layout.unicode_ascii_data
                      : layout.unicode_compact_data);
  } else {
    if (layout.state_ready_bit >= 0 &&
        !((state >> layout.state_ready_bit) & 1)) {
      return false;  // 3.10/3.11 legacy string whose data is not built yet
    }
    data = ReadPointerAt(str, layout.unicode_data_any);
    if (data == 0) return false;
  }

  // Every character takes at least one byte, so at most size - 1 are read.
  size_t used = 0;
  for (int64_t i = 0; i < length; ++i) {
    uint32_t cp;
    if (kind == 1) {
      cp = ReadAt<uint8_t>(data, static_cast<int>(i));
    } else if (kind == 2) {
      cp = ReadAt<uint16_t>(data, static_cast<int>(i * 2));
    } else {
      cp = ReadAt<uint32_t>(data, static_cast<int>(i * 4));
    }
    char encoded[4];
    int n = EncodeUtf8(cp, encoded);
    if (used + n > size - 1) break;
    for (int j = 0; j < n; ++j) out[used++] = encoded[j];
  }
  out[used] = '\0';
  return true;
}

}  // namespace cpython
}  // namespace tidemark
