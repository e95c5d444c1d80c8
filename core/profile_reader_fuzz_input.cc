#include "core/profile_reader_fuzz_input.h"

#include <algorithm>
#include <cstring>

namespace tidemark {
namespace {

uint32_t Read32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 |
         uint32_t{p[3]} << 24;
}

void Append32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>(value >> (8 * i)));
  }
}

}  // namespace

std::string DecodeFuzzImage(const uint8_t* data, size_t size) {
  if (size < 4) return std::string();
  const uint32_t image_size = std::min(Read32(data), kMaxFuzzImageBytes);
  std::string image(image_size, '\0');
  size_t at = 4;
  while (size - at >= 6) {
    const uint32_t offset = Read32(data + at);
    const size_t length = size_t{data[at + 4]} | size_t{data[at + 5]} << 8;
    at += 6;
    const size_t available = std::min(length, size - at);
    if (offset < image_size) {
      memcpy(&image[offset], data + at,
             std::min<size_t>(available, image_size - offset));
    }
    at += available;
  }
  return image;
}

std::string EncodeFuzzImage(const std::string& image) {
  std::string out;
  Append32(static_cast<uint32_t>(image.size()), &out);
  size_t at = 0;
  while (at < image.size()) {
    if (image[at] == '\0') {
      ++at;
      continue;
    }
    size_t end = at;
    size_t zeros = 0;
    while (end < image.size() && end - at < 65535 && zeros < 8) {
      zeros = image[end] == '\0' ? zeros + 1 : 0;
      ++end;
    }
    end -= zeros;
    Append32(static_cast<uint32_t>(at), &out);
    out.push_back(static_cast<char>((end - at) & 0xff));
    out.push_back(static_cast<char>((end - at) >> 8));
    out.append(image, at, end - at);
    at = end;
  }
  return out;
}

}  // namespace tidemark
