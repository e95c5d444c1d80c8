/* A native thread inside a Python process (loaded with ctypes by
 * blind_spots.py): native_hold_start(n) starts a pthread that mallocs n
 * bytes, writes them and holds them until native_hold_release(). The
 * thread never runs Python, so its block has no Python stack.
 * -fno-builtin: the compiler must not turn malloc + memset into calloc. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_changed = PTHREAD_COND_INITIALIZER;
static int g_state; /* 0 starting, 1 holding, -1 malloc failed, 2 release */
static size_t g_bytes;
static pthread_t g_thread;

static void* Hold(void* unused) {
  (void)unused;
  char* block = malloc(g_bytes);
  if (block != NULL) memset(block, 1, g_bytes);
  pthread_mutex_lock(&g_mutex);
  g_state = block != NULL ? 1 : -1;
  pthread_cond_broadcast(&g_changed);
  while (g_state != 2) pthread_cond_wait(&g_changed, &g_mutex);
  pthread_mutex_unlock(&g_mutex);
  free(block);
  return NULL;
}

/* Returns 0 once the thread holds `bytes`, -1 on failure. */
int native_hold_start(size_t bytes) {
  g_bytes = bytes;
  g_state = 0;
  if (pthread_create(&g_thread, NULL, &Hold, NULL) != 0) return -1;
  pthread_mutex_lock(&g_mutex);
  while (g_state == 0) pthread_cond_wait(&g_changed, &g_mutex);
  const int state = g_state;
  pthread_mutex_unlock(&g_mutex);
  return state == 1 ? 0 : -1;
}

/* Has the thread free its block, and waits for it to end. */
void native_hold_release(void) {
  pthread_mutex_lock(&g_mutex);
  g_state = 2;
  pthread_cond_broadcast(&g_changed);
  pthread_mutex_unlock(&g_mutex);
  pthread_join(g_thread, NULL);
}
