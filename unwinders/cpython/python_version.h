#ifndef TIDEMARK_UNWINDERS_CPYTHON_PYTHON_VERSION_H_
#define TIDEMARK_UNWINDERS_CPYTHON_PYTHON_VERSION_H_

namespace tidemark {
namespace cpython {

struct PythonVersion {
  int major = 0;
  int minor = 0;
};

// Decodes CPython's Py_Version / PY_VERSION_HEX (3.11+): 0xMMmmppRS.
PythonVersion VersionFromHex(unsigned long hex);

// Parses the start of Py_GetVersion()'s text ("3.10.13 (main, ...)"), the only
// version source 3.10 exports. Returns false if it does not start with
// "<major>.<minor>". Does not allocate.
bool ParseVersionString(const char* text, PythonVersion* version);

// CPython's PY_VERSION_HEX (0xMMmmppLS: major, minor, micro, release level
// 0xA alpha / 0xB beta / 0xC candidate / 0xF final, serial) from the start
// of Py_GetVersion()'s text: "3.10.13 (main...", "3.13.0rc1 (...",
// "3.12.0a7+ (...". 0 if it does not start with "<major>.<minor>.<micro>".
// For 3.10, which does not export Py_Version. Does not allocate.
unsigned long VersionHexFromString(const char* text);

// Whether Py_GetVersion()'s text names a free-threaded (no-GIL) build, whose
// object header differs from the layouts this unwinder knows.
bool IsFreeThreadedBuild(const char* text);

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_PYTHON_VERSION_H_
