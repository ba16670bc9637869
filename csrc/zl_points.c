/*
 * zl_points.c - items gathered out of a Blosc chunk block by block (point reads): each
 * block holding a wanted item is decompressed alone into a block-sized scratch, which is
 * still in cache when its items are copied out; the next block reuses it. Nothing is
 * decoded into a chunk-sized buffer and nothing is copied twice.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <blosc2.h>

#include "zl.h"

/* The caller has checked the chunk (its header, and the streams of every block holding an
 * item) and computed for item i its block block_of[i] and byte offset in_block[i] there;
 * both are checked again here against the block geometry. Item i lands at
 * dst + dst_offsets[i] (checked by the caller). Blocks are decoded with this thread's kept
 * context, in block order. */
int zl_gather_blocks(const void *chunk, int32_t cbytes, int64_t chunk_nbytes,
                     int64_t block_nbytes, int64_t nblocks, const int64_t *block_of,
                     const int64_t *in_block, const int64_t *dst_offsets, int64_t n,
                     size_t itemsize, char *dst, char *scratch, size_t scratch_nbytes,
                     int64_t *blocks_decoded) {
  *blocks_decoded = 0;
  if (n == 0)
    return ZL_OK;
  if (chunk == NULL || block_nbytes < 1 || nblocks < 1 || chunk_nbytes < 1 ||
      chunk_nbytes > INT32_MAX || (nblocks - 1) * block_nbytes >= chunk_nbytes ||
      nblocks * block_nbytes < chunk_nbytes || itemsize < 1)
    return ZL_ERR_ARG;
  if (scratch == NULL || scratch_nbytes < (size_t)block_nbytes)
    return ZL_ERR_BUFFER;
  int64_t *ends = (int64_t *)calloc((size_t)nblocks + 1, sizeof(int64_t));
  int64_t *order = (int64_t *)malloc((size_t)n * sizeof(int64_t));
  bool *mask = (bool *)calloc((size_t)nblocks, sizeof(bool));
  int status = ZL_OK;
  if (ends == NULL || order == NULL || mask == NULL) {
    status = ZL_ERR_NOMEM;
    goto cleanup;
  }
  /* counting sort of the items by block: block b's items are order[ends[b-1] .. ends[b]) */
  for (int64_t i = 0; i < n; i++) {
    if (block_of[i] < 0 || block_of[i] >= nblocks) {
      status = ZL_ERR_ARG;
      goto cleanup;
    }
    ends[block_of[i] + 1]++;
  }
  for (int64_t b = 0; b < nblocks; b++)
    ends[b + 1] += ends[b];
  for (int64_t i = 0; i < n; i++)
    order[ends[block_of[i]]++] = i;
  blosc2_context *dctx = zl_thread_dctx(1);
  /* a mask left by a failed decompression would make C-Blosc2 skip blocks: set one that
   * keeps every block (the next user of this context sets its own) */
  if (dctx == NULL || blosc2_set_maskout(dctx, mask, (int)nblocks) < 0) {
    status = ZL_ERR_NOMEM;
    goto cleanup;
  }
  int64_t lo = 0;
  for (int64_t b = 0; b < nblocks && status == ZL_OK; lo = ends[b], b++) {
    if (ends[b] == lo)
      continue;
    int64_t first = b * block_nbytes;
    int64_t bsize = chunk_nbytes - first < block_nbytes ? chunk_nbytes - first : block_nbytes;
    int rc = blosc2_getitem_bytes_ctx(dctx, chunk, cbytes, (int32_t)first, (int32_t)bsize,
                                      scratch, (int32_t)bsize);
    if (rc != bsize) {
      status = rc == BLOSC2_ERROR_CODEC_SUPPORT ? ZL_ERR_UNSUPPORTED : ZL_ERR_CORRUPT;
      break;
    }
    (*blocks_decoded)++;
    for (int64_t k = lo; k < ends[b]; k++) {
      int64_t i = order[k];
      if (in_block[i] < 0 || in_block[i] + (int64_t)itemsize > bsize) {
        status = ZL_ERR_ARG;
        break;
      }
      memcpy(dst + dst_offsets[i], scratch + in_block[i], itemsize);
    }
  }
cleanup:
  free(ends);
  free(order);
  free(mask);
  return status;
}
