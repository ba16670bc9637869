/*
 * zl_blosc.c - Blosc chunks: a Blosc1-format (version 2) encoder. Decoding lives in
 * zl_blosc_decode.c; the format's constants in zl_blosc_format.h.
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
#include "zl_blosc_format.h"

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


static void write_le32(uint8_t *p, int32_t value) {
  uint32_t v = (uint32_t)value;
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
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

