"""LMDBStore: keys and values in an LMDB environment (the optional ``lmdb`` package).

Keys are stored as their UTF-8 bytes and values as they are, as zarr-python 2's
LMDBStore does, so an environment written by either opens in the other. Every call is
one LMDB transaction: reads see one snapshot and never wait for writers, and a batch
write happens completely or not at all. Writers in several threads and processes take
turns on LMDB's own lock.

LMDB reads through a memory map of fixed size. When a write finds the map full, the
store grows the map and runs the transaction again, so the default map can stay small.
LMDB may only change the map while the process has no transaction open: the
:class:`_Gate` of each environment lets transactions run side by side and a map change
run alone. py-lmdb refuses to open one environment twice in a process, so every
LMDBStore on the same files in a process shares one :class:`_Environment`.
"""

from __future__ import annotations

import errno
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

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

__all__ = ["DEFAULT_MAP_SIZE", "LMDBStore"]

#: The map size a new environment starts with, in bytes; it grows when full.
DEFAULT_MAP_SIZE = 64 << 20
_MIB = 1 << 20
#: The mode a store reopens with after pickling: never one that clears or refuses.
_REOPEN_MODE = {"r": "r", "r+": "r+", "a": "a", "w": "r+", "w-": "r+"}
#: ``lmdb.open`` arguments the store sets itself (the mode decides them; the lock is
#: what lets several processes write).
_MANAGED_ARGS = ("readonly", "create", "lock")

T = TypeVar("T")


def _import_lmdb() -> Any:
    try:
        import lmdb
    except ImportError as e:
        raise ImportError(
            'LMDBStore needs the lmdb package: pip install "zarrlite[lmdb]"') from e
    return lmdb


class _Gate:
    """Many transactions at once, or one change of the map alone."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._active = 0
        self._alone = False

    def enter(self) -> None:
        with self._cond:
            while self._alone:
                self._cond.wait()
            self._active += 1

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            if not self._active:
                self._cond.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        """Wait until no transaction is open, and keep new ones out for the block."""
        with self._cond:
            while self._alone:
                self._cond.wait()
            self._alone = True
            while self._active:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._alone = False
                self._cond.notify_all()


class _Environment:
    """The LMDB environment of one place, shared by the stores open on it in this process.

    It opens read-only until a writable store joins, and is closed when the last store
    leaves. It belongs to the process that opened it: LMDB environments do not survive
    a fork.
    """

    def __init__(self, lmdb: Any, path: str, readonly: bool, options: dict[str, Any]) -> None:
        self.lmdb, self.path, self.options = lmdb, path, options
        self.readonly = readonly
        self.env = lmdb.open(path, readonly=readonly, create=not readonly, lock=True,
                             **options)
        self.gate = _Gate()
        self.users = 0
        self.pid = os.getpid()

    def run(self, work: Callable[[Any], T], write: bool, buffers: bool, nbytes: int) -> T:
        """``work(txn)`` in one transaction (committed if it returns), again after
        growing the map if it is full or adopting the size another process gave it."""
        lmdb = self.lmdb
        while True:
            if self.pid != os.getpid():
                raise self.fork_error()
            self.gate.enter()
            try:
                with self.env.begin(write=write, buffers=buffers) as txn:
                    return work(txn)
            except lmdb.MapFullError:
                full_size = self.env.info()["map_size"]
            except lmdb.MapResizedError:
                full_size = 0
            finally:
                self.gate.leave()
            self._resize(full_size, nbytes)

    def fork_error(self) -> RuntimeError:
        return RuntimeError(
            f"the LMDB environment {self.path!r} was open in process {self.pid} when it "
            "forked, and LMDB forbids using or reopening it in the child: open the store "
            "after forking, or start processes with multiprocessing's 'spawn' or "
            "'forkserver' method (a pickled store reopens there)")

    def _resize(self, full_size: int, nbytes: int) -> None:
        """Grow a map found full at `full_size` bytes to fit `nbytes` more (at least
        doubling it), unless another thread did; `full_size` 0 adopts the map size
        another process set."""
        with self.gate.alone():
            info = self.env.info()
            if not full_size:
                self.env.set_mapsize(0)
            elif info["map_size"] <= full_size:
                used = (info["last_pgno"] + 1) * self.env.stat()["psize"]
                size = max(2 * info["map_size"], used + 2 * nbytes + _MIB)
                self.env.set_mapsize(-(-size // _MIB) * _MIB)

    def make_writable(self) -> None:
        """Reopen a read-only environment for writing (a writable store joined)."""
        with self.gate.alone():
            self.env.close()
            try:
                self.env = self.lmdb.open(self.path, readonly=False, create=True, lock=True,
                                          **self.options)
            except BaseException:
                self.env = self.lmdb.open(self.path, readonly=True, create=False, lock=True,
                                          **self.options)
                raise
            self.readonly = False


_environments: dict[str, _Environment] = {}
#: Reentrant: a store collected by the garbage collector in the middle of _attach detaches.
_environments_lock = threading.RLock()


def _attach(lmdb: Any, path: str, readonly: bool, options: dict[str, Any]) -> _Environment:
    """The environment at `path`, opened if no store of this process has it open."""
    with _environments_lock:
        shared = _environments.get(path)
        if shared is not None and shared.pid != os.getpid():
            raise shared.fork_error()
        if shared is None:
            shared = _environments[path] = _Environment(lmdb, path, readonly, options)
        shared.users += 1
        if shared.readonly and not readonly:
            try:
                shared.make_writable()
            except BaseException:
                _detach(shared)
                raise
        return shared


def _detach(shared: _Environment) -> None:
    """One store left `shared`: close it if it was the last (called once per store)."""
    with _environments_lock:
        shared.users -= 1
        if shared.users or shared.pid != os.getpid():
            return
        if _environments.get(shared.path) is shared:
            del _environments[shared.path]
        with shared.gate.alone():
            shared.env.close()


class LMDBStore(BaseStore):
    """Store that keeps every key and value in an LMDB environment.

    Parameters
    ----------
    path : str or os.PathLike
        The environment: a directory holding ``data.mdb`` and ``lock.mdb`` (or, with
        ``subdir=False``, the data file itself).
    mode : str, optional
        ``"r"`` read only; ``"r+"`` read/write, the environment must exist; ``"a"``
        (default) read/write, created if needed; ``"w"`` created, every key deleted;
        ``"w-"`` created, the environment must not exist.
    map_size : int, optional
        The size of the memory map a new environment starts with, in bytes. Writes that
        do not fit grow it, so it need not fit the data.
    **open_kwargs
        Passed to :func:`lmdb.open`, such as ``subdir``, ``sync``, ``max_readers``.
        When several stores in one process open the same environment, the first one's
        options apply.

    Raises
    ------
    ImportError
        If the ``lmdb`` package is not installed.
    FileNotFoundError
        Mode ``"r"`` or ``"r+"`` and no environment at `path`.
    FileExistsError
        Mode ``"w-"`` and an environment at `path`.
    ValueError
        An invalid mode or map size, or LMDB cannot open `path`.
    TypeError
        An argument the store sets itself (``readonly``, ``create``, ``lock``).

    Notes
    -----
    Every method may be called from several threads at once, and several processes may
    open the same environment. A store opened before ``fork()`` cannot be used in the
    child (LMDB forbids it): pickle it instead; it reopens the same environment (modes
    ``"w"`` and ``"w-"`` reopen as ``"r+"``).

    Examples
    --------
    >>> import os, tempfile
    >>> store = LMDBStore(os.path.join(tempfile.mkdtemp(), "data.lmdb"))
    >>> store["a/0.0"] = b"xy"
    >>> store.listdir("a"), store["a/0.0"]
    (['0.0'], b'xy')
    >>> store.close()
    """

    #: Every method may be called from several threads at once.
    threadsafe = True

    #: setitems hands values to LMDB, which copies them before the call returns.
    copies_values = True

    def __init__(self, path: str | os.PathLike[str], mode: str = "a",
                 map_size: int = DEFAULT_MAP_SIZE, **open_kwargs: Any) -> None:
        lmdb = _import_lmdb()
        self._readonly = readonly_from_mode(mode)
        managed = sorted(set(open_kwargs) & set(_MANAGED_ARGS))
        if managed:
            raise TypeError(f"LMDBStore sets {', '.join(managed)} itself; do not pass it")
        if not isinstance(map_size, int) or isinstance(map_size, bool) or map_size <= 0:
            raise ValueError(f"map_size must be a positive number of bytes, found {map_size!r}")
        self._given_path = os.fspath(path)
        self.path: str = os.path.abspath(self._given_path)
        self.mode = mode
        self.map_size = map_size
        self._open_kwargs = dict(open_kwargs)
        _check_place(self.path, mode, open_kwargs.get("subdir", True))
        self._shared: _Environment | None = None
        try:
            self._shared = _attach(lmdb, os.path.realpath(self.path), self._readonly,
                                   {"map_size": map_size, **open_kwargs})
        except lmdb.Error as e:
            raise ValueError(f"cannot open {self.path!r} as an LMDB store: {e}") from e
        self._finalizer = weakref.finalize(self, _detach, self._shared)
        self._max_key_nbytes: int = self._shared.env.max_key_size()
        if mode == "w":
            self.clear()

    def __reduce__(self) -> tuple[Any, ...]:
        return _reopen, (self.path, _REOPEN_MODE[self.mode], self.map_size,
                         self._open_kwargs)

    def __repr__(self) -> str:
        mode = ", mode='r'" if self._readonly else ""
        return f"LMDBStore({self.path!r}{mode})"

    def location_of(self, path: str) -> str:
        """Where node `path` is: ``"path 'a/b' of LMDB environment 'data.lmdb'"``."""
        return f"path {normalize_path(path)!r} of LMDB environment {self._given_path!r}"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.path == self.path

    def __hash__(self) -> int:
        return hash((type(self), self.path))

    def close(self) -> None:
        """Leave the environment (closed when no store uses it); the store cannot be used
        afterwards."""
        self._shared = None
        self._finalizer()

    def _run(self, work: Callable[[Any], T], *, write: bool = False, buffers: bool = False,
             nbytes: int = 0) -> T:
        """``work(txn)`` in one transaction; `buffers` makes reads return memoryviews into
        the map (valid inside the transaction); `nbytes` estimates what a write adds."""
        shared = self._shared
        if shared is None:
            raise ValueError(f"{self!r} is closed")
        if write:
            self._check_writable()
        return shared.run(work, write, buffers, nbytes)

    # keys -------------------------------------------------------------------------

    def _lookup_key(self, key: object) -> bytes | None:
        """`key` as LMDB bytes, or None for a key that cannot be stored (so is missing)."""
        if not isinstance(key, str):
            return None
        try:
            raw = key.encode("utf-8")
        except UnicodeEncodeError:
            return None
        return raw if 0 < len(raw) <= self._max_key_nbytes else None

    def _new_key(self, key: str) -> bytes:
        """Validate a key to write and return its LMDB bytes."""
        try:
            raw = validate_key(key).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"invalid store key {key!r}: not encodable as UTF-8") from None
        if len(raw) > self._max_key_nbytes:
            raise ValueError(f"cannot store key {key!r}: {len(raw)} bytes long in UTF-8, "
                             f"more than LMDB's limit of {self._max_key_nbytes}")
        return raw

    # mapping interface -------------------------------------------------------------

    def __getitem__(self, key: str) -> bytes:
        raw = self._lookup_key(key)
        value = None if raw is None else self._run(lambda txn: txn.get(raw))
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.setitems({key: value})

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        raw = self._lookup_key(key)
        if raw is None or not self._run(lambda txn: txn.delete(raw), write=True):
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        raw = self._lookup_key(key)
        return raw is not None and self._run(lambda txn: txn.get(raw) is not None,
                                             buffers=True)

    def __iter__(self) -> Iterator[str]:
        def work(txn: Any) -> list[str]:
            return [k.decode() for k in txn.cursor().iternext(keys=True, values=False)]

        return iter(self._run(work))

    def __len__(self) -> int:
        return self._run(lambda txn: txn.stat()["entries"])

    # batches -----------------------------------------------------------------------

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist, from one read transaction;
        missing keys are left out."""
        wanted = {}
        for key in keys:
            raw = self._lookup_key(key)
            if raw is not None:
                wanted[key] = raw

        def work(txn: Any) -> dict[str, bytes]:
            out = {}
            for key, raw in wanted.items():
                value = txn.get(raw)
                if value is not None:
                    out[key] = value
            return out

        return self._run(work) if wanted else {}

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping` in one transaction; every key and value
        is checked before anything is written."""
        self._check_writable()
        items = [(self._new_key(k), as_byte_view(v)) for k, v in mapping.items()]
        if not items:
            return

        def work(txn: Any) -> None:
            with txn.cursor() as cursor:
                cursor.putmulti(items)

        self._run(work, write=True, nbytes=sum(len(v) for _, v in items))

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete `keys` in one transaction, ignoring those that do not exist."""
        self._check_writable()
        doomed = [raw for raw in map(self._lookup_key, keys) if raw is not None]

        def work(txn: Any) -> None:
            for raw in doomed:
                txn.delete(raw)

        if doomed:
            self._run(work, write=True)

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        """Return byte ranges of values, copying only those bytes out of the map, all
        from one snapshot.

        See :func:`~zarrlite.stores.get_partial_values` for the arguments.
        """
        key_ranges = list(key_ranges)
        for _, _, length in key_ranges:
            if length is not None and length < 0:
                raise ValueError(f"byte range length must be >= 0 or None, found {length}")

        def work(txn: Any) -> list[bytes | None]:
            values: dict[Any, Any] = {}
            out: list[bytes | None] = []
            for key, start, length in key_ranges:
                if key not in values:
                    raw = self._lookup_key(key)
                    values[key] = None if raw is None else txn.get(raw)
                value = values[key]
                if value is None:
                    out.append(None)
                else:
                    part = value[start:] if start else value
                    out.append(bytes(part if length is None else part[:length]))
            return out

        return self._run(work, buffers=True) if key_ranges else []

    # hierarchy ---------------------------------------------------------------------

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the immediate children of path `prefix`.

        Walks the keys under `prefix` with a cursor, jumping over each child directory's
        contents instead of reading them.
        """
        start = dir_prefix(prefix).encode("utf-8")
        n = len(start)

        def work(txn: Any) -> list[str]:
            names: set[bytes] = set()
            cursor = txn.cursor()
            found = cursor.set_range(start)
            while found:
                key = cursor.key()
                if not key.startswith(start):
                    break
                name, sep, _ = key[n:].partition(b"/")
                names.add(name)
                # a directory: jump past its last possible key ("0" follows "/")
                found = cursor.set_range(start + name + b"0") if sep else cursor.next()
            return sorted(name.decode("utf-8") for name in names)

        return self._run(work)

    def rmdir(self, prefix: str = "") -> None:
        """Delete every key under path `prefix` (everything for ``""``), in one
        transaction."""
        self._check_writable()
        start = dir_prefix(prefix).encode("utf-8")

        def work(txn: Any) -> None:
            cursor = txn.cursor()
            found = cursor.set_range(start)
            while found and cursor.key().startswith(start):
                found = cursor.delete()  # and move to the next key

        self._run(work, write=True)

    def rename(self, src: str, dst: str) -> None:
        """Move every key under path `src` to the same place under path `dst`, in one
        transaction.

        See :func:`~zarrlite.stores.rename` for the errors raised.
        """
        self._check_writable()
        src, dst = check_rename(src, dst)
        old, new = (src + "/").encode("utf-8"), (dst + "/").encode("utf-8")

        def work(txn: Any) -> None:
            keys = _keys_under(txn, old)
            if not keys:
                raise PathNotFoundError(f"cannot rename {src!r}: nothing is stored under it")
            if txn.get(new[:-1]) is not None or _keys_under(txn, new, limit=1):
                raise ValueError(f"cannot rename {src!r} to {dst!r}: the destination is not "
                                 "empty")
            for key in keys:
                moved = new + key[len(old):]
                if len(moved) > self._max_key_nbytes:
                    raise ValueError(f"cannot rename {src!r} to {dst!r}: key "
                                     f"{moved.decode()!r} is longer than LMDB allows")
                txn.put(moved, txn.get(key))
                txn.delete(key)

        self._run(work, write=True)

    def getsize(self, prefix: str = "") -> int:
        """Return the number of bytes stored at key `prefix`, or under path `prefix`
        (value sizes come from the map without copying values)."""
        start = dir_prefix(prefix).encode("utf-8")
        raw = self._lookup_key(start[:-1].decode("utf-8"))
        n = len(start)

        def work(txn: Any) -> int:
            if raw is not None:
                value = txn.get(raw)
                if value is not None:
                    return len(value)
            cursor = txn.cursor()
            total = 0
            if cursor.set_range(start):
                for key, value in cursor:
                    if key[:n] != start:
                        break
                    total += len(value)
            return total

        return self._run(work, buffers=True)

    def clear(self) -> None:
        """Delete every key."""
        self.rmdir("")


def _keys_under(txn: Any, start: bytes, limit: int | None = None) -> list[bytes]:
    """The keys that begin with `start` (at most `limit`), in order."""
    keys: list[bytes] = []
    cursor = txn.cursor()
    if cursor.set_range(start):
        for key in cursor.iternext(keys=True, values=False):
            if not bytes(key).startswith(start) or len(keys) == limit:
                break
            keys.append(bytes(key))
    return keys


def _check_place(path: str, mode: str, subdir: bool) -> None:
    """Apply what `mode` says about an existing environment."""
    exists = os.path.exists(os.path.join(path, "data.mdb") if subdir else path)
    if mode in ("r", "r+") and not exists:
        raise FileNotFoundError(errno.ENOENT, f"no LMDB store to open in mode {mode!r}", path)
    if mode == "w-" and exists:
        raise FileExistsError(errno.EEXIST, "mode 'w-' refuses to open an existing store",
                              path)


def _reopen(path: str, mode: str, map_size: int, open_kwargs: dict[str, Any]) -> LMDBStore:
    """Unpickle an :class:`LMDBStore`: open the same environment again."""
    return LMDBStore(path, mode, map_size, **open_kwargs)
