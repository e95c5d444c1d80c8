#include "unwinders/cpython/python_runtime.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace cpython {
namespace {

// The fake process's exported symbols; nullptr = not exported.
struct FakeSymbols {
  bool has_python = false;
  bool exports_addr2line = true;
  int lines_said = 0;
  std::string said;
  const unsigned long* py_version = nullptr;
  const char* version_text = "3.10.13 (main, Jan  1 2024) [GCC 12.2.0]";
  int accessor_lookups = 0;
};
FakeSymbols* g_symbols = nullptr;

char g_code_type, g_unicode_type, g_runtime;
void* FakeThisThreadState() { return nullptr; }
int FakeAddr2Line(void*, int) { return 0; }
const char* FakeGetVersion() { return g_symbols->version_text; }

void* FakeLookup(const char* name) {
  FakeSymbols& s = *g_symbols;
  if (std::strcmp(name, "PyGILState_GetThisThreadState") == 0) {
    ++s.accessor_lookups;
    return s.has_python ? reinterpret_cast<void*>(&FakeThisThreadState)
                        : nullptr;
  }
  if (!s.has_python) return nullptr;
  if (std::strcmp(name, "PyCode_Addr2Line") == 0) {
    if (!s.exports_addr2line) return nullptr;
    return reinterpret_cast<void*>(&FakeAddr2Line);
  }
  if (std::strcmp(name, "Py_GetVersion") == 0) {
    return reinterpret_cast<void*>(&FakeGetVersion);
  }
  if (std::strcmp(name, "PyCode_Type") == 0) return &g_code_type;
  if (std::strcmp(name, "PyUnicode_Type") == 0) return &g_unicode_type;
  if (std::strcmp(name, "_PyRuntime") == 0) return &g_runtime;
  if (std::strcmp(name, "Py_Version") == 0) {
    return const_cast<unsigned long*>(s.py_version);
  }
  return nullptr;
}

void FakeSay(const char* line) {
  ++g_symbols->lines_said;
  g_symbols->said += line;
}

class PythonRuntimeTest : public ::testing::Test {
 protected:
  PythonRuntimeTest() { g_symbols = &symbols_; }
  ~PythonRuntimeTest() override { g_symbols = nullptr; }

  FakeSymbols symbols_;
  PythonRuntime runtime_{&FakeLookup, &FakeSay};
};

TEST_F(PythonRuntimeTest, FindsTheApiOfA311Interpreter) {
  static const unsigned long kVersion = 0x030B02F0;
  symbols_.has_python = true;
  symbols_.py_version = &kVersion;
  const PythonApi* api = runtime_.Get();
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->layout, &kLayoutPy311);
  EXPECT_EQ(api->this_thread_state, &FakeThisThreadState);
  EXPECT_EQ(api->addr2line, &FakeAddr2Line);
  EXPECT_EQ(api->code_type, reinterpret_cast<uintptr_t>(&g_code_type));
  EXPECT_EQ(api->unicode_type, reinterpret_cast<uintptr_t>(&g_unicode_type));
  EXPECT_EQ(api->runtime, reinterpret_cast<uintptr_t>(&g_runtime));
  // Cached: no further lookups.
  EXPECT_EQ(runtime_.Get(), api);
  EXPECT_EQ(symbols_.accessor_lookups, 1);
}

TEST_F(PythonRuntimeTest, Reads310VersionFromText) {
  symbols_.has_python = true;
  const PythonApi* api = runtime_.Get();
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->layout, &kLayoutPy310);
}

TEST_F(PythonRuntimeTest, RetriesOnlyAtPowersOfTwoWhilePythonIsAbsent) {
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(runtime_.Get(), nullptr);
  // Calls 1, 2, 4, ..., 512.
  EXPECT_EQ(symbols_.accessor_lookups, 10);

  // Python appears (e.g. an embedding program loads libpython late).
  symbols_.has_python = true;
  int calls = 1000;
  const PythonApi* api = nullptr;
  while (api == nullptr && calls < 5000) {
    api = runtime_.Get();
    ++calls;
  }
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(calls, 1024);
}

TEST_F(PythonRuntimeTest, UnknownVersionIsGivenUpForGood) {
  static const unsigned long kVersion = 0x030900F0;  // 3.9: no layout
  symbols_.has_python = true;
  symbols_.py_version = &kVersion;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(runtime_.Get(), nullptr);
  EXPECT_EQ(symbols_.accessor_lookups, 1);
  // Said once, with the version and what is supported.
  EXPECT_EQ(symbols_.lines_said, 1);
  EXPECT_EQ(symbols_.said,
            "tidemark: Python stacks are off: Python 3.9 is not supported "
            "(Tidemark reads CPython 3.10 to 3.13); allocations are still "
            "counted, under [no Python stack]\n");
  EXPECT_EQ(symbols_.said, runtime_.unsupported_line());
  EXPECT_TRUE(runtime_.Found());
}

TEST_F(PythonRuntimeTest, ASupportedVersionSaysNothing) {
  static const unsigned long kVersion = 0x030B07F0;
  symbols_.has_python = true;
  symbols_.py_version = &kVersion;
  ASSERT_NE(runtime_.Get(), nullptr);
  EXPECT_TRUE(runtime_.Found());
  EXPECT_EQ(symbols_.lines_said, 0);
  EXPECT_STREQ(runtime_.unsupported_line(), "");
}

TEST_F(PythonRuntimeTest, AMissingFunctionIsNamedInTheLine) {
  symbols_.has_python = true;
  symbols_.exports_addr2line = false;
  EXPECT_EQ(runtime_.Get(), nullptr);
  EXPECT_EQ(symbols_.lines_said, 1);
  EXPECT_NE(symbols_.said.find("does not export PyCode_Addr2Line"),
            std::string::npos);
}

TEST_F(PythonRuntimeTest, FreeThreadedBuildIsUnsupported) {
  static const unsigned long kVersion = 0x030D00F0;
  symbols_.has_python = true;
  symbols_.py_version = &kVersion;
  symbols_.version_text = "3.13.0 experimental free-threading build (main)";
  EXPECT_EQ(runtime_.Get(), nullptr);
  EXPECT_EQ(symbols_.lines_said, 1);
  EXPECT_EQ(symbols_.said,
            "tidemark: Python stacks are off: Python 3.13 is a free-threaded "
            "build, whose objects Tidemark cannot read (it reads the default "
            "builds of CPython 3.10 to 3.13); allocations are still counted, "
            "under [no Python stack]\n");
}

TEST(PythonRuntimeDlsymTest, FindsNoPythonInThisTestBinary) {
  PythonRuntime runtime;  // real dlsym; this binary has no libpython
  EXPECT_EQ(runtime.Get(), nullptr);
  EXPECT_FALSE(runtime.Found());
}

}  // namespace
}  // namespace cpython
}  // namespace tidemark
