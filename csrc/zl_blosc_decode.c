/*
 * zl_blosc_decode.c - decoding Blosc chunks (any format version) through C-Blosc2, after
 * checking everything read from them: the header, and for C-Blosc 1.x chunks the block
 * table and stream lengths. Also the batch and partial (block-level) decoders.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <blosc2.h>

#include "zl.h"
#include "zl_blosc_format.h"


int zl_blosc_read_header(const void *cdata, size_t cdata_nbytes, zl_blosc_header_t *header) {
  const uint8_t *p = (const uint8_t *)cdata;
  if (cdata == NULL || header == NULL)
    return ZL_ERR_ARG;
  if (cdata_nbytes < ZL_BLOSC1_HEADER)
    return ZL_ERR_CORRUPT;
  header->version = p[0];
  header->versionlz = p[1];
  header->flags = p[2];
  header->typesize = p[3];
  header->nbytes = zl_le32(p + 4);
  header->blocksize = zl_le32(p + 8);
  header->cbytes = zl_le32(p + 12);
  if (header->version < 1 || header->version > 6)
    return ZL_ERR_CORRUPT;
  if (header->nbytes < 0 || header->blocksize < 0 || header->cbytes < ZL_BLOSC1_HEADER)
    return ZL_ERR_CORRUPT;
  if ((size_t)header->cbytes > cdata_nbytes)
    return ZL_ERR_CORRUPT; /* truncated */
  if (header->nbytes > 0 && header->blocksize == 0)
    return ZL_ERR_CORRUPT;
  if (header->version >= 3 && (header->flags & (FLAG_SHUFFLE | FLAG_BITSHUFFLE)) ==
                                  (FLAG_SHUFFLE | FLAG_BITSHUFFLE)) { /* extended header */
    if (header->cbytes < BLOSC2_HEADER)
      return ZL_ERR_CORRUPT;
    if (((p[BLOSC2_FLAGS_AT] >> SPECIAL_SHIFT) & SPECIAL_MASK) == SPECIAL_UNINIT)
      return ZL_ERR_UNSUPPORTED;
  }
  return ZL_OK;
}



/* Check the block layout of a format-1/2 (C-Blosc 1.x) chunk before C-Blosc2 sees it: every
 * block start and every stream length must stay inside cbytes, and every stream length must
 * lie in 1..raw stream size (C-Blosc2 would take a negative length for a Blosc2-only run
 * encoding and return made-up bytes). Block starts need not increase: multi-threaded
 * C-Blosc 1 stores blocks in finishing order. Newer formats are C-Blosc2's own to check.
 * With `wanted` (one flag per block), only the flagged blocks are checked. */
static int check_blosc1_layout(const uint8_t *p, const zl_blosc_header_t *h,
                               const uint8_t *wanted) {
  /* C-Blosc 1.x never sets the delta flag, nor both shuffles (C-Blosc2 would read the
   * latter as a 32-byte extended header, and the former as its own delta filter) */
  if (h->version <= 2 && ((h->flags & FLAG_DELTA) ||
                          (h->flags & (FLAG_SHUFFLE | FLAG_BITSHUFFLE)) ==
                              (FLAG_SHUFFLE | FLAG_BITSHUFFLE)))
    return ZL_ERR_CORRUPT;
  if (h->version > 2 || h->nbytes == 0 || (h->flags & FLAG_MEMCPYED)) {
    if ((h->flags & FLAG_MEMCPYED) && h->version <= 2 &&
        h->cbytes < ZL_BLOSC1_HEADER + h->nbytes)
      return ZL_ERR_CORRUPT;
    return ZL_OK;
  }
  int64_t typesize = h->typesize < 1 ? 1 : h->typesize;
  int64_t nblocks = (h->nbytes + h->blocksize - 1) / h->blocksize;
  int64_t leftover = h->nbytes % h->blocksize;
  int64_t table_end = ZL_BLOSC1_HEADER + 4 * nblocks;
  int dont_split = (h->flags & FLAG_DONT_SPLIT) != 0;
  if (table_end > h->cbytes)
    return ZL_ERR_CORRUPT;
  /* with a mask, each wanted block's streams must also end where the next stored block
   * starts (a byte-range reader fetched only [start, next start) of each wanted block) */
  int64_t *sorted = NULL;
  if (wanted != NULL) {
    sorted = (int64_t *)malloc((size_t)nblocks * sizeof(int64_t));
    if (sorted == NULL)
      return ZL_ERR_NOMEM;
    for (int64_t b = 0; b < nblocks; b++)
      sorted[b] = zl_le32(p + ZL_BLOSC1_HEADER + 4 * b);
    qsort(sorted, (size_t)nblocks, sizeof(int64_t), zl_compare_int64);
  }
  int status = ZL_OK;
  for (int64_t b = 0; b < nblocks && status == ZL_OK; b++) {
    if (wanted != NULL && !wanted[b])
      continue; /* a block the decoder skips: its bytes may not even have been read */
    int64_t pos = zl_le32(p + ZL_BLOSC1_HEADER + 4 * b);
    int64_t end = sorted != NULL ? zl_next_block_start(sorted, nblocks, pos, h->cbytes) : h->cbytes;
    int is_leftover = (b == nblocks - 1 && leftover > 0);
    int64_t bsize = is_leftover ? leftover : h->blocksize;
    /* streams per block as C-Blosc2 (the decoder) counts them: the don't-split flag says
     * when C-Blosc 1.x did not split, so no size rule applies here */
    int64_t nsplits = (!dont_split && !is_leftover) ? typesize : 1;
    int64_t neblock = bsize / nsplits;
    if (neblock < 1 || pos < table_end)
      status = ZL_ERR_CORRUPT;
    for (int64_t j = 0; j < nsplits && status == ZL_OK; j++) {
      if (pos + 4 > end) {
        status = ZL_ERR_CORRUPT;
        break;
      }
      int64_t csize = zl_le32(p + pos);
      if (csize <= 0 || csize > neblock || pos + 4 + csize > end)
        status = ZL_ERR_CORRUPT;
      pos += 4 + csize;
    }
  }
  free(sorted);
  return status;
}

/* Header checks plus, for format 1/2, the block layout: everything read from the chunk is
 * bounds-checked before any decoder uses it. */
static int read_checked_header(const void *cdata, size_t cdata_nbytes, zl_blosc_header_t *h) {
  int status = zl_blosc_read_header(cdata, cdata_nbytes, h);
  if (status != ZL_OK)
    return status;
  return check_blosc1_layout((const uint8_t *)cdata, h, NULL);
}

/* How independently the blocks of a Blosc chunk (any format version) decode, from its
 * header (at least 16 bytes; 32 for version >= 3):
 *   ZL_BLOCKS_RANGED   - each block decodes from its own bytes: a block mask works, and
 *                        so does reading only some blocks' byte ranges;
 *   ZL_BLOCKS_MASKABLE - a block mask works on the whole chunk, but blocks need bytes
 *                        outside their ranges (stored uncompressed, a special value, a
 *                        dictionary, variable-length or lazy blocks);
 *   ZL_BLOCKS_WHOLE    - decode the whole chunk: a filter makes blocks depend on block 0
 *                        (C-Blosc2's delta; with a mask it decodes wrong values, or hangs
 *                        with threads), or a filter zarrlite does not know.
 * A negative status for a header too short or corrupt (ZL_ERR_UNSUPPORTED for an
 * "uninitialized" chunk, which holds no data). */
int zl_blosc_block_kind(const void *header, size_t nbytes) {
  const uint8_t *p = (const uint8_t *)header;
  if (p == NULL || nbytes < ZL_BLOSC1_HEADER)
    return ZL_ERR_CORRUPT;
  uint8_t version = p[0], flags = p[2];
  if (version < 1 || version > 6)
    return ZL_ERR_CORRUPT;
  if (version <= 2) {
    if ((flags & FLAG_DELTA) ||
        (flags & (FLAG_SHUFFLE | FLAG_BITSHUFFLE)) == (FLAG_SHUFFLE | FLAG_BITSHUFFLE))
      return ZL_ERR_CORRUPT;
    return (flags & FLAG_MEMCPYED) ? ZL_BLOCKS_MASKABLE : ZL_BLOCKS_RANGED;
  }
  if (nbytes < BLOSC2_HEADER)
    return ZL_ERR_CORRUPT;
  if ((flags & (FLAG_SHUFFLE | FLAG_BITSHUFFLE)) != (FLAG_SHUFFLE | FLAG_BITSHUFFLE))
    return ZL_BLOCKS_WHOLE; /* a version >= 3 chunk without the extended header: unusual */
  if (((p[BLOSC2_FLAGS_AT] >> SPECIAL_SHIFT) & SPECIAL_MASK) == SPECIAL_UNINIT)
    return ZL_ERR_UNSUPPORTED; /* nothing to decode: see SPECIAL_UNINIT */
  for (int i = 0; i < 6; i++) {
    uint8_t filter = p[FILTERS_AT + i];
    if (filter != BLOSC_NOFILTER && filter != BLOSC_SHUFFLE && filter != BLOSC_BITSHUFFLE &&
        filter != BLOSC_TRUNC_PREC)
      return ZL_BLOCKS_WHOLE;
  }
  if ((flags & FLAG_MEMCPYED) || (p[FLAGS2_AT] & 0x01) || (p[BLOSC2_FLAGS_AT] & 0x79))
    return ZL_BLOCKS_MASKABLE;
  return ZL_BLOCKS_RANGED;
}

/* For a Blosc2-format chunk (version >= 3, 32-byte header) whose blocks decode apart
 * (ZL_BLOCKS_RANGED): check that the streams of every block not skipped (skip[b] false)
 * lie between its start and the next stored block's start (or cbytes), as C-Blosc2 will
 * read them: `typesize` streams per block unless the don't-split flag is set or the
 * block is the leftover one; a stream is an int32 length then that many bytes, 0 for a
 * run of zeros, or a negative run length followed by a token byte. A byte-range reader
 * fetched exactly those bytes, so nothing outside them is decoded. */
int zl_blosc2_check_streams(const void *chunk, int64_t cbytes, const bool *skip,
                            int64_t nblocks) {
  const uint8_t *p = (const uint8_t *)chunk;
  if (p == NULL || cbytes < BLOSC2_HEADER || zl_le32(p + 12) != cbytes)
    return ZL_ERR_CORRUPT;
  int64_t nbytes = zl_le32(p + 4), blocksize = zl_le32(p + 8);
  int64_t typesize = p[3] < 1 ? 1 : p[3];
  if (nbytes <= 0 || blocksize <= 0 || (nbytes + blocksize - 1) / blocksize != nblocks ||
      BLOSC2_HEADER + 4 * nblocks > cbytes)
    return ZL_ERR_CORRUPT;
  int64_t leftover = nbytes % blocksize, table_end = BLOSC2_HEADER + 4 * nblocks;
  int dont_split = (p[2] & FLAG_DONT_SPLIT) != 0;
  int64_t *sorted = (int64_t *)malloc((size_t)nblocks * sizeof(int64_t));
  if (sorted == NULL)
    return ZL_ERR_NOMEM;
  for (int64_t b = 0; b < nblocks; b++)
    sorted[b] = zl_le32(p + BLOSC2_HEADER + 4 * b);
  qsort(sorted, (size_t)nblocks, sizeof(int64_t), zl_compare_int64);
  int status = ZL_OK;
  for (int64_t b = 0; b < nblocks && status == ZL_OK; b++) {
    if (skip != NULL && skip[b])
      continue;
    int64_t pos = zl_le32(p + BLOSC2_HEADER + 4 * b);
    int64_t end = zl_next_block_start(sorted, nblocks, pos, cbytes);
    int is_leftover = (b == nblocks - 1 && leftover > 0);
    int64_t nstreams = (!dont_split && !is_leftover) ? typesize : 1;
    if (pos < table_end)
      status = ZL_ERR_CORRUPT;
    for (int64_t j = 0; j < nstreams && status == ZL_OK; j++) {
      if (pos + 4 > end) {
        status = ZL_ERR_CORRUPT;
        break;
      }
      int64_t csize = zl_le32(p + pos);
      pos += 4 + (csize > 0 ? csize : (csize < 0 ? 1 : 0)); /* negative: a token byte */
      if (pos > end)
        status = ZL_ERR_CORRUPT;
    }
  }
  free(sorted);
  return status;
}

/* Decode a Blosc (1 or 2 format) chunk into dst, which must be exactly the chunk's
 * decoded size. Header fields are checked here before C-Blosc2 sees the data. */
int zl_blosc_decode(const void *cdata, size_t cdata_nbytes, void *dst, size_t dst_nbytes,
                    int nthreads) {
  zl_blosc_header_t header;
  int status = read_checked_header(cdata, cdata_nbytes, &header);
  blosc2_context *dctx = NULL;
  if (status != ZL_OK)
    return status;
  if ((size_t)header.nbytes != dst_nbytes)
    return ZL_ERR_BUFFER;
  if (header.nbytes == 0)
    return ZL_OK;
  dctx = zl_create_dctx(nthreads);
  if (dctx == NULL)
    return ZL_ERR_NOMEM;
  int rc = blosc2_decompress_ctx(dctx, cdata, (int32_t)header.cbytes, dst, (int32_t)dst_nbytes);
  if (rc < 0)
    status = (rc == BLOSC2_ERROR_CODEC_SUPPORT) ? ZL_ERR_UNSUPPORTED : ZL_ERR_CORRUPT;
  else if ((size_t)rc != dst_nbytes)
    status = ZL_ERR_CORRUPT;
  zl_free_dctx(dctx, nthreads);
  return status;
}

/* True when a region of `ndim` dims with these byte strides is one C-contiguous run. */
static int is_c_contiguous(const int64_t *strides, const int64_t *shape, int ndim,
                           size_t itemsize) {
  int64_t expected = (int64_t)itemsize;
  for (int d = ndim - 1; d >= 0; d--) {
    if (shape[d] != 1 && strides[d] != expected)
      return 0;
    expected *= shape[d];
  }
  return 1;
}

/* Decode only the Blosc blocks that a region touches, one at a time, copying each block's
 * share of the region into dst: blocks that decode apart go to the start of `scratch`
 * (which then stays in cache from block to block); others (a dictionary, stored as is)
 * into their place in the chunk-sized `scratch`, through a block mask.
 * Applies when blocks are whole rows of a C-order chunk (row = all of dim 0's sub-array,
 * `row_nbytes` bytes) and the region steps along dim 0 by whole rows. Returns 1 when it
 * handled the chunk, 0 when it does not apply, or a negative status. */
static int decode_rows_by_block(blosc2_context *dctx, const void *cdata,
                                const zl_blosc_header_t *h, char *scratch, int64_t src_offset,
                                const int64_t *sstr, char *dst, const int64_t *dstr,
                                const int64_t *shape, int ndim, size_t itemsize,
                                int64_t row_nbytes) {
  int64_t shape_rest[ZL_MAX_DIM];
  if (ndim < 1 || row_nbytes <= 0 || h->blocksize <= 0 || h->blocksize >= h->nbytes ||
      h->blocksize % row_nbytes != 0 || sstr[0] == 0 || sstr[0] % row_nbytes != 0 ||
      h->typesize < 1 || h->blocksize % h->typesize != 0 || h->nbytes % h->typesize != 0)
    return 0;
  int kind = zl_blosc_block_kind(cdata, (size_t)h->cbytes);
  if (kind != ZL_BLOCKS_RANGED && kind != ZL_BLOCKS_MASKABLE)
    return 0; /* blocks depend on each other (or a bad header): not block by block */
  int64_t start0 = src_offset / row_nbytes, rest = src_offset % row_nbytes;
  int64_t step0 = sstr[0] / row_nbytes;
  int64_t rows_per_block = h->blocksize / row_nbytes;
  int64_t nrows = h->nbytes / row_nbytes;
  int64_t nblocks = (h->nbytes + h->blocksize - 1) / h->blocksize;
  int status = ZL_OK;
  bool *mask = (bool *)malloc((size_t)nblocks * sizeof(bool));
  if (mask == NULL)
    return ZL_ERR_NOMEM;
  for (int d = 0; d < ndim; d++)
    shape_rest[d] = shape[d];
  for (int64_t b = 0; b < nblocks; b++) {
    int64_t r0 = b * rows_per_block;
    int64_t r1 = r0 + rows_per_block < nrows ? r0 + rows_per_block : nrows;
    int64_t k0, k1;
    zl_index_run(start0, step0, shape[0], r0, r1, &k0, &k1);
    if (k0 >= k1)
      continue;
    int64_t at = 0; /* where block b's first row is in scratch */
    if (kind == ZL_BLOCKS_RANGED) {
      /* block b alone into the start of scratch, which stays in cache from block to block */
      int32_t bsize = (int32_t)((r1 - r0) * row_nbytes);
      int rc = blosc2_getitem_bytes_ctx(dctx, cdata, (int32_t)h->cbytes,
                                        (int32_t)(r0 * row_nbytes), bsize, scratch, bsize);
      if (rc != bsize) {
        status = rc == BLOSC2_ERROR_CODEC_SUPPORT ? ZL_ERR_UNSUPPORTED : ZL_ERR_CORRUPT;
        goto cleanup;
      }
      at = r0;
    } else { /* blocks that need the chunk's context: block b alone, in its place */
      for (int64_t j = 0; j < nblocks; j++)
        mask[j] = (j != b);
      if (blosc2_set_maskout(dctx, mask, (int)nblocks) < 0) {
        status = ZL_ERR_CORRUPT;
        goto cleanup;
      }
      int rc =
          blosc2_decompress_ctx(dctx, cdata, (int32_t)h->cbytes, scratch, (int32_t)h->nbytes);
      if (rc < 0) {
        status = rc == BLOSC2_ERROR_CODEC_SUPPORT ? ZL_ERR_UNSUPPORTED : ZL_ERR_CORRUPT;
        goto cleanup;
      }
    }
    shape_rest[0] = k1 - k0;
    status = zl_copy_strided(scratch + (start0 + k0 * step0 - at) * row_nbytes + rest, sstr,
                             dst + k0 * dstr[0], dstr, shape_rest, ndim, itemsize);
    if (status != ZL_OK)
      goto cleanup;
  }
  status = 1;
cleanup:
  free(mask);
  return status;
}

/* Decode `n` Blosc chunks and copy one region of each into `dst`.
 *
 * Chunk i is cdata[i] (cdata_nbytes[i] bytes, NULL = skip); its region starts src_offsets[i]
 * bytes into the decoded chunk, with byte strides src_strides[i*ndim ...] and shape
 * shapes[i*ndim ...]; it lands dst_offsets[i] bytes into dst with the common byte strides
 * dst_strides. A chunk decodes to scratch_nbytes bytes: straight into dst when its region
 * is the whole chunk and contiguous there in the same layout, else into scratch followed by
 * a strided copy. With row_nbytes > 0 (C-order chunks: bytes per index of dim 0), chunks
 * whose Blosc blocks are whole rows are decoded block by block, skipping blocks the region
 * does not touch. The caller has checked every region against its buffer. One
 * decompression context serves the whole batch. On failure *failed_index is the chunk that
 * failed. */
int zl_blosc_decode_regions(const void *const *cdata, const size_t *cdata_nbytes, int64_t n,
                            void *scratch, size_t scratch_nbytes, const int64_t *src_offsets,
                            const int64_t *src_strides, char *dst, const int64_t *dst_offsets,
                            const int64_t *dst_strides, const int64_t *shapes, int ndim,
                            size_t itemsize, int64_t row_nbytes, int nthreads,
                            int64_t *failed_index) {
  int status = ZL_OK;
  blosc2_context *dctx = NULL;
  if (ndim < 0 || ndim > ZL_MAX_DIM || itemsize == 0 || failed_index == NULL)
    return ZL_ERR_ARG;
  *failed_index = -1;
  dctx = zl_create_dctx(nthreads);
  if (dctx == NULL)
    return ZL_ERR_NOMEM;
  for (int64_t i = 0; i < n; i++) {
    const int64_t *sstr = src_strides + i * ndim;
    const int64_t *shape = shapes + i * ndim;
    zl_blosc_header_t header;
    if (cdata[i] == NULL)
      continue;
    status = read_checked_header(cdata[i], cdata_nbytes[i], &header);
    if (status == ZL_OK && (size_t)header.nbytes != scratch_nbytes)
      status = ZL_ERR_CORRUPT;
    if (status != ZL_OK) {
      *failed_index = i;
      goto cleanup;
    }
    int64_t items = 1;
    for (int d = 0; d < ndim; d++)
      items *= shape[d];
    int whole = src_offsets[i] == 0 && (size_t)items * itemsize == scratch_nbytes &&
                is_c_contiguous(sstr, shape, ndim, itemsize) &&
                is_c_contiguous(dst_strides, shape, ndim, itemsize);
    if (!whole && header.nbytes > 0) {
      int done = decode_rows_by_block(dctx, cdata[i], &header, (char *)scratch, src_offsets[i],
                                      sstr, dst + dst_offsets[i], dst_strides, shape, ndim,
                                      itemsize, row_nbytes);
      if (done < 0) {
        status = done;
        *failed_index = i;
        goto cleanup;
      }
      if (done == 1)
        continue;
    }
    void *target = whole ? (void *)(dst + dst_offsets[i]) : scratch;
    if (header.nbytes > 0) {
      int rc = blosc2_decompress_ctx(dctx, cdata[i], (int32_t)header.cbytes, target,
                                     (int32_t)scratch_nbytes);
      if (rc < 0 || (size_t)rc != scratch_nbytes) {
        status = rc == BLOSC2_ERROR_CODEC_SUPPORT ? ZL_ERR_UNSUPPORTED : ZL_ERR_CORRUPT;
        *failed_index = i;
        goto cleanup;
      }
    }
    if (!whole) {
      status = zl_copy_strided((const char *)scratch + src_offsets[i], sstr,
                               dst + dst_offsets[i], dst_strides, shape, ndim, itemsize);
      if (status != ZL_OK) {
        *failed_index = i;
        goto cleanup;
      }
    }
  }
cleanup:
  zl_free_dctx(dctx, nthreads);
  return status;
}

/* Decode only the blocks of a Blosc chunk flagged in `wanted` (nblocks flags, one per
 * block, as the header's block size divides the chunk) into their places in dst (the
 * chunk's full decoded size); the bytes of other blocks are left as they were, and the
 * chunk's bytes of other blocks are never read (they may be missing: byte-range reads). */
int zl_blosc_decode_blocks(const void *cdata, size_t cdata_nbytes, void *dst, size_t dst_nbytes,
                           const uint8_t *wanted, int64_t nblocks, int nthreads) {
  zl_blosc_header_t header;
  int status = zl_blosc_read_header(cdata, cdata_nbytes, &header);
  if (status != ZL_OK)
    return status;
  if ((size_t)header.nbytes != dst_nbytes || wanted == NULL)
    return ZL_ERR_BUFFER;
  if (header.nbytes == 0)
    return ZL_OK;
  if (header.blocksize <= 0 || nblocks < 1 ||
      ((int64_t)header.nbytes + header.blocksize - 1) / header.blocksize != nblocks)
    return ZL_ERR_ARG;
  int kind = zl_blosc_block_kind(cdata, cdata_nbytes);
  if (kind < 0)
    return kind;
  if (kind == ZL_BLOCKS_WHOLE) /* blocks depend on each other: decode them all */
    return zl_blosc_decode(cdata, cdata_nbytes, dst, dst_nbytes, nthreads);
  /* only the wanted blocks are checked (and read): a byte-range reader fetched just those */
  status = check_blosc1_layout((const uint8_t *)cdata, &header, wanted);
  if (status != ZL_OK)
    return status;
  bool *mask = (bool *)malloc((size_t)nblocks * sizeof(bool));
  if (mask == NULL)
    return ZL_ERR_NOMEM;
  for (int64_t b = 0; b < nblocks; b++)
    mask[b] = !wanted[b]; /* C-Blosc2's mask says which blocks to skip */
  blosc2_context *dctx = zl_thread_dctx(nthreads); /* this thread's own, kept */
  if (dctx == NULL) {
    status = ZL_ERR_NOMEM;
    goto cleanup;
  }
  if (blosc2_set_maskout(dctx, mask, (int)nblocks) < 0) {
    status = ZL_ERR_CORRUPT;
    goto cleanup;
  }
  int rc = blosc2_decompress_ctx(dctx, cdata, (int32_t)header.cbytes, dst, (int32_t)dst_nbytes);
  if (rc < 0)
    status = rc == BLOSC2_ERROR_CODEC_SUPPORT ? ZL_ERR_UNSUPPORTED : ZL_ERR_CORRUPT;
cleanup:
  free(mask);
  return status;
}

/* Point reads of a plain Blosc chunk (see zl.h): the wanted blocks' layout is checked as
 * for zl_blosc_decode_blocks (a byte-range reader may have fetched only those), then
 * zl_gather_blocks decodes them one at a time. */
int zl_blosc_gather_points(const void *cdata, size_t cdata_nbytes, const int64_t *src_offsets,
                           const int64_t *dst_offsets, int64_t n, size_t itemsize, char *dst,
                           char *scratch, size_t scratch_nbytes, size_t *needed,
                           int64_t *blocks_decoded, int64_t *nblocks_out) {
  zl_blosc_header_t h;
  *blocks_decoded = 0;
  *nblocks_out = 0;
  *needed = 0;
  int status = zl_blosc_read_header(cdata, cdata_nbytes, &h);
  if (status != ZL_OK || n == 0)
    return status;
  if (itemsize < 1 || h.nbytes == 0 || h.blocksize < 1)
    return ZL_ERR_ARG;
  int kind = zl_blosc_block_kind(cdata, cdata_nbytes);
  if (kind < 0)
    return kind;
  if (kind != ZL_BLOCKS_RANGED || h.blocksize % (int64_t)itemsize != 0 || h.typesize < 1 ||
      h.blocksize % h.typesize != 0 || h.nbytes % h.typesize != 0)
    return ZL_ERR_UNSUPPORTED; /* blocks that need the whole chunk (a delta filter), its
                                * context (a dictionary) or none (stored as is), items
                                * straddling blocks, or a stored typesize that does not
                                * divide the blocks (getitem counts in it): the masked
                                * decoders do those */
  int64_t nblocks = (h.nbytes + h.blocksize - 1) / h.blocksize;
  *nblocks_out = nblocks;
  if (scratch_nbytes < (size_t)h.blocksize) {
    *needed = (size_t)h.blocksize;
    return ZL_ERR_BUFFER;
  }
  int64_t *block_of = (int64_t *)malloc((size_t)n * sizeof(int64_t));
  int64_t *in_block = (int64_t *)malloc((size_t)n * sizeof(int64_t));
  uint8_t *wanted = (uint8_t *)calloc((size_t)nblocks, 1);
  bool *skip = (bool *)malloc((size_t)nblocks * sizeof(bool));
  if (block_of == NULL || in_block == NULL || wanted == NULL || skip == NULL) {
    status = ZL_ERR_NOMEM;
    goto cleanup;
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t off = src_offsets[i];
    if (off < 0 || off % (int64_t)itemsize != 0 || off + (int64_t)itemsize > h.nbytes) {
      status = ZL_ERR_ARG;
      goto cleanup;
    }
    block_of[i] = off / h.blocksize;
    in_block[i] = off - block_of[i] * h.blocksize;
    wanted[block_of[i]] = 1;
  }
  status = check_blosc1_layout((const uint8_t *)cdata, &h, wanted);
  if (status == ZL_OK && h.version >= 3) {
    for (int64_t b = 0; b < nblocks; b++)
      skip[b] = !wanted[b];
    status = zl_blosc2_check_streams(cdata, h.cbytes, skip, nblocks);
  }
  if (status == ZL_OK)
    status = zl_gather_blocks(cdata, (int32_t)h.cbytes, h.nbytes, h.blocksize, nblocks,
                              block_of, in_block, dst_offsets, n, itemsize, dst, scratch,
                              scratch_nbytes, blocks_decoded);
cleanup:
  free(block_of);
  free(in_block);
  free(wanted);
  free(skip);
  return status;
}
