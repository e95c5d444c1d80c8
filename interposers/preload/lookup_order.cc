#include "interposers/preload/lookup_order.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

namespace tidemark {
namespace preload {
namespace {

const char* const kAllocatorNames[] = {"malloc", "calloc", "realloc", "free"};

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The main program is the first object and has an empty name.
std::string Describe(const link_map* map, const link_map* first) {
  if (map == first || map->l_name == nullptr || map->l_name[0] == '\0') {
    return "the program itself";
  }
  return map->l_name;
}

// Whether `found` (a symbol's address) is a definition inside `map`. A
// program built without -fPIE that takes a function's address carries a
// "canonical PLT" entry: an undefined symbol whose address is the program's
// own stub, which dlsym returns but which defines nothing.
bool DefinedIn(void* found, const link_map* map) {
  if (found == nullptr) return false;
  Dl_info info;
  void* extra = nullptr;
  if (dladdr1(found, &info, &extra, RTLD_DL_LINKMAP) == 0 ||
      static_cast<link_map*>(extra) != map) {
    return false;
  }
  void* symbol = nullptr;
  if (dladdr1(found, &info, &symbol, RTLD_DL_SYMENT) == 0 ||
      symbol == nullptr) {
    return false;
  }
  return static_cast<const ElfW(Sym)*>(symbol)->st_shndx != SHN_UNDEF;
}

// Whether the object `map` (`first` being the main program) itself defines
// `name`.
bool Defines(const link_map* map, const link_map* first, const char* name) {
  if (map == first) return DefinedIn(dlsym(RTLD_DEFAULT, name), map);
  // A handle on one object looks in it first, then in its dependencies.
  void* handle = dlopen(map->l_name, RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return false;  // e.g. the vDSO
  const bool defines = DefinedIn(dlsym(handle, name), map);
  dlclose(handle);
  return defines;
}

}  // namespace

bool FirstInLookupOrder(const void* ours, std::string* error) {
  Dl_info info;
  void* extra = nullptr;
  if (dladdr1(ours, &info, &extra, RTLD_DL_LINKMAP) == 0 || extra == nullptr) {
    *error = "cannot tell which loaded object Tidemark's malloc is in";
    return false;
  }
  const link_map* self = static_cast<link_map*>(extra);
  void* program = dlopen(nullptr, RTLD_LAZY);
  link_map* first = nullptr;
  if (program == nullptr || dlinfo(program, RTLD_DI_LINKMAP, &first) != 0) {
    *error = "cannot list the loaded objects";
    return false;
  }
  // The global lookup order is the load order: the program, what
  // LD_PRELOAD lists, in order, then the libraries they need. Any object
  // ahead of ours that defines one of the names takes every call to it.
  const link_map* map = first;
  for (; map != nullptr && map != self; map = map->l_next) {
    for (const char* name : kAllocatorNames) {
      if (!Defines(map, first, name)) continue;
      const std::string our_name =
          self->l_name != nullptr && self->l_name[0] != '\0'
              ? BaseName(self->l_name)
              : std::string("the program");
      *error = std::string(name) + " is served by " + Describe(map, first) +
               ", which comes before " + our_name +
               " in the lookup order, so no allocation can be seen (list " +
               our_name + " first in LD_PRELOAD)";
      return false;
    }
  }
  if (map == nullptr) {
    *error = "cannot find Tidemark's library among the loaded objects";
    return false;
  }
  return true;
}

}  // namespace preload
}  // namespace tidemark
