/* A library a Python program loads with ctypes after start (dlopen) and
 * unloads again (dlclose), allocating through it meanwhile
 * (interposer_sites.py): dl_alloc(n) mallocs n bytes on the calling thread
 * and writes them, so the block has the Python stack of the line that
 * called it; dl_free frees one.
 * -fno-builtin: the compiler must not turn malloc + memset into calloc. */
#include <stdlib.h>
#include <string.h>

void* dl_alloc(size_t bytes) {
  char* block = malloc(bytes);
  if (block != NULL) memset(block, 1, bytes);
  return block;
}

void dl_free(void* block) { free(block); }
