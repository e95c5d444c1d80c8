// The "jemalloc" interposer: for programs whose allocator is jemalloc
// (linked in, or LD_PRELOAD=libjemalloc.so.2), jemalloc's own hooks,
// installed through mallctl("experimental.hooks.install") when the running
// jemalloc offers them (probed at start). No malloc symbol of Tidemark's is
// in the process (tools:libtidemark_jemalloc.so exports none), so jemalloc
// keeps every call and calls back.
//
// What it cannot see: anonymous mmaps (only the preload backend's exported
// mmap sees them), glibc's heap (ctypes.CDLL("libc.so.6").malloc), and the
// body of jemalloc's calls: its hooks run after an allocation and before a
// free, so a report signal landing inside jemalloc is acted on at once
// rather than deferred (see core/interposer.h, "Bracketing").
#include <string>

#include "core/interposer.h"
#include "core/registry.h"
#include "interposers/jemalloc/hooks.h"

namespace tidemark {
namespace jemalloc {
namespace {

class JemallocInterposer : public Interposer {
 public:
  bool Install(std::string* error) override {
    if (!FindJemalloc(&jemalloc_, error)) return false;
    if (!ProbeProgramsMalloc(jemalloc_, error)) return false;
    return InstallHooks(jemalloc_, &handle_, error);
  }
  void Uninstall() override {
    if (handle_ != nullptr) RemoveHooks(jemalloc_, handle_);
    handle_ = nullptr;
  }
  const char* Allocator() const override {
    return "jemalloc (linked in or preloaded), through its "
           "experimental.hooks";
  }

 private:
  Jemalloc jemalloc_;
  void* handle_ = nullptr;
};

}  // namespace
}  // namespace jemalloc

TIDEMARK_REGISTER_INTERPOSER("jemalloc", jemalloc::JemallocInterposer)

}  // namespace tidemark
