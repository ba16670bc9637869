/*
 * zl_files.c - reading many whole files into one caller-owned buffer, without the GIL.
 *
 * Directory stores keep one file per chunk; reading a batch of them here, into memory the
 * caller reuses from call to call, avoids both the interpreter lock and touching fresh
 * memory for every chunk.
 */
#define _GNU_SOURCE /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zl.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* Read file i of `paths` into scratch. sizes[i] = its length and offsets[i] = where it starts
 * in scratch, or sizes[i] = -1 when it does not exist (or is a directory). Returns:
 * ZL_OK; ZL_ERR_BUFFER when scratch is too small, with *needed = bytes needed so far plus the
 * file that did not fit (the caller grows the scratch and calls again); ZL_ERR_IO on any other
 * failure, with *failed_index and *error_number set. */
int zl_read_files(const char *const *paths, int64_t n, char *scratch, size_t capacity,
                  int64_t *offsets, int64_t *sizes, size_t *needed, int64_t *failed_index,
                  int *error_number) {
  size_t used = 0;
  if (n == 0 && needed != NULL) {
    *needed = 0;
    return ZL_OK;
  }
  if (paths == NULL || offsets == NULL || sizes == NULL || needed == NULL ||
      failed_index == NULL || error_number == NULL || (scratch == NULL && capacity > 0))
    return ZL_ERR_ARG;
  *failed_index = -1;
  *error_number = 0;
  *needed = 0;
  for (int64_t i = 0; i < n; i++) {
    int fd;
    do { /* non-blocking: a FIFO named like a chunk must not hang the read; never through
          * a symbolic link (the store checks the directories) */
      fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    } while (fd < 0 && errno == EINTR);
    offsets[i] = (int64_t)used;
    sizes[i] = -1;
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
        continue;
      *failed_index = i;
      *error_number = errno;
      return ZL_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
      *failed_index = i;
      *error_number = errno;
      close(fd);
      return ZL_ERR_IO;
    }
    if (S_ISDIR(st.st_mode)) {
      close(fd);
      continue;
    }
    if (!S_ISREG(st.st_mode)) { /* FIFO, socket, device: not a stored value */
      close(fd);
      *failed_index = i;
      *error_number = EINVAL;
      return ZL_ERR_IO;
    }
    size_t size = (size_t)st.st_size;
    if (used + size > capacity) {
      close(fd);
      *needed = used + size;
      return ZL_ERR_BUFFER;
    }
    size_t got = 0;
    while (got < size) {
      ssize_t r = read(fd, scratch + used + got, size - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0) {
        *failed_index = i;
        *error_number = errno;
        close(fd);
        return ZL_ERR_IO;
      }
      if (r == 0)
        break; /* the file shrank since fstat: keep what is there */
      got += (size_t)r;
    }
    close(fd);
    sizes[i] = (int64_t)got;
    used += got;
  }
  *needed = used;
  return ZL_OK;
}

/* Create the missing parent directories of `path` (like mkdir -p of its dirname). */
static int make_parents(const char *path) {
  char buf[4096];
  size_t len = strlen(path);
  if (len >= sizeof(buf))
    return ENAMETOOLONG;
  memcpy(buf, path, len + 1);
  for (size_t i = 1; i < len; i++) {
    if (buf[i] != '/')
      continue;
    buf[i] = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
      int err = errno;
      buf[i] = '/';
      return err;
    }
    buf[i] = '/';
  }
  return 0;
}

static int write_all(int fd, const char *data, size_t nbytes) {
  while (nbytes > 0) {
    ssize_t w = write(fd, data, nbytes);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return errno;
    data += w;
    nbytes -= (size_t)w;
  }
  return 0;
}

/* Put `tmp` in place of `path` (both names in directory `dfd`) atomically. A new file is
 * renamed into place refusing to replace anything (one call; no lookup first). Over an
 * existing regular file, where the kernel can, the two names are exchanged and the old file
 * removed afterwards: a reader of `path` sees the old bytes or the new ones at every moment,
 * and ext4 does not flush the new file's data on the spot as it does when a rename replaces
 * an existing file. Otherwise a plain rename. */
static int replace_file(int dfd, const char *tmp, const char *path) {
#if defined(__linux__) && defined(RENAME_NOREPLACE)
  if (renameat2(dfd, tmp, dfd, path, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EEXIST && errno != EINVAL && errno != ENOSYS)
    return errno;
#endif
  struct stat st;
  int regular = 0;
  if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(st.st_mode))
      return EISDIR; /* never swap a directory out of its place */
    regular = S_ISREG(st.st_mode);
  }
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  if (regular && renameat2(dfd, tmp, dfd, path, RENAME_EXCHANGE) == 0) {
    unlinkat(dfd, tmp, 0); /* now holds the old bytes; a failure only leaves a hidden temp file */
    return 0;
  }
  if (regular && errno != ENOENT && errno != EINVAL && errno != ENOSYS)
    return errno;
#else
  (void)regular;
#endif
  return renameat(dfd, tmp, dfd, path) == 0 ? 0 : errno;
}

/* The directory part of `path` (up to its last '/'; "." when none) opened as *dfd, reusing
 * the one open for the previous path when it is the same directory (`dir`, `dir_len` keep
 * its name); *base is the rest of `path`. Returns 0 or an errno (ENOENT: the directory does
 * not exist yet). */
static int open_parent(const char *path, int *dfd, const char **dir, size_t *dir_len,
                       const char **base) {
  const char *slash = strrchr(path, '/');
  size_t len = slash == NULL ? 0 : (size_t)(slash - path) + 1;
  *base = path + len;
  if (*dir != NULL && *dir_len == len && strncmp(*dir, path, len) == 0)
    return 0;
  if (*dfd >= 0)
    close(*dfd);
  *dfd = -1;
  *dir = NULL;
  if (len == 0) {
    *dfd = AT_FDCWD;
  } else {
    char buf[4096];
    if (len >= sizeof(buf))
      return ENAMETOOLONG;
    memcpy(buf, path, len);
    buf[len] = '\0';
    /* O_PATH: the directory is only named relative to, so writing into a directory
     * without read permission works as a plain create + rename does */
    int fd = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return errno;
    *dfd = fd;
  }
  *dir = path;
  *dir_len = len;
  return 0;
}

/* Write file i atomically: its bytes go to tmp_paths[i] (created exclusively, parent
 * directories made on demand; the same directory as paths[i]), which is then renamed over
 * paths[i]; a reader sees the old file or the new one, never a part. Names are resolved
 * from their directory, opened once for a run of files in the same one. Stops at the first
 * failure, removing that temporary file, with *failed_index and *error_number set
 * (ZL_ERR_IO). */
int zl_write_files(const char *const *tmp_paths, const char *const *paths,
                   const char *const *data, const size_t *nbytes, int64_t n,
                   int64_t *failed_index, int *error_number) {
  if (failed_index == NULL || error_number == NULL)
    return ZL_ERR_ARG;
  *failed_index = -1;
  *error_number = 0;
  int dfd = -1;
  const char *dir = NULL;
  size_t dir_len = 0;
  int status = ZL_OK;
  for (int64_t i = 0; i < n; i++) {
    const char *tmp_base, *base;
    int err = open_parent(tmp_paths[i], &dfd, &dir, &dir_len, &tmp_base);
    if (err == ENOENT) {
      err = make_parents(tmp_paths[i]);
      if (err == 0)
        err = open_parent(tmp_paths[i], &dfd, &dir, &dir_len, &tmp_base);
    }
    const char *slash = strrchr(paths[i], '/');
    size_t len = slash == NULL ? 0 : (size_t)(slash - paths[i]) + 1;
    base = paths[i] + len;
    if (err == 0 && (len != dir_len || strncmp(paths[i], dir, len) != 0))
      err = EINVAL; /* a temporary file must sit beside its final name */
    int fd = -1;
    if (err == 0) {
      fd = openat(dfd, tmp_base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd < 0)
        err = errno;
    }
    if (err != 0) {
      *failed_index = i;
      *error_number = err;
      status = ZL_ERR_IO;
      break;
    }
    err = write_all(fd, data[i], nbytes[i]);
    if (close(fd) != 0 && err == 0)
      err = errno;
    if (err == 0)
      err = replace_file(dfd, tmp_base, base);
    if (err != 0) {
      unlinkat(dfd, tmp_base, 0);
      *failed_index = i;
      *error_number = err;
      status = ZL_ERR_IO;
      break;
    }
  }
  if (dfd >= 0)
    close(dfd);
  return status;
}
