/*
 * zl_blosc.c - Blosc chunks: a Blosc1-format (version 2) encoder, header parsing and
 * decoding through C-Blosc2.
 *
 * Why our own encoder: C-Blosc2 always writes format version 5+, which C-Blosc 1.x (inside
 * numcodecs, zarr-python and tensorstore) rejects. Chunks stored under the numcodecs id
 * "blosc" must carry version byte 2. The layout written here follows C-Blosc's
 * README_CHUNK_FORMAT: a 16-byte header, one int32 start offset per block, then per block
 * one or `typesize` "splits", each an int32 compressed length followed by its bytes
 * (a length equal to the split's raw size means the split is stored uncompressed).
 * The compressors themselves (LZ4, LZ4HC, Zstd, zlib-ng, BloscLZ) and the SIMD shuffles
 * come from libblosc2, which bundles them.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <blosc2.h>

#include "zl.h"

/* Compressor entry points bundled inside libblosc2 whose headers the wheel does not ship.
 * Opaque context types are passed as void*. */
int LZ4_compress_fast(const char *src, char *dst, int src_size, int dst_capacity, int accel);
int LZ4_compress_HC(const char *src, char *dst, int src_size, int dst_capacity, int level);
void *ZSTD_createCCtx(void);
size_t ZSTD_freeCCtx(void *cctx);
size_t ZSTD_compressCCtx(void *cctx, void *dst, size_t dst_capacity, const void *src,
                         size_t src_size, int level);
unsigned ZSTD_isError(size_t code);
int ZSTD_maxCLevel(void);
int zng_compress2(unsigned char *dst, size_t *dst_len, const unsigned char *src, size_t src_len,
                  int level);
int blosclz_compress(int clevel, const void *src, int src_size, void *dst, int dst_capacity,
                     void *cctx);

#define FLAG_SHUFFLE 0x01
#define FLAG_MEMCPYED 0x02
#define FLAG_BITSHUFFLE 0x04
#define FLAG_DONT_SPLIT 0x10
#define MIN_BUFFERSIZE 128
#define MAX_SPLITS 16
#define L1_SIZE (32 * 1024)
#define MAX_BLOSC1_NBYTES (INT32_MAX - ZL_BLOSC1_HEADER)

static int32_t read_le32(const uint8_t *p) {
  return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                   ((uint32_t)p[3] << 24));
}

static void write_le32(uint8_t *p, int32_t value) {
  uint32_t v = (uint32_t)value;
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

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
  header->nbytes = read_le32(p + 4);
  header->blocksize = read_le32(p + 8);
  header->cbytes = read_le32(p + 12);
  if (header->version < 1 || header->version > 6)
    return ZL_ERR_CORRUPT;
  if (header->nbytes < 0 || header->blocksize < 0 || header->cbytes < ZL_BLOSC1_HEADER)
    return ZL_ERR_CORRUPT;
  if ((size_t)header->cbytes > cdata_nbytes)
    return ZL_ERR_CORRUPT; /* truncated */
  if (header->nbytes > 0 && header->blocksize == 0)
    return ZL_ERR_CORRUPT;
  return ZL_OK;
}

/* Check the block layout of a format-1/2 (C-Blosc 1.x) chunk before C-Blosc2 sees it: every
 * block start and every stream length must stay inside cbytes, and every stream length must
 * lie in 1..raw stream size (C-Blosc2 would take a negative length for a Blosc2-only run
 * encoding and return made-up bytes). Block starts need not increase: multi-threaded
 * C-Blosc 1 stores blocks in finishing order. Newer formats are C-Blosc2's own to check. */
static int check_blosc1_layout(const uint8_t *p, const zl_blosc_header_t *h) {
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
  for (int64_t b = 0; b < nblocks; b++) {
    int64_t pos = read_le32(p + ZL_BLOSC1_HEADER + 4 * b);
    int is_leftover = (b == nblocks - 1 && leftover > 0);
    int64_t bsize = is_leftover ? leftover : h->blocksize;
    int64_t nsplits = (!dont_split && typesize <= MAX_SPLITS &&
                       h->blocksize / typesize >= MIN_BUFFERSIZE && !is_leftover)
                          ? typesize
                          : 1;
    int64_t neblock = bsize / nsplits;
    if (pos < table_end)
      return ZL_ERR_CORRUPT;
    for (int64_t j = 0; j < nsplits; j++) {
      if (pos + 4 > h->cbytes)
        return ZL_ERR_CORRUPT;
      int64_t csize = read_le32(p + pos);
      if (csize <= 0 || csize > neblock || pos + 4 + csize > h->cbytes)
        return ZL_ERR_CORRUPT;
      pos += 4 + csize;
    }
  }
  return ZL_OK;
}

/* Header checks plus, for format 1/2, the block layout: everything read from the chunk is
 * bounds-checked before any decoder uses it. */
static int read_checked_header(const void *cdata, size_t cdata_nbytes, zl_blosc_header_t *h) {
  int status = zl_blosc_read_header(cdata, cdata_nbytes, h);
  if (status != ZL_OK)
    return status;
  return check_blosc1_layout((const uint8_t *)cdata, h);
}

/* Block size and split choices modelled on C-Blosc 1.21 (numcodecs), so that our chunks
 * match numcodecs' byte for byte where the compressors agree: every codec but Zstd splits
 * a block into `typesize` streams when the items are small enough. */
static int split_block(int cname, int typesize, int64_t blocksize) {
  return cname != ZL_CNAME_ZSTD && typesize <= MAX_SPLITS && blocksize / typesize >= MIN_BUFFERSIZE;
}

static int64_t compute_blocksize(int cname, int clevel, int typesize, int64_t nbytes,
                                 int64_t forced) {
  int64_t bs = nbytes;
  int hcr = (cname == ZL_CNAME_LZ4HC || cname == ZL_CNAME_ZLIB || cname == ZL_CNAME_ZSTD);
  if (nbytes < typesize)
    return 1;
  if (forced > 0) {
    bs = forced < MIN_BUFFERSIZE ? MIN_BUFFERSIZE : forced;
  } else if (nbytes >= L1_SIZE) {
    static const int64_t quarters[10] = {1, 2, 4, 8, 16, 16, 32, 32, 32, 32};
    bs = L1_SIZE * (hcr ? 2 : 1) * quarters[clevel] / 4;
    if (clevel == 9 && hcr)
      bs *= 2;
  }
  if (clevel > 0 && split_block(cname, typesize, bs)) {
    if (bs > (1 << 18))
      bs = 1 << 18;
    bs *= typesize;
    if (bs < (1 << 16))
      bs = 1 << 16;
    if (bs > (1 << 20))
      bs = 1 << 20;
  }
  if (bs > nbytes)
    bs = nbytes;
  if (bs > typesize)
    bs = bs / typesize * typesize;
  return bs;
}

int64_t zl_blosc1_max_encoded_nbytes(size_t nbytes) {
  return (int64_t)nbytes + ZL_BLOSC1_HEADER;
}

typedef struct {
  int cname;
  int clevel;
  void *zstd_cctx;
  blosc2_context *blosclz_cctx;
} compressor_t;

/* Compress one split. Returns the compressed size, 0 when it does not fit in `capacity`,
 * or a negative status. */
static int64_t compress_split(compressor_t *c, const uint8_t *src, int64_t n, uint8_t *dst,
                              int64_t capacity) {
  switch (c->cname) {
  case ZL_CNAME_LZ4:
    return LZ4_compress_fast((const char *)src, (char *)dst, (int)n, (int)capacity,
                             10 - c->clevel);
  case ZL_CNAME_LZ4HC:
    return LZ4_compress_HC((const char *)src, (char *)dst, (int)n, (int)capacity, c->clevel);
  case ZL_CNAME_ZSTD: {
    int level = c->clevel < 9 ? c->clevel * 2 - 1 : ZSTD_maxCLevel();
    size_t rc = ZSTD_compressCCtx(c->zstd_cctx, dst, (size_t)capacity, src, (size_t)n, level);
    return ZSTD_isError(rc) ? 0 : (int64_t)rc;
  }
  case ZL_CNAME_ZLIB: {
    size_t out_len = (size_t)capacity;
    int rc = zng_compress2(dst, &out_len, src, (size_t)n, c->clevel);
    return rc == 0 ? (int64_t)out_len : 0;
  }
  case ZL_CNAME_BLOSCLZ: {
    int rc = blosclz_compress(c->clevel, src, (int)n, dst, (int)capacity, c->blosclz_cctx);
    return rc < 0 ? 0 : rc;
  }
  default:
    return ZL_ERR_ARG;
  }
}

/* In format version 2, a block is bit-shuffled only when it holds a multiple of 8 items;
 * other blocks are stored as they are (decoders of version 2 undo it the same way). */
static int shuffle_block(int shuffle, int typesize, const uint8_t *src, int64_t n, uint8_t *dst) {
  int32_t rc;
  if (shuffle == ZL_SHUFFLE) {
    rc = blosc2_shuffle(typesize, (int32_t)n, src, dst);
  } else if ((n / typesize) % 8 != 0) {
    memcpy(dst, src, (size_t)n);
    rc = 0;
  } else {
    rc = blosc2_bitshuffle(typesize, (int32_t)n, src, dst);
  }
  return rc < 0 ? ZL_ERR_CODEC : ZL_OK;
}

/* Write the whole buffer uncompressed ("memcpyed" flag). */
static size_t write_memcpyed(const void *src, size_t nbytes, uint8_t *dst) {
  dst[2] |= FLAG_MEMCPYED;
  write_le32(dst + 12, (int32_t)(nbytes + ZL_BLOSC1_HEADER));
  memcpy(dst + ZL_BLOSC1_HEADER, src, nbytes);
  return nbytes + ZL_BLOSC1_HEADER;
}

static int setup_compressor(compressor_t *c, int typesize, int shuffle) {
  if (c->cname == ZL_CNAME_ZSTD) {
    c->zstd_cctx = ZSTD_createCCtx();
    if (c->zstd_cctx == NULL)
      return ZL_ERR_NOMEM;
  } else if (c->cname == ZL_CNAME_BLOSCLZ) {
    blosc2_cparams cparams = BLOSC2_CPARAMS_DEFAULTS;
    cparams.compcode = BLOSC_BLOSCLZ;
    cparams.clevel = (uint8_t)c->clevel;
    cparams.typesize = typesize;
    cparams.nthreads = 1;
    cparams.filters[BLOSC2_MAX_FILTERS - 1] =
        shuffle == ZL_SHUFFLE ? BLOSC_SHUFFLE
                              : (shuffle == ZL_BITSHUFFLE ? BLOSC_BITSHUFFLE : BLOSC_NOSHUFFLE);
    c->blosclz_cctx = blosc2_create_cctx(cparams);
    if (c->blosclz_cctx == NULL)
      return ZL_ERR_NOMEM;
  }
  return ZL_OK;
}

static void teardown_compressor(compressor_t *c) {
  if (c->zstd_cctx != NULL)
    ZSTD_freeCCtx(c->zstd_cctx);
  if (c->blosclz_cctx != NULL)
    blosc2_free_ctx(c->blosclz_cctx);
}

/* Encode `nbytes` of `src` as a Blosc1-format chunk into `dst` (capacity at least
 * zl_blosc1_max_encoded_nbytes(nbytes)). blocksize 0 = automatic. On success stores the
 * chunk length in *encoded_nbytes. Scratch memory is allocated here and always freed. */
int zl_blosc1_encode(const void *src, size_t nbytes, int typesize, int cname, int clevel,
                     int shuffle, int64_t blocksize, void *dst, size_t dst_capacity,
                     size_t *encoded_nbytes) {
  uint8_t *out = (uint8_t *)dst;
  uint8_t *scratch = NULL;
  compressor_t comp = {cname, clevel, NULL, NULL};
  int status = ZL_OK;
  static const uint8_t format_of_cname[5] = {ZL_BLOSC_FMT_BLOSCLZ, ZL_BLOSC_FMT_LZ4,
                                             ZL_BLOSC_FMT_LZ4, ZL_BLOSC_FMT_ZLIB,
                                             ZL_BLOSC_FMT_ZSTD};

  if (src == NULL || dst == NULL || encoded_nbytes == NULL || cname < 0 || cname > 4 ||
      clevel < 0 || clevel > 9 || shuffle < 0 || shuffle > 2 || typesize < 1 || blocksize < 0)
    return ZL_ERR_ARG;
  if (nbytes > (size_t)MAX_BLOSC1_NBYTES)
    return ZL_ERR_ARG;
  if (dst_capacity < nbytes + ZL_BLOSC1_HEADER)
    return ZL_ERR_BUFFER;
  if (typesize > ZL_BLOSC_MAX_TYPESIZE)
    typesize = 1;

  int64_t bs = compute_blocksize(cname, clevel, typesize, (int64_t)nbytes, blocksize);
  int split = split_block(cname, typesize, bs);
  out[0] = 2;
  out[1] = 1; /* every compressor's format version is 1 */
  out[2] = (uint8_t)(format_of_cname[cname] << 5);
  if (shuffle == ZL_SHUFFLE)
    out[2] |= FLAG_SHUFFLE;
  else if (shuffle == ZL_BITSHUFFLE)
    out[2] |= FLAG_BITSHUFFLE;
  if (!split)
    out[2] |= FLAG_DONT_SPLIT;
  out[3] = (uint8_t)typesize;
  write_le32(out + 4, (int32_t)nbytes);
  write_le32(out + 8, (int32_t)bs);
  if (clevel == 0 || nbytes < MIN_BUFFERSIZE) {
    *encoded_nbytes = write_memcpyed(src, nbytes, out);
    return ZL_OK;
  }

  int64_t nblocks = (int64_t)nbytes / bs;
  int64_t leftover = (int64_t)nbytes % bs;
  if (leftover > 0)
    nblocks++;
  int64_t limit = (int64_t)nbytes + ZL_BLOSC1_HEADER; /* never larger than a plain copy */
  int64_t pos = ZL_BLOSC1_HEADER + 4 * nblocks;
  int do_shuffle = (shuffle == ZL_SHUFFLE && typesize > 1) || shuffle == ZL_BITSHUFFLE;
  int fits = pos < limit;

  status = setup_compressor(&comp, typesize, shuffle);
  if (status != ZL_OK)
    goto cleanup;
  if (do_shuffle) {
    scratch = (uint8_t *)malloc((size_t)bs);
    if (scratch == NULL) {
      status = ZL_ERR_NOMEM;
      goto cleanup;
    }
  }
  for (int64_t b = 0; fits && b < nblocks; b++) {
    int is_leftover = (b == nblocks - 1 && leftover > 0);
    int64_t bsize = is_leftover ? leftover : bs;
    const uint8_t *block = (const uint8_t *)src + b * bs;
    if (do_shuffle) {
      status = shuffle_block(shuffle, typesize, block, bsize, scratch);
      if (status != ZL_OK)
        goto cleanup;
      block = scratch;
    }
    int nsplits = (split && !is_leftover) ? typesize : 1;
    int64_t neblock = bsize / nsplits;
    write_le32(out + ZL_BLOSC1_HEADER + 4 * b, (int32_t)pos);
    for (int s = 0; s < nsplits; s++) {
      const uint8_t *part = block + s * neblock;
      int64_t room = limit - pos - 4;
      if (room <= 0) {
        fits = 0;
        break;
      }
      int64_t capacity = neblock < room ? neblock : room;
      int64_t csize = compress_split(&comp, part, neblock, out + pos + 4, capacity);
      if (csize < 0) {
        status = (int)csize;
        goto cleanup;
      }
      if (csize == 0 || csize >= neblock) { /* incompressible: store the split raw */
        if (neblock > room) {
          fits = 0;
          break;
        }
        memcpy(out + pos + 4, part, (size_t)neblock);
        csize = neblock;
      }
      write_le32(out + pos, (int32_t)csize);
      pos += 4 + csize;
    }
  }
  if (!fits) {
    *encoded_nbytes = write_memcpyed(src, nbytes, out);
  } else {
    write_le32(out + 12, (int32_t)pos);
    *encoded_nbytes = (size_t)pos;
  }

cleanup:
  teardown_compressor(&comp);
  free(scratch);
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
  blosc2_dparams dparams = BLOSC2_DPARAMS_DEFAULTS;
  dparams.nthreads = (int16_t)(nthreads < 1 ? 1 : nthreads);
  dctx = blosc2_create_dctx(dparams);
  if (dctx == NULL)
    return ZL_ERR_NOMEM;
  int rc = blosc2_decompress_ctx(dctx, cdata, (int32_t)header.cbytes, dst, (int32_t)dst_nbytes);
  if (rc < 0)
    status = (rc == BLOSC2_ERROR_CODEC_SUPPORT) ? ZL_ERR_UNSUPPORTED : ZL_ERR_CORRUPT;
  else if ((size_t)rc != dst_nbytes)
    status = ZL_ERR_CORRUPT;
  blosc2_free_ctx(dctx);
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

/* First k in [0, count) with start + k*step >= lo (step > 0) or <= hi (step < 0), and one
 * past the last such k that stays inside [lo, hi): the run of a strided index sequence that
 * falls in rows [lo, hi). */
static void rows_run(int64_t start, int64_t step, int64_t count, int64_t lo, int64_t hi,
                     int64_t *k0, int64_t *k1) {
  int64_t a, b;
  if (step > 0) {
    a = lo - start <= 0 ? 0 : (lo - start + step - 1) / step;
    b = hi - start <= 0 ? 0 : (hi - start + step - 1) / step;
  } else {
    int64_t s = -step;
    a = start - (hi - 1) <= 0 ? 0 : (start - (hi - 1) + s - 1) / s;
    b = start - lo < 0 ? 0 : (start - lo) / s + 1;
  }
  *k0 = a < count ? a : count;
  *k1 = b < count ? b : count;
}

/* Decode only the Blosc blocks that a region touches, one at a time into their place in
 * the chunk-sized `scratch` (one block at a time stays in cache), copying each block's share of the region into dst.
 * (The block mask leaves the other blocks' bytes of scratch untouched.)
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
    rows_run(start0, step0, shape[0], r0, r1, &k0, &k1);
    if (k0 >= k1)
      continue;
    /* decode block b alone, in place in the chunk-sized scratch */
    for (int64_t j = 0; j < nblocks; j++)
      mask[j] = (j != b);
    if (blosc2_set_maskout(dctx, mask, (int)nblocks) < 0) {
      status = ZL_ERR_CORRUPT;
      goto cleanup;
    }
    int rc = blosc2_decompress_ctx(dctx, cdata, (int32_t)h->cbytes, scratch, (int32_t)h->nbytes);
    if (rc < 0) {
      status = rc == BLOSC2_ERROR_CODEC_SUPPORT ? ZL_ERR_UNSUPPORTED : ZL_ERR_CORRUPT;
      goto cleanup;
    }
    shape_rest[0] = k1 - k0;
    status = zl_copy_strided(scratch + (start0 + k0 * step0) * row_nbytes + rest, sstr,
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
  blosc2_dparams dparams = BLOSC2_DPARAMS_DEFAULTS;
  dparams.nthreads = (int16_t)(nthreads < 1 ? 1 : nthreads);
  dctx = blosc2_create_dctx(dparams);
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
  blosc2_free_ctx(dctx);
  return status;
}

/* Encode n chunks of chunk_nbytes each, stored back to back in src, as Blosc1-format
 * chunks: chunk i goes to dst + i * zl_blosc1_max_encoded_nbytes(chunk_nbytes) and its
 * length to encoded_nbytes[i]. A chunk that holds only the fill value is not encoded
 * (encoded_nbytes[i] = 0): with nan_float_size > 0 that means every float is a NaN (a NaN
 * fill value), else, with fill_value (itemsize bytes) given, every item has its bytes. */
int zl_blosc1_encode_batch(const char *src, int64_t n, size_t chunk_nbytes, int typesize,
                           int cname, int clevel, int shuffle, int64_t blocksize,
                           const char *fill_value, size_t itemsize, size_t nan_float_size,
                           int nan_big_endian, char *dst, int64_t *encoded_nbytes) {
  size_t slot = (size_t)zl_blosc1_max_encoded_nbytes(chunk_nbytes);
  for (int64_t i = 0; i < n; i++) {
    const char *chunk = src + (size_t)i * chunk_nbytes;
    encoded_nbytes[i] = 0;
    if (nan_float_size > 0) {
      if (zl_is_all_nan(chunk, chunk_nbytes, nan_float_size, nan_big_endian) == 1)
        continue;
    } else if (fill_value != NULL &&
               zl_is_uniform(chunk, chunk_nbytes, fill_value, itemsize) == 1) {
      continue;
    }
    size_t written = 0;
    int status = zl_blosc1_encode(chunk, chunk_nbytes, typesize, cname, clevel, shuffle,
                                  blocksize, dst + (size_t)i * slot, slot, &written);
    if (status != ZL_OK)
      return status;
    encoded_nbytes[i] = (int64_t)written;
  }
  return ZL_OK;
}

/* Decode only the blocks of a Blosc chunk flagged in `wanted` (nblocks flags, one per
 * block, as the header's block size divides the chunk) into their places in dst (the
 * chunk's full decoded size); the bytes of other blocks are left as they were. */
int zl_blosc_decode_blocks(const void *cdata, size_t cdata_nbytes, void *dst, size_t dst_nbytes,
                           const uint8_t *wanted, int64_t nblocks, int nthreads) {
  zl_blosc_header_t header;
  int status = read_checked_header(cdata, cdata_nbytes, &header);
  if (status != ZL_OK)
    return status;
  if ((size_t)header.nbytes != dst_nbytes || wanted == NULL)
    return ZL_ERR_BUFFER;
  if (header.nbytes == 0)
    return ZL_OK;
  if (header.blocksize <= 0 || (header.nbytes + header.blocksize - 1) / header.blocksize != nblocks)
    return ZL_ERR_ARG;
  bool *mask = (bool *)malloc((size_t)nblocks * sizeof(bool));
  if (mask == NULL)
    return ZL_ERR_NOMEM;
  for (int64_t b = 0; b < nblocks; b++)
    mask[b] = !wanted[b]; /* C-Blosc2's mask says which blocks to skip */
  blosc2_dparams dparams = BLOSC2_DPARAMS_DEFAULTS;
  dparams.nthreads = (int16_t)(nthreads < 1 ? 1 : nthreads);
  blosc2_context *dctx = blosc2_create_dctx(dparams);
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
  if (dctx != NULL)
    blosc2_free_ctx(dctx);
  free(mask);
  return status;
}
