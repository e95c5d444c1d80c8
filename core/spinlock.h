#ifndef TIDEMARK_CORE_SPINLOCK_H_
#define TIDEMARK_CORE_SPINLOCK_H_

#include <sched.h>

#include <atomic>

namespace tidemark {

// A tiny test-and-test-and-set lock for the profiler's sharded tables.
// pthread mutexes would do, but this one is constant-initialized (usable
// before any constructor runs), never allocates, and is held only for a few
// hundred nanoseconds, so yielding after a short spin is enough.
class SpinLock {
 public:
  constexpr SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (spins++ > 64) {
          sched_yield();
        } else {
          __builtin_ia32_pause();
        }
      }
    }
  }
  bool try_lock() { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

class SpinLockHolder {
 public:
  explicit SpinLockHolder(SpinLock& lock) : lock_(lock) { lock_.lock(); }
  ~SpinLockHolder() { lock_.unlock(); }
  SpinLockHolder(const SpinLockHolder&) = delete;
  SpinLockHolder& operator=(const SpinLockHolder&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_SPINLOCK_H_
