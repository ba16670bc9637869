/*
 * zl_blosc_format.h - constants of the Blosc1 chunk format (C-Blosc's README_CHUNK_FORMAT),
 * shared by the encoder (zl_blosc.c), the decoder's checks (zl_blosc_decode.c) and the
 * chunk file readers (zl_blosc_file.c, zl_b2nd_file.c), with small helpers for block tables.
 */
#ifndef ZL_BLOSC_FORMAT_H
#define ZL_BLOSC_FORMAT_H

#include <stdint.h>

#include "zl.h"

/* header byte 2 (flags) */
#define FLAG_SHUFFLE 0x01
#define FLAG_MEMCPYED 0x02 /* the data follows the header uncompressed */
#define FLAG_BITSHUFFLE 0x04
#define FLAG_DELTA 0x08      /* C-Blosc2 only: never in a C-Blosc 1.x (version <= 2) chunk */
#define FLAG_DONT_SPLIT 0x10 /* blocks are one stream, not `typesize` streams */
/* Blosc2-format (version >= 3) extended header: 32 bytes */
#define BLOSC2_HEADER 32
#define FILTERS_AT 16         /* 6 filter codes */
#define FLAGS2_AT 30          /* bit 0: variable-length blocks */
#define BLOSC2_FLAGS_AT 31    /* bit 0: dictionary; bit 3: lazy chunk; bits 4-6: special value */
#define SPECIAL_SHIFT 4
#define SPECIAL_MASK 0x07
/* special value 4 (C-Blosc2's BLOSC2_SPECIAL_UNINIT): "uninitialized", C-Blosc2 decodes it
 * by writing nothing, so the destination would keep whatever it held: refused */
#define SPECIAL_UNINIT 4
#define MIN_BUFFERSIZE 128
#define MAX_SPLITS 16
#define L1_SIZE (32 * 1024)
#define MAX_BLOSC1_NBYTES (INT32_MAX - ZL_BLOSC1_HEADER)

/* A little-endian signed 32-bit value (header fields, block start offsets). */
static inline int64_t zl_le32(const uint8_t *p) {
  return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                   ((uint32_t)p[3] << 24));
}

/* qsort comparison of int64_t values. */
static inline int zl_compare_int64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The smallest of the n sorted block starts above `start`, or `limit` when none is: where
 * the block stored at `start` ends (blocks are not always stored in order). */
static inline int64_t zl_next_block_start(const int64_t *sorted, int64_t n, int64_t start,
                                          int64_t limit) {
  int64_t lo = 0, hi = n; /* first index with sorted[i] > start */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (sorted[mid] > start)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo < n && sorted[lo] < limit ? sorted[lo] : limit;
}

#endif /* ZL_BLOSC_FORMAT_H */
