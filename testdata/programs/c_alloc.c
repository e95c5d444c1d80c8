/* Scenario 8: a C program (no Python) with an exactly known peak.
 *
 * Live bytes after each step, in MiB (the test keeps the same table):
 *   1  a = malloc(100)                 100
 *   2  b = malloc(30)                  130
 *   3  c = calloc(20, 1 MiB)           150
 *   4  free(b)                         120
 *   5  d = malloc(8)                   128
 *   6  d = realloc(d, 24)              144   (152 even if old and new overlap)
 *   7  m = mmap(10), anonymous         154
 *   8  munmap(m + 5, 5): the top half  149
 *   9  e = malloc(9)                   158   <- the peak
 *  10  free(a)                          58
 *  11  f = malloc(50)                  108
 *  12  free everything, munmap(m, 5)     0
 * The peak is 158 MiB. A profiler that ignored the partial munmap would see
 * 163 MiB; one that dropped the whole mapping, or did not see mmap, 154.
 *
 * No stdio: nothing but these calls allocates. Errors go out with write(2).
 * Built with -fno-builtin, and every pointer is stored through a volatile
 * sink, so the compiler cannot drop or merge the allocations.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)

static void* volatile sink[8];

static void die(const char* message) {
  size_t n = 0;
  while (message[n] != '\0') n++;
  ssize_t ignored = write(2, message, n);
  (void)ignored;
  _exit(10);
}

static void* checked(void* p, const char* what) {
  if (p == NULL) die(what);
  return p;
}

/* Writes one byte per page so the memory is real, as in ordinary programs. */
static void touch(char* p, size_t size) {
  for (size_t i = 0; i < size; i += 4096) p[i] = (char)i;
}

int main(void) {
  char* a = checked(malloc(100 * MIB), "malloc a failed\n");
  touch(a, 100 * MIB);
  sink[0] = a;
  char* b = checked(malloc(30 * MIB), "malloc b failed\n");
  touch(b, 30 * MIB);
  sink[1] = b;
  char* c = checked(calloc(20, MIB), "calloc c failed\n");
  sink[2] = c;
  free(b);
  sink[1] = NULL;
  char* d = checked(malloc(8 * MIB), "malloc d failed\n");
  touch(d, 8 * MIB);
  sink[3] = d;
  d = checked(realloc(d, 24 * MIB), "realloc d failed\n");
  touch(d, 24 * MIB);
  sink[3] = d;
  void* mapped = mmap(NULL, 10 * MIB, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) die("mmap failed\n");
  char* m = mapped;
  touch(m, 10 * MIB);
  sink[4] = m;
  if (munmap(m + 5 * MIB, 5 * MIB) != 0) die("partial munmap failed\n");
  char* e = checked(malloc(9 * MIB), "malloc e failed\n");
  touch(e, 9 * MIB);
  sink[5] = e;
  /* The peak (158 MiB) is now; from here on the total only falls. */
  free(a);
  sink[0] = NULL;
  char* f = checked(malloc(50 * MIB), "malloc f failed\n");
  touch(f, 50 * MIB);
  sink[6] = f;
  free(c);
  free(d);
  free(e);
  free(f);
  if (munmap(m, 5 * MIB) != 0) die("final munmap failed\n");
  for (int i = 0; i < 8; i++) sink[i] = NULL;
  return 0;
}
