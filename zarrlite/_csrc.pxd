# Declarations of the C core (csrc/zl.h) for _ext.pyx.
from libc.stdint cimport int32_t, int64_t, uint8_t


cdef extern from "zl.h" nogil:
    int ZL_MAX_DIM
    int ZL_OK
    int ZL_ERR_ARG
    int ZL_ERR_BUFFER
    int ZL_ERR_NOMEM
    int ZL_ERR_CORRUPT
    int ZL_ERR_CODEC
    int ZL_ERR_UNSUPPORTED
    int ZL_BLOSC1_HEADER
    int ZL_ERR_IO

    ctypedef struct zl_blosc_header_t:
        int version
        int versionlz
        int flags
        int typesize
        int64_t nbytes
        int64_t blocksize
        int64_t cbytes

    const char *zl_strerror(int status)
    int zl_copy_strided(const char *src, const int64_t *src_strides, char *dst,
                        const int64_t *dst_strides, const int64_t *shape, int ndim,
                        size_t itemsize)
    int zl_fill_strided(char *dst, const int64_t *dst_strides, const int64_t *shape, int ndim,
                        const char *value, size_t itemsize)
    int zl_is_uniform(const char *buf, size_t nbytes, const char *value, size_t itemsize)
    int zl_is_all_nan(const char *buf, size_t nbytes, size_t float_size, int big_endian)
    int zl_blosc_read_header(const void *cdata, size_t cdata_nbytes, zl_blosc_header_t *header)
    int64_t zl_blosc1_max_encoded_nbytes(size_t nbytes)
    int zl_blosc1_encode(const void *src, size_t nbytes, int typesize, int cname, int clevel,
                         int shuffle, int64_t blocksize, void *dst, size_t dst_capacity,
                         size_t *encoded_nbytes)
    int zl_blosc1_encode_batch(const char *src, int64_t n, size_t chunk_nbytes, int typesize,
                               int cname, int clevel, int shuffle, int64_t blocksize,
                               const char *fill_value, size_t itemsize,
                               size_t nan_float_size, int nan_big_endian, char *dst,
                               int64_t *encoded_nbytes)
    int zl_blosc_decode(const void *cdata, size_t cdata_nbytes, void *dst, size_t dst_nbytes,
                        int nthreads)
    int zl_blosc_decode_blocks(const void *cdata, size_t cdata_nbytes, void *dst,
                               size_t dst_nbytes, const uint8_t *wanted, int64_t nblocks,
                               int nthreads)
    int zl_blosc_decode_regions(const void *const *cdata, const size_t *cdata_nbytes, int64_t n,
                                void *scratch, size_t scratch_nbytes, const int64_t *src_offsets,
                                const int64_t *src_strides, char *dst, const int64_t *dst_offsets,
                                const int64_t *dst_strides, const int64_t *shapes, int ndim,
                                size_t itemsize, int64_t row_nbytes, int nthreads,
                                int64_t *failed_index)

    int zl_copy_outer(const char *src, const int64_t *const *src_offsets, char *dst,
                      const int64_t *const *dst_offsets, const int64_t *counts, int ndim,
                      size_t itemsize)
    int zl_copy_points(const char *src, const int64_t *src_offsets, char *dst,
                       const int64_t *dst_offsets, int64_t n, size_t itemsize)
    int zl_b2nd_encode(const void *src, int64_t nbytes, int ndim, const int64_t *shape,
                       const int32_t *blockshape, int typesize, const char *dtype, int compcode,
                       int clevel, int shuffle, int nthreads, uint8_t **cframe,
                       int64_t *cframe_len)
    int64_t zl_b2nd_decoded_nbytes(const void *cframe, int64_t cframe_len)
    int64_t zl_b2nd_scratch_nbytes(const void *cframe, int64_t cframe_len)
    int zl_b2nd_decode(const void *cframe, int64_t cframe_len, void *dst, int64_t dst_nbytes,
                       char *scratch, int64_t scratch_nbytes)
    int zl_blosc_block_kind(const void *header, size_t nbytes)
    int zl_b2nd_decode_region(const void *cframe, int64_t cframe_len, const int64_t *start,
                              const int64_t *step, const int64_t *count, int ndim, char *dst,
                              const int64_t *dst_strides, size_t itemsize, char *scratch,
                              int64_t scratch_nbytes, int nthreads, int64_t *blocks_decoded)
    int zl_b2nd_region_blocks(const void *cframe, int64_t cframe_len, const int64_t *start,
                              const int64_t *step, const int64_t *count, int ndim,
                              size_t itemsize, uint8_t *wanted, int64_t capacity,
                              int64_t *nblocks)
    int zl_b2nd_item_blocks(const void *cframe, int64_t cframe_len,
                            const int64_t *byte_offsets, int64_t n, size_t itemsize,
                            uint8_t *wanted, int64_t capacity, int64_t *nblocks,
                            int64_t *touched)
    int zl_b2nd_decode_blocks(const void *cframe, int64_t cframe_len, const uint8_t *wanted,
                              int64_t nblocks, size_t itemsize, char *dst, int64_t dst_nbytes,
                              char *scratch, int64_t scratch_nbytes, int nthreads,
                              int64_t *blocks_decoded)
    int zl_blosc_gather_points(const void *cdata, size_t cdata_nbytes,
                               const int64_t *src_offsets, const int64_t *dst_offsets,
                               int64_t n, size_t itemsize, char *dst, char *scratch,
                               size_t scratch_nbytes, size_t *needed, int64_t *blocks_decoded, int64_t *nblocks_out)
    int zl_b2nd_gather_points(const void *cframe, int64_t cframe_len,
                              const int64_t *src_offsets, const int64_t *dst_offsets,
                              int64_t n, size_t itemsize, char *dst, char *scratch,
                              size_t scratch_nbytes, size_t *needed, int64_t *blocks_decoded, int64_t *nblocks_out)
    void zl_free(void *p)
    int ZL_FILE_MISSING
    int zl_blosc_read_region_file(const char *path, int64_t first_nbytes,
                                  int64_t chunk_nbytes, const int64_t *start,
                                  const int64_t *step, const int64_t *count,
                                  const int64_t *chunk_strides, int ndim, char *dst,
                                  const int64_t *dst_strides, size_t itemsize, char *frame,
                                  int64_t frame_capacity, char *scratch,
                                  int64_t scratch_nbytes, double max_fraction, int nthreads,
                                  int64_t *needed_frame)
    int zl_b2nd_read_region_file(const char *path, int64_t first_nbytes, int64_t max_nbytes,
                                 const int64_t *start, const int64_t *step,
                                 const int64_t *count, int ndim, char *dst,
                                 const int64_t *dst_strides, size_t itemsize, char *frame,
                                 int64_t frame_capacity, char *scratch, int64_t scratch_nbytes,
                                 double max_fraction, int nthreads, int64_t *needed_frame,
                                 int64_t *needed_scratch, int64_t *blocks_decoded)
    int zl_read_files(const char *const *paths, int64_t n, char *arena, size_t capacity,
                      int64_t *offsets, int64_t *sizes, size_t *needed, int64_t *failed_index,
                      int *error_number)
    int zl_write_files(const char *const *tmp_paths, const char *const *paths,
                       const char *const *data, const size_t *nbytes, int64_t n,
                       int64_t *failed_index, int *error_number)


cdef extern from "blosc2.h" nogil:
    void blosc2_init()
