#include "core/frame_names.h"

#include <cstring>

#include "core/profile_store.h"

namespace tidemark {

const char* FrameNames::CopyString(const char* text) {
  const size_t n = strnlen(text, ResolvedFrame::kMaxFile - 1);
  char* copy = static_cast<char*>(InternalAllocator::Allocate(n + 1));
  if (copy == nullptr) return "";
  memcpy(copy, text, n);
  copy[n] = '\0';
  return copy;
}

uint32_t FrameNames::Intern(const RawFrame& frame, Unwinder* unwinder) {
  {
    SpinLockHolder hold(lock_);
    auto it = ids_.find(frame);
    if (it != ids_.end()) return it->second;
  }
  // Named outside the lock: naming reads the program's objects and may be
  // slow; two threads racing on one new frame both name it, one wins.
  ResolvedFrame resolved;
  resolved.function[0] = '\0';
  resolved.file[0] = '\0';
  resolved.line = 0;
  if (frame.kind() == FrameKind::kStackCut) {
    static_assert(sizeof(kStackCutName) <= ResolvedFrame::kMaxName, "");
    memcpy(resolved.function, kStackCutName, sizeof(kStackCutName));
  } else {
    unwinder->Resolve(frame, &resolved);
  }
  resolved.function[ResolvedFrame::kMaxName - 1] = '\0';
  resolved.file[ResolvedFrame::kMaxFile - 1] = '\0';

  SpinLockHolder hold(lock_);
  auto it = ids_.find(frame);
  if (it != ids_.end()) return it->second;
  const uint32_t id = count_.load(std::memory_order_relaxed) + 1;
  FrameLocation* slot = locations_.GetOrCreate(id);
  if (slot == nullptr) return 0;
  slot->kind = frame.kind();
  slot->function = CopyString(resolved.function);
  slot->file = CopyString(resolved.file);
  slot->line = resolved.line;
  ids_.emplace(frame, id);
  // In id order (under the lock), as the stored profile requires.
  if (store_ != nullptr) {
    // A native frame keeps its address: it is named at report time
    // (core/native_symbols.h), against the module map.
    store_->AddLocation(id, slot->kind, slot->function, slot->file, slot->line,
                        frame.kind() == FrameKind::kNative ? frame.ip : 0);
  }
  count_.store(id, std::memory_order_release);
  return id;
}

}  // namespace tidemark
