/* Small helpers of the one-call chunk file readers (zl_b2nd_file.c, zl_blosc_file.c). */
#ifndef ZL_FILEIO_H
#define ZL_FILEIO_H

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "zl.h"

/* Read exactly n bytes at offset: ZL_OK, ZL_ERR_UNSUPPORTED when the file is shorter (the
 * general reader then decides), ZL_ERR_IO when a call fails. */
static inline int zl_read_exact(int fd, char *dst, int64_t n, int64_t offset) {
  while (n > 0) {
    ssize_t r = pread(fd, dst, (size_t)n, (off_t)offset);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return ZL_ERR_IO;
    if (r == 0)
      return ZL_ERR_UNSUPPORTED;
    dst += r;
    n -= r;
    offset += r;
  }
  return ZL_OK;
}

#endif
