#include "core/profile_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <new>
#include <type_traits>

#include "core/atomic_file.h"
#include "core/internal_allocator.h"
#include "core/module_record.h"

namespace tidemark {
namespace {

namespace pf = profile_format;

constexpr uint64_t kHeaderBytes = pf::kHeaderEnd;

// The raw system call: the preload interposer exports `mmap`, and the
// profiler's own mappings are not the program's.
void* RawMapShared(int fd, uint64_t offset, size_t bytes) {
  long r = syscall(SYS_mmap, nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                   fd, static_cast<off_t>(offset));
  if (r < 0 && r > -4096) return nullptr;
  return reinterpret_cast<void*>(r);
}

// Reserves the blocks of [offset, offset + bytes), extending the file, so
// that stores into the mapping cannot fail later (SIGBUS on a full disk).
bool Reserve(int fd, uint64_t offset, uint64_t bytes) {
  int r;
  do {
    r = fallocate(fd, 0, static_cast<off_t>(offset), static_cast<off_t>(bytes));
  } while (r != 0 && errno == EINTR);
  return r == 0;
}

// Anonymous memory straight from the kernel (scratch space that must not
// take the profiler's allocator lock or show up as the program's mmap).
void* RawMapAnonymous(size_t bytes) {
  long r = syscall(SYS_mmap, nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r < 0 && r > -4096) return nullptr;
  return reinterpret_cast<void*>(r);
}

// pwrite or pread of all `bytes` at `offset`, through short transfers and
// interruptions.
template <typename Buffer, ssize_t (*Transfer)(int, Buffer, size_t, off_t)>
bool TransferAll(int fd, Buffer data, size_t bytes, uint64_t offset) {
  auto* p = static_cast<std::conditional_t<
      std::is_const_v<std::remove_pointer_t<Buffer>>, const char*, char*>>(
      data);
  while (bytes > 0) {
    const ssize_t n = Transfer(fd, p, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool WriteAll(int fd, const void* data, size_t bytes, uint64_t offset) {
  return TransferAll<const void*, pwrite>(fd, data, bytes, offset);
}

bool ReadAll(int fd, void* data, size_t bytes, uint64_t offset) {
  return TransferAll<void*, pread>(fd, data, bytes, offset);
}

// Maps `bytes` of `fd` at `offset` over the mapping at `at`, in place. If
// the kernel refuses (it may have dropped the old mapping then), a private
// copy read from the file takes its place, so `at` stays valid; returns
// false only if even that failed. *copied says the copy was needed.
bool MapInPlace(void* at, size_t bytes, int fd, uint64_t offset, bool* copied) {
  long r = syscall(SYS_mmap, at, bytes, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd, static_cast<off_t>(offset));
  if (r == reinterpret_cast<long>(at)) return true;
  *copied = true;
  r = syscall(SYS_mmap, at, bytes, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  return r == reinterpret_cast<long>(at) && ReadAll(fd, at, bytes, offset);
}

// The areas a forked child keeps: what names its stacks.
bool KeptAfterFork(uint32_t area) {
  return area == pf::kStackArea || area == pf::kLocationArea ||
         area == pf::kFramePool || area == pf::kStringPool;
}

void SayOnce(const char* text) {
  ssize_t ignored = write(2, text, strlen(text));
  (void)ignored;
}

}  // namespace

ProfileStore* ProfileStore::NewStore() {
  void* memory = InternalAllocator::Allocate(sizeof(ProfileStore));
  if (memory == nullptr) return nullptr;
  auto* store = new (memory) ProfileStore();
  const size_t table = sizeof(uint8_t*) * pf::kAreaCount * pf::kMaxChunks;
  store->chunks_ = static_cast<uint8_t**>(InternalAllocator::Allocate(table));
  if (store->chunks_ == nullptr) return nullptr;
  memset(store->chunks_, 0, table);
  return store;
}

void ProfileStore::FillHeader(const Facts& facts, pf::FileHeader* h) {
  memcpy(h->magic, pf::kMagic, sizeof(h->magic));
  h->version = pf::kVersion;
  h->header_bytes = sizeof(pf::FileHeader);
  h->chunk_bytes = pf::kChunkBytes;
  h->max_chunks = pf::kMaxChunks;
  h->pid = facts.pid;
  h->mode = facts.sample_mode ? 1 : 0;
  h->sample_interval_bytes =
      facts.sample_mode ? facts.sample_interval_bytes : 0;
  h->start_realtime_ns = facts.start_realtime_ns;
  h->start_monotonic_ns = facts.start_monotonic_ns;
  h->top_rows = facts.top_rows;
  snprintf(h->unwinder, sizeof(h->unwinder), "%s", facts.unwinder.c_str());
  snprintf(h->reporters, sizeof(h->reporters), "%s", facts.reporters.c_str());
  snprintf(h->interposer, sizeof(h->interposer), "%s",
           facts.interposer.c_str());
  snprintf(h->allocator, sizeof(h->allocator), "%s", facts.allocator.c_str());
  size_t used = 0;
  for (const std::string& arg : facts.command) {
    if (used + arg.size() + 1 > sizeof(h->command)) {
      h->command_truncated = 1;
      break;
    }
    memcpy(h->command + used, arg.c_str(), arg.size() + 1);
    used += arg.size() + 1;
  }
  h->command_bytes = static_cast<uint32_t>(used);
  h->parent_pid = facts.parent_pid;
  h->started = facts.started;
  h->start_ticks = facts.start_ticks;
  h->inherited_bytes = facts.inherited_bytes;
  h->peak_moment = facts.peak_moment;
  h->python_version_hex = facts.python_version_hex;
  // Whole or not at all: a cut path would name another folder.
  if (facts.working_directory.size() < sizeof(h->working_directory)) {
    memcpy(h->working_directory, facts.working_directory.c_str(),
           facts.working_directory.size() + 1);
  }
  h->file_bytes = kHeaderBytes;
}

ProfileStore* ProfileStore::CreateInMemory(const Facts& facts) {
  ProfileStore* store = NewStore();
  if (store == nullptr) return nullptr;
  store->header_ = static_cast<pf::FileHeader*>(
      InternalAllocator::Allocate(sizeof(pf::FileHeader)));
  if (store->header_ == nullptr) return nullptr;
  memset(static_cast<void*>(store->header_), 0, sizeof(pf::FileHeader));
  FillHeader(facts, store->header_);
  return store;
}

ProfileStore* ProfileStore::CreateInDirectory(int dir_fd,
                                              const std::string& dir_path,
                                              const Facts& facts,
                                              std::string* why) {
  const std::string path = dir_path + "/" + pf::kFileName;
  ProfileStore* store = NewStore();
  if (store == nullptr || path.size() >= sizeof(store->path_)) {
    *why = "cannot keep the stored profile " + path + ": out of memory";
    return nullptr;
  }
  std::string temporary;
  const int fd =
      CreateUniqueFile(dir_fd, ".profile.tidemark.tmp-", &temporary, O_RDWR);
  if (fd < 0) {
    *why = "cannot create the stored profile in " + dir_path + ": " +
           strerror(errno);
    return nullptr;
  }
  auto fail = [&](const char* what) {
    *why = std::string("cannot keep the stored profile ") + path + ": " + what +
           ": " + strerror(errno);
    unlinkat(dir_fd, temporary.c_str(), 0);
    close(fd);
    return nullptr;
  };
  struct stat info;
  if (fstat(fd, &info) != 0) return fail("fstat");
  if (!Reserve(fd, 0, kHeaderBytes)) return fail("fallocate");
  void* header = RawMapShared(fd, 0, sizeof(pf::FileHeader));
  if (header == nullptr) return fail("mmap");
  store->header_ = static_cast<pf::FileHeader*>(header);
  FillHeader(facts, store->header_);
  // Published under its name only once the header is whole: a reader finds
  // the previous run's file, or this one, never a half-written header.
  if (renameat(dir_fd, temporary.c_str(), dir_fd, pf::kFileName) != 0) {
    return fail("rename");
  }
  close(fd);
  memcpy(store->path_, path.c_str(), path.size() + 1);
  store->device_ = info.st_dev;
  store->inode_ = info.st_ino;
  return store;
}

void ProfileStore::FillChildHeader(const Facts& facts, pf::FileHeader* h) {
  const pf::FileHeader& old = *header_;
  memset(static_cast<void*>(h), 0, sizeof(*h));
  FillHeader(facts, h);
  h->flags = old.flags & pf::kFlagIncomplete;
  h->stack_count = old.stack_count;
  h->location_count = old.location_count;
  h->file_bytes = old.file_bytes;
  h->frame_pool_bytes = old.frame_pool_bytes;
  h->string_pool_bytes = old.string_pool_bytes;
  memcpy(h->chunk_offset, old.chunk_offset, sizeof(h->chunk_offset));
  // The modules are in the string pool, which the child keeps.
  h->module_count = old.module_count;
  memcpy(h->module_entries, old.module_entries, sizeof(h->module_entries));
}

void ProfileStore::ZeroCountersInMemory() {
  for (uint32_t area = 0; area < pf::kAreaCount; ++area) {
    if (KeptAfterFork(area)) continue;
    for (uint32_t index = 0; index < pf::kMaxChunks; ++index) {
      uint8_t* chunk = chunks_[area * pf::kMaxChunks + index];
      if (chunk != nullptr && header_->chunk_offset[area][index] == 0) {
        memset(chunk, 0, pf::kChunkBytes);
      }
    }
  }
}

bool ProfileStore::StartOverInDirectory(int dir_fd, const std::string& dir_path,
                                        const Facts& facts, std::string* why) {
  const std::string path = dir_path + "/" + pf::kFileName;
  if (!file_backed()) {
    *why = "the stored profile is in memory, not in a file";
    return false;
  }
  if (path.size() >= sizeof(path_)) {
    *why = "cannot keep the stored profile " + path + ": the path is too long";
    return false;
  }
  // The new header is built aside: the current one is the parent's file.
  auto* fresh =
      static_cast<pf::FileHeader*>(RawMapAnonymous(sizeof(pf::FileHeader)));
  if (fresh == nullptr) {
    *why = "cannot keep the stored profile " + path + ": out of memory";
    return false;
  }
  FillChildHeader(facts, fresh);
  for (uint32_t area = 0; area < pf::kAreaCount; ++area) {
    for (uint32_t index = 0; index < pf::kMaxChunks; ++index) {
      if (chunks_[area * pf::kMaxChunks + index] != nullptr &&
          fresh->chunk_offset[area][index] == 0) {
        fresh->flags |= pf::kFlagIncomplete;  // a chunk the file lacks
      }
    }
  }
  std::string temporary;
  const int fd =
      CreateUniqueFile(dir_fd, ".profile.tidemark.tmp-", &temporary, O_RDWR);
  if (fd < 0) {
    *why = "cannot create the stored profile in " + dir_path + ": " +
           strerror(errno);
    syscall(SYS_munmap, fresh, sizeof(pf::FileHeader));
    return false;
  }
  auto fail = [&](const char* what) {
    *why = std::string("cannot keep the stored profile ") + path + ": " + what +
           ": " + strerror(errno);
    unlinkat(dir_fd, temporary.c_str(), 0);
    close(fd);
    syscall(SYS_munmap, fresh, sizeof(pf::FileHeader));
    return false;
  };
  // All the file's work first: until the rename, the store is untouched.
  struct stat info;
  if (fstat(fd, &info) != 0) return fail("fstat");
  if (!Reserve(fd, 0, fresh->file_bytes)) return fail("fallocate");
  if (!WriteAll(fd, fresh, sizeof(pf::FileHeader), 0)) return fail("write");
  for (uint32_t area = 0; area < pf::kAreaCount; ++area) {
    if (!KeptAfterFork(area)) continue;  // counters: zero, as reserved
    for (uint32_t index = 0; index < pf::kMaxChunks; ++index) {
      const uint64_t offset = fresh->chunk_offset[area][index];
      const uint8_t* chunk = chunks_[area * pf::kMaxChunks + index];
      if (offset != 0 && chunk != nullptr &&
          !WriteAll(fd, chunk, pf::kChunkBytes, offset)) {
        return fail("write");
      }
    }
  }
  if (renameat(dir_fd, temporary.c_str(), dir_fd, pf::kFileName) != 0) {
    return fail("rename");
  }
  // Now every mapping moves to the new file, at the same address.
  bool copied = false;
  bool mapped = MapInPlace(header_, sizeof(pf::FileHeader), fd, 0, &copied);
  for (uint32_t area = 0; area < pf::kAreaCount; ++area) {
    for (uint32_t index = 0; index < pf::kMaxChunks; ++index) {
      const uint64_t offset = fresh->chunk_offset[area][index];
      uint8_t* chunk = chunks_[area * pf::kMaxChunks + index];
      if (offset != 0 && chunk != nullptr) {
        mapped =
            MapInPlace(chunk, pf::kChunkBytes, fd, offset, &copied) && mapped;
      }
    }
  }
  close(fd);
  syscall(SYS_munmap, fresh, sizeof(pf::FileHeader));
  memcpy(path_, path.c_str(), path.size() + 1);
  device_ = info.st_dev;
  inode_ = info.st_ino;
  ZeroCountersInMemory();
  if (copied) MarkIncomplete("its memory could not be mapped from the file");
  if (!mapped) {
    *why = "cannot keep the stored profile " + path +
           ": its memory could not be mapped again";
    return false;
  }
  return true;
}

void ProfileStore::StartOverInMemory(const Facts& facts) {
  // No chunk of an in-memory store is in a file: only the counts and
  // cursors of the header describe what is kept.
  pf::FileHeader* h = header_;
  const uint32_t stack_count = h->stack_count;
  const uint32_t location_count = h->location_count;
  const uint64_t frame_pool_bytes = h->frame_pool_bytes;
  const uint64_t string_pool_bytes = h->string_pool_bytes;
  const uint32_t module_count = h->module_count;
  uint64_t* modules =
      static_cast<uint64_t*>(RawMapAnonymous(sizeof(h->module_entries)));
  if (modules != nullptr) {
    memcpy(modules, h->module_entries, sizeof(h->module_entries));
  }
  memset(static_cast<void*>(h), 0, sizeof(*h));
  FillHeader(facts, h);
  h->stack_count = stack_count;
  h->location_count = location_count;
  h->frame_pool_bytes = frame_pool_bytes;
  h->string_pool_bytes = string_pool_bytes;
  if (modules != nullptr) {
    memcpy(h->module_entries, modules, sizeof(h->module_entries));
    h->module_count = module_count;
    syscall(SYS_munmap, modules, sizeof(h->module_entries));
  }
  ZeroCountersInMemory();
}

void ProfileStore::MarkIncomplete(const char* why) {
  const uint32_t before =
      __atomic_fetch_or(&header_->flags, pf::kFlagIncomplete, __ATOMIC_RELEASE);
  if ((before & pf::kFlagIncomplete) != 0) return;
  char line[sizeof(path_) + 512];
  snprintf(line, sizeof(line),
           "tidemark: the stored profile %s cannot grow (%s); reports written "
           "by the process are unaffected, but the file alone is incomplete\n",
           path_, why);
  SayOnce(line);
}

void* ProfileStore::FileChunk(uint64_t offset) {
  const int fd = open(path_, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    MarkIncomplete(strerror(errno));
    return nullptr;
  }
  struct stat info;
  void* chunk = nullptr;
  if (fstat(fd, &info) != 0 || info.st_dev != device_ ||
      info.st_ino != inode_) {
    MarkIncomplete("it was replaced by another file");
  } else if (!Reserve(fd, offset, pf::kChunkBytes)) {
    MarkIncomplete(strerror(errno));
  } else {
    chunk = RawMapShared(fd, offset, pf::kChunkBytes);
    if (chunk == nullptr) MarkIncomplete(strerror(errno));
  }
  close(fd);
  return chunk;
}

uint8_t* ProfileStore::ChunkFor(pf::Area area, uint32_t index) {
  if (area >= pf::kAreaCount || index >= pf::kMaxChunks) return nullptr;
  uint8_t** slot = &chunks_[area * pf::kMaxChunks + index];
  uint8_t* existing = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (existing != nullptr) return existing;
  SpinLockHolder hold(grow_lock_);
  existing = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (existing != nullptr) return existing;
  uint8_t* chunk = nullptr;
  const uint64_t offset = header_->file_bytes;
  if (file_backed() && (header_->flags & pf::kFlagIncomplete) == 0) {
    chunk = static_cast<uint8_t*>(FileChunk(offset));
  }
  if (chunk != nullptr) {
    // The data a reader reaches through this offset is zero and the chunk
    // is mapped before the offset is published.
    __atomic_store_n(&header_->chunk_offset[area][index], offset,
                     __ATOMIC_RELEASE);
    __atomic_store_n(&header_->file_bytes, offset + pf::kChunkBytes,
                     __ATOMIC_RELEASE);
  } else {
    chunk = static_cast<uint8_t*>(InternalAllocator::Allocate(pf::kChunkBytes));
    if (chunk == nullptr) return nullptr;
    memset(chunk, 0, pf::kChunkBytes);
    if (file_backed()) MarkIncomplete("the file could not be extended");
  }
  __atomic_store_n(slot, chunk, __ATOMIC_RELEASE);
  return chunk;
}

const uint8_t* ProfileStore::chunk(pf::Area area, uint32_t index) const {
  if (area >= pf::kAreaCount || index >= pf::kMaxChunks) return nullptr;
  return __atomic_load_n(&chunks_[area * pf::kMaxChunks + index],
                         __ATOMIC_ACQUIRE);
}

void* ProfileStore::NewChunk(uint32_t area, uint32_t index, size_t bytes) {
  if (bytes != pf::kChunkBytes) return nullptr;
  return ChunkFor(static_cast<pf::Area>(area), index);
}

uint64_t ProfileStore::AppendToPool(pf::Area pool, uint64_t* used,
                                    const void* data, size_t bytes) {
  if (bytes == 0 || bytes > pf::kChunkBytes) return UINT64_MAX;
  SpinLockHolder hold(pool_lock_);
  uint64_t at = *used;
  const uint64_t within = at & (pf::kChunkBytes - 1);
  if (within + bytes > pf::kChunkBytes) at += pf::kChunkBytes - within;
  uint8_t* chunk = ChunkFor(pool, static_cast<uint32_t>(at >> pf::kChunkShift));
  if (chunk == nullptr) return UINT64_MAX;
  memcpy(chunk + (at & (pf::kChunkBytes - 1)), data, bytes);
  __atomic_store_n(used, at + bytes, __ATOMIC_RELEASE);
  return at;
}

void ProfileStore::AddLocation(uint32_t id, FrameKind kind,
                               const char* function, const char* file, int line,
                               uint64_t address) {
  using Entry = pf::LocationEntry;
  constexpr uint32_t kPerChunk = pf::ElementsPerChunk<Entry>();
  const uint64_t function_at =
      AppendToPool(pf::kStringPool, &header_->string_pool_bytes, function,
                   strnlen(function, pf::kChunkBytes / 2) + 1);
  const uint64_t file_at =
      AppendToPool(pf::kStringPool, &header_->string_pool_bytes, file,
                   strnlen(file, pf::kChunkBytes / 2) + 1);
  uint8_t* chunk = ChunkFor(pf::kLocationArea, id / kPerChunk);
  if (function_at == UINT64_MAX || file_at == UINT64_MAX || chunk == nullptr) {
    MarkIncomplete("no room for a frame's name");
    return;
  }
  Entry* entry = reinterpret_cast<Entry*>(chunk) + id % kPerChunk;
  entry->kind = static_cast<uint32_t>(kind);
  entry->line = line;
  entry->function = function_at;
  entry->file = file_at;
  entry->address = address;
  __atomic_store_n(&header_->location_count, id, __ATOMIC_RELEASE);
}

void ProfileStore::AddModule(uint32_t index, const ModuleRecord& module) {
  if (index >= pf::kMaxModules) return;
  pf::ModuleEntry entry = {};
  entry.start = module.start;
  entry.end = module.end;
  entry.bias = module.bias;
  entry.path =
      AppendToPool(pf::kStringPool, &header_->string_pool_bytes, module.path,
                   strnlen(module.path, pf::kChunkBytes / 2) + 1);
  entry.build_id_bytes = module.build_id_bytes;
  memcpy(entry.build_id, module.build_id, sizeof(entry.build_id));
  const uint64_t at = AppendToPool(pf::kStringPool, &header_->string_pool_bytes,
                                   &entry, sizeof(entry));
  if (entry.path == UINT64_MAX || at == UINT64_MAX) {
    MarkIncomplete("no room for a module");
    return;
  }
  header_->module_entries[index] = at;
  __atomic_store_n(&header_->module_count, index + 1, __ATOMIC_RELEASE);
}

void ProfileStore::AddStack(uint32_t id, const uint32_t* locations, int depth) {
  using Entry = pf::StackEntry;
  constexpr uint32_t kPerChunk = pf::ElementsPerChunk<Entry>();
  uint64_t frames_at = 0;
  if (depth > 0) {
    frames_at = AppendToPool(pf::kFramePool, &header_->frame_pool_bytes,
                             locations, sizeof(uint32_t) * depth);
  }
  uint8_t* chunk = ChunkFor(pf::kStackArea, id / kPerChunk);
  if (frames_at == UINT64_MAX || chunk == nullptr) {
    MarkIncomplete("no room for a stack");
    return;
  }
  Entry* entry = reinterpret_cast<Entry*>(chunk) + id % kPerChunk;
  entry->frames = frames_at;
  entry->depth = static_cast<uint32_t>(depth);
  __atomic_store_n(&header_->stack_count, id, __ATOMIC_RELEASE);
}

int64_t ProfileStore::NowNanoseconds() const {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec -
         header_->start_monotonic_ns;
}

}  // namespace tidemark
