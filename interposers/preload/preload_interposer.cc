// The "preload" interposer: allocation functions exported from the
// LD_PRELOAD library (exported_symbols.cc) sit in front of the allocator's
// for every call resolved through the dynamic linker, and forward to it
// (real_allocator.h: glibc's, or a jemalloc/tcmalloc preloaded after us).
// It sees what goes through the PLT: malloc & co from the program and every
// shared library, and the program's own mmap calls; not glibc's internal
// mmaps for large blocks, nor the mmaps another allocator makes from inside
// a forwarded call (both would count the same memory twice), nor allocators
// bound statically inside another library.
#include <string>

#include "core/interposer.h"
#include "core/registry.h"
#include "interposers/preload/hooks.h"
#include "interposers/preload/lookup_order.h"

namespace tidemark {
namespace preload {
namespace {

class PreloadInterposer : public Interposer {
 public:
  bool Install(std::string* error) override {
    // Another allocator ahead of us in LD_PRELOAD takes every call: the
    // program runs as it would without us, unprofiled.
    if (!FirstInLookupOrder(reinterpret_cast<const void*>(&Malloc), error)) {
      return false;
    }
    SetDelivering(true);
    return true;
  }
  void Uninstall() override { SetDelivering(false); }
  const char* Allocator() const override {
    return "the next malloc in lookup order (glibc's, or an allocator "
           "preloaded after Tidemark), through exported malloc & co, and "
           "anonymous mmaps";
  }
};

}  // namespace
}  // namespace preload

TIDEMARK_REGISTER_INTERPOSER("preload", preload::PreloadInterposer)

}  // namespace tidemark
