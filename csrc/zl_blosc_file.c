/*
 * zl_blosc_file.c - a region of a plain Blosc (C-Blosc 1.x format) chunk read from its
 * file in one call: the header and block table, then only the blocks the region touches
 * (from the same open file), decoded (zl_blosc_decode_blocks) and the region copied into
 * the output. Chunks this reader does not handle (other formats, most blocks touched, a
 * short file) are left to the general byte-range reader (ZL_ERR_UNSUPPORTED).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zl.h"
#include "zl_blosc_format.h"
#include "zl_fileio.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define MAX_TABLE_NBYTES (1 << 20)
#define MAX_RUNS (1 << 16) /* as zarrlite.chunkio.plan */



/* Flag the blocks holding the region's bytes: each run of the innermost dimension (every
 * item when it is strided) marks the blocks from its first to its last byte. */
static int flag_blocks(const int64_t *start, const int64_t *step, const int64_t *count,
                       const int64_t *strides, int ndim, size_t itemsize, int64_t nbytes,
                       int64_t blocksize, uint8_t *wanted) {
  int64_t inner = ndim - 1, lo, hi, runs = 1;
  int outer = ndim - 1;
  if ((step[inner] != 1 && step[inner] != -1) && count[inner] > 1) {
    outer = ndim; /* strided innermost dimension: each item a run */
    lo = 0;
    hi = (int64_t)itemsize - 1;
  } else {
    int64_t a = start[inner], b = start[inner] + step[inner] * (count[inner] - 1);
    lo = (a < b ? a : b) * strides[inner];
    hi = (a < b ? b : a) * strides[inner] + (int64_t)itemsize - 1;
  }
  for (int d = 0; d < outer; d++) {
    if (count[d] < 1)
      return ZL_ERR_ARG;
    runs *= count[d];
    if (runs > MAX_RUNS)
      return ZL_ERR_UNSUPPORTED;
  }
  int64_t idx[ZL_MAX_DIM] = {0};
  for (int64_t r = 0; r < runs; r++) {
    int64_t base = 0;
    for (int d = 0; d < outer; d++)
      base += (start[d] + step[d] * idx[d]) * strides[d];
    int64_t first = base + lo, last = base + hi;
    if (first < 0 || last >= nbytes)
      return ZL_ERR_ARG;
    for (int64_t b = first / blocksize; b <= last / blocksize; b++)
      wanted[b] = 1;
    for (int d = outer - 1; d >= 0; d--) { /* next index, last dimension fastest */
      if (++idx[d] < count[d])
        break;
      idx[d] = 0;
    }
  }
  return ZL_OK;
}

/* See zl.h. */
int zl_blosc_read_region_file(const char *path, int64_t first_nbytes, int64_t chunk_nbytes,
                              const int64_t *start, const int64_t *step, const int64_t *count,
                              const int64_t *chunk_strides, int ndim, char *dst,
                              const int64_t *dst_strides, size_t itemsize, char *frame,
                              int64_t frame_capacity, char *scratch, int64_t scratch_nbytes,
                              double max_fraction, int nthreads, int64_t *needed_frame) {
  *needed_frame = 0;
  if (path == NULL || ndim < 1 || ndim > ZL_MAX_DIM || itemsize < 1)
    return ZL_ERR_ARG;
  if (scratch == NULL || scratch_nbytes != chunk_nbytes)
    return ZL_ERR_BUFFER;
  int fd;
  do {
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return errno == ENOENT ? ZL_FILE_MISSING : ZL_ERR_UNSUPPORTED;
  struct stat st;
  int status = ZL_ERR_UNSUPPORTED;
  uint8_t *wanted = NULL;
  int64_t *sorted = NULL;
  const uint8_t *p = (const uint8_t *)frame;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    goto done;
  int64_t size = (int64_t)st.st_size;
  if (size > frame_capacity) {
    *needed_frame = size;
    status = ZL_ERR_BUFFER;
    goto done;
  }
  int64_t got = first_nbytes < size ? first_nbytes : size;
  if (got < ZL_BLOSC1_HEADER || (status = zl_read_exact(fd, frame, got, 0)) != ZL_OK) {
    status = ZL_ERR_UNSUPPORTED;
    goto done;
  }
  status = ZL_ERR_UNSUPPORTED;
  if ((p[0] != 1 && p[0] != 2) || zl_blosc_block_kind(p, (size_t)got) != ZL_BLOCKS_RANGED)
    goto done;
  int64_t nbytes = zl_le32(p + 4), blocksize = zl_le32(p + 8);
  int64_t cbytes = zl_le32(p + 12);
  if (nbytes != chunk_nbytes || blocksize <= 0 || blocksize >= nbytes || cbytes != size)
    goto done;
  int64_t nblocks = (nbytes + blocksize - 1) / blocksize;
  int64_t table_end = ZL_BLOSC1_HEADER + 4 * nblocks;
  if (cbytes < table_end || table_end > MAX_TABLE_NBYTES)
    goto done;
  if (table_end > got) {
    if (zl_read_exact(fd, frame + got, table_end - got, got) != ZL_OK)
      goto done;
    got = table_end;
  }
  wanted = (uint8_t *)calloc((size_t)nblocks, 1);
  sorted = (int64_t *)malloc((size_t)nblocks * sizeof(int64_t));
  if (wanted == NULL || sorted == NULL) {
    status = ZL_ERR_NOMEM;
    goto done;
  }
  int rc = flag_blocks(start, step, count, chunk_strides, ndim, itemsize, nbytes, blocksize,
                       wanted);
  if (rc != ZL_OK) {
    status = rc == ZL_ERR_ARG ? ZL_ERR_ARG : ZL_ERR_UNSUPPORTED;
    goto done;
  }
  int64_t touched = 0;
  for (int64_t b = 0; b < nblocks; b++) {
    touched += wanted[b];
    sorted[b] = zl_le32(p + ZL_BLOSC1_HEADER + 4 * b);
  }
  if (touched > max_fraction * (double)nblocks)
    goto done; /* most of the chunk: better read whole */
  qsort(sorted, (size_t)nblocks, sizeof(int64_t), zl_compare_int64);
  for (int64_t b = 0; b < nblocks; b++) {
    if (!wanted[b])
      continue;
    int64_t s = zl_le32(p + ZL_BLOSC1_HEADER + 4 * b);
    int64_t e = zl_next_block_start(sorted, nblocks, s, cbytes);
    if (s < table_end || !(s < e && e <= cbytes))
      goto done;
    int64_t from = s < got ? got : s;
    if (from < e && zl_read_exact(fd, frame + from, e - from, from) != ZL_OK)
      goto done;
  }
  close(fd);
  fd = -1;
  /* only the flagged blocks are present: decode those (their streams are checked to end
   * where the next stored block starts), then copy the region */
  status = zl_blosc_decode_blocks(frame, (size_t)cbytes, scratch, (size_t)scratch_nbytes,
                                  wanted, nblocks, nthreads);
  if (status == ZL_OK) {
    int64_t src_off = 0, src_strides[ZL_MAX_DIM];
    for (int d = 0; d < ndim; d++) {
      src_off += start[d] * chunk_strides[d];
      src_strides[d] = step[d] * chunk_strides[d];
    }
    status = zl_copy_strided(scratch + src_off, src_strides, dst, dst_strides, count, ndim,
                             itemsize);
  }
done:
  if (fd >= 0)
    close(fd);
  free(wanted);
  free(sorted);
  return status;
}
