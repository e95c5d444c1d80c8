#ifndef TIDEMARK_CORE_MODULE_RECORD_H_
#define TIDEMARK_CORE_MODULE_RECORD_H_

#include <cstdint>

#include "core/profile_format.h"

namespace tidemark {

// One loaded object as the process mapped it (profile_format::ModuleEntry
// in the profiler's memory; core/module_map.h keeps them). Immutable once
// published.
struct ModuleRecord {
  uint64_t start;
  uint64_t end;
  uint64_t bias;
  const char* path;  // the profiler's own heap; never freed
  uint32_t build_id_bytes;
  uint8_t build_id[profile_format::kMaxBuildIdBytes];
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_MODULE_RECORD_H_
