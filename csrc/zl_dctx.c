/*
 * zl_dctx.c - C-Blosc2 decompression contexts: created and freed here only, and one kept
 * per calling thread between calls.
 *
 * A context with nthreads > 1 owns a pool of C-Blosc2 threads; creating it for every small
 * decode (a few blocks of a big chunk) would start and join those threads each time. Each
 * thread keeps its own context (never shared), freed when the thread exits.
 *
 * Fork: if a multi-threaded context is alive when the process forks, C-Blosc2's threaded
 * decoding hangs in the child (found by a test), even with new contexts. So this file
 * counts live multi-threaded contexts, and a child forked while any was alive decodes with
 * one thread per context (zl_usable_threads); contexts inherited from the parent are
 * abandoned, not freed (freeing would join threads that do not exist in the child).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include <blosc2.h>

#include "zl.h"

typedef struct {
  blosc2_context *dctx;
  int nthreads;
  pid_t pid;
} kept_dctx_t;

/* Two per thread: one single-threaded (many chunks decoded side by side) and one with
 * C-Blosc2 threads (one chunk at a time), so alternating workloads do not rebuild them. */
typedef struct {
  kept_dctx_t slot[2];
} thread_dctx_t;

static atomic_int live_threaded = 0; /* multi-threaded contexts alive in this process */
static atomic_int threads_broken = 0; /* forked while one was alive: no C-Blosc2 threads */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void after_fork_in_child(void) {
  if (atomic_load(&live_threaded) > 0)
    atomic_store(&threads_broken, 1);
  atomic_store(&live_threaded, 0);
}

static void install_atfork(void) { pthread_atfork(NULL, NULL, after_fork_in_child); }

/* The threads a C-Blosc2 context may use: nthreads (at least 1), or 1 in a child forked
 * while threaded contexts were alive. */
int zl_usable_threads(int nthreads) {
  if (nthreads <= 1 || atomic_load(&threads_broken))
    return 1;
  return nthreads;
}

/* A new decompression context for up to nthreads threads (see zl_usable_threads), or NULL
 * when out of memory. Free it with zl_free_dctx. */
struct blosc2_context_s *zl_create_dctx(int nthreads) {
  pthread_once(&atfork_once, install_atfork);
  blosc2_dparams dparams = BLOSC2_DPARAMS_DEFAULTS;
  dparams.nthreads = (int16_t)zl_usable_threads(nthreads);
  blosc2_context *dctx = blosc2_create_dctx(dparams);
  if (dctx != NULL && dparams.nthreads > 1)
    atomic_fetch_add(&live_threaded, 1);
  return dctx;
}

/* Free a context made by zl_create_dctx for `nthreads` (the same value as given there). */
void zl_free_dctx(struct blosc2_context_s *dctx, int nthreads) {
  if (dctx == NULL)
    return;
  blosc2_free_ctx(dctx);
  if (zl_usable_threads(nthreads) > 1)
    atomic_fetch_sub(&live_threaded, 1);
}

static pthread_key_t dctx_key;
static pthread_once_t dctx_key_once = PTHREAD_ONCE_INIT;
static int dctx_key_status = 0;

static void free_thread_dctx(void *p) {
  thread_dctx_t *kept = (thread_dctx_t *)p;
  for (int i = 0; kept != NULL && i < 2; i++)
    if (kept->slot[i].dctx != NULL && kept->slot[i].pid == getpid())
      zl_free_dctx(kept->slot[i].dctx, kept->slot[i].nthreads);
  free(kept);
}

static void make_dctx_key(void) { dctx_key_status = pthread_key_create(&dctx_key, free_thread_dctx); }

/* This thread's decompression context for `nthreads` threads, or NULL when out of memory.
 * Callers must set a block mask (blosc2_set_maskout) before each decompression with it. */
struct blosc2_context_s *zl_thread_dctx(int nthreads) {
  nthreads = zl_usable_threads(nthreads);
  if (pthread_once(&dctx_key_once, make_dctx_key) != 0 || dctx_key_status != 0)
    return NULL;
  thread_dctx_t *kept = (thread_dctx_t *)pthread_getspecific(dctx_key);
  if (kept == NULL) {
    kept = (thread_dctx_t *)calloc(1, sizeof(thread_dctx_t));
    if (kept == NULL || pthread_setspecific(dctx_key, kept) != 0) {
      free(kept);
      return NULL;
    }
  }
  kept_dctx_t *slot = &kept->slot[nthreads > 1];
  pid_t pid = getpid();
  if (slot->dctx != NULL && (slot->nthreads != nthreads || slot->pid != pid)) {
    if (slot->pid == pid)
      zl_free_dctx(slot->dctx, slot->nthreads);
    /* else: a context inherited through fork; its pool threads are gone, so it is
     * abandoned rather than freed (freeing would join threads that do not exist) */
    slot->dctx = NULL;
  }
  if (slot->dctx == NULL) {
    slot->dctx = zl_create_dctx(nthreads);
    slot->nthreads = nthreads;
    slot->pid = pid;
  }
  return slot->dctx;
}
