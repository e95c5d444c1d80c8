// Drives libnative_chain_*.so: loads the library named by argv[1] with
// dlopen, holds BLOCKS blocks of BLOCK_BYTES from chain_a (a -> b -> c ->
// malloc), then dlcloses the library before exiting with the blocks still
// live, so the report (written at exit) names stacks captured in a library
// that is no longer loaded. Prints "unloaded" when dlclose really unmapped it.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

enum { BLOCKS = 4, BLOCK_BYTES = 1 << 20 };

__attribute__((noinline)) static void* Hold(void* (*chain_a)(size_t)) {
  return chain_a(BLOCK_BYTES);  // # main-call
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s LIBRARY\n", argv[0]);
    return 2;
  }
  void* library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  void* (*chain_a)(size_t) = (void* (*)(size_t))dlsym(library, "chain_a");
  if (chain_a == NULL) return 1;
  static void* held[BLOCKS];
  for (int i = 0; i < BLOCKS; ++i) held[i] = Hold(chain_a);
  if (dlclose(library) != 0) return 1;
  // Still loaded after dlclose means the test would prove nothing.
  void* again = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
  printf("%s\n", again == NULL ? "unloaded" : "still loaded");
  fflush(stdout);
  return held[BLOCKS - 1] == NULL;
}
