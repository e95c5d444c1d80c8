#include "unwinders/libdw/libdw_unwinder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/module_map.h"
#include "core/registry.h"
#include "core/thread_state.h"
#include "unwinders/native_common/stack_bounds.h"

namespace tidemark {

using libdw_unwind::FrameRules;
using libdw_unwind::WalkState;

LibdwUnwinder::LibdwUnwinder() {
  dw_ = Libdw();
  unloads_seen_ = ModuleMap::Get().unloads();
}

LibdwUnwinder::~LibdwUnwinder() {
  for (int i = 0; i < module_count_; ++i) {
    if (modules_[i].cfi != nullptr) dw_->dwarf_cfi_end(modules_[i].cfi);
    if (modules_[i].elf != nullptr) dw_->elf_end(modules_[i].elf);
  }
}

Dwarf_CFI* LibdwUnwinder::CfiFor(const ModuleRecord* module) {
  for (int i = 0; i < module_count_; ++i) {
    if (modules_[i].module == module) return modules_[i].cfi;
  }
  if (module_count_ >= kMaxModules) return nullptr;
  ModuleCfi& entry = modules_[module_count_++];
  entry = ModuleCfi{module, nullptr, nullptr};
  if (module->path[0] != '/') return nullptr;  // the vDSO: no file
  const int fd = open(module->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  // The whole file mapped, then the descriptor closed: none stays open
  // for the program to see.
  entry.elf = dw_->elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (entry.elf != nullptr) {
    entry.cfi = dw_->dwarf_getcfi_elf(entry.elf);
    dw_->elf_cntl(entry.elf, ELF_C_FDDONE);
  }
  close(fd);
  return entry.cfi;
}

bool LibdwUnwinder::RulesFor(uint64_t pc, FrameRules* out) {
  CacheEntry& slot =
      cache_[(pc * 0x9E3779B97F4A7C15ULL) >> (64 - 12)];  // 4096 = 2^12
  static_assert(kCacheEntries == 4096, "the hash's shift");
  if (slot.pc == pc) {
    *out = slot.rules;
    return true;
  }
  // Asking libdw allocates; inside the allocator (an mmap it makes with
  // its lock held) that could deadlock.
  if (t_thread_state.in_allocator != 0) return false;
  ModuleMap& map = ModuleMap::Get();
  const ModuleRecord* module = map.Find(pc);
  if (module == nullptr) {
    map.RefreshIfChanged();
    module = map.Find(pc);
    if (module == nullptr) return false;
  }
  Dwarf_CFI* cfi = CfiFor(module);
  if (cfi == nullptr) return false;
  Dwarf_Frame* frame = nullptr;
  if (dw_->dwarf_cfi_addrframe(cfi, pc - module->bias, &frame) != 0) {
    return false;
  }
  FrameRules rules;
  Dwarf_Op* ops = nullptr;
  size_t nops = 0;
  if (dw_->dwarf_frame_cfa(frame, &ops, &nops) == 0) {
    rules.cfa = libdw_unwind::CompileCfa(ops, nops);
  }
  Dwarf_Op ops_mem[3];
  if (dw_->dwarf_frame_register(frame, libdw_unwind::kReturnAddress, ops_mem,
                                &ops, &nops) == 0) {
    rules.return_address = libdw_unwind::CompileRegister(ops, nops);
  }
  if (dw_->dwarf_frame_register(frame, libdw_unwind::kRbp, ops_mem, &ops,
                                &nops) == 0) {
    rules.rbp = libdw_unwind::CompileRegister(ops, nops);
  }
  free(frame);
  slot.pc = pc;
  slot.rules = rules;
  *out = rules;
  return true;
}

// Not inlined: the walk starts from this function's own frame (built with
// frame pointers, as the whole project is).
__attribute__((noinline)) int LibdwUnwinder::Capture(RawFrame* frames,
                                                     int max) {
  if (dw_ == nullptr) return 0;
  const auto* own = static_cast<const uint64_t*>(__builtin_frame_address(0));
  WalkState state;
  state.rsp = reinterpret_cast<uint64_t>(own) + 16;
  state.pc = own[1];
  state.rbp = own[0];
  state.rbp_known = true;
  const native::StackRange range = native::CurrentStackRange(state.rsp);
  if (range.high == 0) return 0;
  state.low = reinterpret_cast<uint64_t>(own);
  state.high = range.high;

  constexpr int kOwnFramesRoom = 16;  // the profiler's frames, dropped
  uint64_t pcs[128 + kOwnFramesRoom];
  const int room = std::min<int>(max + kOwnFramesRoom, 128 + kOwnFramesRoom);
  int n = 0;
  pcs[n++] = state.pc;
  const uint64_t unloads = ModuleMap::Get().unloads();
  // One lock for the whole walk (libdw is not thread-safe, and the cache is
  // shared): taking it once per frame cost more than the walk itself.
  SpinLockHolder hold(lock_);
  if (unloads != unloads_seen_) {
    unloads_seen_ = unloads;
    memset(static_cast<void*>(cache_), 0, sizeof(CacheEntry) * kCacheEntries);
  }
  while (n < room) {
    FrameRules rules;
    // A return address: the call is the instruction before it.
    if (!RulesFor(state.pc - 1, &rules) || !libdw_unwind::Step(rules, &state)) {
      break;
    }
    pcs[n++] = state.pc;
  }
  return Emit(pcs, n, frames, max);
}

TIDEMARK_REGISTER_UNWINDER("libdw", LibdwUnwinder)

}  // namespace tidemark
