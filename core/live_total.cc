#include "core/live_total.h"

#include <pthread.h>

#include "core/spinlock.h"

namespace tidemark {
namespace {

size_t NoBlockSize(void* /*block*/) { return 0; }

// The registry: the registered threads' states, linked through their own
// TLS. A thread unlinks itself at exit, under the lock, before its TLS goes
// away, so the summing thread never reads a dead thread's state.
SpinLock g_lock;
ThreadState* g_head = nullptr;
std::atomic<int64_t> g_retired{0};

pthread_key_t g_exit_key;
std::atomic<bool> g_exit_key_made{false};
std::atomic<bool> g_known{false};

void Unlink(ThreadState& ts) {
  if (ts.live_prev != nullptr) {
    ts.live_prev->live_next = ts.live_next;
  } else {
    g_head = ts.live_next;
  }
  if (ts.live_next != nullptr) ts.live_next->live_prev = ts.live_prev;
  ts.live_next = nullptr;
  ts.live_prev = nullptr;
}

void LinkAtHead(ThreadState& ts) {
  ts.live_prev = nullptr;
  ts.live_next = g_head;
  if (g_head != nullptr) g_head->live_prev = &ts;
  g_head = &ts;
}

// The exiting thread's counter goes into the retired total. Runs on that
// thread (the key's destructor), its TLS still valid.
void OnThreadExit(void* /*value*/) {
  ThreadState& ts = t_thread_state;
  ReentrancyGuard guard;
  SpinLockHolder hold(g_lock);
  if (ts.live_registration != LiveTotal::kRegistered) return;
  Unlink(ts);
  g_retired.fetch_add(ts.live_bytes, std::memory_order_relaxed);
  __atomic_store_n(&ts.live_bytes, 0, __ATOMIC_RELAXED);
  ts.live_registration = LiveTotal::kRetired;
}

}  // namespace

std::atomic<LiveTotal::BlockSizeFn> LiveTotal::block_size_{&NoBlockSize};
std::atomic<uintptr_t> LiveTotal::header_mask_{0};
std::atomic<int64_t> LiveTotal::mapped_{0};

namespace {

bool MakeExitKey() {
  if (!g_exit_key_made.load() &&
      pthread_key_create(&g_exit_key, &OnThreadExit) == 0) {
    g_exit_key_made.store(true);
  }
  return g_exit_key_made.load();
}

}  // namespace

void LiveTotal::SetBlockSizeFunction(BlockSizeFn fn) {
  const bool key = MakeExitKey();
  header_mask_.store(0);
  block_size_.store(fn != nullptr ? fn : &NoBlockSize);
  g_known.store(fn != nullptr && key);
}

void LiveTotal::SetBlockSizeFromHeaderWord(uintptr_t mask) {
  const bool key = MakeExitKey();
  block_size_.store(&NoBlockSize);
  header_mask_.store(mask);
  g_known.store(mask != 0 && key);
}

bool LiveTotal::Known() { return g_known.load(std::memory_order_relaxed); }

void LiveTotal::OnUnregisteredThread(ThreadState& ts) {
  ReentrancyGuard guard;
  if (ts.live_registration == kRetired) {
    // Freed (or allocated) after this thread's exit destructor ran.
    g_retired.fetch_add(ts.live_bytes, std::memory_order_relaxed);
    __atomic_store_n(&ts.live_bytes, 0, __ATOMIC_RELAXED);
    return;
  }
  if (ts.live_registration == kRegistered ||
      !g_exit_key_made.load(std::memory_order_relaxed)) {
    // Without the key the exit would leave a dangling link: the total is
    // unknown then (Known() is false) and nobody sums it.
    return;
  }
  {
    SpinLockHolder hold(g_lock);
    LinkAtHead(ts);
    ts.live_registration = kRegistered;
  }
  // A non-null value makes the destructor run at the thread's exit. (May
  // allocate for a high key number; inside the guard that is not counted.)
  pthread_setspecific(g_exit_key, &ts);
}

int64_t LiveTotal::Sum() {
  SpinLockHolder hold(g_lock);
  int64_t total = g_retired.load(std::memory_order_relaxed) +
                  mapped_.load(std::memory_order_relaxed);
  for (const ThreadState* t = g_head; t != nullptr; t = t->live_next) {
    total += __atomic_load_n(&t->live_bytes, __ATOMIC_RELAXED);
  }
  return total;
}

void LiveTotal::StartFreshAfterFork(ThreadState& forking_thread) {
  SpinLockHolder hold(g_lock);
  g_head = nullptr;
  g_retired.store(0, std::memory_order_relaxed);
  mapped_.store(0, std::memory_order_relaxed);
  __atomic_store_n(&forking_thread.live_bytes, 0, __ATOMIC_RELAXED);
  forking_thread.live_registration = kNotRegistered;
  if (!g_exit_key_made.load(std::memory_order_relaxed)) return;
  LinkAtHead(forking_thread);
  forking_thread.live_registration = kRegistered;
  pthread_setspecific(g_exit_key, &forking_thread);
}

int LiveTotal::RegisteredThreadsForTesting() {
  SpinLockHolder hold(g_lock);
  int n = 0;
  for (const ThreadState* t = g_head; t != nullptr; t = t->live_next) ++n;
  return n;
}

}  // namespace tidemark
