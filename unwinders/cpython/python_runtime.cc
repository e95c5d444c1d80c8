#include "unwinders/cpython/python_runtime.h"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "unwinders/cpython/python_version.h"

namespace tidemark {
namespace cpython {
namespace {

void* LookupGlobal(const char* name) { return dlsym(RTLD_DEFAULT, name); }

// Runs inside malloc (the first allocation that finds Python): write(), no
// stdio buffer.
void SayOnStderr(const char* line) {
  ssize_t ignored = write(STDERR_FILENO, line, std::strlen(line));
  (void)ignored;
}

}  // namespace

PythonRuntime::PythonRuntime(LookupFn lookup, SayFn say)
    : lookup_(lookup != nullptr ? lookup : &LookupGlobal),
      say_(say != nullptr ? say : &SayOnStderr) {}

PythonRuntime::State PythonRuntime::Unsupported(const char* why) {
  // snprintf with %s only: no allocation.
  snprintf(unsupported_line_, sizeof(unsupported_line_),
           "tidemark: Python stacks are off: %s; allocations are still "
           "counted, under [no Python stack]\n",
           why);
  return kUnsupported;
}

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
  // Once per process: the state never leaves kUnsupported.
  if (next == kUnsupported) say_(unsupported_line_);
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
    return Unsupported(
        "this Python does not export PyCode_Addr2Line, PyCode_Type, "
        "PyUnicode_Type and Py_GetVersion, which the unwinder reads");
  }

  const char* version_text = get_version();
  // Py_Version exists from 3.11; 3.10 only has the text.
  PythonVersion version;
  const auto* hex_version =
      static_cast<const unsigned long*>(lookup_("Py_Version"));
  if (hex_version != nullptr) {
    version = VersionFromHex(*hex_version);
  } else if (!ParseVersionString(version_text, &version)) {
    return Unsupported("this Python's version could not be read");
  }
  char why[160];
  const Layout* layout = FindLayout(version.major, version.minor);
  if (layout == nullptr) {
    snprintf(why, sizeof(why),
             "Python %d.%d is not supported (Tidemark reads %s)", version.major,
             version.minor, kSupportedVersions);
    return Unsupported(why);
  }
  // A free-threaded 3.13 build has a different object header.
  if (IsFreeThreadedBuild(version_text)) {
    snprintf(why, sizeof(why),
             "Python %d.%d is a free-threaded build, whose objects Tidemark "
             "cannot read (it reads the default builds of %s)",
             version.major, version.minor, kSupportedVersions);
    return Unsupported(why);
  }

  api_.layout = layout;
  api_.this_thread_state = this_thread_state;
  api_.addr2line = addr2line;
  api_.code_type = reinterpret_cast<uintptr_t>(code_type);
  api_.unicode_type = reinterpret_cast<uintptr_t>(unicode_type);
  api_.runtime = reinterpret_cast<uintptr_t>(lookup_("_PyRuntime"));
  void* evaluator = lookup_("_PyEval_EvalFrameDefault");
  Dl_info info;
  void* symbol_entry = nullptr;  // dladdr1 writes a const ElfW(Sym)* here
  const auto* symbol = static_cast<const ElfW(Sym)*>(nullptr);
  if (evaluator != nullptr &&
      dladdr1(evaluator, &info, &symbol_entry, RTLD_DL_SYMENT) != 0) {
    symbol = static_cast<const ElfW(Sym)*>(symbol_entry);
  }
  if (symbol != nullptr && symbol->st_size > 0) {
    api_.evaluator_low = reinterpret_cast<uintptr_t>(evaluator);
    api_.evaluator_high = api_.evaluator_low + symbol->st_size;
  }
  api_.version_hex = static_cast<uint32_t>(
      hex_version != nullptr ? *hex_version
                             : VersionHexFromString(version_text));
  return kReady;
}

}  // namespace cpython
}  // namespace tidemark
