/*
 * zl_b2nd.c - two-level chunks: a Zarr chunk stored as a one-chunk C-Blosc2 b2nd array
 * (a contiguous frame: "cframe"), so the chunk is split into N-d blocks compressed
 * independently, and python-blosc2 can open a stored chunk as it is
 * (blosc2.ndarray_from_cframe). The frame and its parsing are C-Blosc2's; this file only
 * builds and reads them.
 */
#include <stdlib.h>
#include <string.h>

#include <b2nd.h>
#include <blosc2.h>

#include "zl.h"

/* Encode a C-contiguous chunk (ndim dims of `shape`, items of `typesize` bytes, numpy dtype
 * string `dtype`) as a b2nd frame with blocks of `blockshape`. On success *cframe points
 * to memory the caller releases with zl_free and *cframe_len is its length. */
int zl_b2nd_encode(const void *src, int64_t nbytes, int ndim, const int64_t *shape,
                   const int32_t *blockshape, int typesize, const char *dtype, int compcode,
                   int clevel, int shuffle, int nthreads, uint8_t **cframe,
                   int64_t *cframe_len) {
  int32_t chunkshape[B2ND_MAX_DIM];
  b2nd_context_t *ctx = NULL;
  b2nd_array_t *array = NULL;
  int status = ZL_OK;
  bool needs_free = false;
  int64_t items = 1;
  if (src == NULL || cframe == NULL || cframe_len == NULL || ndim < 1 || ndim > B2ND_MAX_DIM ||
      typesize < 1 || clevel < 0 || clevel > 9 || shuffle < 0 || shuffle > 2)
    return ZL_ERR_ARG;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] < 1 || shape[d] > INT32_MAX || blockshape[d] < 1 || blockshape[d] > shape[d])
      return ZL_ERR_ARG;
    chunkshape[d] = (int32_t)shape[d];
    items *= shape[d];
  }
  if (items * typesize != nbytes)
    return ZL_ERR_BUFFER;
  *cframe = NULL;
  blosc2_cparams cparams = BLOSC2_CPARAMS_DEFAULTS;
  cparams.compcode = (uint8_t)compcode;
  cparams.clevel = (uint8_t)clevel;
  cparams.typesize = typesize;
  cparams.nthreads = (int16_t)(nthreads < 1 ? 1 : nthreads);
  cparams.filters[BLOSC2_MAX_FILTERS - 1] = (uint8_t)shuffle;
  blosc2_dparams dparams = BLOSC2_DPARAMS_DEFAULTS;
  blosc2_storage storage = BLOSC2_STORAGE_DEFAULTS;
  storage.contiguous = true;
  storage.cparams = &cparams;
  storage.dparams = &dparams;
  ctx = b2nd_create_ctx(&storage, (int8_t)ndim, shape, chunkshape, blockshape, dtype,
                        DTYPE_NUMPY_FORMAT, NULL, 0);
  if (ctx == NULL) {
    status = ZL_ERR_ARG;
    goto cleanup;
  }
  if (b2nd_from_cbuffer(ctx, &array, src, nbytes) < 0) {
    status = ZL_ERR_CODEC;
    goto cleanup;
  }
  if (b2nd_to_cframe(array, cframe, cframe_len, &needs_free) < 0) {
    status = ZL_ERR_CODEC;
    goto cleanup;
  }
  if (!needs_free) { /* the frame belongs to the array: copy it out before freeing that */
    uint8_t *copy = (uint8_t *)malloc((size_t)*cframe_len);
    if (copy == NULL) {
      status = ZL_ERR_NOMEM;
      goto cleanup;
    }
    memcpy(copy, *cframe, (size_t)*cframe_len);
    *cframe = copy;
  }
cleanup:
  if (status != ZL_OK)
    *cframe = NULL;
  if (array != NULL)
    b2nd_free(array);
  if (ctx != NULL)
    b2nd_free_ctx(ctx);
  return status;
}

void zl_free(void *p) { free(p); }

/* Open a b2nd frame (borrowed, not copied) and report its decoded size in bytes. */
static int open_frame(const void *cframe, int64_t cframe_len, b2nd_array_t **array,
                      int64_t *nbytes) {
  if (cframe == NULL || cframe_len < 1)
    return ZL_ERR_CORRUPT;
  if (b2nd_from_cframe((uint8_t *)cframe, cframe_len, false, array) < 0 || *array == NULL)
    return ZL_ERR_CORRUPT;
  *nbytes = (*array)->nitems * (*array)->sc->typesize;
  return ZL_OK;
}

/* Decoded size in bytes of a b2nd frame, or a negative status. */
int64_t zl_b2nd_decoded_nbytes(const void *cframe, int64_t cframe_len) {
  b2nd_array_t *array = NULL;
  int64_t nbytes = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  if (array != NULL)
    b2nd_free(array);
  return status == ZL_OK ? nbytes : status;
}

/* Decode a whole b2nd frame into dst (exactly its decoded size), C order. */
int zl_b2nd_decode(const void *cframe, int64_t cframe_len, void *dst, int64_t dst_nbytes) {
  b2nd_array_t *array = NULL;
  int64_t nbytes = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  if (status == ZL_OK && nbytes != dst_nbytes)
    status = ZL_ERR_BUFFER;
  if (status == ZL_OK && b2nd_to_cbuffer(array, dst, dst_nbytes) < 0)
    status = ZL_ERR_CORRUPT;
  if (array != NULL)
    b2nd_free(array);
  return status;
}
