// The "preload" interposer: allocation functions exported from the
// LD_PRELOAD library (exported_symbols.cc) sit in front of glibc's for every
// call resolved through the dynamic linker. It sees what goes through the
// PLT: malloc & co from the program and every shared library, and the
// program's own mmap calls; not glibc's internal mmaps for large blocks
// (which is what keeps them from being counted twice), nor allocators bound
// statically inside another library.
#include <string>

#include "core/interposer.h"
#include "core/registry.h"
#include "interposers/preload/hooks.h"

namespace tidemark {
namespace preload {
namespace {

class PreloadInterposer : public Interposer {
 public:
  bool Install(std::string* error) override {
    SetDelivering(true);
    return true;
  }
  void Uninstall() override { SetDelivering(false); }
};

}  // namespace
}  // namespace preload

TIDEMARK_REGISTER_INTERPOSER("preload", preload::PreloadInterposer)

}  // namespace tidemark
