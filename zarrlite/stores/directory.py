"""DirectoryStore: one file per key in a directory tree.

Key ``"a/b/0.0"`` is the file ``<path>/a/b/0.0``; every ``"/"`` in a key is a
subdirectory, which is how the ``"/"`` dimension separator nests chunk files.

Writes are atomic for readers: a value is written to a temporary file in the
destination directory and moved into place with ``os.replace``, so a reader sees
the old value or the new one, never a part. Readers open the file once and read
the inode they opened, which a writer never modifies. Nothing is fsynced: a
crash can lose recent writes but never leaves a truncated value under its key.
Temporary files (``.zl-*.partial``) left by a crashed process are invisible to
iteration, :meth:`~DirectoryStore.listdir` and :meth:`~DirectoryStore.getsize`.

The per-key paths use plain ``os`` calls and no ``pathlib``: reading a key costs
four system calls (open, fstat, read, close) and writing one four (open, write,
close, rename); parent directories are only created when the first open fails.
"""

from __future__ import annotations

import errno
import itertools
import os
import shutil
import stat
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from zarrlite.errors import FSPathExistNotDir, PathNotFoundError
from zarrlite.metadata.keys import normalize_path, validate_key
from zarrlite.stores._util import (
    ByteRange,
    as_byte_view,
    check_rename,
    checked_ranges_into,
    readonly_from_mode,
)
from zarrlite.stores.abc import BaseStore

__all__ = ["DirectoryStore"]

_SEP = os.sep
#: Reads open non-blocking (a FIFO must not hang them) and never through a symbolic link
#: in the last component (directories are checked separately: see DirectoryStore).
_O_READ = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
           | getattr(os, "O_NOFOLLOW", 0))
_O_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_TMP_PREFIX = ".zl-"
_TMP_SUFFIX = ".partial"
_tmp_counter = itertools.count()  # next() is atomic under the GIL
_tmp_tag = ""  # "<sep>.zl-<pid>-": os.getpid() is a system call, so it is cached per process


def _reset_tmp_tag() -> None:
    global _tmp_tag
    _tmp_tag = f"{_SEP}{_TMP_PREFIX}{os.getpid()}-"


_reset_tmp_tag()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_tmp_tag)
_MAX_IO = 1 << 30  # largest single read/write; Linux caps one call just under 2 GiB
#: Directories whose stale temporary files this process has removed: a writer sweeps a
#: directory the first time the process writes there (up to _MAX_SWEPT_DIRS directories).
_swept: set[str] = set()
_MAX_SWEPT_DIRS = 1 << 16
#: Seconds a dead writer's temporary file must have been left alone before a writer removes
#: it (``repair`` takes its own `min_age`).
WRITER_SWEEP_MIN_AGE = 600.0


def _is_tmp(name: str) -> bool:
    return name.startswith(_TMP_PREFIX) and name.endswith(_TMP_SUFFIX)


def _pread_into(fd: int, dest: memoryview, offset: int) -> int:
    """One positioned read into `dest`; the byte count (0 at the end of the file)."""
    if hasattr(os, "preadv"):
        return os.preadv(fd, [dest[:_MAX_IO]], offset)
    part = _read_fd(fd, min(len(dest), _MAX_IO), offset)  # pragma: no cover - no preadv
    dest[: len(part)] = part  # pragma: no cover
    return len(part)  # pragma: no cover


def _read_fd(fd: int, size: int, offset: int | None = None) -> bytes:
    """Read up to `size` bytes from `fd` (at `offset` with pread), stopping early at EOF."""
    parts = []
    while size > 0:
        n = min(size, _MAX_IO)
        if offset is None:
            part = os.read(fd, n)
        elif hasattr(os, "pread"):
            part = os.pread(fd, n, offset)
            offset += len(part)
        else:  # pragma: no cover - Windows
            os.lseek(fd, offset, os.SEEK_SET)
            part = os.read(fd, n)
            offset += len(part)
        if not part:
            break
        parts.append(part)
        size -= len(part)
        if len(parts) == 1 and size == 0:
            return part
    return b"".join(parts)


def _read_file(path: str) -> bytes | None:
    """Return the contents of file `path`, or None if it is missing or a directory.

    Never blocks: the file is opened non-blocking, and anything but a regular file (a FIFO,
    a device, a socket) raises OSError instead of being read."""
    try:
        fd = os.open(path, _O_READ)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except PermissionError:  # Windows refuses to open directories
        if os.path.isdir(path):
            return None
        raise
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return None
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        return _read_fd(fd, st.st_size)
    finally:
        os.close(fd)


def _write_all(fd: int, view: bytes | memoryview) -> None:
    total = len(view)
    done = os.write(fd, view)
    if done < total:
        view = memoryview(view)
        while done < total:
            done += os.write(fd, view[done : done + _MAX_IO])


def _write_file(path: str, value: Any) -> None:
    """Write `value` to file `path` atomically, creating parent directories if needed."""
    view = as_byte_view(value)  # fails before any file exists
    dirname = path.rpartition(_SEP)[0]
    tmp = dirname + _tmp_tag + str(next(_tmp_counter)) + _TMP_SUFFIX
    try:
        fd = os.open(tmp, _O_CREATE, 0o666)
    except FileNotFoundError:
        # Directories are created on demand instead of checked on every write.
        os.makedirs(dirname, exist_ok=True)
        fd = os.open(tmp, _O_CREATE, 0o666)
    try:
        try:
            _write_all(fd, view)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _remove_tree_contents(path: str) -> None:
    try:
        entries = list(os.scandir(path))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:
            pass


class DirectoryStore(BaseStore):
    """Store that keeps each value in its own file under a directory.

    Parameters
    ----------
    path : str or os.PathLike
        Root directory. It (and any subdirectory) is created on the first write.
    normalize_keys : bool, optional
        If True, keys are lower-cased before use, for case-insensitive file systems.
    mode : str, optional
        ``"r"`` for a read-only store; any other mode of
        :data:`~zarrlite.stores.MODES` allows writes.

    Raises
    ------
    ValueError
        If `path` exists and is not a directory, or `mode` is invalid.

    Notes
    -----
    Every method may be called from several threads at once. Values written by
    concurrent writers to the same key end up as one of the values written.

    Examples
    --------
    >>> import tempfile
    >>> store = DirectoryStore(tempfile.mkdtemp())
    >>> store["a/0/0"] = b"xy"
    >>> store.listdir("a")
    ['0']
    >>> store["a/0/0"]
    b'xy'
    """

    #: setitems copies each value before returning, so it may be given views of a
    #: buffer the caller reuses.
    copies_values = True

    #: Every method may be called from several threads at once (see Notes).
    threadsafe = True

    #: getitems_into reads chunk files in C into one reusable buffer.
    reads_into_buffer = True

    def __init__(
        self, path: str | os.PathLike[str], normalize_keys: bool = False, *, mode: str = "a"
    ) -> None:
        self._readonly = readonly_from_mode(mode)
        self._given_path = os.fspath(path)  # for messages: the path as the user wrote it
        self.path: str = os.path.abspath(os.fspath(path))
        try:
            is_dir = stat.S_ISDIR(os.stat(self.path).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            is_dir = True  # created on the first write
        if not is_dir:
            raise FSPathExistNotDir(f"expected a directory at {self.path!r}, found a file")
        self.normalize_keys = normalize_keys
        self.mode = mode
        self._root = self.path if self.path.endswith(_SEP) else self.path + _SEP
        self._real_root: str | None = None  # os.path.realpath(self.path), on first use

    def __repr__(self) -> str:
        mode = ", mode='r'" if self._readonly else ""
        return f"DirectoryStore({self.path!r}{mode})"

    def location_of(self, path: str) -> str:
        """The node's directory as the user would name it: ``'climate.zarr/time'``."""
        path = normalize_path(path)
        given = self._given_path.rstrip("/\\") or self._given_path
        return repr(given + "/" + path if path else given)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.path == self.path
            and other.normalize_keys == self.normalize_keys
        )

    def __hash__(self) -> int:
        return hash((type(self), self.path, self.normalize_keys))

    def _keypath(self, key: str) -> str:
        """The file system path of `key` (unchecked: see `_filepath`)."""
        validate_key(key)
        if self.normalize_keys:
            key = key.lower()
        if _SEP != "/":  # pragma: no cover - Windows
            key = key.replace("/", _SEP)
        return self._root + key

    def file_of(self, key: str) -> bytes:
        """The file system path of `key`'s file (checked as for any read), for readers in C
        that open it themselves."""
        return os.fsencode(self._filepath(key))

    def reads_files_directly(self) -> bool:
        """Whether readers in C may open this store's files themselves (`file_of`): not
        when a subclass reads values its own way (counting or caching what it reads)."""
        cls = type(self)
        return all(getattr(cls, name) is getattr(DirectoryStore, name)
                   for name in ("getitems", "getitems_into", "get_partial_values",
                                "read_ranges_into", "__getitem__"))

    def _filepath(self, key: str, checked: set[str] | None = None) -> str:
        """The file of `key`, after checking that its directory is inside the root (no
        symbolic link on the way leads out; `checked` remembers directories already
        checked within one batch call)."""
        path = self._keypath(key)
        parent = path.rpartition(_SEP)[0]
        if parent != self.path and (checked is None or parent not in checked):
            self._check_directory(parent, key)
            if checked is not None:
                checked.add(parent)
        return path

    def _check_directory(self, path: str, key: str) -> None:
        """`_check_beneath` for a key's directory, cheaper in the common case: when no
        component between the root and `path` is a symbolic link (one ``lstat`` each, where
        resolving the path in Python costs several times more), `path` is inside the root;
        only a path through a link is resolved and checked in full."""
        at = self.path
        for part in path[len(self._root):].split(_SEP):
            at = at + _SEP + part
            try:
                mode = os.lstat(at).st_mode
            except FileNotFoundError:  # the rest is not made yet: no link to follow
                return
            except OSError:
                break
            if stat.S_ISLNK(mode):
                break
        else:
            return
        self._check_beneath(path, key)

    def _dirpath(self, prefix: str | None) -> str:
        prefix = normalize_path(prefix)
        if not prefix:
            return self.path
        path = self._keypath(prefix)
        self._check_beneath(path, prefix)  # the whole path resolved: its parents too
        return path

    def _check_beneath(self, path: str, key: str) -> None:
        """PermissionError unless `path`, with every symbolic link resolved, is the root or
        inside it: the store never reads, writes, lists or deletes outside its root."""
        real = os.path.realpath(path)
        root = self._real_root
        if root is None:  # resolved once: the root is the user's choice, links and all
            root = self._real_root = os.path.realpath(self.path)
        if real != root and not real.startswith(root if root.endswith(_SEP) else root + _SEP):
            raise PermissionError(
                errno.EACCES, f"key {key!r} leads outside the store's directory through a "
                "symbolic link; DirectoryStore does not follow links out of its root", path)

    # mapping interface -----------------------------------------------------------

    def __getitem__(self, key: str) -> bytes:
        data = _read_file(self._filepath(key))
        if data is None:
            raise KeyError(key)
        return data

    def __setitem__(self, key: str, value: Any) -> None:
        self._check_writable()
        path = self._filepath(key)
        dirname = path.rpartition(_SEP)[0]
        if dirname not in _swept:
            _sweep(dirname)
        try:
            _write_file(path, value)
        except (NotADirectoryError, IsADirectoryError) as e:
            raise ValueError(
                f"cannot store key {key!r}: a parent of it is a value, or it is a directory"
            ) from e

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        path = self._filepath(key)
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(key) from None
        except (IsADirectoryError, PermissionError):
            if os.path.isdir(path):  # unlink of a directory fails with EISDIR or EPERM
                raise KeyError(key) from None
            raise

    def __contains__(self, key: object) -> bool:
        try:
            return stat.S_ISREG(os.lstat(self._filepath(key)).st_mode)  # type: ignore[arg-type]
        except (TypeError, ValueError, OSError):  # not a valid key, or nothing there
            return False

    def __iter__(self) -> Iterator[str]:
        for name, entry in _walk_files(self.path):
            if not _is_tmp(entry.name):
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    # batches -----------------------------------------------------------------------

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist; missing keys are left out.

        Safe to call from several threads at once.
        """
        checked: set[str] = set()
        out = {}
        for key in keys:
            data = _read_file(self._filepath(key, checked))
            if data is not None:
                out[key] = data
        return out

    def getitems_into(
        self, keys: Sequence[str], scratch: np.ndarray | None = None
    ) -> tuple[dict[str, memoryview], np.ndarray]:
        """Read the values of `keys` into one reusable buffer, without the GIL.

        Parameters
        ----------
        keys : sequence of str
        scratch : numpy.ndarray of uint8, optional
            Buffer to read into; a larger one is allocated when it is too small.

        Returns
        -------
        values : dict
            Read-only memoryviews into the returned scratch for the keys that exist. They
            stay valid until the scratch is passed to another read.
        scratch : numpy.ndarray
            The buffer used: keep it for the next call.
        """
        from zarrlite import _ext

        checked: set[str] = set()
        paths = [os.fsencode(self._filepath(key, checked)) for key in keys]
        n = len(paths)
        offsets = np.empty(n, dtype=np.int64)
        sizes = np.empty(n, dtype=np.int64)
        if scratch is None:
            scratch = np.empty(1 << 20, dtype=np.uint8)
        used = _ext.read_files(paths, scratch, offsets, sizes)
        while used < 0:  # too small: grow with room to spare, and read again
            scratch = np.empty(max(2 * -used, 2 * scratch.nbytes), dtype=np.uint8)
            used = _ext.read_files(paths, scratch, offsets, sizes)
        view = scratch.data.toreadonly()
        values = {}
        for key, start, size in zip(keys, offsets.tolist(), sizes.tolist()):
            if size >= 0:
                values[key] = view[start : start + size]
        return values, scratch

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping`; each file is replaced atomically.

        All keys are validated before anything is written.
        """
        from zarrlite import _ext

        self._check_writable()
        checked: set[str] = set()
        keys = list(mapping)
        paths = [self._filepath(key, checked) for key in keys]
        values = [as_byte_view(mapping[key]) for key in keys]  # checked before any write
        for dirname in {path.rpartition(_SEP)[0] for path in paths} - _swept:
            _sweep(dirname)
        finals = [os.fsencode(path) for path in paths]
        tmps = [
            os.fsencode(path.rpartition(_SEP)[0] + _tmp_tag + str(next(_tmp_counter)) + _TMP_SUFFIX)
            for path in paths
        ]
        try:
            _ext.write_files(tmps, finals, values)  # in C, without the GIL
        except (NotADirectoryError, IsADirectoryError) as e:
            key = keys[finals.index(os.fsencode(e.filename))] if e.filename else "?"
            raise ValueError(
                f"cannot store key {key!r}: a parent of it is a value, or it is a directory"
            ) from e

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete `keys`, ignoring those that do not exist."""
        self._check_writable()
        for key in keys:
            try:
                del self[key]
            except KeyError:
                pass

    def _open_value(self, key: str) -> tuple[int, int] | None:
        """(fd, size) of the file holding a value, or None when there is none. Never blocks
        (a FIFO named like a chunk raises OSError instead of waiting for a writer)."""
        try:
            fd = os.open(self._filepath(key), _O_READ)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            return fd, st.st_size
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            return None
        raise OSError(errno.EINVAL, f"not a regular file: {key!r}")

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        """Read byte ranges of values with ``os.pread``, opening each file once.

        See :func:`~zarrlite.stores.get_partial_values` for the arguments.
        """
        key_ranges = list(key_ranges)
        out: list[bytes | None] = [None] * len(key_ranges)
        by_key: dict[str, list[int]] = {}
        for i, (key, _, length) in enumerate(key_ranges):
            if length is not None and length < 0:
                raise ValueError(f"byte range length must be >= 0 or None, found {length}")
            by_key.setdefault(key, []).append(i)
        for key, indices in by_key.items():
            opened = self._open_value(key)
            if opened is None:
                continue
            fd, size = opened
            try:
                for i in indices:
                    _, start, length = key_ranges[i]
                    if start < 0:
                        start = max(size + start, 0)
                    end = size if length is None else min(start + length, size)
                    out[i] = _read_fd(fd, end - start, start) if end > start else b""
            finally:
                os.close(fd)
        return out

    def read_ranges_into(self, key: str, ranges: Iterable[tuple[int, int, int]],
                         out: Any) -> list[int] | None:
        """Read byte ranges of one value straight into a writable buffer, from one open
        file (so all ranges come from the same version of the value).

        Parameters
        ----------
        key : str
        ranges : iterable of (start, length, out_offset)
            Non-negative file offset and byte count, and where the bytes go in `out`.
        out : writable buffer

        Returns
        -------
        list of int or None
            Bytes read per range (fewer at the end of the file), or None when the key
            does not exist.
        """
        ranges, view = checked_ranges_into(ranges, out)
        opened = self._open_value(key)
        if opened is None:
            return None
        fd, _size = opened
        counts = []
        try:
            for start, length, at in ranges:
                done = 0
                while done < length:
                    n = _pread_into(fd, view[at + done : at + length], start + done)
                    if n == 0:
                        break
                    done += n
                counts.append(done)
        finally:
            os.close(fd)
        return counts

    # hierarchy ---------------------------------------------------------------------

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the files and directories directly under `prefix`."""
        try:
            entries = list(os.scandir(self._dirpath(prefix)))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(e.name for e in entries if not e.is_symlink() and not _is_tmp(e.name))

    def rmdir(self, prefix: str = "") -> None:
        """Delete everything under path `prefix`; ``""`` empties the root directory.

        The root directory itself is kept.
        """
        self._check_writable()
        path = self._dirpath(prefix)
        if path == self.path:
            _remove_tree_contents(path)
        elif os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=False)

    def rename(self, src: str, dst: str) -> None:
        """Move the directory at path `src` to path `dst` with one ``os.rename``.

        See :func:`~zarrlite.stores.rename` for the errors raised; an empty
        directory at `dst` is replaced.
        """
        self._check_writable()
        src, dst = check_rename(src, dst)
        src_path = self._filepath(src)
        dst_path = self._filepath(dst)
        if not os.path.isdir(src_path):
            raise PathNotFoundError(f"cannot rename {src!r}: nothing is stored under it")
        if os.path.isdir(dst_path):
            try:
                os.rmdir(dst_path)
            except OSError:
                raise ValueError(
                    f"cannot rename {src!r} to {dst!r}: the destination is not empty"
                ) from None
        elif os.path.lexists(dst_path):
            raise ValueError(f"cannot rename {src!r} to {dst!r}: a value is stored there")
        os.makedirs(os.path.dirname(dst_path), exist_ok=True)
        os.rename(src_path, dst_path)

    def getsize(self, prefix: str = "") -> int:
        """Return the size of the file at `prefix`, or the total size of files under it."""
        path = self._dirpath(prefix)
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return 0
        if not stat.S_ISDIR(st.st_mode):
            return st.st_size
        total = 0
        for _name, entry in _walk_files(path):
            if not _is_tmp(entry.name):
                try:
                    total += entry.stat().st_size
                except FileNotFoundError:
                    pass
        return total

    def clear(self) -> None:
        """Delete every key; the root directory itself is kept."""
        self.rmdir("")

    # maintenance -------------------------------------------------------------------

    def repair(self, clean: bool = True, min_age: float = 60.0) -> list[str]:
        """Find the temporary files of writes that never finished, and remove them.

        A write goes to ``.zl-<pid>-<n>.partial`` first and is renamed into place; a
        process killed in between leaves that file behind (readers never see it). A file
        is *stale* when it is older than `min_age` seconds and its process is gone (or it
        is older than a day: a writer on another host of a shared file system).

        Parameters
        ----------
        clean : bool, optional
            Remove the stale files (default); False only reports them.
        min_age : float, optional
            Seconds a temporary file must have been left alone to count as stale.

        Returns
        -------
        list of str
            Paths, relative to the root, of the stale files (removed when `clean`).

        Raises
        ------
        ReadOnlyError
            If `clean` and the store is read-only.

        Examples
        --------
        >>> import os, tempfile
        >>> store = DirectoryStore(tempfile.mkdtemp())
        >>> store["a/0"] = b"x"
        >>> left = os.path.join(store.path, "a", ".zl-999999999-0.partial")  # a dead writer's
        >>> open(left, "wb").close(); os.utime(left, (0, 0))
        >>> store.repair()
        ['a/.zl-999999999-0.partial']
        >>> os.path.exists(left)
        False
        """
        if clean:
            self._check_writable()
        now = time.time()
        stale = []
        for name, entry in _walk_files(self.path):
            if _is_tmp(entry.name) and _tmp_is_stale(entry, now, min_age):
                stale.append(name)
                if clean:
                    try:
                        os.unlink(entry.path)
                    except FileNotFoundError:
                        pass
        return sorted(stale)


def _sweep(dirname: str) -> None:
    """Remove the stale temporary files (see :meth:`DirectoryStore.repair`) of `dirname`,
    which this process is about to write into for the first time: writers clean up after
    the crashed writers before them, one directory at a time, at the cost of one listing
    per directory and process."""
    if len(_swept) < _MAX_SWEPT_DIRS:
        _swept.add(dirname)
    try:
        entries = list(os.scandir(dirname))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return  # (a directory we may write into but not list: nothing to sweep)
    now = time.time()
    for entry in entries:
        if (_is_tmp(entry.name) and entry.is_file(follow_symlinks=False)
                and _tmp_is_stale(entry, now, WRITER_SWEEP_MIN_AGE)):
            try:
                os.unlink(entry.path)
            except OSError:  # gone already, or not ours to remove: repair() reports it
                pass


def _walk_files(top: str) -> Iterator[tuple[str, os.DirEntry]]:
    """(path relative to `top` with "/" separators, entry) of every file below `top`, at any
    depth; symbolic links are neither followed nor yielded."""
    stack = [(top, "")]
    while stack:
        dirpath, prefix = stack.pop()
        try:
            entries = list(os.scandir(dirpath))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, prefix + entry.name + "/"))
            else:
                yield prefix + entry.name, entry


def _tmp_is_stale(entry: os.DirEntry, now: float, min_age: float) -> bool:
    """Whether a temporary file is left over: old enough, and its writer gone."""
    try:
        age = now - entry.stat(follow_symlinks=False).st_mtime
    except FileNotFoundError:
        return False
    if age < min_age:
        return False
    if age > 86400:
        return True
    pid = entry.name[len(_TMP_PREFIX):].partition("-")[0]
    if not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return False
    return False
