#include "core/sole_writer.h"

#include <sched.h>
#include <time.h>

#include "core/fork_guard.h"

namespace tidemark {

std::atomic<int> SoleWriter::mode_{SoleWriter::kUnclaimed};
std::atomic<int> SoleWriter::busy_{0};

bool SoleWriter::EnterSlow(ThreadState& ts) {
  for (int round = 0;; ++round) {
    int mode = mode_.load(std::memory_order_acquire);
    switch (mode) {
      case kUnclaimed: {
        // Without membarrier no transition could be made safe.
        const int next = ForkGuard::FencesOnEnter() ? kShared : kSole;
        if (!mode_.compare_exchange_strong(mode, next)) continue;
        if (next == kShared) return false;
        ts.sole_writer = 1;
        return Enter(ts);  // the owner's path (it rechecks the mode)
      }
      case kSole: {
        if (ts.sole_writer != 0) return Enter(ts);  // a stale read: retry
        if (!mode_.compare_exchange_strong(mode, kTransition)) continue;
        // A refused barrier (it cannot be, once registered) leaves only
        // time: the writer's stores drain from its store buffer within
        // microseconds, and a millisecond's wait for busy_ covers it.
        if (!ForkGuard::BarrierOnEveryThread()) {
          const timespec nap = {0, 1000000};
          nanosleep(&nap, nullptr);
        }
        for (int spins = 0; busy_.load(std::memory_order_acquire) != 0;
             ++spins) {
          if (spins < 64) {
            __builtin_ia32_pause();
          } else {
            sched_yield();
          }
        }
        mode_.store(kShared, std::memory_order_release);
        return false;
      }
      case kTransition:
        break;
      default:
        return false;
    }
    // Another thread is making the books shared: wait for it, briefly.
    if (round < 64) {
      __builtin_ia32_pause();
    } else {
      sched_yield();
    }
  }
}

void SoleWriter::BeforeReading() {
  const int mode = mode_.load(std::memory_order_acquire);
  if (mode != kSole && mode != kTransition) return;
  if (t_thread_state.sole_writer != 0) return;
  ForkGuard::BarrierOnEveryThread();
}

void SoleWriter::ResetAfterFork() {
  t_thread_state.sole_writer = 0;
  busy_.store(0, std::memory_order_relaxed);
  // The registration is the process's (inherited by the child); without
  // it the books stay shared.
  mode_.store(ForkGuard::FencesOnEnter() ? kShared : kUnclaimed,
              std::memory_order_release);
}

bool SoleWriter::CallerIsSoleWriter() {
  return t_thread_state.sole_writer != 0 &&
         mode_.load(std::memory_order_acquire) == kSole;
}

void SoleWriter::ShareForTesting() {
  mode_.store(kShared, std::memory_order_release);
  t_thread_state.sole_writer = 0;
}

}  // namespace tidemark
