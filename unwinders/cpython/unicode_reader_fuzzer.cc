// Fuzzes CopyUnicodeAsUtf8 on a fake str object whose header (state bits,
// kind, length) and characters are fuzzed, laid out by each CPython
// version's table. The reader runs inside malloc on objects it cannot
// validate, so whatever the header says it must stay within the characters
// its output can hold, never write past `size`, and produce valid UTF-8.
//
// Input: [layout][state byte][output size][length: 8 bytes][characters...]

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "unwinders/cpython/layout.h"
#include "unwinders/cpython/unicode_reader.h"

namespace tidemark {
namespace cpython {
namespace {

constexpr size_t kMaxOut = 64;
// Room for the longest read: kMaxOut - 1 characters of 4 bytes.
constexpr size_t kMaxCharBytes = kMaxOut * 4;

void Check(bool ok) {
  if (!ok) abort();
}

// True if `text` (NUL-terminated) is well-formed UTF-8 without surrogates.
bool IsValidUtf8(const unsigned char* text) {
  while (*text != 0) {
    const unsigned char c = *text;
    int n;
    uint32_t cp;
    if (c < 0x80) {
      n = 0;
      cp = c;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (int i = 1; i <= n; ++i) {
      if ((text[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (text[i] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    text += n + 1;
  }
  return true;
}

template <typename T>
void Put(unsigned char* base, int offset, T value) {
  memcpy(base + offset, &value, sizeof(value));
}

}  // namespace
}  // namespace cpython
}  // namespace tidemark

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tidemark::cpython;  // NOLINT(google-build-using-namespace)
  if (size < 11) return 0;
  static const Layout* const kLayouts[] = {&kLayoutPy310, &kLayoutPy311,
                                           &kLayoutPy312, &kLayoutPy313};
  const Layout& l = *kLayouts[data[0] % 4];
  const uint8_t flags = data[1];
  const size_t out_size = data[2] % (kMaxOut + 1);
  int64_t length;
  memcpy(&length, data + 3, sizeof(length));
  const uint8_t* chars = data + 11;
  const size_t chars_size = size - 11;

  // The object: header, then room for the longest read at either data
  // offset (compact ASCII or compact). Pointer-aligned, as CPython's are.
  const size_t header = static_cast<size_t>(std::max(
      {l.unicode_ascii_data, l.unicode_compact_data, l.unicode_data_any + 8}));
  const size_t object_size = header + kMaxCharBytes;
  std::unique_ptr<uint64_t[]> object_words(new uint64_t[object_size / 8 + 1]);
  auto* object = reinterpret_cast<unsigned char*>(object_words.get());
  memset(object, 0, object_size);
  // Separate character storage for non-compact strings.
  std::unique_ptr<uint64_t[]> heap_words(new uint64_t[kMaxCharBytes / 8]);
  auto* heap = reinterpret_cast<unsigned char*>(heap_words.get());
  memset(heap, 0, kMaxCharBytes);

  // The characters, wherever the reader may look for them.
  const size_t low = static_cast<size_t>(
      std::min(l.unicode_ascii_data, l.unicode_compact_data));
  memcpy(object + low, chars, std::min(chars_size, object_size - low));
  memcpy(heap, chars, std::min(chars_size, kMaxCharBytes));

  const uintptr_t unicode_type = 0x5000;  // any distinct, plausible address
  const uint32_t kinds[] = {0, 1, 2, 4, 3, 8, 1, 4};
  uint32_t state = (kinds[flags & 7] & l.state_kind_mask) << l.state_kind_shift;
  if (flags & 0x08) state |= 1u << l.state_compact_bit;
  if (flags & 0x10) state |= 1u << l.state_ascii_bit;
  if ((flags & 0x20) && l.state_ready_bit >= 0) {
    state |= 1u << l.state_ready_bit;
  }
  Put<uintptr_t>(object, l.object_type,
                 (flags & 0x80) ? 0x6000 : unicode_type);  // not a str
  Put<int64_t>(object, l.unicode_length, length);
  Put<uint32_t>(object, l.unicode_state, state);
  if (!(flags & 0x08)) {
    Put<uintptr_t>(object, l.unicode_data_any,
                   (flags & 0x40) ? 0 : reinterpret_cast<uintptr_t>(heap));
  }

  // Output with a guard byte after `out_size` to catch writes past it.
  unsigned char out[kMaxOut + 1];
  memset(out, 0xaa, sizeof(out));
  const bool ok =
      CopyUnicodeAsUtf8(l, unicode_type, reinterpret_cast<uintptr_t>(object),
                        reinterpret_cast<char*>(out), out_size);
  Check(out[out_size] == 0xaa);
  if (out_size == 0) {
    Check(!ok);
    return 0;
  }
  const size_t written = strnlen(reinterpret_cast<const char*>(out), out_size);
  Check(written < out_size);  // NUL-terminated inside the buffer
  if (!ok) Check(written == 0);
  Check(IsValidUtf8(out));

  // EncodeUtf8 on every code point the input spells: valid, 1 to 4 bytes.
  for (size_t i = 0; i + 4 <= chars_size; i += 4) {
    uint32_t cp;
    memcpy(&cp, chars + i, sizeof(cp));
    unsigned char encoded[5] = {};
    const int n = EncodeUtf8(cp, reinterpret_cast<char*>(encoded));
    Check(n >= 1 && n <= 4);
    if (cp != 0) Check(IsValidUtf8(encoded));
  }
  return 0;
}
