// A program that looks like a Python interpreter the CPython unwinder does
// not support: it exports the functions and data the unwinder looks up
// (PyGILState_GetThisThreadState, PyCode_Addr2Line, PyCode_Type,
// PyUnicode_Type, Py_GetVersion, Py_Version), with the version and build
// chosen at compile time (FAKE_PY_VERSION, FAKE_PY_VERSION_TEXT), so that
// the "Python stacks are off" line can be tested on any machine, whether
// or not an old or free-threaded CPython is installed.
//
// It holds 3 x 10 MiB at once, lets them go, and exits with 7.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((visibility("default"))) const unsigned long Py_Version =
    FAKE_PY_VERSION;
__attribute__((visibility("default"))) char PyCode_Type[64];
__attribute__((visibility("default"))) char PyUnicode_Type[64];

__attribute__((visibility("default"))) void* PyGILState_GetThisThreadState(
    void) {
  return NULL;
}

__attribute__((visibility("default"))) int PyCode_Addr2Line(void* code,
                                                            int offset) {
  (void)code;
  (void)offset;
  return -1;
}

__attribute__((visibility("default"))) const char* Py_GetVersion(void) {
  return FAKE_PY_VERSION_TEXT;
}

int main(void) {
  enum { kBlocks = 3, kBlockBytes = 10 << 20 };
  char* blocks[kBlocks];
  for (int i = 0; i < kBlocks; ++i) {
    blocks[i] = malloc(kBlockBytes);
    if (blocks[i] == NULL) return 1;
    memset(blocks[i], i + 1, kBlockBytes);
  }
  long sum = 0;
  for (int i = 0; i < kBlocks; ++i) sum += blocks[i][i * 4096];
  for (int i = 0; i < kBlocks; ++i) free(blocks[i]);
  printf("fake python done %ld\n", sum);
  return 7;
}
