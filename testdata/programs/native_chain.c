// A known native call chain for the native unwinders' tests:
// chain_a -> chain_b -> chain_c -> malloc. Built twice (testdata/BUILD.bazel),
// with and without frame pointers, both with debug information. Each call
// is on a line with a marker comment (# name) that the test looks up, and
// each function does work after its call, so no call becomes a tail jump
// that would take its frame off the stack.
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, visibility("default")))

NOINLINE void* chain_c(size_t size) {
  char* block = malloc(size);  // # chain-c-call
  if (block != NULL) memset(block, 0x5a, size);
  return block;
}

NOINLINE void* chain_b(size_t size) {
  void* block = chain_c(size);  // # chain-b-call
  __asm__ volatile("" ::: "memory");
  return block;
}

NOINLINE void* chain_a(size_t size) {
  void* block = chain_b(size);  // # chain-a-call
  __asm__ volatile("" ::: "memory");
  return block;
}
