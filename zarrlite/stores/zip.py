"""ZipStore: every key a member of one zip archive (standard library :mod:`zipfile`).

Key ``"a/0.0"`` is the archive member ``a/0.0``, so ``zip -r0 store.zip .`` run inside a
:class:`~zarrlite.stores.DirectoryStore`'s folder makes an archive that opens as it is
(directory entries, names ending in ``"/"``, are skipped), and archives written here open
in zarr-python 2 and 3.

A zip archive only grows:

- Writing a key that exists appends a new member with the same name; reads return the
  newest (as :mod:`zipfile` does) and the old bytes stay in the file. To compact an archive,
  copy it into a fresh one: ``zarrlite.copy_store(ZipStore(old, mode="r"),
  ZipStore(new, mode="w-"))``.
- Members cannot be removed: the store declares ``supports_deletes = False``, so
  ``__delitem__``, ``delitems``, ``rmdir`` and ``rename`` raise NotImplementedError when
  they would remove something, and the engine writes an encoded fill-value chunk over a
  chunk that became empty instead of deleting it.
- The central directory, which lists the members, is written by :meth:`ZipStore.close`
  and :meth:`ZipStore.flush`: until then other openers do not see new writes.

Reads of members stored uncompressed (``ZIP_STORED``, the default) go straight to the
file with ``os.pread``, outside the store's lock, and byte ranges read only the bytes asked
for; compressed members are read whole through :mod:`zipfile`, under the lock.
"""

from __future__ import annotations

import os
import struct
import threading
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any, Literal

from zarrlite.errors import ProcessLocalStoreError
from zarrlite.metadata.keys import normalize_path, validate_key
from zarrlite.stores._util import (
    ByteRange,
    as_byte_view,
    dir_prefix,
    readonly_from_mode,
    slice_value,
)
from zarrlite.stores.abc import BaseStore

__all__ = ["ZipStore"]

#: The fixed part of a member's local file header (zip specification 4.3.7): signature,
#: version, flags, method, time, date, CRC, compressed size, size, name length, extra length.
_LOCAL_HEADER = struct.Struct("<4sHHHHHLLLHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8_NAME = 0x800
_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_HAS_PREAD = hasattr(os, "pread")
_MAX_IO = 1 << 30
#: Unix permissions given to members, as ``zip`` gives files made with the usual umask.
_MEMBER_MODE = 0o644 << 16


def _no_deletes(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"cannot {what}: zip archives cannot remove members. Write a new value over a key "
        "instead (the archive keeps the old bytes; reads see the newest), start over with "
        "ZipStore(path, mode='w'), or copy what you want to keep into a new archive: "
        "zarrlite.copy_store(old, ZipStore(new_path, mode='w-'))"
    )


def _is_key(name: str) -> bool:
    """Whether archive member `name` is a store key (not a directory entry, nor a name such
    as ``../x`` that the store would refuse to write)."""
    try:
        validate_key(name)
    except ValueError:
        return False
    return True


def _open_file(path: str, mode: str) -> tuple[IO[bytes], Literal["r", "w", "a"]]:
    """The archive file opened for store `mode`, and the :class:`zipfile.ZipFile` mode."""
    if mode == "r":
        return open(path, "rb"), "r"
    if mode == "w":
        return open(path, "w+b"), "w"
    if mode == "w-":
        return open(path, "x+b"), "w"
    if mode == "r+":
        fp = open(path, "r+b")
    else:  # "a": create if needed
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
        fp = os.fdopen(fd, "r+b")
    try:
        # zipfile in mode "a" appends a new archive to a file that is not one: refuse
        if fp.seek(0, os.SEEK_END) and not zipfile.is_zipfile(fp):
            raise ValueError(
                f"{path!r} is not a zip archive (or one whose writer never closed it: its "
                "list of members is missing); refusing to append to it"
            )
    except BaseException:
        fp.close()
        raise
    return fp, "a"


def _pread_exact(fd: int, size: int, offset: int, path: str) -> bytes:
    parts = []
    while size > 0:
        part = os.pread(fd, min(size, _MAX_IO), offset)
        if not part:
            raise ValueError(f"zip archive {path!r} is truncated: a member ends past its end")
        parts.append(part)
        size -= len(part)
        offset += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _member_data_offset(fd: int, info: zipfile.ZipInfo, path: str) -> int:
    """Where member `info`'s data starts in the archive, read from its local header and
    checked against the central directory (signature, name, bounds)."""

    def corrupt(why: str) -> ValueError:
        return ValueError(f"corrupt zip archive {path!r}: member {info.filename!r} {why}")

    start = info.header_offset
    file_size = os.fstat(fd).st_size
    if start < 0 or start + _LOCAL_HEADER.size > file_size:
        raise corrupt("has its header outside the file")
    header = os.pread(fd, _LOCAL_HEADER.size, start)
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
        raise corrupt("has no local file header where the central directory says")
    _, _, flags, _, _, _, _, _, _, name_len, extra_len = _LOCAL_HEADER.unpack(header)
    name = os.pread(fd, name_len, start + _LOCAL_HEADER.size)
    try:
        name_str = name.decode("utf-8" if flags & _FLAG_UTF8_NAME else "cp437")
    except UnicodeDecodeError:
        name_str = None
    if name_str != info.orig_filename:
        raise corrupt(f"has another name in its local header ({name!r})")
    data_start = start + _LOCAL_HEADER.size + name_len + extra_len
    if info.compress_size != info.file_size:
        raise corrupt("is stored but has two sizes")
    if data_start + info.file_size > file_size:
        raise corrupt("has data past the end of the file")
    return data_start


def _range_bounds(size: int, start: int, length: int | None) -> tuple[int, int]:
    """(start, end) of a byte range with slice semantics over a value of `size` bytes."""
    if length is not None and length < 0:
        raise ValueError(f"byte range length must be >= 0 or None, found {length}")
    if start < 0:
        start = max(size + start, 0)
    start = min(start, size)
    return start, size if length is None else min(start + length, size)


class ZipStore(BaseStore):
    """Store that keeps every value as a member of one zip archive.

    Parameters
    ----------
    path : str or os.PathLike
        The archive file.
    mode : str, optional
        ``"r"`` read only; ``"r+"`` read and write, the archive must exist; ``"a"`` read and
        write, created if missing (default); ``"w"`` create, emptying an existing file;
        ``"w-"`` create, failing if the file exists.
    compression : int, optional
        How new members are compressed: ``zipfile.ZIP_STORED`` (default: chunks are usually
        compressed already, and stored members can be read by byte ranges),
        ``ZIP_DEFLATED``, ``ZIP_BZIP2`` or ``ZIP_LZMA``.
    allowZip64 : bool, optional
        Allow archives over 4 GiB or 65535 members (default True).

    Raises
    ------
    FileNotFoundError
        For modes ``"r"`` and ``"r+"`` when the archive does not exist.
    FileExistsError
        For mode ``"w-"`` when the file exists.
    ValueError
        If `mode` or `compression` is invalid, or the file exists and is not a zip archive.

    Notes
    -----
    Every method may be called from several threads at once; reads of stored members run
    in parallel, with each other and with a write. One archive has one writer at a time:
    two writable ZipStores (or processes) on the same file corrupt it. A pickled store
    reopens the archive (``"w"`` and ``"w-"`` reopen as ``"r+"``, so that unpickling
    never empties it) after a :meth:`flush`, so that the reopened store sees every write.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.zip")
    >>> with ZipStore(path, mode="w") as store:
    ...     store["a/0.0"] = b"xy"
    ...     store["a/0.0"] = b"z"  # appends a member; reads see the newest
    >>> with ZipStore(path, mode="r") as store:
    ...     store["a/0.0"], store.listdir("a")
    (b'z', ['0.0'])
    """

    #: setitems writes every value into the archive before returning.
    copies_values = True

    #: Every method may be called from several threads at once (see Notes).
    threadsafe = True

    #: Zip archives cannot remove members.
    supports_deletes = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        mode: str = "a",
        compression: int = zipfile.ZIP_STORED,
        allowZip64: bool = True,  # noqa: N803 - zipfile's and zarr-python's name
    ) -> None:
        self._closed = True  # until the archive is open (for __del__)
        self._readonly = readonly_from_mode(mode)
        if compression not in _COMPRESSIONS:
            raise ValueError(
                f"invalid compression {compression!r}: expected zipfile.ZIP_STORED, "
                "ZIP_DEFLATED, ZIP_BZIP2 or ZIP_LZMA"
            )
        self._given_path = os.fspath(path)
        self.path: str = os.path.abspath(self._given_path)
        self.mode = mode
        self.compression = compression
        self.allowZip64 = allowZip64
        self._lock = threading.RLock()  # around the ZipFile: writes, compressed reads
        self._state = threading.Condition()  # guards _closed and _readers
        self._readers = 0  # reads in progress outside _lock, which close() waits for
        self._fp, zip_mode = _open_file(self.path, mode)
        try:
            self._zf = zipfile.ZipFile(self._fp, zip_mode, compression, allowZip64)
        except zipfile.BadZipFile as e:
            self._fp.close()
            raise ValueError(
                f"{self.path!r} is not a zip archive (or one whose writer never closed it: "
                f"its member list is written by close()): {e}") from None
        except BaseException:
            self._fp.close()
            raise
        self._fd = self._fp.fileno()
        #: The newest member of each key; a ZipInfo is never modified once published here.
        self._members: dict[str, zipfile.ZipInfo] = {}
        self._ncompressed = 0  # members of _members read through zipfile
        self._data_offsets: dict[int, int] = {}  # header offset -> data offset
        for info in self._zf.infolist():
            if _is_key(info.filename):
                self._publish(info.filename, info)
        self._closed = False

    def __repr__(self) -> str:
        closed = " (closed)" if self._closed else ""
        return f"ZipStore({self.path!r}, mode={self.mode!r}){closed}"

    def location_of(self, path: str) -> str:
        """Where node `path` is, for messages: ``"path 'a/b' in zip archive 'data.zip'"``."""
        return f"path {normalize_path(path)!r} in zip archive {self._given_path!r}"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.path == self.path

    def __hash__(self) -> int:
        return hash((type(self), self.path))

    def __reduce__(self) -> tuple[Any, ...]:
        if not self._readonly:  # a second writer (a dask worker, say) would corrupt the archive
            raise ProcessLocalStoreError(
                f"cannot pickle {self!r}: a zip archive takes one writer, and the process "
                "unpickling this store would be a second one. Pickle it opened with mode='r' "
                "(workers that only read), or write through a DirectoryStore and zip the "
                "folder afterwards")
        return (type(self), (self.path, "r", self.compression, self.allowZip64))

    @property
    def reads_byte_ranges(self) -> bool:
        """True while every member is stored uncompressed, and so is every new one: then
        byte ranges are read from the file without reading the rest of the member."""
        return _HAS_PREAD and self.compression == zipfile.ZIP_STORED and not self._ncompressed

    @property
    def reads_in_batches(self) -> bool:
        """False: :meth:`getitems` reads members one after another."""
        return False

    # state ---------------------------------------------------------------------------

    def _closed_error(self) -> ValueError:
        return ValueError(f"ZipStore {self.path!r} is closed")

    def _check_open(self) -> None:
        if self._closed:
            raise self._closed_error()

    @contextmanager
    def _reading(self) -> Iterator[int]:
        """The archive's file descriptor, kept open (close() waits) until the block ends."""
        with self._state:
            if self._closed:
                raise self._closed_error()
            self._readers += 1
        try:
            yield self._fd
        finally:
            with self._state:
                self._readers -= 1
                if not self._readers:
                    self._state.notify_all()

    def _publish(self, key: str, info: zipfile.ZipInfo) -> None:
        """Make `info` the member of `key` (under _lock, once its bytes are in the file)."""
        old = self._members.get(key)
        if old is not None and not self._reads_directly(old):
            self._ncompressed -= 1
        if not self._reads_directly(info):
            self._ncompressed += 1
        self._members[key] = info

    @staticmethod
    def _reads_directly(info: zipfile.ZipInfo) -> bool:
        return (
            _HAS_PREAD
            and info.compress_type == zipfile.ZIP_STORED
            and not info.flag_bits & _FLAG_ENCRYPTED
        )

    def flush(self) -> None:
        """Write the central directory, so that other openers see every write so far.

        The archive stays open for writing; the next write replaces that central
        directory, and :meth:`close` writes the final one. Does nothing when read-only.
        """
        with self._lock:
            self._check_open()
            if self._readonly:
                return
            self._zf.close()  # writes the central directory; the file stays open
            self._fp.flush()
            self._zf = zipfile.ZipFile(self._fp, "a", self.compression, self.allowZip64)

    def close(self) -> None:
        """Write the central directory and close the archive; later use raises ValueError.

        Calling it again does nothing.
        """
        with self._lock:
            with self._state:
                if self._closed:
                    return
                self._closed = True
                while self._readers:
                    self._state.wait()
            try:
                self._zf.close()
            finally:
                self._fp.close()

    def __del__(self) -> None:
        # as zipfile does: an archive that was never closed still gets its central directory
        if getattr(self, "_closed", True) is False:
            try:
                self.close()
            except Exception:  # noqa: S110 - nothing to report to during collection
                pass

    # reads ---------------------------------------------------------------------------

    def _data_offset(self, fd: int, info: zipfile.ZipInfo) -> int:
        at = self._data_offsets.get(info.header_offset)
        if at is None:
            at = _member_data_offset(fd, info, self.path)
            self._data_offsets[info.header_offset] = at
        return at

    def _check_crc(self, info: zipfile.ZipInfo, data: bytes) -> None:
        if zlib.crc32(data) != info.CRC:
            raise ValueError(
                f"corrupt zip archive {self.path!r}: member {info.filename!r} "
                "does not match its CRC"
            )

    def _read_through_zipfile(self, infos: Mapping[str, zipfile.ZipInfo]) -> dict[str, bytes]:
        with self._lock:
            self._check_open()
            return {key: self._zf.read(info) for key, info in infos.items()}

    def __getitem__(self, key: str) -> bytes:
        value = self.get_partial_values([(key, 0, None)])[0]
        if value is None:
            raise KeyError(key)
        return value

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist; missing keys are left out."""
        keys = list(keys)
        values = self.get_partial_values([(key, 0, None) for key in keys])
        return {key: value for key, value in zip(keys, values) if value is not None}

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        """Return byte ranges of values; see :func:`~zarrlite.stores.get_partial_values`.

        A range of a stored member reads only its bytes from the file (and the CRC is checked
        when that is the whole member); a compressed member is read whole (once per call)
        and sliced.
        """
        key_ranges = list(key_ranges)
        self._check_open()
        out: list[bytes | None] = [None] * len(key_ranges)
        through_zipfile: dict[str, list[int]] = {}
        infos: dict[str, zipfile.ZipInfo] = {}
        with self._reading() as fd:
            for i, (key, start, length) in enumerate(key_ranges):
                info = self._members.get(key)
                if info is None:
                    _range_bounds(0, start, length)  # a bad length is an error all the same
                elif self._reads_directly(info):
                    begin, end = _range_bounds(info.file_size, start, length)
                    at = self._data_offset(fd, info)
                    out[i] = data = _pread_exact(fd, end - begin, at + begin, self.path)
                    if end - begin == info.file_size:
                        self._check_crc(info, data)
                else:
                    through_zipfile.setdefault(key, []).append(i)
                    infos[key] = info
        if through_zipfile:
            values = self._read_through_zipfile(infos)
            for key, indices in through_zipfile.items():
                for i in indices:
                    _, start, length = key_ranges[i]
                    out[i] = slice_value(values[key], start, length)
        return out

    def __contains__(self, key: object) -> bool:
        self._check_open()
        return key in self._members

    def __iter__(self) -> Iterator[str]:
        self._check_open()
        return iter(list(self._members))

    def __len__(self) -> int:
        self._check_open()
        return len(self._members)

    # writes --------------------------------------------------------------------------

    def _write_member(self, key: str, value: bytes | memoryview) -> zipfile.ZipInfo:
        """Append member `key` (under _lock); its ZipInfo, once the bytes are written."""
        info = zipfile.ZipInfo(key, date_time=time.localtime()[:6])
        info.compress_type = self.compression
        info.external_attr = _MEMBER_MODE
        # zipfile warns about a duplicate name unless the old member is out of its name
        # table; the member list keeps both, and reads (ours, zipfile's) take the newest
        names = self._zf.NameToInfo
        old = names.pop(key, None)
        try:
            self._zf.writestr(info, value)
        except BaseException:
            if old is not None:
                names.setdefault(key, old)
            raise
        return info

    def __setitem__(self, key: str, value: Any) -> None:
        self.setitems({key: value})

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping`, each as a new member.

        All keys and values are checked before anything is written.
        """
        self._check_writable()
        items = [(validate_key(key), as_byte_view(value)) for key, value in mapping.items()]
        with self._lock:
            self._check_open()
            written = []
            try:
                for key, value in items:
                    written.append((key, self._write_member(key, value)))
            finally:
                self._fp.flush()  # readers pread the file: its bytes must be there first
                for key, info in written:
                    self._publish(key, info)

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        if key not in self:
            raise KeyError(key)
        raise _no_deletes(f"delete key {key!r}")

    def delitems(self, keys: Iterable[str]) -> None:
        """Raise NotImplementedError if any of `keys` exists (zip archives cannot remove
        members); do nothing otherwise."""
        self._check_writable()
        present = [key for key in keys if key in self]
        if present:
            raise _no_deletes(f"delete key {present[0]!r}")

    # hierarchy -----------------------------------------------------------------------

    def _keys_under(self, prefix: str) -> list[str]:
        start = dir_prefix(prefix)
        self._check_open()
        keys = list(self._members)
        return [k for k in keys if k.startswith(start)] if start else keys

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the immediate children of path `prefix`."""
        n = len(dir_prefix(prefix))
        return sorted({k[n:].partition("/")[0] for k in self._keys_under(prefix)})

    def rmdir(self, prefix: str = "") -> None:
        """Raise NotImplementedError if anything is stored under path `prefix` (zip archives
        cannot remove members); do nothing otherwise."""
        self._check_writable()
        if self._keys_under(prefix):
            path = normalize_path(prefix)
            raise _no_deletes(f"remove {path!r}" if path else "empty the archive")

    def rename(self, src: str, dst: str) -> None:
        """Raise NotImplementedError: renaming would remove the members under `src`."""
        self._check_writable()
        self._check_open()
        raise _no_deletes(f"rename {src!r} to {dst!r}")

    def getsize(self, prefix: str = "") -> int:
        """Return the size of the value at key `prefix`, or the total size of the values
        under path `prefix` (uncompressed sizes; older members of a key do not count)."""
        key = normalize_path(prefix)
        self._check_open()
        info = self._members.get(key) if key else None
        if info is not None:
            return info.file_size
        members = self._members
        return sum(members[k].file_size for k in self._keys_under(prefix) if k in members)
