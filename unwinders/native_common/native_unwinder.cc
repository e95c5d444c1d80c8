#include "unwinders/native_common/native_unwinder.h"

#include <link.h>

#include "core/module_map.h"

namespace tidemark {
namespace native {
namespace {

struct Search {
  uint64_t address;
  CodeRange found;
};

int OnObject(dl_phdr_info* info, size_t, void* data) {
  auto* search = static_cast<Search*>(data);
  CodeRange range{~uint64_t{0}, 0};
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const uint64_t start = info->dlpi_addr + ph.p_vaddr;
    if (start < range.low) range.low = start;
    if (start + ph.p_memsz > range.high) range.high = start + ph.p_memsz;
  }
  if (range.Holds(search->address)) {
    search->found = range;
    return 1;
  }
  return 0;
}

}  // namespace

CodeRange ObjectHolding(const void* address) {
  Search search{reinterpret_cast<uint64_t>(address), {}};
  dl_iterate_phdr(&OnObject, &search);
  return search.found;
}

NativeUnwinder::NativeUnwinder()
    : own_code_(ObjectHolding(reinterpret_cast<const void*>(&ObjectHolding))) {}

void NativeUnwinder::Resolve(const RawFrame& frame, ResolvedFrame* out) {
  ModuleMap::ResolveNative(frame.ip, out);
}

int NativeUnwinder::Emit(const uint64_t* pcs, int n, RawFrame* frames,
                         int max) const {
  int i = 0;
  while (i < n && own_code_.Holds(pcs[i])) ++i;
  int out = 0;
  for (; i < n && out < max; ++i) frames[out++] = RawFrame::Native(pcs[i]);
  return out;
}

}  // namespace native
}  // namespace tidemark
