#include "unwinders/cpython/python_runtime.h"

#include <dlfcn.h>

#include "unwinders/cpython/python_version.h"

namespace tidemark {
namespace cpython {
namespace {

void* LookupGlobal(const char* name) { return dlsym(RTLD_DEFAULT, name); }

}  // namespace

PythonRuntime::PythonRuntime(LookupFn lookup)
    : lookup_(lookup != nullptr ? lookup : &LookupGlobal) {}

const PythonApi* PythonRuntime::Get() {
  int state = state_.load(std::memory_order_acquire);
  if (state == kReady) return &api_;
  if (state != kUnresolved) return nullptr;

  // Retry only when the count reaches a power of two.
  uint32_t calls =
      calls_while_absent_.fetch_add(1, std::memory_order_relaxed) + 1;
  if ((calls & (calls - 1)) != 0) return nullptr;

  int expected = kUnresolved;
  if (!state_.compare_exchange_strong(expected, kResolving,
                                      std::memory_order_acquire)) {
    return nullptr;  // another thread is looking; it will publish
  }
  State next = Resolve();
  state_.store(next, std::memory_order_release);
  return next == kReady ? &api_ : nullptr;
}

PythonRuntime::State PythonRuntime::Resolve() {
  // The thread-state accessor is what makes this process a Python process;
  // without it there is nothing to unwind (yet).
  auto this_thread_state = reinterpret_cast<PythonApi::ThisThreadStateFn>(
      lookup_("PyGILState_GetThisThreadState"));
  if (this_thread_state == nullptr) return kUnresolved;

  auto addr2line =
      reinterpret_cast<PythonApi::Addr2LineFn>(lookup_("PyCode_Addr2Line"));
  void* code_type = lookup_("PyCode_Type");
  void* unicode_type = lookup_("PyUnicode_Type");
  auto get_version =
      reinterpret_cast<const char* (*)()>(lookup_("Py_GetVersion"));
  if (addr2line == nullptr || code_type == nullptr || unicode_type == nullptr ||
      get_version == nullptr) {
    return kUnsupported;
  }

  const char* version_text = get_version();
  // Py_Version exists from 3.11; 3.10 only has the text.
  PythonVersion version;
  const auto* hex_version =
      static_cast<const unsigned long*>(lookup_("Py_Version"));
  if (hex_version != nullptr) {
    version = VersionFromHex(*hex_version);
  } else if (!ParseVersionString(version_text, &version)) {
    return kUnsupported;
  }
  const Layout* layout = FindLayout(version.major, version.minor);
  if (layout == nullptr) return kUnsupported;
  // A free-threaded 3.13 build has a different object header.
  if (IsFreeThreadedBuild(version_text)) return kUnsupported;

  api_.layout = layout;
  api_.this_thread_state = this_thread_state;
  api_.addr2line = addr2line;
  api_.code_type = reinterpret_cast<uintptr_t>(code_type);
  api_.unicode_type = reinterpret_cast<uintptr_t>(unicode_type);
  api_.runtime = reinterpret_cast<uintptr_t>(lookup_("_PyRuntime"));
  api_.version_hex = static_cast<uint32_t>(
      hex_version != nullptr ? *hex_version
                             : VersionHexFromString(version_text));
  return kReady;
}

}  // namespace cpython
}  // namespace tidemark
