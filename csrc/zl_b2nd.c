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
#include "zl_blosc_format.h"

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
  cparams.nthreads = (int16_t)zl_usable_threads(nthreads);
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

/* Whether the frame's chunk index agrees with what is stored after its header. C-Blosc2
 * keeps a chunk of one repeated value (zeros, NaNs, ...) as a special entry of the index and
 * stores no chunk for it; an index that says "special" while a whole chunk is stored after
 * the header is corrupt (whole decodes would follow the index, byte-range reads the stored
 * chunk, and the two would disagree). */
static bool index_agrees(const void *cframe, int64_t cframe_len, b2nd_array_t *array) {
  const uint8_t *frame = (const uint8_t *)cframe;
  uint8_t *chunk = NULL;
  bool needs_free = false;
  bool agrees = true;
  int32_t cbytes = blosc2_schunk_get_chunk(array->sc, 0, &chunk, &needs_free);
  if (cbytes >= BLOSC_EXTENDED_HEADER_LENGTH && chunk != NULL &&
      ((chunk[BLOSC2_FLAGS_AT] >> SPECIAL_SHIFT) & SPECIAL_MASK) && cframe_len >= 24 &&
      frame[10] == 0xD2) {
    int64_t header = ((int64_t)frame[11] << 24) | ((int64_t)frame[12] << 16) |
                     ((int64_t)frame[13] << 8) | (int64_t)frame[14];
    if (header >= 0 && header + BLOSC_EXTENDED_HEADER_LENGTH <= cframe_len) {
      const uint8_t *stored = frame + header;
      int64_t stored_nbytes = (int64_t)stored[4] | ((int64_t)stored[5] << 8) |
                              ((int64_t)stored[6] << 16) | ((int64_t)stored[7] << 24);
      agrees = stored_nbytes != array->extchunknitems * (int64_t)array->sc->typesize;
    }
  }
  if (needs_free)
    free(chunk);
  return agrees;
}

/* Open a b2nd frame (borrowed, not copied) and report its decoded size in bytes. */
static int open_frame(const void *cframe, int64_t cframe_len, b2nd_array_t **array,
                      int64_t *nbytes) {
  if (cframe == NULL || cframe_len < 1)
    return ZL_ERR_CORRUPT;
  if (b2nd_from_cframe((uint8_t *)cframe, cframe_len, false, array) < 0 || *array == NULL)
    return ZL_ERR_CORRUPT;
  *nbytes = (*array)->nitems * (*array)->sc->typesize;
  return index_agrees(cframe, cframe_len, *array) ? ZL_OK : ZL_ERR_CORRUPT;
}

/* Bytes of scratch zl_b2nd_decode_region needs for a frame (its chunk padded to whole
 * blocks), or a negative status. */
int64_t zl_b2nd_scratch_nbytes(const void *cframe, int64_t cframe_len) {
  b2nd_array_t *array = NULL;
  int64_t nbytes = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  if (status == ZL_OK)
    nbytes = array->extchunknitems * array->sc->typesize;
  if (array != NULL)
    b2nd_free(array);
  return status == ZL_OK ? nbytes : status;
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

/* Whether block b (C order over the block grid) holds an index of the region. */
static bool block_touched(const b2nd_array_t *array, int64_t b, const int64_t *grid,
                          const int64_t *lo, const int64_t *hi, const int64_t *start,
                          const int64_t *step, const int64_t *count, int ndim) {
  for (int d = ndim - 1; d >= 0; d--) {
    int64_t j = b % grid[d], k0, k1;
    b /= grid[d];
    if (j < lo[d] || j > hi[d])
      return false;
    zl_index_run(start[d], step[d], count[d], j * array->blockshape[d],
                 (j + 1) * array->blockshape[d], &k0, &k1);
    if (k0 >= k1)
      return false;
  }
  return true;
}

/* The block grid of an opened one-chunk frame of `itemsize`-byte items: grid (blocks per
 * dimension), byte strides inside a block, and the number of blocks. */
static int block_grid(const b2nd_array_t *array, int ndim, size_t itemsize, int64_t *grid,
                      int64_t *block_strides, int64_t *nblocks_out) {
  if (array->ndim != ndim || ndim < 1)
    return ZL_ERR_ARG;
  if (array->sc->nchunks != 1 || (size_t)array->sc->typesize != itemsize)
    return ZL_ERR_CORRUPT; /* not a one-chunk frame of the expected items */
  int64_t nblocks = 1;
  for (int d = ndim - 1; d >= 0; d--) {
    int64_t bs = array->blockshape[d];
    if (bs < 1 || array->extchunkshape[d] % bs != 0 || array->shape[d] < 1 ||
        array->extchunkshape[d] < array->shape[d])
      return ZL_ERR_CORRUPT;
    grid[d] = array->extchunkshape[d] / bs;
    nblocks *= grid[d];
    block_strides[d] =
        d == ndim - 1 ? (int64_t)itemsize : block_strides[d + 1] * array->blockshape[d + 1];
  }
  *nblocks_out = nblocks;
  return ZL_OK;
}

/* Check a region against an opened frame and derive the block grid (see block_grid) and
 * the touched block range lo..hi per dimension. */
static int region_geometry(const b2nd_array_t *array, const int64_t *start, const int64_t *step,
                           const int64_t *count, int ndim, size_t itemsize, int64_t *grid,
                           int64_t *lo, int64_t *hi, int64_t *block_strides,
                           int64_t *nblocks_out) {
  int status = block_grid(array, ndim, itemsize, grid, block_strides, nblocks_out);
  if (status != ZL_OK)
    return status;
  for (int d = 0; d < ndim; d++) {
    int64_t bs = array->blockshape[d];
    if (count[d] < 1 || start[d] < 0 || start[d] >= array->shape[d] ||
        start[d] + step[d] * (count[d] - 1) < 0 ||
        start[d] + step[d] * (count[d] - 1) >= array->shape[d])
      return ZL_ERR_ARG;
    int64_t first = start[d], last = start[d] + step[d] * (count[d] - 1);
    lo[d] = (first < last ? first : last) / bs; /* touched block range (a strided run may */
    hi[d] = (first < last ? last : first) / bs; /* skip blocks: block_touched checks that) */
  }
  return ZL_OK;
}

/* The frame's one chunk (*needs_free: the caller frees it) and its compressed size, after
 * checking that its sizes agree with the b2nd geometry (nblocks blocks of `itemsize`
 * items; the chunk's own block size is one b2nd block, or block b of the decoded chunk
 * would not be where the block copies read it). */
static int frame_chunk(b2nd_array_t *array, int64_t nblocks, size_t itemsize, uint8_t **chunk,
                       bool *needs_free, int32_t *chunk_cbytes) {
  int32_t chunk_nbytes = 0, chunk_blocksize = 0;
  *chunk = NULL;
  *needs_free = false;
  int32_t cbytes = blosc2_schunk_get_chunk(array->sc, 0, chunk, needs_free);
  if (cbytes < 0 || *chunk == NULL ||
      blosc2_cbuffer_sizes(*chunk, &chunk_nbytes, chunk_cbytes, &chunk_blocksize) < 0 ||
      *chunk_cbytes > cbytes ||
      (int64_t)chunk_nbytes != array->extchunknitems * (int64_t)itemsize ||
      (int64_t)array->blocknitems * (int64_t)itemsize * nblocks != chunk_nbytes ||
      (int64_t)chunk_blocksize != (int64_t)array->blocknitems * (int64_t)itemsize)
    return ZL_ERR_CORRUPT;
  return ZL_OK;
}

/* Decompress the blocks of an opened frame's one chunk that the mask keeps (mask[b] true
 * = skip block b, C-Blosc2's convention) into scratch, block b at b * block bytes. When the
 * chunk's blocks cannot be decoded apart (see zl_blosc_block_kind), every block is decoded
 * and the mask is cleared to say so. */
static int decompress_masked(b2nd_array_t *array, bool *mask, int64_t nblocks,
                             size_t itemsize, char *scratch, int64_t scratch_nbytes,
                             int nthreads, int64_t *blocks_decoded) {
  uint8_t *chunk = NULL;
  bool chunk_needs_free = false;
  int32_t chunk_cbytes = 0;
  int64_t chunk_nbytes = array->extchunknitems * (int64_t)itemsize;
  int status = frame_chunk(array, nblocks, itemsize, &chunk, &chunk_needs_free, &chunk_cbytes);
  if (status == ZL_OK && (scratch == NULL || scratch_nbytes < chunk_nbytes))
    status = ZL_ERR_BUFFER; /* the caller sizes scratch with zl_b2nd_scratch_nbytes */
  int kind = status == ZL_OK ? zl_blosc_block_kind(chunk, (size_t)chunk_cbytes) : status;
  if (kind < 0)
    status = kind;
  if (status == ZL_OK && kind == ZL_BLOCKS_WHOLE) {
    /* blocks depend on each other (a delta filter): decode them all, and keep them all */
    blosc2_context *whole = zl_create_dctx(nthreads);
    if (whole == NULL)
      status = ZL_ERR_NOMEM;
    else if (blosc2_decompress_ctx(whole, chunk, chunk_cbytes, scratch, (int32_t)chunk_nbytes) !=
             (int32_t)chunk_nbytes)
      status = ZL_ERR_CORRUPT;
    zl_free_dctx(whole, nthreads);
    memset(mask, 0, (size_t)nblocks * sizeof(bool));
    if (blocks_decoded != NULL)
      *blocks_decoded = nblocks;
  } else if (status == ZL_OK && kind == ZL_BLOCKS_RANGED &&
             (status = zl_blosc2_check_streams(chunk, chunk_cbytes, mask, nblocks)) != ZL_OK) {
    /* a wanted block's streams leave its bytes: corrupt */
  } else if (status == ZL_OK) {
    blosc2_context *dctx = zl_thread_dctx(nthreads);
    if (dctx == NULL)
      status = ZL_ERR_NOMEM;
    else if (blosc2_set_maskout(dctx, mask, (int)nblocks) < 0 ||
             blosc2_decompress_ctx(dctx, chunk, chunk_cbytes, scratch, (int32_t)chunk_nbytes) < 0)
      status = ZL_ERR_CORRUPT;
  }
  if (chunk_needs_free)
    free(chunk);
  return status;
}

/* Copy one decompressed block (block b of the grid, C-contiguous at `block`) to its place
 * in dst, the chunk in C order; blocks of the padded grid are cut to the chunk's shape. */
static void place_one_block(const b2nd_array_t *array, int64_t b, const int64_t *grid,
                            const int64_t *block_strides, size_t itemsize, const char *block,
                            char *dst) {
  int64_t cstr[B2ND_MAX_DIM], sub[B2ND_MAX_DIM];
  int ndim = array->ndim;
  int64_t rem = b, dst_off = 0;
  for (int d = ndim - 1; d >= 0; d--)
    cstr[d] = d == ndim - 1 ? (int64_t)itemsize : cstr[d + 1] * array->shape[d + 1];
  for (int d = ndim - 1; d >= 0; d--) {
    int64_t j = rem % grid[d], first = j * array->blockshape[d];
    rem /= grid[d];
    sub[d] = array->shape[d] - first < array->blockshape[d] ? array->shape[d] - first
                                                             : array->blockshape[d];
    dst_off += first * cstr[d];
  }
  /* shapes and strides come from the checked geometry: the copy cannot fail */
  zl_copy_strided(block, block_strides, dst + dst_off, cstr, sub, ndim, itemsize);
}

/* Copy each decompressed block (mask[b] false; block b at b * block bytes of scratch) to
 * its place in dst. */
static void place_blocks(const b2nd_array_t *array, const bool *mask, int64_t nblocks,
                         const int64_t *grid, const int64_t *block_strides, size_t itemsize,
                         const char *scratch, char *dst) {
  int64_t block_nbytes = (int64_t)array->blocknitems * (int64_t)itemsize;
  for (int64_t b = 0; b < nblocks; b++)
    if (!mask[b])
      place_one_block(array, b, grid, block_strides, itemsize, scratch + b * block_nbytes,
                      dst);
}

/* Whether the frame's blocks, in C order over the block grid, are the chunk's bytes in C
 * order: no padding, and every block spans the chunk in all but the first dimension. */
static bool blocks_are_c_order(const b2nd_array_t *array) {
  for (int d = 0; d < array->ndim; d++)
    if (array->extchunkshape[d] != array->shape[d] ||
        (d > 0 && array->blockshape[d] != array->shape[d]))
      return false;
  return true;
}

/* Decode a whole b2nd frame into dst (exactly its decoded size), C order: straight into dst
 * when the blocks are already in C order, else through `scratch` (scratch_nbytes >=
 * zl_b2nd_scratch_nbytes; NULL: allocated here) and copied into place block by block.
 * (C-Blosc2's b2nd_to_cbuffer does the same job about twice as slowly.) */
int zl_b2nd_decode(const void *cframe, int64_t cframe_len, void *dst, int64_t dst_nbytes,
                   char *scratch, int64_t scratch_nbytes) {
  b2nd_array_t *array = NULL;
  bool *mask = NULL;
  char *owned = NULL;
  int64_t grid[B2ND_MAX_DIM], bstr[B2ND_MAX_DIM];
  int64_t nbytes = 0, nblocks = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  size_t itemsize = status == ZL_OK ? (size_t)array->sc->typesize : 1;
  if (status == ZL_OK)
    status = block_grid(array, array->ndim, itemsize, grid, bstr, &nblocks);
  if (status == ZL_OK && (dst == NULL || nbytes != dst_nbytes))
    status = ZL_ERR_BUFFER;
  if (status == ZL_OK &&
      (mask = (bool *)calloc((size_t)nblocks, sizeof(bool))) == NULL) /* all: decode all */
    status = ZL_ERR_NOMEM;
  if (status != ZL_OK)
    goto cleanup;
  if (blocks_are_c_order(array)) {
    status = decompress_masked(array, mask, nblocks, itemsize, (char *)dst, dst_nbytes, 1, NULL);
    goto cleanup;
  }
  int64_t padded = array->extchunknitems * (int64_t)itemsize;
  if (scratch == NULL || scratch_nbytes < padded) {
    scratch = owned = (char *)malloc((size_t)padded);
    scratch_nbytes = padded;
  }
  if (scratch == NULL) {
    status = ZL_ERR_NOMEM;
    goto cleanup;
  }
  status = decompress_masked(array, mask, nblocks, itemsize, scratch, scratch_nbytes, 1, NULL);
  if (status == ZL_OK)
    place_blocks(array, mask, nblocks, grid, bstr, itemsize, scratch, (char *)dst);
cleanup:
  free(owned);
  free(mask);
  if (array != NULL)
    b2nd_free(array);
  return status;
}

/* Flags (wanted[b] = 1) of the blocks of a b2nd frame that a region touches; the frame
 * only needs its header, block table and trailer (block data is not read), so a reader
 * can fetch just the touched blocks' bytes afterwards. *nblocks = the number of blocks;
 * ZL_ERR_BUFFER when `capacity` flags are too few. */
int zl_b2nd_region_blocks(const void *cframe, int64_t cframe_len, const int64_t *start,
                          const int64_t *step, const int64_t *count, int ndim, size_t itemsize,
                          uint8_t *wanted, int64_t capacity, int64_t *nblocks) {
  b2nd_array_t *array = NULL;
  int64_t grid[B2ND_MAX_DIM], lo[B2ND_MAX_DIM], hi[B2ND_MAX_DIM], bstr[B2ND_MAX_DIM];
  int64_t nbytes = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  if (status == ZL_OK)
    status = region_geometry(array, start, step, count, ndim, itemsize, grid, lo, hi, bstr,
                             nblocks);
  if (status == ZL_OK && *nblocks > capacity)
    status = ZL_ERR_BUFFER;
  for (int64_t b = 0; status == ZL_OK && b < *nblocks; b++)
    wanted[b] = block_touched(array, b, grid, lo, hi, start, step, count, ndim);
  if (array != NULL)
    b2nd_free(array);
  return status;
}

/* Decode only the blocks of a b2nd frame that a region touches, and copy the region into
 * dst. The region is, per dimension of the stored array, (start, step, count) with
 * count >= 1 and every index inside the array's shape; it lands at dst with byte strides
 * dst_strides (the caller checked the destination extent). The blocks are decompressed
 * into the caller's scratch (zl_b2nd_scratch_nbytes bytes at least). *blocks_decoded reports
 * how many blocks were decompressed. */
int zl_b2nd_decode_region(const void *cframe, int64_t cframe_len, const int64_t *start,
                          const int64_t *step, const int64_t *count, int ndim, char *dst,
                          const int64_t *dst_strides, size_t itemsize, char *scratch,
                          int64_t scratch_nbytes, int nthreads, int64_t *blocks_decoded) {
  b2nd_array_t *array = NULL;
  bool *mask = NULL;
  int64_t nbytes = 0, nblocks = 0;
  int64_t grid[B2ND_MAX_DIM], lo[B2ND_MAX_DIM], hi[B2ND_MAX_DIM], idx[B2ND_MAX_DIM];
  int64_t block_strides[B2ND_MAX_DIM], sub_strides[B2ND_MAX_DIM], sub_shape[B2ND_MAX_DIM];
  *blocks_decoded = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  if (status == ZL_OK)
    status = region_geometry(array, start, step, count, ndim, itemsize, grid, lo, hi,
                             block_strides, &nblocks);
  if (status != ZL_OK)
    goto cleanup;
  mask = (bool *)malloc((size_t)nblocks * sizeof(bool));
  if (mask == NULL) {
    status = ZL_ERR_NOMEM;
    goto cleanup;
  }
  /* mask: skip every block outside the touched ranges, or holding no index of a strided run */
  for (int64_t b = 0; b < nblocks; b++) {
    mask[b] = !block_touched(array, b, grid, lo, hi, start, step, count, ndim);
    if (!mask[b])
      (*blocks_decoded)++;
  }
  status = decompress_masked(array, mask, nblocks, itemsize, scratch, scratch_nbytes, nthreads,
                             blocks_decoded);
  if (status != ZL_OK)
    goto cleanup;
  /* copy each decoded block's share of the region */
  int64_t block_nbytes = (int64_t)array->blocknitems * (int64_t)itemsize;
  for (int64_t b = 0; b < nblocks; b++) {
    if (mask[b] || !block_touched(array, b, grid, lo, hi, start, step, count, ndim))
      continue; /* (every block is unmasked when the chunk had to be decoded whole) */
    int64_t rem = b, src_off = 0, dst_off = 0;
    for (int d = ndim - 1; d >= 0; d--) {
      idx[d] = rem % grid[d];
      rem /= grid[d];
    }
    for (int d = 0; d < ndim; d++) {
      int64_t k0, k1, base = idx[d] * array->blockshape[d];
      zl_index_run(start[d], step[d], count[d], base, base + array->blockshape[d], &k0, &k1);
      sub_shape[d] = k1 - k0;
      sub_strides[d] = step[d] * block_strides[d];
      src_off += (start[d] + k0 * step[d] - base) * block_strides[d];
      dst_off += k0 * dst_strides[d];
    }
    status = zl_copy_strided(scratch + b * block_nbytes + src_off, sub_strides, dst + dst_off,
                             dst_strides, sub_shape, ndim, itemsize);
    if (status != ZL_OK)
      goto cleanup;
  }
cleanup:
  free(mask);
  if (array != NULL)
    b2nd_free(array);
  return status;
}


/* Flags (wanted[b] = 1) of the blocks holding the items at these byte offsets of the frame's
 * decoded chunk (C order, `itemsize`-byte items). Like zl_b2nd_region_blocks, only the
 * header, block table and trailer are read. *touched counts the flagged blocks. */
int zl_b2nd_item_blocks(const void *cframe, int64_t cframe_len, const int64_t *byte_offsets,
                        int64_t n, size_t itemsize, uint8_t *wanted, int64_t capacity,
                        int64_t *nblocks, int64_t *touched) {
  b2nd_array_t *array = NULL;
  int64_t grid[B2ND_MAX_DIM], bstr[B2ND_MAX_DIM];
  int64_t nbytes = 0;
  *touched = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  if (status == ZL_OK)
    status = block_grid(array, array->ndim, itemsize, grid, bstr, nblocks);
  if (status == ZL_OK && *nblocks > capacity)
    status = ZL_ERR_BUFFER;
  if (status == ZL_OK)
    memset(wanted, 0, (size_t)*nblocks);
  for (int64_t i = 0; status == ZL_OK && i < n; i++) {
    int64_t off = byte_offsets[i];
    if (off < 0 || off % (int64_t)itemsize != 0 || off >= nbytes) {
      status = ZL_ERR_ARG;
      break;
    }
    int64_t rem = off / (int64_t)itemsize, block = 0, scale = 1;
    for (int d = array->ndim - 1; d >= 0; d--) {
      block += (rem % array->shape[d]) / array->blockshape[d] * scale;
      rem /= array->shape[d];
      scale *= grid[d];
    }
    *touched += !wanted[block];
    wanted[block] = 1;
  }
  if (array != NULL)
    b2nd_free(array);
  return status;
}

/* Decode the blocks flagged in `wanted` (nblocks flags, as zl_b2nd_item_blocks gives) into
 * their places in dst, the chunk's full decoded size in C order; the bytes of other blocks
 * are left as they were. Blocks go through the caller's scratch
 * (zl_b2nd_scratch_nbytes bytes at least). *blocks_decoded counts the blocks decompressed. */
int zl_b2nd_decode_blocks(const void *cframe, int64_t cframe_len, const uint8_t *wanted,
                          int64_t nblocks, size_t itemsize, char *dst, int64_t dst_nbytes,
                          char *scratch, int64_t scratch_nbytes, int nthreads,
                          int64_t *blocks_decoded) {
  b2nd_array_t *array = NULL;
  bool *mask = NULL;
  int64_t grid[B2ND_MAX_DIM], bstr[B2ND_MAX_DIM];
  int64_t nbytes = 0, frame_nblocks = 0;
  *blocks_decoded = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  if (status == ZL_OK)
    status = block_grid(array, array->ndim, itemsize, grid, bstr, &frame_nblocks);
  if (status == ZL_OK && (frame_nblocks != nblocks || wanted == NULL))
    status = ZL_ERR_ARG;
  if (status == ZL_OK && (dst == NULL || nbytes != dst_nbytes))
    status = ZL_ERR_BUFFER;
  if (status != ZL_OK)
    goto cleanup;
  mask = (bool *)malloc((size_t)nblocks * sizeof(bool));
  if (mask == NULL) {
    status = ZL_ERR_NOMEM;
    goto cleanup;
  }
  for (int64_t b = 0; b < nblocks; b++) {
    mask[b] = !wanted[b];
    *blocks_decoded += wanted[b] != 0;
  }
  status = decompress_masked(array, mask, nblocks, itemsize, scratch, scratch_nbytes, nthreads,
                             blocks_decoded);
  if (status == ZL_OK)
    place_blocks(array, mask, nblocks, grid, bstr, itemsize, scratch, dst);
cleanup:
  free(mask);
  if (array != NULL)
    b2nd_free(array);
  return status;
}

/* Point reads of a b2nd frame (see zl.h): src_offsets are byte offsets in the decoded chunk
 * (C order); each item's block and place in it come from the frame's geometry, the wanted
 * blocks' streams are checked (a byte-range reader may have fetched only those), and
 * zl_gather_blocks decodes them one at a time. */
int zl_b2nd_gather_points(const void *cframe, int64_t cframe_len, const int64_t *src_offsets,
                          const int64_t *dst_offsets, int64_t n, size_t itemsize, char *dst,
                          char *scratch, size_t scratch_nbytes, size_t *needed,
                          int64_t *blocks_decoded, int64_t *nblocks_out) {
  b2nd_array_t *array = NULL;
  uint8_t *chunk = NULL;
  bool chunk_needs_free = false;
  int32_t chunk_cbytes = 0;
  int64_t grid[B2ND_MAX_DIM], bstr[B2ND_MAX_DIM];
  int64_t nbytes = 0, nblocks = 0;
  int64_t *block_of = NULL, *in_block = NULL;
  bool *skip = NULL;
  *blocks_decoded = 0;
  *nblocks_out = 0;
  *needed = 0;
  int status = open_frame(cframe, cframe_len, &array, &nbytes);
  if (status == ZL_OK)
    status = block_grid(array, array->ndim, itemsize, grid, bstr, &nblocks);
  if (status == ZL_OK)
    status = frame_chunk(array, nblocks, itemsize, &chunk, &chunk_needs_free, &chunk_cbytes);
  int kind = status == ZL_OK ? zl_blosc_block_kind(chunk, (size_t)chunk_cbytes) : status;
  if (kind < 0)
    status = kind;
  else if (kind != ZL_BLOCKS_RANGED)
    status = ZL_ERR_UNSUPPORTED; /* blocks needing the whole chunk or its context (a
                                  * dictionary), or stored as is: the masked decoder */
  if (status != ZL_OK || n == 0)
    goto cleanup;
  *nblocks_out = nblocks;
  int64_t block_nbytes = (int64_t)array->blocknitems * (int64_t)itemsize;
  if (scratch_nbytes < (size_t)block_nbytes) {
    *needed = (size_t)block_nbytes;
    status = ZL_ERR_BUFFER;
    goto cleanup;
  }
  block_of = (int64_t *)malloc((size_t)n * sizeof(int64_t));
  in_block = (int64_t *)malloc((size_t)n * sizeof(int64_t));
  skip = (bool *)malloc((size_t)nblocks * sizeof(bool));
  if (block_of == NULL || in_block == NULL || skip == NULL) {
    status = ZL_ERR_NOMEM;
    goto cleanup;
  }
  memset(skip, 1, (size_t)nblocks * sizeof(bool));
  for (int64_t i = 0; i < n; i++) {
    int64_t off = src_offsets[i];
    if (off < 0 || off % (int64_t)itemsize != 0 || off >= nbytes) {
      status = ZL_ERR_ARG;
      goto cleanup;
    }
    int64_t rem = off / (int64_t)itemsize, block = 0, scale = 1, inside = 0;
    for (int d = array->ndim - 1; d >= 0; d--) {
      int64_t c = rem % array->shape[d];
      rem /= array->shape[d];
      block += c / array->blockshape[d] * scale;
      inside += c % array->blockshape[d] * bstr[d];
      scale *= grid[d];
    }
    block_of[i] = block;
    in_block[i] = inside;
    skip[block] = false;
  }
  status = zl_blosc2_check_streams(chunk, chunk_cbytes, skip, nblocks);
  if (status == ZL_OK)
    status = zl_gather_blocks(chunk, chunk_cbytes, array->extchunknitems * (int64_t)itemsize,
                              block_nbytes, nblocks, block_of, in_block, dst_offsets, n,
                              itemsize, dst, scratch, scratch_nbytes, blocks_decoded);
cleanup:
  free(block_of);
  free(in_block);
  free(skip);
  if (chunk_needs_free)
    free(chunk);
  if (array != NULL)
    b2nd_free(array);
  return status;
}
