#ifndef TIDEMARK_CORE_PROFILE_READER_FUZZ_INPUT_H_
#define TIDEMARK_CORE_PROFILE_READER_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace tidemark {

// The profile reader fuzzer's input: a stored-profile image written
// sparsely, because a real one is mostly zeros (a 270 KiB chunk table, then
// 64 KiB chunks that hold a few entries) and libFuzzer mutates best what is
// small. Layout, little-endian:
//   u32 image size (capped at kMaxFuzzImageBytes)
//   records, each: u32 offset, u16 length, `length` bytes
// The image is zeros with each record's bytes at its offset (cut at the
// image's end). Offsets and lengths are fuzzed like everything else.
inline constexpr uint32_t kMaxFuzzImageBytes = 1u << 20;

std::string DecodeFuzzImage(const uint8_t* data, size_t size);

// The records for `image`: each run of non-zero bytes (runs closer than a
// record header are merged).
std::string EncodeFuzzImage(const std::string& image);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROFILE_READER_FUZZ_INPUT_H_
