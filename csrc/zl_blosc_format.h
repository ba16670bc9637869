/*
 * zl_blosc_format.h - constants of the Blosc1 chunk format (C-Blosc's README_CHUNK_FORMAT),
 * shared by the encoder (zl_blosc.c) and the decoder's checks (zl_blosc_decode.c).
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

#endif /* ZL_BLOSC_FORMAT_H */
