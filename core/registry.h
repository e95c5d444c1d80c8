#ifndef TIDEMARK_CORE_REGISTRY_H_
#define TIDEMARK_CORE_REGISTRY_H_

#include <cstring>
#include <string>

namespace tidemark {

class Unwinder;
class Reporter;
class Interposer;

// Plugins register a factory under a name from a static initializer in their
// own translation unit; which plugins exist is decided by what the build links
// in (cc_library alwayslink), which is used by a run-time name (--unwinder,
// TIDEMARK_REPORTERS, ...). Fixed-size storage: registration happens during
// static initialization of the preloaded library, before its allocator hooks
// are ready, so it must not allocate.
template <typename T>
class Registry {
 public:
  using Factory = T* (*)();
  static constexpr int kMaxEntries = 32;

  struct Entry {
    const char* name;
    Factory factory;
  };

  static bool Register(const char* name, Factory factory) {
    Storage& s = storage();
    if (s.count >= kMaxEntries) return false;
    s.entries[s.count++] = Entry{name, factory};
    return true;
  }

  // A new instance of the plugin called `name`, or nullptr if none is linked.
  static T* Create(const char* name, size_t name_length) {
    const Entry* e = Find(name, name_length);
    return e == nullptr ? nullptr : e->factory();
  }
  static T* Create(const char* name) { return Create(name, std::strlen(name)); }

  static const Entry* Find(const char* name, size_t name_length) {
    const Storage& s = storage();
    for (int i = 0; i < s.count; ++i) {
      if (std::strlen(s.entries[i].name) == name_length &&
          std::memcmp(s.entries[i].name, name, name_length) == 0) {
        return &s.entries[i];
      }
    }
    return nullptr;
  }

  static int size() { return storage().count; }

  // "a, b, c": the linked names, for messages; "none" when nothing is.
  static std::string JoinedNames() {
    std::string joined;
    for (int i = 0; i < size(); ++i) {
      if (i > 0) joined += ", ";
      joined += at(i).name;
    }
    return joined.empty() ? "none" : joined;
  }
  static const Entry& at(int i) { return storage().entries[i]; }

 private:
  struct Storage {
    Entry entries[kMaxEntries];
    int count;
  };
  // Function-local static of a trivially constructible type: zero-initialized
  // before any static initializer runs, so registration order is irrelevant.
  static Storage& storage() {
    static Storage s;
    return s;
  }
};

using UnwinderRegistry = Registry<Unwinder>;
using ReporterRegistry = Registry<Reporter>;
using InterposerRegistry = Registry<Interposer>;

#define TIDEMARK_REGISTRY_CONCAT_INNER(a, b) a##b
#define TIDEMARK_REGISTRY_CONCAT(a, b) TIDEMARK_REGISTRY_CONCAT_INNER(a, b)

// Registers `Class` (default-constructible) under `name` in `RegistryType`.
// Runs as a prioritized ELF constructor (priority 200) so every plugin is
// registered before the session starts (core/session.h, priority 300),
// whatever order the linker put the translation units in.
#define TIDEMARK_REGISTER_PLUGIN(RegistryType, name, Class)            \
  namespace {                                                          \
  __attribute__((constructor(200))) void TIDEMARK_REGISTRY_CONCAT(     \
      tidemark_register_, __LINE__)() {                                \
    ::tidemark::RegistryType::Register(                                \
        name, []() -> decltype(::tidemark::RegistryType::Create("")) { \
          return new Class();                                          \
        });                                                            \
  }                                                                    \
  }

#define TIDEMARK_REGISTER_UNWINDER(name, Class) \
  TIDEMARK_REGISTER_PLUGIN(UnwinderRegistry, name, Class)
#define TIDEMARK_REGISTER_REPORTER(name, Class) \
  TIDEMARK_REGISTER_PLUGIN(ReporterRegistry, name, Class)
#define TIDEMARK_REGISTER_INTERPOSER(name, Class) \
  TIDEMARK_REGISTER_PLUGIN(InterposerRegistry, name, Class)

}  // namespace tidemark

#endif  // TIDEMARK_CORE_REGISTRY_H_
