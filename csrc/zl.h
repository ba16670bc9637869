/*
 * zl.h - the C core of zarrlite.
 *
 * Conventions: pointers and sizes in, int status out (0 ok, negative ZL_ERR_*).
 * No Python, no printing. The caller owns every buffer; functions only borrow them for
 * the duration of the call. The one global mutable state is in zl_dctx.c: each thread's
 * kept C-Blosc2 decompression contexts (thread-local), and for fork safety a count of
 * live multi-threaded contexts and a flag set in a child forked while one was alive
 * (atomics, with a pthread_atfork handler).
 */
#ifndef ZL_H
#define ZL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZL_MAX_DIM 32

enum zl_status {
  ZL_OK = 0,
  ZL_ERR_ARG = -1,       /* invalid argument */
  ZL_ERR_BUFFER = -2,    /* destination buffer too small / sizes disagree */
  ZL_ERR_NOMEM = -3,     /* out of memory */
  ZL_ERR_CORRUPT = -4,   /* encoded data is corrupt or truncated */
  ZL_ERR_CODEC = -5,     /* the compression library reported a failure */
  ZL_ERR_UNSUPPORTED = -6, /* valid data using a feature we cannot decode */
  ZL_ERR_IO = -7           /* a system call failed; see the errno returned alongside */
};

/* Compressor codes as stored in bits 5-7 of a Blosc1 header's flags. */
enum zl_blosc_compformat {
  ZL_BLOSC_FMT_BLOSCLZ = 0,
  ZL_BLOSC_FMT_LZ4 = 1,
  ZL_BLOSC_FMT_SNAPPY = 2,
  ZL_BLOSC_FMT_ZLIB = 3,
  ZL_BLOSC_FMT_ZSTD = 4
};

/* Compressors we can encode with (numcodecs' cname). */
enum zl_blosc_cname {
  ZL_CNAME_BLOSCLZ = 0,
  ZL_CNAME_LZ4 = 1,
  ZL_CNAME_LZ4HC = 2,
  ZL_CNAME_ZLIB = 3,
  ZL_CNAME_ZSTD = 4
};

enum zl_shuffle { ZL_NOSHUFFLE = 0, ZL_SHUFFLE = 1, ZL_BITSHUFFLE = 2 };

#define ZL_BLOSC1_HEADER 16
#define ZL_BLOSC_MAX_TYPESIZE 255

/* Fields of a Blosc (1 or 2) chunk header. */
typedef struct {
  int version;
  int versionlz;
  int flags;
  int typesize;
  int64_t nbytes;
  int64_t blocksize;
  int64_t cbytes;
} zl_blosc_header_t;

/* zl_errors.c */
const char *zl_strerror(int status);

/* zl_copy.c: strided N-d copy and fill. Strides are in bytes and may be negative;
 * src and dst point at the first element of the region. */
int zl_copy_strided(const char *src, const int64_t *src_strides, char *dst,
                    const int64_t *dst_strides, const int64_t *shape, int ndim, size_t itemsize);
int zl_fill_strided(char *dst, const int64_t *dst_strides, const int64_t *shape, int ndim,
                    const char *value, size_t itemsize);
/* 1 if every item of a contiguous buffer equals value byte for byte, 0 if not, <0 on error */
int zl_is_uniform(const char *buf, size_t nbytes, const char *value, size_t itemsize);
/* The run [k0, k1) of k < count with start + k*step in [lo, hi) (step may be negative). */
void zl_index_run(int64_t start, int64_t step, int64_t count, int64_t lo, int64_t hi,
                  int64_t *k0, int64_t *k1);
/* 1 if every float (2, 4 or 8 bytes, stored big- or little-endian) is a NaN, 0 if not */
int zl_is_all_nan(const char *buf, size_t nbytes, size_t float_size, int big_endian);

/* zl_blosc.c: Blosc chunks. */
/* Read and check the header (16 bytes; 32 for C-Blosc2 extended headers): ZL_ERR_CORRUPT
 * for impossible sizes or a truncated chunk, ZL_ERR_UNSUPPORTED for an "uninitialized" one. */
int zl_blosc_read_header(const void *cdata, size_t cdata_nbytes, zl_blosc_header_t *header);
enum { ZL_BLOCKS_RANGED = 0, ZL_BLOCKS_MASKABLE = 1, ZL_BLOCKS_WHOLE = 2 };
int zl_blosc_block_kind(const void *header, size_t nbytes);
int zl_blosc2_check_streams(const void *chunk, int64_t cbytes, const bool *skip,
                            int64_t nblocks);
int64_t zl_blosc1_max_encoded_nbytes(size_t nbytes);
int zl_blosc1_encode(const void *src, size_t nbytes, int typesize, int cname, int clevel,
                     int shuffle, int64_t blocksize, void *dst, size_t dst_capacity,
                     size_t *encoded_nbytes);
int zl_blosc1_encode_batch(const char *src, int64_t n, size_t chunk_nbytes, int typesize,
                           int cname, int clevel, int shuffle, int64_t blocksize,
                           const char *fill_value, size_t itemsize, size_t nan_float_size,
                           int nan_big_endian, char *dst, int64_t *encoded_nbytes);
int zl_blosc_decode(const void *cdata, size_t cdata_nbytes, void *dst, size_t dst_nbytes,
                    int nthreads);
int zl_blosc_decode_blocks(const void *cdata, size_t cdata_nbytes, void *dst, size_t dst_nbytes,
                           const uint8_t *wanted, int64_t nblocks, int nthreads);
int zl_blosc_decode_regions(const void *const *cdata, const size_t *cdata_nbytes, int64_t n,
                            void *scratch, size_t scratch_nbytes, const int64_t *src_offsets,
                            const int64_t *src_strides, char *dst, const int64_t *dst_offsets,
                            const int64_t *dst_strides, const int64_t *shapes, int ndim,
                            size_t itemsize, int64_t row_nbytes, int nthreads,
                            int64_t *failed_index);

/* zl_gather.c: copies driven by index lists (fancy selections). */
int zl_copy_outer(const char *src, const int64_t *const *src_offsets, char *dst,
                  const int64_t *const *dst_offsets, const int64_t *counts, int ndim,
                  size_t itemsize);
int zl_copy_points(const char *src, const int64_t *src_offsets, char *dst,
                   const int64_t *dst_offsets, int64_t n, size_t itemsize);

/* zl_points.c: items out of a checked chunk, decoding only their blocks, one at a time. */
int zl_gather_blocks(const void *chunk, int32_t cbytes, int64_t chunk_nbytes,
                     int64_t block_nbytes, int64_t nblocks, const int64_t *block_of,
                     const int64_t *in_block, const int64_t *dst_offsets, int64_t n,
                     size_t itemsize, char *dst, char *scratch, size_t scratch_nbytes,
                     int64_t *blocks_decoded);
/* Items at byte offsets src_offsets of a plain Blosc chunk (or of a b2nd frame's decoded
 * chunk, C order) copied to dst + dst_offsets, decoding only their blocks, each into
 * scratch. ZL_ERR_BUFFER with *needed set when scratch is smaller than a block;
 * ZL_ERR_UNSUPPORTED when the blocks cannot be decoded apart (decode the chunk whole). */
int zl_blosc_gather_points(const void *cdata, size_t cdata_nbytes, const int64_t *src_offsets,
                           const int64_t *dst_offsets, int64_t n, size_t itemsize, char *dst,
                           char *scratch, size_t scratch_nbytes, size_t *needed,
                           int64_t *blocks_decoded, int64_t *nblocks_out);
int zl_b2nd_gather_points(const void *cframe, int64_t cframe_len, const int64_t *src_offsets,
                          const int64_t *dst_offsets, int64_t n, size_t itemsize, char *dst,
                          char *scratch, size_t scratch_nbytes, size_t *needed,
                          int64_t *blocks_decoded, int64_t *nblocks_out);

/* zl_dctx.c: C-Blosc2 decompression contexts (fork-aware thread counts); this thread's
 * kept context (set a block mask before each use). */
struct blosc2_context_s;
int zl_usable_threads(int nthreads);
struct blosc2_context_s *zl_create_dctx(int nthreads);
void zl_free_dctx(struct blosc2_context_s *dctx, int nthreads);
struct blosc2_context_s *zl_thread_dctx(int nthreads);

/* zl_b2nd.c: two-level chunks as one-chunk b2nd frames. */
int zl_b2nd_encode(const void *src, int64_t nbytes, int ndim, const int64_t *shape,
                   const int32_t *blockshape, int typesize, const char *dtype, int compcode,
                   int clevel, int shuffle, int nthreads, uint8_t **cframe,
                   int64_t *cframe_len);
int64_t zl_b2nd_decoded_nbytes(const void *cframe, int64_t cframe_len);
int64_t zl_b2nd_scratch_nbytes(const void *cframe, int64_t cframe_len);
int zl_b2nd_decode(const void *cframe, int64_t cframe_len, void *dst, int64_t dst_nbytes,
                   char *scratch, int64_t scratch_nbytes);
int zl_b2nd_decode_region(const void *cframe, int64_t cframe_len, const int64_t *start,
                          const int64_t *step, const int64_t *count, int ndim, char *dst,
                          const int64_t *dst_strides, size_t itemsize, char *scratch,
                          int64_t scratch_nbytes, int nthreads, int64_t *blocks_decoded);
int zl_b2nd_region_blocks(const void *cframe, int64_t cframe_len, const int64_t *start,
                          const int64_t *step, const int64_t *count, int ndim, size_t itemsize,
                          uint8_t *wanted, int64_t capacity, int64_t *nblocks);
int zl_b2nd_item_blocks(const void *cframe, int64_t cframe_len, const int64_t *byte_offsets,
                        int64_t n, size_t itemsize, uint8_t *wanted, int64_t capacity,
                        int64_t *nblocks, int64_t *touched);
int zl_b2nd_decode_blocks(const void *cframe, int64_t cframe_len, const uint8_t *wanted,
                          int64_t nblocks, size_t itemsize, char *dst, int64_t dst_nbytes,
                          char *scratch, int64_t scratch_nbytes, int nthreads,
                          int64_t *blocks_decoded);
void zl_free(void *p);

/* zl_b2nd_file.c: a region of a two-level chunk read from its file (header and block table,
 * then the touched blocks; frame: a buffer of the file's size, scratch: the padded chunk),
 * decoded into dst as zl_b2nd_decode_region does. ZL_FILE_MISSING when there is no
 * such file; ZL_ERR_BUFFER with *needed_frame or *needed_scratch set when a buffer is too
 * small; ZL_ERR_UNSUPPORTED when the general byte-range reader should do it (another frame
 * layout, most blocks touched, an unreadable or short file). */
#define ZL_FILE_MISSING 1
int zl_b2nd_read_region_file(const char *path, int64_t first_nbytes, int64_t max_nbytes,
                             const int64_t *start, const int64_t *step, const int64_t *count,
                             int ndim, char *dst, const int64_t *dst_strides, size_t itemsize,
                             char *frame, int64_t frame_capacity, char *scratch,
                             int64_t scratch_nbytes, double max_fraction, int nthreads,
                             int64_t *needed_frame, int64_t *needed_scratch,
                             int64_t *blocks_decoded);

/* zl_files.c: whole files into one caller-owned buffer. */
int zl_read_files(const char *const *paths, int64_t n, char *scratch, size_t capacity,
                  int64_t *offsets, int64_t *sizes, size_t *needed, int64_t *failed_index,
                  int *error_number);
int zl_write_files(const char *const *tmp_paths, const char *const *paths,
                   const char *const *data, const size_t *nbytes, int64_t n,
                   int64_t *failed_index, int *error_number);

/* zl_blosc_file.c: as zl_b2nd_read_region_file for a plain Blosc (C-Blosc 1.x format)
 * chunk of chunk_nbytes decoded bytes with byte strides chunk_strides (C order of its
 * bytes): frame takes the file's header, table and touched blocks, scratch (exactly
 * chunk_nbytes) the decoded blocks. */
int zl_blosc_read_region_file(const char *path, int64_t first_nbytes, int64_t chunk_nbytes,
                              const int64_t *start, const int64_t *step, const int64_t *count,
                              const int64_t *chunk_strides, int ndim, char *dst,
                              const int64_t *dst_strides, size_t itemsize, char *frame,
                              int64_t frame_capacity, char *scratch, int64_t scratch_nbytes,
                              double max_fraction, int nthreads, int64_t *needed_frame);

#endif /* ZL_H */
