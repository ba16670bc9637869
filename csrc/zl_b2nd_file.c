/*
 * zl_b2nd_file.c - a region of a two-level chunk read from its file in one call: the
 * frame's header and block table, then only the blocks the region touches, then the
 * decode into the output (zl_b2nd_decode_region). One open file serves every read, so
 * all bytes come from one version of the chunk (stores replace chunk files by renaming).
 * Anything not laid out as zarrlite and python-blosc2 write one-chunk frames is left to
 * the general byte-range reader (ZL_ERR_UNSUPPORTED).
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

/* The offsets index and trailer C-Blosc2 writes after the chunk of a one-chunk frame
 * (see zarrlite.chunkio.byteranges, which lays in the same bytes). */
static const uint8_t OFFSETS_INDEX[40] = {
    0x05, 0x01, 0x07, 0x08, 0x08, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x28, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t TRAILER[35] = {0x94, 0x01, 0x93, 0xcd, 0x00, 0x06, 0xde, 0x00, 0x00,
                                    0xdc, 0x00, 0x00, 0xce, 0x00, 0x00, 0x00, 0x23, 0xd8,
                                    0x00};
#define FRAME_HEADER_MINLEN 87
#define MAX_TRAILER_NBYTES (1 << 20)
#define MAX_TABLE_NBYTES (1 << 20)
#define MAX_SPLITS 16

static int64_t be(const uint8_t *p, int n) {
  int64_t v = 0;
  for (int i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}


/* Read the header, table and wanted blocks of the frame in `fd` (size `size`) into frame,
 * laying in the trailer; *frame_len is its length. */
static int read_frame(int fd, int64_t size, int64_t first_nbytes, int64_t max_nbytes,
                      const int64_t *start, const int64_t *step, const int64_t *count,
                      int ndim, size_t itemsize, double max_fraction, uint8_t *frame,
                      int64_t capacity, int64_t *needed, int64_t *touched_out) {
  int64_t got = first_nbytes < size ? first_nbytes : size;
  if (got < 24 || size > capacity) {
    if (size > capacity)
      *needed = size;
    return size > capacity ? ZL_ERR_BUFFER : ZL_ERR_UNSUPPORTED;
  }
  int status = zl_read_exact(fd, (char *)frame, got, 0);
  if (status != ZL_OK)
    return status;
  if (frame[0] != 0x9E || memcmp(frame + 1, "\xa8" "b2frame\0", 9) != 0 || frame[10] != 0xD2 ||
      frame[15] != 0xCF)
    return ZL_ERR_UNSUPPORTED;
  int64_t header_len = be(frame + 11, 4), frame_len = be(frame + 16, 8);
  if (frame_len != size || header_len < FRAME_HEADER_MINLEN || header_len > got - 32)
    return ZL_ERR_UNSUPPORTED;
  const uint8_t *ch = frame + header_len;
  if (zl_blosc_block_kind(ch, 32) != ZL_BLOCKS_RANGED)
    return ZL_ERR_UNSUPPORTED;
  int64_t nbytes = zl_le32(ch + 4), blocksize = zl_le32(ch + 8);
  int64_t cbytes = zl_le32(ch + 12);
  if (nbytes <= 0 || nbytes > max_nbytes || blocksize <= 0)
    return ZL_ERR_UNSUPPORTED;
  int64_t nblocks = (nbytes + blocksize - 1) / blocksize;
  int64_t table_end = 32 + 4 * nblocks, trailer_len = frame_len - header_len - cbytes;
  if (cbytes > 32 + nbytes + nblocks * 4 * (1 + MAX_SPLITS) || cbytes < table_end ||
      trailer_len <= 0 || trailer_len > MAX_TRAILER_NBYTES ||
      header_len + table_end > MAX_TABLE_NBYTES)
    return ZL_ERR_UNSUPPORTED;
  /* the trailer C-Blosc2 writes for a frame of exactly this one chunk, laid in place */
  int64_t room = trailer_len - (int64_t)sizeof(OFFSETS_INDEX) - (int64_t)sizeof(TRAILER);
  if (room < 0 || (frame[25] & 0xCF) != 2 || frame[26] != 0 || frame[29] != 0xD3 ||
      frame[38] != 0xD3 || frame[57] != 0xD2 || be(frame + 30, 8) != nbytes ||
      be(frame + 58, 4) != nbytes || be(frame + 39, 8) != cbytes)
    return ZL_ERR_UNSUPPORTED;
  if (header_len + table_end > got) {
    status = zl_read_exact(fd, (char *)frame + got, header_len + table_end - got, got);
    if (status != ZL_OK)
      return status;
    got = header_len + table_end;
  }
  if (got >= frame_len)
    return ZL_OK; /* the whole frame came with the first read */
  uint8_t *tail = frame + header_len + cbytes;
  memcpy(tail, OFFSETS_INDEX, sizeof(OFFSETS_INDEX));
  memset(tail + sizeof(OFFSETS_INDEX), 0, (size_t)room);
  memcpy(frame + frame_len - sizeof(TRAILER), TRAILER, sizeof(TRAILER));
  /* the blocks the region touches, and where their bytes are */
  uint8_t *wanted = (uint8_t *)malloc((size_t)nblocks);
  int64_t *sorted = (int64_t *)malloc((size_t)nblocks * sizeof(int64_t));
  int64_t frame_nblocks = 0;
  if (wanted == NULL || sorted == NULL) {
    status = ZL_ERR_NOMEM;
    goto done;
  }
  if (zl_b2nd_region_blocks(frame, frame_len, start, step, count, ndim, itemsize, wanted,
                            nblocks, &frame_nblocks) != ZL_OK ||
      frame_nblocks != nblocks) {
    status = ZL_ERR_UNSUPPORTED;
    goto done;
  }
  int64_t touched = 0;
  for (int64_t b = 0; b < nblocks; b++) {
    touched += wanted[b] != 0;
    sorted[b] = zl_le32(ch + 32 + 4 * b);
  }
  *touched_out = touched;
  if (touched > max_fraction * (double)nblocks) {
    status = ZL_ERR_UNSUPPORTED; /* most of the chunk: better read whole */
    goto done;
  }
  qsort(sorted, (size_t)nblocks, sizeof(int64_t), zl_compare_int64);
  for (int64_t b = 0; b < nblocks && status == ZL_OK; b++) {
    if (!wanted[b])
      continue;
    int64_t s = zl_le32(ch + 32 + 4 * b);
    int64_t e = zl_next_block_start(sorted, nblocks, s, cbytes);
    if (s < table_end || !(s < e && e <= cbytes)) {
      status = ZL_ERR_UNSUPPORTED;
      break;
    }
    int64_t from = header_len + s, to = header_len + e;
    if (from < got)
      from = got;
    if (from < to)
      status = zl_read_exact(fd, (char *)frame + from, to - from, from);
  }
done:
  free(wanted);
  free(sorted);
  return status;
}

/* See zl.h. */
int zl_b2nd_read_region_file(const char *path, int64_t first_nbytes, int64_t max_nbytes,
                             const int64_t *start, const int64_t *step, const int64_t *count,
                             int ndim, char *dst, const int64_t *dst_strides, size_t itemsize,
                             char *frame, int64_t frame_capacity, char *scratch,
                             int64_t scratch_nbytes, double max_fraction, int nthreads,
                             int64_t *needed_frame, int64_t *needed_scratch,
                             int64_t *blocks_decoded) {
  *needed_frame = *needed_scratch = *blocks_decoded = 0;
  if (path == NULL || frame == NULL || ndim < 1 || ndim > ZL_MAX_DIM)
    return ZL_ERR_ARG;
  int fd;
  do {
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return errno == ENOENT ? ZL_FILE_MISSING : ZL_ERR_UNSUPPORTED;
  struct stat st;
  int status = ZL_ERR_UNSUPPORTED;
  int64_t touched = -1;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    status = read_frame(fd, (int64_t)st.st_size, first_nbytes, max_nbytes, start, step, count,
                        ndim, itemsize, max_fraction, (uint8_t *)frame, frame_capacity,
                        needed_frame, &touched);
  close(fd);
  if (status == ZL_ERR_IO)
    status = ZL_ERR_UNSUPPORTED; /* the general reader reports it */
  if (status != ZL_OK)
    return status;
  int64_t frame_len = (int64_t)st.st_size;
  int64_t padded = zl_b2nd_scratch_nbytes(frame, frame_len);
  if (padded < 0)
    return ZL_ERR_UNSUPPORTED;
  if (scratch == NULL || scratch_nbytes < padded) {
    *needed_scratch = padded;
    return ZL_ERR_BUFFER;
  }
  /* waking C-Blosc2's threads costs more than it saves unless each gets a few blocks */
  if (touched >= 0 && touched <= 4 * (int64_t)nthreads)
    nthreads = 1;
  return zl_b2nd_decode_region(frame, frame_len, start, step, count, ndim, dst, dst_strides,
                               itemsize, scratch, scratch_nbytes, nthreads, blocks_decoded);
}
