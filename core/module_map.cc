#include "core/module_map.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "core/internal_allocator.h"
#include "core/profile_store.h"

namespace tidemark {
namespace {

// The NT_GNU_BUILD_ID note among the object's loaded notes (they are in
// memory: PT_NOTE lies inside the first PT_LOAD). 0 bytes when none.
void ReadBuildId(const dl_phdr_info& info, ModuleRecord* out) {
  out->build_id_bytes = 0;
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info.dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) note;
      memcpy(&note, p, sizeof(note));
      const char* name = p + sizeof(note);
      const char* desc = name + ((note.n_namesz + 3) & ~3u);
      const char* next = desc + ((note.n_descsz + 3) & ~3u);
      if (next > end || next <= p) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          memcmp(name, "GNU", 4) == 0 && note.n_descsz > 0 &&
          note.n_descsz <= profile_format::kMaxBuildIdBytes) {
        memcpy(out->build_id, desc, note.n_descsz);
        out->build_id_bytes = note.n_descsz;
        return;
      }
      p = next;
    }
  }
}

// A copy of `text` in the profiler's heap; nullptr when out of memory.
const char* CopyPath(const char* text, size_t n) {
  char* copy = static_cast<char*>(InternalAllocator::Allocate(n + 1));
  if (copy == nullptr) return nullptr;
  memcpy(copy, text, n);
  copy[n] = '\0';
  return copy;
}

}  // namespace

struct ModuleMap::Loaded {
  ModuleMap* map;
  bool first;
};

ModuleMap& ModuleMap::Get() {
  // Constant-initialized: usable from the first allocation on.
  static ModuleMap map;
  return map;
}

int ModuleMap::OnCounters(dl_phdr_info* info, size_t size, void* data) {
  auto* counters = static_cast<unsigned long long*>(data);
  if (size < offsetof(dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
    counters[0] = counters[1] = 0;  // an old loader: refresh every time
    return 1;
  }
  counters[0] = info->dlpi_adds;
  counters[1] = info->dlpi_subs;
  return 1;  // the counters come with the first object: stop there
}

int ModuleMap::OnObject(dl_phdr_info* info, size_t, void* data) {
  auto* loaded = static_cast<Loaded*>(data);
  const bool first = loaded->first;
  loaded->first = false;
  ModuleRecord record = {};
  record.start = ~uint64_t{0};
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const uint64_t start = info->dlpi_addr + ph.p_vaddr;
    if (start < record.start) record.start = start;
    if (start + ph.p_memsz > record.end) record.end = start + ph.p_memsz;
  }
  if (record.end == 0) return 0;  // nothing mapped
  record.bias = info->dlpi_addr;
  const char* name = info->dlpi_name == nullptr ? "" : info->dlpi_name;
  char exe[4096];
  if (name[0] == '\0' && first) {
    // The executable: the loader gives it no name.
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
      exe[n] = '\0';
      name = exe;
    }
  }
  record.path = name;
  ReadBuildId(*info, &record);
  loaded->map->AddLocked(record);
  return 0;
}

void ModuleMap::AddLocked(const ModuleRecord& candidate) {
  const uint32_t n = count_.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < n; ++i) {
    const ModuleRecord& r = *records_[i];
    if (r.start == candidate.start && r.bias == candidate.bias &&
        strcmp(r.path, candidate.path) == 0) {
      return;  // seen before (a reload at the same place is the same)
    }
  }
  if (n >= kMaxModules) return;
  auto* record = static_cast<ModuleRecord*>(
      InternalAllocator::Allocate(sizeof(ModuleRecord)));
  if (record == nullptr) return;
  *record = candidate;
  record->path = CopyPath(candidate.path, strlen(candidate.path));
  if (record->path == nullptr) return;
  records_[n] = record;
  if (store_ != nullptr) store_->AddModule(n, *record);
  count_.store(n + 1, std::memory_order_release);
}

void ModuleMap::set_store(ProfileStore* store) {
  SpinLockHolder hold(lock_);
  store_ = store;
  if (store == nullptr) return;
  const uint32_t n = count_.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < n; ++i) store->AddModule(i, *records_[i]);
}

void ModuleMap::RefreshIfChanged() {
  if (!lock_.try_lock()) return;
  unsigned long long counters[2] = {0, 0};
  dl_iterate_phdr(&ModuleMap::OnCounters, counters);
  // A load and an unload between two looks both move a counter: compare
  // both. Counters of 0 (an old loader) refresh every time.
  if (counters[0] == 0 || counters[0] != adds_ || counters[1] != subs_) {
    Loaded loaded{this, true};
    dl_iterate_phdr(&ModuleMap::OnObject, &loaded);
    adds_ = counters[0];
    subs_ = counters[1];
    unloads_.store(subs_, std::memory_order_relaxed);
  }
  lock_.unlock();
}

const ModuleRecord* ModuleMap::Find(uint64_t address) const {
  for (uint32_t i = count(); i-- > 0;) {
    const ModuleRecord* r = records_[i];
    if (address >= r->start && address < r->end) return r;
  }
  return nullptr;
}

void ModuleMap::ResolveNative(uint64_t address, ResolvedFrame* out) {
  ModuleMap& map = Get();
  map.RefreshIfChanged();
  const ModuleRecord* module = map.Find(address);
  out->function[0] = '\0';
  out->line = 0;
  if (module == nullptr) {
    out->file[0] = '\0';
    return;
  }
  const size_t n = strnlen(module->path, ResolvedFrame::kMaxFile - 1);
  memcpy(out->file, module->path, n);
  out->file[n] = '\0';
}

}  // namespace tidemark
