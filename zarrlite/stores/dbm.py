"""DBMStore: keys and values in a database of the standard library's :mod:`dbm` family.

Keys are stored as their UTF-8 bytes and values as bytes, as zarr-python 2's
``DBMStore`` stores them, so each opens the other's databases. :func:`dbm.open` picks the
first module available (``dbm.gnu``, ``dbm.ndbm``, then the pure-Python ``dbm.dumb``),
or reads the kind of an existing database; another opener such as ``dbm.dumb.open`` can
be passed. Which module is used decides the files on disk (``dbm.dumb`` writes
``<path>.dat``, ``<path>.dir`` and ``<path>.bak``) and the speed (``dbm.dumb`` rewrites its
index on every delete).
"""

from __future__ import annotations

import dbm
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from zarrlite.metadata.keys import normalize_path, validate_key
from zarrlite.stores._util import dir_prefix, ensure_bytes, readonly_from_mode
from zarrlite.stores.abc import BaseStore

__all__ = ["DBMStore"]

#: The dbm flag of each store mode ("w-" checks first that there is no database).
_FLAGS = {"r": "r", "r+": "w", "a": "c", "w": "n", "w-": "c"}


def _exists(path: str) -> bool:
    """Whether a database (of any dbm kind, or any file) is at `path`."""
    return dbm.whichdb(path) is not None or os.path.exists(path)


def _reopen(
    path: str, mode: str, opener: Callable[..., Any], open_kwargs: dict[str, Any]
) -> DBMStore:
    return DBMStore(path, mode, opener, **open_kwargs)


class DBMStore(BaseStore):
    """Store that keeps keys and values in a :mod:`dbm` database file.

    Parameters
    ----------
    path : str or os.PathLike
        The database's path (some dbm modules add suffixes to it).
    mode : str, optional
        ``"r"`` read only; ``"r+"`` read and write, the database must exist; ``"a"`` read
        and write, created if missing (default); ``"w"`` create, emptying an existing
        database; ``"w-"`` create, failing if one exists.
    open : callable, optional
        ``open(path, flag, **open_kwargs)`` opening the database, :func:`dbm.open` by
        default (any opener with dbm's flags ``"r"``, ``"w"``, ``"c"``, ``"n"``).
    **open_kwargs
        Passed to `open`. (dbm's own ``mode``, the new files' permissions, clashes with
        the store's `mode`: pass ``open=functools.partial(dbm.open, mode=0o600)``.)

    Raises
    ------
    FileNotFoundError
        For modes ``"r"`` and ``"r+"`` when there is no database at `path`.
    FileExistsError
        For mode ``"w-"`` when a database or file exists at `path`.
    ValueError
        If `mode` is invalid.

    Notes
    -----
    dbm objects are not thread-safe; the store calls them under one lock, so every method
    may be called from several threads at once (one at a time goes to the database).
    Writes reach other openers after :meth:`flush` or :meth:`close`; most dbm modules
    allow one writer per database. A pickled store reopens the database (``"w"`` and
    ``"w-"`` reopen as ``"r+"``, so that unpickling never empties it) after a flush.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.db")
    >>> with DBMStore(path, mode="w") as store:
    ...     store["a/0.0"] = b"xy"
    >>> with DBMStore(path, mode="r") as store:
    ...     store["a/0.0"], store.listdir("a")
    (b'xy', ['0.0'])
    """

    #: Every method may be called from several threads at once (see Notes).
    threadsafe = True

    #: setitems hands each value to the database, which copies it, before returning.
    copies_values = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        mode: str = "a",
        open: Callable[..., Any] = dbm.open,  # noqa: A002 - zarr-python 2's name
        **open_kwargs: Any,
    ) -> None:
        self._readonly = readonly_from_mode(mode)
        self.path: str = os.path.abspath(os.fspath(path))
        self.mode = mode
        self._open = open
        self.open_kwargs = open_kwargs
        if mode in ("r", "r+") and not _exists(self.path):
            raise FileNotFoundError(f"no dbm database at {self.path!r} (mode {mode!r})")
        if mode == "w-" and _exists(self.path):
            raise FileExistsError(f"a database or file exists at {self.path!r} (mode 'w-')")
        self._lock = threading.RLock()
        try:
            self._db: Any = open(self.path, _FLAGS[mode], **open_kwargs)
        except dbm.error[0] as err:  # (dbm's own errors name neither the file nor the cause)
            raise ValueError(f"cannot open {self.path!r} as a dbm database (mode {mode!r}): "
                             f"{err}") from err

    def __repr__(self) -> str:
        closed = " (closed)" if self._db is None else ""
        return f"DBMStore({self.path!r}, mode={self.mode!r}){closed}"

    def location_of(self, path: str) -> str:
        """Where node `path` is, for messages: ``"path 'a/b' in dbm database 'data.db'"``."""
        return f"path {normalize_path(path)!r} in dbm database {self.path!r}"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.path == self.path

    def __hash__(self) -> int:
        return hash((type(self), self.path))

    def __reduce__(self) -> tuple[Any, ...]:
        if self._db is not None and not self._readonly:
            self.flush()  # so that the reopened store sees every write so far
        mode = self.mode if self.mode in ("r", "r+", "a") else "r+"
        return (_reopen, (self.path, mode, self._open, self.open_kwargs))

    @property
    def reads_in_batches(self) -> bool:
        """False: :meth:`getitems` reads keys one after another."""
        return False

    # state ---------------------------------------------------------------------------

    def _live(self) -> Any:
        """The open database (call under the lock); ValueError once the store is closed."""
        db = self._db
        if db is None:
            raise ValueError(f"DBMStore {self.path!r} is closed")
        return db

    def flush(self) -> None:
        """Write what the database buffers to disk, where other openers see it."""
        with self._lock:
            db = self._live()
            sync = getattr(db, "sync", None)  # dbm.ndbm has none: it writes through
            if callable(sync) and not self._readonly:
                sync()

    sync = flush

    def close(self) -> None:
        """Close the database (writing what it buffers); calling it again does nothing."""
        with self._lock:
            db, self._db = self._db, None
            if db is not None:
                db.close()

    # mapping interface -----------------------------------------------------------

    def __getitem__(self, key: str) -> bytes:
        if not isinstance(key, str):
            raise KeyError(key)
        with self._lock:
            return bytes(self._live()[key.encode("utf-8")])

    def __setitem__(self, key: str, value: Any) -> None:
        self.setitems({key: value})

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        if not isinstance(key, str):
            raise KeyError(key)
        with self._lock:
            del self._live()[key.encode("utf-8")]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            db = self._live()
            return isinstance(key, str) and key.encode("utf-8") in db

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        with self._lock:
            return len(self._live())

    def _keys(self) -> list[str]:
        """A snapshot of the keys (those that are UTF-8 text)."""
        with self._lock:
            raw = list(self._live().keys())
        keys = []
        for key in raw:
            try:
                keys.append(key.decode("utf-8") if isinstance(key, bytes) else key)
            except UnicodeDecodeError:
                pass  # not written by a store
        return keys

    # batches -----------------------------------------------------------------------

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist; missing keys are left out."""
        out = {}
        with self._lock:
            db = self._live()
            for key in keys:
                try:
                    out[key] = bytes(db[key.encode("utf-8")])
                except (KeyError, AttributeError):  # missing, or not a str
                    pass
        return out

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping`; all are checked before any is written."""
        self._check_writable()
        items = [(validate_key(k).encode("utf-8"), ensure_bytes(v)) for k, v in mapping.items()]
        with self._lock:
            db = self._live()
            for key, value in items:
                db[key] = value

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete `keys`, ignoring those that do not exist."""
        self._check_writable()
        with self._lock:
            db = self._live()
            for key in keys:
                encoded = key.encode("utf-8")
                if encoded in db:
                    del db[encoded]

    # hierarchy ---------------------------------------------------------------------

    def _keys_under(self, prefix: str) -> list[str]:
        start = dir_prefix(prefix)
        keys = self._keys()
        return [k for k in keys if k.startswith(start)] if start else keys

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the immediate children of path `prefix`."""
        n = len(dir_prefix(prefix))
        return sorted({k[n:].partition("/")[0] for k in self._keys_under(prefix)})

    def rmdir(self, prefix: str = "") -> None:
        """Delete every key under path `prefix` (everything for ``""``)."""
        self._check_writable()
        with self._lock:
            self.delitems(self._keys_under(prefix))

    def getsize(self, prefix: str = "") -> int:
        """Return the size of the value at key `prefix`, or the total size of the values
        under path `prefix` (each value is read: dbm keeps no sizes apart)."""
        key = normalize_path(prefix)
        with self._lock:
            db = self._live()
            if key and key.encode("utf-8") in db:
                return len(db[key.encode("utf-8")])
            return sum(len(db[k.encode("utf-8")]) for k in self._keys_under(prefix))
