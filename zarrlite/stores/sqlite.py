"""SQLiteStore: every key and value in one SQLite database file.

The layout is zarr-python 2's: one table ``zarr(k TEXT PRIMARY KEY, v BLOB)``, so a file
written by either library opens in the other. The database runs in WAL mode with a busy
timeout: readers never wait for a writer, and writers in several threads or processes
take turns. Each batch write (``setitems``, ``delitems``, ``rmdir``, ``rename``) is one
transaction, so it happens completely or not at all.

Each thread borrows a connection from a small pool for the length of one call, so
threads read concurrently (the ``sqlite3`` module releases the GIL while SQLite works);
writers in one process queue on a lock instead of on SQLite's busy timeout. Hierarchy
methods select keys by an indexed range (``"a/" <= k < "a0"``, since ``"0"`` follows
``"/"``) and never scan the whole table.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from zarrlite.errors import PathNotFoundError
from zarrlite.metadata.keys import normalize_path, validate_key
from zarrlite.stores._util import (
    ByteRange,
    as_byte_view,
    check_rename,
    dir_prefix,
    readonly_from_mode,
)
from zarrlite.stores.abc import BaseStore

__all__ = ["SQLiteStore"]

#: Seconds a connection waits for another process's write transaction before failing
#: (``sqlite3.connect(timeout=...)`` overrides it).
BUSY_TIMEOUT = 30.0
#: The mode a store reopens with after pickling: never one that clears or refuses.
_REOPEN_MODE = {"r": "r", "r+": "r+", "a": "a", "w": "r+", "w-": "r+"}
#: ``sqlite3.connect`` arguments the store sets itself.
_MANAGED_ARGS = ("database", "uri", "isolation_level", "check_same_thread", "autocommit")

_CREATE_TABLE = "CREATE TABLE IF NOT EXISTS zarr(k TEXT PRIMARY KEY, v BLOB)"
_HAS_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zarr'"
_PUT = "REPLACE INTO zarr (k, v) VALUES (?, ?)"


def _key_range(start: str) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause (and its parameters) selecting the keys that begin with `start`,
    a directory prefix ending in ``"/"`` or ``""`` for every key, by index range."""
    if not start:
        return "1", ()
    return "k >= ? AND k < ?", (start, start[:-1] + "0")


def _connect(path: str, readonly: bool, options: Mapping[str, Any]) -> sqlite3.Connection:
    target = f"file:{urllib.parse.quote(path)}?mode={'ro' if readonly else 'rwc'}"
    conn = sqlite3.connect(target, uri=True, isolation_level=None, check_same_thread=False,
                           **options)
    if not readonly:
        # WAL durability: a power cut may lose the last transactions, never corrupts.
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class _Pool:
    """Idle connections to one database, lent to one thread at a time, and the lock
    writers of this process queue on.

    A forked child abandons (never closes) the connections it inherited, as SQLite
    requires, and makes its own lock.
    """

    def __init__(self, path: str, readonly: bool, options: Mapping[str, Any]) -> None:
        self.path, self.readonly, self.options = path, readonly, options
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._inherited: list[sqlite3.Connection] = []
        self.write_lock = threading.Lock()
        self.closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self.closed:
                raise ValueError(f"SQLite store {self.path!r} is closed")
            if self._pid != os.getpid():
                self._inherited += self._idle
                self._idle, self._pid = [], os.getpid()
                self.write_lock = threading.Lock()
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = _connect(self.path, self.readonly, self.options)
        try:
            yield conn
        finally:
            if conn.in_transaction:  # interrupted half way: never lend a busy connection
                conn.rollback()
            with self._lock:
                keep = not self.closed and self._pid == os.getpid()
                if keep:
                    self._idle.append(conn)
            if not keep:
                conn.close()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class SQLiteStore(BaseStore):
    """Store that keeps every key and value in one SQLite database file.

    Parameters
    ----------
    path : str or os.PathLike
        The database file; its parent directories are created for a writable mode.
    mode : str, optional
        ``"r"`` read only (opened with SQLite's ``mode=ro``); ``"r+"`` read/write, the
        file must exist; ``"a"`` (default) read/write, created if needed; ``"w"``
        created, every key deleted; ``"w-"`` created, the file must not exist.
    **connect_kwargs
        Passed to :func:`sqlite3.connect` for every connection, such as ``timeout``
        (seconds to wait for another writer, default :data:`BUSY_TIMEOUT`).

    Raises
    ------
    FileNotFoundError
        Mode ``"r"`` or ``"r+"`` and no file at `path`.
    FileExistsError
        Mode ``"w-"`` and a file at `path`.
    ValueError
        An invalid mode, a `path` that is a directory, ``":memory:"``, or a file that is
        not a SQLite database (or, read only, has no ``zarr`` table).
    TypeError
        A connect argument the store sets itself (``uri``, ``isolation_level``, ...).

    Notes
    -----
    Every method may be called from several threads at once, and several processes
    may open the same file. A pickled store reopens the same file (mode ``"w"`` and
    ``"w-"`` reopen as ``"r+"``, so unpickling never clears the store).

    Examples
    --------
    >>> import os, tempfile
    >>> store = SQLiteStore(os.path.join(tempfile.mkdtemp(), "data.sqlite"))
    >>> store["a/0.0"] = b"xy"
    >>> store.listdir("a"), store["a/0.0"]
    (['0.0'], b'xy')
    >>> store.close()
    """

    #: Every method may be called from several threads at once.
    threadsafe = True

    #: setitems hands values to SQLite, which copies them before the call returns.
    copies_values = True

    def __init__(self, path: str | os.PathLike[str], mode: str = "a",
                 **connect_kwargs: Any) -> None:
        self._readonly = readonly_from_mode(mode)
        managed = sorted(set(connect_kwargs) & set(_MANAGED_ARGS))
        if managed:
            raise TypeError(f"SQLiteStore sets {', '.join(managed)} itself; do not pass it")
        self._given_path = os.fspath(path)
        if self._given_path == ":memory:" or self._given_path.startswith("file:"):
            raise ValueError(f"SQLiteStore needs a file path, found {self._given_path!r} "
                             "(use MemoryStore for a store in memory)")
        self.path: str = os.path.abspath(self._given_path)
        self.mode = mode
        self._connect_kwargs = dict(connect_kwargs)
        _check_file(self.path, mode)
        options = {"timeout": BUSY_TIMEOUT, **connect_kwargs}
        self._pool = _Pool(self.path, self._readonly, options)
        try:
            self._prepare()
        except sqlite3.DatabaseError as e:
            self._pool.close()
            raise ValueError(f"cannot open {self.path!r} as a SQLite store: {e}") from e
        except BaseException:
            self._pool.close()
            raise
        self._max_params, self._max_value_nbytes = self._limits()

    def _prepare(self) -> None:
        """Make the table (or check that it exists, read only) and apply the mode."""
        with self._pool.connection() as conn:
            if self._readonly:
                if conn.execute(_HAS_TABLE).fetchone() is None:
                    raise ValueError(f"{self.path!r} is a SQLite database without a 'zarr' "
                                     "table: not a zarr store")
                return
            conn.execute("PRAGMA journal_mode = WAL")
        if self.mode == "w":
            with self._write_transaction() as conn:
                conn.execute(_CREATE_TABLE)
                conn.execute("DELETE FROM zarr")
        else:
            with self._pool.connection() as conn:
                missing = conn.execute(_HAS_TABLE).fetchone() is None
            if missing:
                with self._write_transaction() as conn:
                    conn.execute(_CREATE_TABLE)

    def _limits(self) -> tuple[int, int]:
        """How many ``?`` one statement may hold, and how many bytes one value (SQLite's
        compiled-in defaults where Python cannot ask: 999 before SQLite 3.32)."""
        if sys.version_info >= (3, 11):
            with self._pool.connection() as conn:
                return (conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER),
                        conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH))
        return 999, 1_000_000_000  # pragma: no cover - Python 3.10

    def __reduce__(self) -> tuple[Any, ...]:
        return _reopen, (self.path, _REOPEN_MODE[self.mode], self._connect_kwargs)

    def __repr__(self) -> str:
        mode = ", mode='r'" if self._readonly else ""
        return f"SQLiteStore({self.path!r}{mode})"

    def location_of(self, path: str) -> str:
        """Where node `path` is: ``"path 'a/b' of SQLite file 'data.sqlite'"``."""
        return f"path {normalize_path(path)!r} of SQLite file {self._given_path!r}"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.path == self.path

    def __hash__(self) -> int:
        return hash((type(self), self.path))

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        self._pool.close()

    # transactions -------------------------------------------------------------------

    @contextmanager
    def _read_transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in a read transaction: every query sees the same snapshot."""
        with self._pool.connection() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in a write transaction, committed if the block succeeds and rolled
        back if it raises."""
        self._check_writable()
        with self._pool.connection() as conn, self._pool.write_lock:
            conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # mapping interface ---------------------------------------------------------------

    def __getitem__(self, key: str) -> bytes:
        if not isinstance(key, str):
            raise KeyError(key)
        with self._pool.connection() as conn:
            row = conn.execute("SELECT v FROM zarr WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def __setitem__(self, key: str, value: Any) -> None:
        self.setitems({key: value})

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        if not isinstance(key, str):
            raise KeyError(key)
        with self._write_transaction() as conn:
            deleted = conn.execute("DELETE FROM zarr WHERE k = ?", (key,)).rowcount
        if not deleted:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        with self._pool.connection() as conn:
            return conn.execute("SELECT 1 FROM zarr WHERE k = ?", (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        with self._pool.connection() as conn:
            keys = [k for (k,) in conn.execute("SELECT k FROM zarr ORDER BY k")]
        return iter(keys)

    def __len__(self) -> int:
        with self._pool.connection() as conn:
            return conn.execute("SELECT count(*) FROM zarr").fetchone()[0]

    # batches --------------------------------------------------------------------------

    def _batches(self, keys: list[str]) -> Iterator[tuple[str, list[str]]]:
        """``(placeholders, keys)`` for ``IN (...)`` queries that stay below SQLite's limit
        on parameters."""
        step = self._max_params
        for i in range(0, len(keys), step):
            part = keys[i : i + step]
            yield ",".join("?" * len(part)), part

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist, in one query per
        :data:`SQLITE_LIMIT_VARIABLE_NUMBER` keys; missing keys are left out."""
        wanted = list(dict.fromkeys(k for k in keys if isinstance(k, str)))
        if not wanted:
            return {}
        with self._read_transaction() as conn:
            out: dict[str, bytes] = {}
            for marks, part in self._batches(wanted):
                out.update(conn.execute(f"SELECT k, v FROM zarr WHERE k IN ({marks})", part))
        return out

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping` in one transaction; every key and value
        is checked before anything is written."""
        self._check_writable()
        rows = [(validate_key(k), as_byte_view(v)) for k, v in mapping.items()]
        limit = self._max_value_nbytes
        for key, view in rows:
            if len(view) > limit:
                raise ValueError(f"cannot store key {key!r}: its {len(view)}-byte value is "
                                 f"larger than SQLite's limit of {limit} bytes")
        if rows:
            with self._write_transaction() as conn:
                conn.executemany(_PUT, rows)

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete `keys` in one transaction, ignoring those that do not exist."""
        self._check_writable()
        doomed = list(dict.fromkeys(k for k in keys if isinstance(k, str)))
        if doomed:
            with self._write_transaction() as conn:
                for marks, part in self._batches(doomed):
                    conn.execute(f"DELETE FROM zarr WHERE k IN ({marks})", part)

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        """Return byte ranges of values, reading only those bytes (SQLite's incremental
        blob I/O), all from one snapshot.

        See :func:`~zarrlite.stores.get_partial_values` for the arguments.
        """
        key_ranges = list(key_ranges)
        for _, _, length in key_ranges:
            if length is not None and length < 0:
                raise ValueError(f"byte range length must be >= 0 or None, found {length}")
        keys = list(dict.fromkeys(k for k, _, _ in key_ranges if isinstance(k, str)))
        out: list[bytes | None] = [None] * len(key_ranges)
        if not keys:
            return out
        with self._read_transaction() as conn:
            found: dict[str, tuple[int, int]] = {}
            for marks, part in self._batches(keys):
                query = f"SELECT k, rowid, length(v) FROM zarr WHERE k IN ({marks})"
                found.update((k, (rowid, size)) for k, rowid, size in conn.execute(query, part))
            for i, (key, start, length) in enumerate(key_ranges):
                if key in found:
                    rowid, size = found[key]
                    out[i] = _read_blob(conn, rowid, *_clip(start, length, size))
        return out

    # hierarchy ------------------------------------------------------------------------

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the immediate children of path `prefix`.

        Walks the keys under `prefix` in index order, jumping over each child
        directory's contents with a new query instead of reading them.
        """
        start = dir_prefix(prefix)
        n = len(start)
        upper = "" if not start else " AND k < ?"
        bound = () if not start else (start[:-1] + "0",)
        query = f"SELECT k FROM zarr WHERE k >= ?{upper} ORDER BY k"
        names: set[str] = set()
        at = start
        with self._read_transaction() as conn:
            while True:
                for (key,) in conn.execute(query, (at, *bound)):  # rows come one by one
                    name, sep, _ = key[n:].partition("/")
                    names.add(name)
                    if sep:  # a directory: go on after its last possible key
                        at = start + name + "0"
                        break
                else:
                    return sorted(names)

    def rmdir(self, prefix: str = "") -> None:
        """Delete every key under path `prefix` (everything for ``""``), in one
        transaction."""
        self._check_writable()
        where, params = _key_range(dir_prefix(prefix))
        with self._write_transaction() as conn:
            conn.execute(f"DELETE FROM zarr WHERE {where}", params)

    def rename(self, src: str, dst: str) -> None:
        """Move every key under path `src` to the same place under path `dst`, in one
        transaction.

        See :func:`~zarrlite.stores.rename` for the errors raised.
        """
        self._check_writable()
        src, dst = check_rename(src, dst)
        src_where, src_params = _key_range(src + "/")
        dst_where, dst_params = _key_range(dst + "/")
        with self._write_transaction() as conn:
            if conn.execute(f"SELECT 1 FROM zarr WHERE {src_where} LIMIT 1",
                            src_params).fetchone() is None:
                raise PathNotFoundError(f"cannot rename {src!r}: nothing is stored under it")
            if (conn.execute("SELECT 1 FROM zarr WHERE k = ?", (dst,)).fetchone()
                    or conn.execute(f"SELECT 1 FROM zarr WHERE {dst_where} LIMIT 1",
                                    dst_params).fetchone()):
                raise ValueError(f"cannot rename {src!r} to {dst!r}: the destination is not "
                                 "empty")
            conn.execute(f"UPDATE zarr SET k = ? || substr(k, ?) WHERE {src_where}",
                         (dst, len(src) + 1, *src_params))

    def getsize(self, prefix: str = "") -> int:
        """Return the number of bytes stored at key `prefix`, or under path `prefix`
        (SQLite reads value sizes without reading the values)."""
        start = dir_prefix(prefix)
        where, params = _key_range(start)
        with self._read_transaction() as conn:
            if start:
                row = conn.execute("SELECT length(v) FROM zarr WHERE k = ?",
                                   (start[:-1],)).fetchone()
                if row is not None:
                    return row[0] or 0
            query = f"SELECT coalesce(sum(length(v)), 0) FROM zarr WHERE {where}"
            return conn.execute(query, params).fetchone()[0]

    def clear(self) -> None:
        """Delete every key."""
        self.rmdir("")


def _check_file(path: str, mode: str) -> None:
    """Apply what `mode` says about an existing file, and make parent directories."""
    if os.path.isdir(path):
        raise ValueError(f"expected a SQLite database file at {path!r}, found a directory")
    exists = os.path.exists(path)
    if mode in ("r", "r+") and not exists:
        raise FileNotFoundError(errno.ENOENT, f"no SQLite store to open in mode {mode!r}", path)
    if mode == "w-" and exists:
        raise FileExistsError(errno.EEXIST, "mode 'w-' refuses to open an existing file", path)
    if mode != "r":
        os.makedirs(os.path.dirname(path), exist_ok=True)


def _clip(start: int, length: int | None, size: int) -> tuple[int, int]:
    """``(offset, count)`` of the bytes ``value[start:][:length]`` of a `size`-byte value."""
    if start < 0:
        start = max(size + start, 0)
    start = min(start, size)
    stop = size if length is None else min(start + length, size)
    return start, stop - start


def _read_blob(conn: sqlite3.Connection, rowid: int, offset: int, count: int) -> bytes:
    """`count` bytes at `offset` of the value in row `rowid`, read without loading the rest."""
    if count <= 0:
        return b""
    if sys.version_info >= (3, 11):
        with conn.blobopen("zarr", "v", rowid, readonly=True) as blob:
            blob.seek(offset)
            return blob.read(count)
    # Python 3.10 has no blob I/O: substr() of a BLOB counts bytes (SQLite reads it whole)
    row = conn.execute("SELECT substr(v, ?, ?) FROM zarr WHERE rowid = ?",  # pragma: no cover
                       (offset + 1, count, rowid)).fetchone()
    return row[0]  # pragma: no cover


def _reopen(path: str, mode: str, connect_kwargs: dict[str, Any]) -> SQLiteStore:
    """Unpickle a :class:`SQLiteStore`: open the same file again."""
    return SQLiteStore(path, mode, **connect_kwargs)
