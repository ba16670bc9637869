/* zl_copy.c - strided N-d copy and fill between chunk buffers and output arrays. */
#include <stdint.h>
#include <string.h>

#include "zl.h"

/* Merge adjacent dims that are contiguous on both sides and drop length-1 dims, so that
 * the inner loop copies as many bytes at once as possible. Returns the new ndim. */
static int simplify(int64_t *src_strides, int64_t *dst_strides, int64_t *shape, int ndim) {
  int out = 0;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] == 1)
      continue;
    if (out > 0 && src_strides[out - 1] == src_strides[d] * shape[d] &&
        dst_strides[out - 1] == dst_strides[d] * shape[d]) {
      shape[out - 1] *= shape[d];
      src_strides[out - 1] = src_strides[d];
      dst_strides[out - 1] = dst_strides[d];
      continue;
    }
    src_strides[out] = src_strides[d];
    dst_strides[out] = dst_strides[d];
    shape[out] = shape[d];
    out++;
  }
  return out;
}

static void copy_items(const char *src, int64_t src_stride, char *dst, int64_t dst_stride,
                       int64_t n, size_t itemsize) {
  if (src_stride == (int64_t)itemsize && dst_stride == (int64_t)itemsize) {
    memcpy(dst, src, (size_t)n * itemsize);
    return;
  }
  switch (itemsize) {
  case 1:
    for (int64_t i = 0; i < n; i++)
      dst[i * dst_stride] = src[i * src_stride];
    return;
  case 2:
    for (int64_t i = 0; i < n; i++)
      memcpy(dst + i * dst_stride, src + i * src_stride, 2);
    return;
  case 4:
    for (int64_t i = 0; i < n; i++)
      memcpy(dst + i * dst_stride, src + i * src_stride, 4);
    return;
  case 8:
    for (int64_t i = 0; i < n; i++)
      memcpy(dst + i * dst_stride, src + i * src_stride, 8);
    return;
  default:
    for (int64_t i = 0; i < n; i++)
      memcpy(dst + i * dst_stride, src + i * src_stride, itemsize);
  }
}

int zl_copy_strided(const char *src, const int64_t *src_strides_in, char *dst,
                    const int64_t *dst_strides_in, const int64_t *shape_in, int ndim,
                    size_t itemsize) {
  int64_t src_strides[ZL_MAX_DIM], dst_strides[ZL_MAX_DIM], shape[ZL_MAX_DIM];
  int64_t index[ZL_MAX_DIM];
  if (ndim < 0 || ndim > ZL_MAX_DIM || itemsize == 0)
    return ZL_ERR_ARG;
  for (int d = 0; d < ndim; d++) {
    if (shape_in[d] < 0)
      return ZL_ERR_ARG;
    if (shape_in[d] == 0)
      return ZL_OK;
    src_strides[d] = src_strides_in[d];
    dst_strides[d] = dst_strides_in[d];
    shape[d] = shape_in[d];
  }
  ndim = simplify(src_strides, dst_strides, shape, ndim);
  if (ndim == 0) {
    memcpy(dst, src, itemsize);
    return ZL_OK;
  }
  int inner = ndim - 1;
  for (int d = 0; d < inner; d++)
    index[d] = 0;
  for (;;) {
    copy_items(src, src_strides[inner], dst, dst_strides[inner], shape[inner], itemsize);
    int d = inner - 1;
    while (d >= 0) {
      index[d]++;
      src += src_strides[d];
      dst += dst_strides[d];
      if (index[d] < shape[d])
        break;
      src -= src_strides[d] * shape[d];
      dst -= dst_strides[d] * shape[d];
      index[d] = 0;
      d--;
    }
    if (d < 0)
      break;
  }
  return ZL_OK;
}

/* Fill a strided region with copies of one item: the first row is written item by item
 * (or zeroed), every other row is copied from it. */
int zl_fill_strided(char *dst, const int64_t *dst_strides_in, const int64_t *shape_in, int ndim,
                    const char *value, size_t itemsize) {
  int64_t dst_strides[ZL_MAX_DIM], zero_strides[ZL_MAX_DIM], shape[ZL_MAX_DIM];
  int64_t index[ZL_MAX_DIM];
  if (ndim < 0 || ndim > ZL_MAX_DIM || itemsize == 0)
    return ZL_ERR_ARG;
  for (int d = 0; d < ndim; d++) {
    if (shape_in[d] < 0)
      return ZL_ERR_ARG;
    if (shape_in[d] == 0)
      return ZL_OK;
    dst_strides[d] = dst_strides_in[d];
    zero_strides[d] = 0;
    shape[d] = shape_in[d];
  }
  ndim = simplify(zero_strides, dst_strides, shape, ndim);
  if (ndim == 0) {
    memcpy(dst, value, itemsize);
    return ZL_OK;
  }
  int all_zero = 1;
  for (size_t i = 0; i < itemsize; i++)
    all_zero &= (value[i] == 0);
  int inner = ndim - 1;
  int64_t n = shape[inner], stride = dst_strides[inner];
  int contiguous = (stride == (int64_t)itemsize);
  const char *first = dst;
  for (int d = 0; d < inner; d++)
    index[d] = 0;
  for (int row = 0;; row++) {
    if (contiguous && all_zero)
      memset(dst, 0, (size_t)n * itemsize);
    else if (row == 0)
      for (int64_t i = 0; i < n; i++)
        memcpy(dst + i * stride, value, itemsize);
    else
      copy_items(first, stride, dst, stride, n, itemsize);
    int d = inner - 1;
    while (d >= 0) {
      index[d]++;
      dst += dst_strides[d];
      if (index[d] < shape[d])
        break;
      dst -= dst_strides[d] * shape[d];
      index[d] = 0;
      d--;
    }
    if (d < 0)
      return ZL_OK;
  }
}

/* 1 if every item of the contiguous buffer equals `value` byte for byte, else 0. */
int zl_is_uniform(const char *buf, size_t nbytes, const char *value, size_t itemsize) {
  if (itemsize == 0 || nbytes % itemsize != 0)
    return ZL_ERR_ARG;
  if (nbytes == 0)
    return 1;
  if (memcmp(buf, value, itemsize) != 0)
    return 0;
  /* buf[0:itemsize] matches; each later item must equal the one before it */
  return memcmp(buf, buf + itemsize, nbytes - itemsize) == 0;
}

/* 1 if every float of the contiguous buffer is a NaN (any sign or payload), else 0.
 * float_size is 2, 4 or 8; big_endian says how the floats are stored. */
int zl_is_all_nan(const char *buf, size_t nbytes, size_t float_size, int big_endian) {
  if ((float_size != 2 && float_size != 4 && float_size != 8) || nbytes % float_size != 0)
    return ZL_ERR_ARG;
  const unsigned char *p = (const unsigned char *)buf;
  for (size_t i = 0; i < nbytes; i += float_size) {
    uint64_t bits = 0;
    for (size_t k = 0; k < float_size; k++) {
      size_t byte = big_endian ? k : float_size - 1 - k; /* most significant first */
      bits = (bits << 8) | p[i + byte];
    }
    int nan;
    if (float_size == 2)
      nan = (bits & 0x7c00u) == 0x7c00u && (bits & 0x03ffu) != 0;
    else if (float_size == 4)
      nan = (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0;
    else
      nan = (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
            (bits & 0x000fffffffffffffull) != 0;
    if (!nan)
      return 0;
  }
  return 1;
}

/* The run [k0, k1) of k in [0, count) for which start + k*step lies in [lo, hi): the part
 * of a strided index sequence (any step: 0 repeats one index) that falls in one block of
 * rows. */
void zl_index_run(int64_t start, int64_t step, int64_t count, int64_t lo, int64_t hi,
                  int64_t *k0, int64_t *k1) {
  int64_t a, b;
  if (step == 0) { /* one index, repeated: all of the run or none of it */
    *k0 = 0;
    *k1 = start >= lo && start < hi ? count : 0;
    return;
  }
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
