/*
 * zl_gather.c - copies driven by index lists: fancy (orthogonal and point) selections.
 *
 * Offsets are in bytes and were checked against the buffers by the caller.
 */
#include <string.h>

#include "zl.h"

/* Outer-product copy: for every combination (k_0, ..., k_{ndim-1}) with k_d < counts[d],
 * the item at src + sum(src_offsets[d][k_d]) goes to dst + sum(dst_offsets[d][k_d]).
 * Serves orthogonal selections both ways (gather out of a chunk, scatter into one). */
int zl_copy_outer(const char *src, const int64_t *const *src_offsets, char *dst,
                  const int64_t *const *dst_offsets, const int64_t *counts, int ndim,
                  size_t itemsize) {
  int64_t index[ZL_MAX_DIM];
  int64_t src_base[ZL_MAX_DIM + 1], dst_base[ZL_MAX_DIM + 1];
  if (ndim < 1 || ndim > ZL_MAX_DIM || itemsize == 0)
    return ZL_ERR_ARG;
  for (int d = 0; d < ndim; d++) {
    if (counts[d] < 0)
      return ZL_ERR_ARG;
    if (counts[d] == 0)
      return ZL_OK;
    index[d] = 0;
  }
  int inner = ndim - 1;
  src_base[0] = 0;
  dst_base[0] = 0;
  for (int d = 0; d < inner; d++) {
    src_base[d + 1] = src_base[d] + src_offsets[d][0];
    dst_base[d + 1] = dst_base[d] + dst_offsets[d][0];
  }
  const int64_t *so = src_offsets[inner], *dof = dst_offsets[inner];
  int64_t n = counts[inner];
  for (;;) {
    const char *s = src + src_base[inner];
    char *t = dst + dst_base[inner];
    switch (itemsize) {
    case 1:
      for (int64_t k = 0; k < n; k++)
        t[dof[k]] = s[so[k]];
      break;
    case 4:
      for (int64_t k = 0; k < n; k++)
        memcpy(t + dof[k], s + so[k], 4);
      break;
    case 8:
      for (int64_t k = 0; k < n; k++)
        memcpy(t + dof[k], s + so[k], 8);
      break;
    default:
      for (int64_t k = 0; k < n; k++)
        memcpy(t + dof[k], s + so[k], itemsize);
    }
    int d = inner - 1;
    while (d >= 0 && ++index[d] == counts[d]) {
      index[d] = 0;
      d--;
    }
    if (d < 0)
      return ZL_OK;
    for (int e = d; e < inner; e++) {
      src_base[e + 1] = src_base[e] + src_offsets[e][index[e]];
      dst_base[e + 1] = dst_base[e] + dst_offsets[e][index[e]];
    }
  }
}

/* Point copy: item k moves from src + src_offsets[k] to dst + dst_offsets[k], in order
 * (a later point wins where two land on the same place). */
int zl_copy_points(const char *src, const int64_t *src_offsets, char *dst,
                   const int64_t *dst_offsets, int64_t n, size_t itemsize) {
  if (itemsize == 0 || n < 0)
    return ZL_ERR_ARG;
  switch (itemsize) {
  case 4:
    for (int64_t k = 0; k < n; k++)
      memcpy(dst + dst_offsets[k], src + src_offsets[k], 4);
    break;
  case 8:
    for (int64_t k = 0; k < n; k++)
      memcpy(dst + dst_offsets[k], src + src_offsets[k], 8);
    break;
  default:
    for (int64_t k = 0; k < n; k++)
      memcpy(dst + dst_offsets[k], src + src_offsets[k], itemsize);
  }
  return ZL_OK;
}
