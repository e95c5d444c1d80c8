#ifndef TIDEMARK_CORE_INTERPOSER_H_
#define TIDEMARK_CORE_INTERPOSER_H_

#include <string>

namespace tidemark {

// A way of seeing the program's allocations. An interposer forwards each
// event to the core's allocation API (core/allocation_hooks.h); the core
// decides whether to track or sample it.
//
// The contract every backend keeps:
//
//  - Chosen or nothing. Installing is what turns delivery on. A backend
//    that is not chosen intercepts nothing: only the preload backend's
//    library (tools:libtidemark.so) exports malloc & co; the others live in
//    libraries of their own (tools:libtidemark_glibc.so,
//    tools:libtidemark_jemalloc.so) that define no allocation function, so
//    the program's allocator stays the one it would have without Tidemark.
//  - Which heap. Block events (OnAllocation, OnFree, OnFreeThenRelease,
//    OnResizedInPlace, OnAllocationFailed) describe the blocks of one
//    allocator, the one Allocator() names; mapping events (OnMapping,
//    OnUnmapping) describe the program's own anonymous mmaps, and only the
//    preload backend delivers them. A block event's size is what the
//    program asked for; sample mode's exact live total measures the block
//    as that allocator keeps it (core/live_total.h), so Install() sets
//    LiveTotal's measure (glibc's chunk header word, jemalloc's usable
//    size) or leaves it unknown.
//  - Frees first. A free (or the old block of a realloc) is reported before
//    the allocator can hand its address to another thread: before the
//    release, or with the release handed to the core (OnFreeThenRelease).
//  - Bracketing. Calls into the allocator that the backend makes itself
//    are bracketed by AllocatorCall (core/thread_state.h), so a report
//    signal landing inside the allocator waits until it returns
//    (core/report_trigger.h). A backend that is called back by the
//    allocator after the fact (jemalloc's hooks) cannot bracket the
//    allocator's own body; the signal path takes no allocator lock, only
//    the profiler's, which the re-entrancy guard covers.
//  - Nested calls. An allocation the allocator makes on its own behalf,
//    or that the profiler makes, is never reported (the thread's
//    re-entrancy depth, and each backend's own rule).
//  - Threads, fork, dlopen. Events arrive on the allocating thread; what
//    a library loaded after start allocates goes through the same
//    allocator and is seen; a forked child keeps the backend installed and
//    the core decides what it records (core/fork_guard.h).
class Interposer {
 public:
  virtual ~Interposer() = default;

  // Starts delivering events. Returns false, with one sentence in *error,
  // when this backend cannot work in this process (the program then runs
  // unprofiled with its own exit code).
  virtual bool Install(std::string* error) = 0;

  // Stops delivering events (e.g. in a forked child or at shutdown).
  virtual void Uninstall() = 0;

  // Whose blocks the block events are and how they are seen, for
  // --list-plugins, e.g. "glibc's malloc, through its hook variables".
  virtual const char* Allocator() const = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_INTERPOSER_H_
