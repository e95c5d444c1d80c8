#ifndef TIDEMARK_INTERPOSERS_PRELOAD_LOOKUP_ORDER_H_
#define TIDEMARK_INTERPOSERS_PRELOAD_LOOKUP_ORDER_H_

#include <string>

namespace tidemark {
namespace preload {

// Whether the program's calls to malloc, calloc, realloc and free reach the
// definitions in the loaded object that contains `ours` (any address in it),
// that is whether that object comes first in the dynamic linker's global
// lookup order for them. When another allocator is ahead of us (e.g.
// LD_PRELOAD=libjemalloc.so.2:libtidemark.so) our exported functions are
// never called for those names and no allocation can be seen; *error then
// says which object serves them and what to do, as one clause.
bool FirstInLookupOrder(const void* ours, std::string* error);

}  // namespace preload
}  // namespace tidemark

#endif  // TIDEMARK_INTERPOSERS_PRELOAD_LOOKUP_ORDER_H_
