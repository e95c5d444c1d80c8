#ifndef TIDEMARK_CORE_INTERPOSER_H_
#define TIDEMARK_CORE_INTERPOSER_H_

#include <string>

namespace tidemark {

// A way of seeing the program's allocations. An interposer forwards each
// event to the core's allocation API (core/allocation_hooks.h); the core
// decides whether to track or sample it. Installing is what turns delivery
// on; an interposer that is linked but not chosen forwards nothing.
class Interposer {
 public:
  virtual ~Interposer() = default;

  // Starts delivering events. Returns false, with one sentence in *error,
  // when this backend cannot work in this process.
  virtual bool Install(std::string* error) = 0;

  // Stops delivering events (e.g. in a forked child or at shutdown).
  virtual void Uninstall() = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_CORE_INTERPOSER_H_
