#include "core/libdw_api.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

namespace tidemark {
namespace {

void Say(const char* text) {
  ssize_t ignored = write(2, text, strlen(text));
  (void)ignored;
}

const LibdwApi* Load() {
  void* library = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    Say("tidemark: cannot load libdw.so.1 (elfutils): native frames are "
        "named MODULE+0xOFFSET only\n");
    return nullptr;
  }
  static LibdwApi api;
  bool complete = true;
#define TIDEMARK_LIBDW_LOAD(name)                                         \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(library, #name)); \
  complete = complete && api.name != nullptr;
  TIDEMARK_LIBDW_FUNCTIONS(TIDEMARK_LIBDW_LOAD)
#undef TIDEMARK_LIBDW_LOAD
  if (!complete) {
    Say("tidemark: libdw.so.1 lacks a function Tidemark uses: native "
        "frames are named MODULE+0xOFFSET only\n");
    return nullptr;
  }
  api.elf_version(EV_CURRENT);
  return &api;
}

}  // namespace

const LibdwApi* Libdw() {
  static std::once_flag once;
  static const LibdwApi* api = nullptr;
  std::call_once(once, [] { api = Load(); });
  return api;
}

}  // namespace tidemark
