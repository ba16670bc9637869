/*
 * zl_dctx.c - one C-Blosc2 decompression context per calling thread, kept between calls.
 *
 * A context with nthreads > 1 owns a pool of C-Blosc2 threads; creating it for every small
 * decode (a few blocks of a big chunk) would start and join those threads each time. Each
 * thread keeps its own context (never shared), freed when the thread exits; after a fork
 * the child makes a new one (the parent's pool threads do not exist there).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <blosc2.h>

#include "zl.h"

typedef struct {
  blosc2_context *dctx;
  int nthreads;
  pid_t pid;
} thread_dctx_t;

static pthread_key_t dctx_key;
static pthread_once_t dctx_key_once = PTHREAD_ONCE_INIT;
static int dctx_key_status = 0;

static void free_thread_dctx(void *p) {
  thread_dctx_t *slot = (thread_dctx_t *)p;
  if (slot != NULL && slot->dctx != NULL && slot->pid == getpid())
    blosc2_free_ctx(slot->dctx);
  free(slot);
}

static void make_dctx_key(void) { dctx_key_status = pthread_key_create(&dctx_key, free_thread_dctx); }

/* This thread's decompression context for `nthreads` threads, or NULL when out of memory.
 * Callers must set a block mask (blosc2_set_maskout) before each decompression with it. */
struct blosc2_context_s *zl_thread_dctx(int nthreads) {
  if (nthreads < 1)
    nthreads = 1;
  if (pthread_once(&dctx_key_once, make_dctx_key) != 0 || dctx_key_status != 0)
    return NULL;
  thread_dctx_t *slot = (thread_dctx_t *)pthread_getspecific(dctx_key);
  if (slot == NULL) {
    slot = (thread_dctx_t *)calloc(1, sizeof(thread_dctx_t));
    if (slot == NULL || pthread_setspecific(dctx_key, slot) != 0) {
      free(slot);
      return NULL;
    }
  }
  pid_t pid = getpid();
  if (slot->dctx != NULL && (slot->nthreads != nthreads || slot->pid != pid)) {
    if (slot->pid == pid)
      blosc2_free_ctx(slot->dctx);
    /* else: a context inherited through fork; its pool threads are gone, so it is
     * abandoned rather than freed (freeing would join threads that do not exist) */
    slot->dctx = NULL;
  }
  if (slot->dctx == NULL) {
    blosc2_dparams dparams = BLOSC2_DPARAMS_DEFAULTS;
    dparams.nthreads = (int16_t)nthreads;
    slot->dctx = blosc2_create_dctx(dparams);
    slot->nthreads = nthreads;
    slot->pid = pid;
  }
  return slot->dctx;
}
