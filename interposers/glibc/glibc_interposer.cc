// The "glibc" interposer: glibc's own hook variables (__malloc_hook,
// __realloc_hook, __memalign_hook, __free_hook), read since glibc 2.34 only
// by libc_malloc_debug.so.0, which the launcher preloads after every other
// entry (tools/child_env.h), so a preloaded jemalloc keeps serving the
// program and this backend then says it cannot work. No malloc symbol of
// Tidemark's is in the process (tools:libtidemark_glibc.so exports none).
//
// What it cannot see: anonymous mmaps (pymalloc's arenas, mmap.mmap(-1,
// n)), which only the preload backend's exported mmap sees; malloc calls
// bound to libc.so.6's own malloc (ctypes.CDLL("libc.so.6").malloc: not
// through the debug library); allocators other than glibc's. calloc goes
// through the malloc hook and the debug library zeroes the block itself,
// so a large calloc's pages are touched where glibc's calloc would leave a
// fresh mapping untouched.
#include <string>

#include "core/interposer.h"
#include "core/registry.h"
#include "interposers/glibc/hooks.h"

namespace tidemark {
namespace glibc {
namespace {

class GlibcInterposer : public Interposer {
 public:
  bool Install(std::string* error) override {
    if (!FindHookVariables(&variables_, error)) return false;
    if (!InstallHooks(variables_, error)) return false;
    installed_ = true;
    return true;
  }
  void Uninstall() override {
    if (installed_) UninstallHooks(variables_);
    installed_ = false;
  }
  const char* Allocator() const override {
    return "glibc's malloc, through its hook variables "
           "(libc_malloc_debug.so.0 preloaded)";
  }

 private:
  HookVariables variables_;
  bool installed_ = false;
};

}  // namespace
}  // namespace glibc

TIDEMARK_REGISTER_INTERPOSER("glibc", glibc::GlibcInterposer)

}  // namespace tidemark
