#include "core/unwinder_spec.h"

#include "core/registry.h"

namespace tidemark {
namespace {

Unwinder* CreateOne(const std::string& name, std::string* error) {
  Unwinder* unwinder = UnwinderRegistry::Create(name.c_str());
  if (unwinder == nullptr) {
    *error = "unknown unwinder '" + name +
             "' (available: " + UnwinderRegistry::JoinedNames() + ")";
  }
  return unwinder;
}

}  // namespace

Unwinder* CreateUnwinder(const std::string& spec, std::string* error) {
  const size_t plus = spec.find('+');
  if (plus == std::string::npos) return CreateOne(spec, error);
  const std::string first = spec.substr(0, plus);
  const std::string native = spec.substr(plus + 1);
  if (first.empty() || native.empty() ||
      native.find('+') != std::string::npos || first == native) {
    *error = "unwinder '" + spec +
             "': a hybrid is two different unwinders, FIRST+NATIVE (e.g. " +
             kNativeUnwinderSpec + ")";
    return nullptr;
  }
  Unwinder* outer = CreateOne(first, error);
  if (outer == nullptr) return nullptr;
  Unwinder* inner = CreateOne(native, error);
  std::string why;
  if (inner == nullptr || !outer->ComposeWith(inner, &why)) {
    if (inner != nullptr) {
      *error = "unwinder '" + spec + "': '" + first +
               "' cannot compose with '" + native + "': " + why;
    }
    delete inner;
    delete outer;
    return nullptr;
  }
  return outer;
}

}  // namespace tidemark
