#ifndef TIDEMARK_REPORTERS_PPROF_GZIP_H_
#define TIDEMARK_REPORTERS_PPROF_GZIP_H_

#include <string>
#include <string_view>

namespace tidemark {

// `data` as a gzip member (RFC 1952), compressed by zlib. The header carries
// no file name and a zero time stamp, so the same input always gives the
// same bytes: a report re-rendered from the stored profile equals the one
// the job wrote. Returns false with a reason when zlib fails (out of
// memory).
bool GzipCompress(std::string_view data, std::string* out, std::string* error);

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_PPROF_GZIP_H_
