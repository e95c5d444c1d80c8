#include "reporters/pprof/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace tidemark {
namespace {

// zlib counts in uInt (32 bits): larger buffers go in parts.
uInt Part(size_t size) {
  return static_cast<uInt>(
      std::min<size_t>(size, std::numeric_limits<uInt>::max()));
}

}  // namespace

bool GzipCompress(std::string_view data, std::string* out, std::string* error) {
  z_stream stream{};
  // 15 window bits + 16: a gzip wrapper instead of zlib's own. zlib writes
  // a gzip header with no name and time stamp 0 unless told otherwise.
  constexpr int kGzipWindowBits = 15 + 16;
  constexpr int kMemoryLevel = 8;  // zlib's default
  // The fastest level: profiles of 100,000 stacks must render in well under
  // 2 s, and level 1 is several times faster than the default for a file
  // about a fifth larger.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, kGzipWindowBits,
                   kMemoryLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
    *error = "zlib: cannot start compressing";
    return false;
  }
  // deflateBound is enough for one Z_FINISH; the loop grows it only as a
  // safety net.
  out->assign(std::max<size_t>(deflateBound(&stream, Part(data.size())), 64),
              '\0');
  size_t fed = 0;
  int status = Z_OK;
  for (;;) {
    if (stream.avail_in == 0 && fed < data.size()) {
      stream.next_in =
          reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
      stream.avail_in = Part(data.size() - fed);
      fed += stream.avail_in;
    }
    if (stream.avail_out == 0) {
      const size_t used = stream.total_out;
      if (out->size() == used) out->resize(out->size() * 2);
      stream.next_out = reinterpret_cast<Bytef*>(&(*out)[used]);
      stream.avail_out = Part(out->size() - used);
    }
    const bool all_fed = fed == data.size() && stream.avail_in == 0;
    status = deflate(&stream, all_fed ? Z_FINISH : Z_NO_FLUSH);
    if (status == Z_STREAM_END) break;
    if (status != Z_OK && status != Z_BUF_ERROR) break;
  }
  const size_t written = stream.total_out;
  deflateEnd(&stream);
  if (status != Z_STREAM_END) {
    *error = "zlib: compressing failed (" + std::to_string(status) + ")";
    return false;
  }
  out->resize(written);
  return true;
}

}  // namespace tidemark
