"""Store access for the rest of zarrlite: functions that take any store.

Every function here turns its store argument into one that speaks zarrlite's protocol
(:func:`~zarrlite.stores.adapter.as_store`: zarrlite's stores as they are, any other
mapping through its adapter) and calls the method of the same name. The engine reaches
stores through these functions or through the store objects they return.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from zarrlite.stores._util import readonly_from_mode
from zarrlite.stores.abc import BaseStore, ByteRange
from zarrlite.stores.adapter import as_store, is_mapping_like
from zarrlite.stores.directory import DirectoryStore
from zarrlite.stores.memory import MemoryStore

__all__ = [
    "delitems",
    "get_partial_values",
    "getitems",
    "getsize",
    "listdir",
    "location_of",
    "normalize_store",
    "read_ranges_into",
    "reads_byte_ranges",
    "rename",
    "rmdir",
    "setitems",
]


def getitems(store: Mapping[str, bytes], keys: Iterable[str]) -> dict[str, bytes]:
    """Fetch several values at once.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Any store.
    keys : iterable of str
        Keys to fetch.

    Returns
    -------
    dict[str, bytes]
        The values of the keys that exist; missing keys are simply absent.

    Examples
    --------
    >>> getitems({"a": b"1", "b": b"2"}, ["a", "c"])
    {'a': b'1'}
    """
    return as_store(store).getitems(keys)


def setitems(store: MutableMapping[str, bytes], mapping: Mapping[str, Any]) -> None:
    """Store several values at once.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Any store.
    mapping : Mapping[str, bytes-like]
        Keys and values to store.

    Raises
    ------
    zarrlite.errors.ReadOnlyError
        If the store is read-only.
    """
    as_store(store).setitems(mapping)


def delitems(store: MutableMapping[str, bytes], keys: Iterable[str]) -> None:
    """Delete several keys at once, ignoring keys that do not exist.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Any store.
    keys : iterable of str
        Keys to delete.

    Raises
    ------
    zarrlite.errors.ReadOnlyError
        If the store is read-only.
    """
    as_store(store).delitems(keys)


def listdir(store: Mapping[str, bytes], prefix: str = "") -> list[str]:
    """List the immediate children of a path, like ``os.listdir``.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Any store.
    prefix : str, optional
        Node path; ``""`` (the default) for the root.

    Returns
    -------
    list of str
        Sorted child names: keys directly under `prefix` and the first segment
        of deeper keys. Empty if nothing is stored under `prefix`.

    Raises
    ------
    ValueError
        If `prefix` is not a valid path (see :func:`~zarrlite.metadata.keys.normalize_path`).

    Examples
    --------
    >>> listdir({"a/.zarray": b"", "a/0.0": b"", "b/c/0": b""})
    ['a', 'b']
    >>> listdir({"a/.zarray": b"", "a/0.0": b""}, "a")
    ['.zarray', '0.0']
    """
    return as_store(store).listdir(prefix)


def rmdir(store: MutableMapping[str, bytes], prefix: str = "") -> None:
    """Delete every key under a path.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Any store.
    prefix : str, optional
        Node path; ``""`` (the default) deletes everything. A key equal to
        `prefix` itself is not deleted.

    Raises
    ------
    ValueError
        If `prefix` is not a valid path.
    zarrlite.errors.ReadOnlyError
        If the store is read-only.
    """
    as_store(store).rmdir(prefix)


def rename(store: MutableMapping[str, bytes], src: str, dst: str) -> None:
    """Move every key under path `src` to the same relative place under path `dst`.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Any store.
    src, dst : str
        Non-root node paths; neither may contain the other.

    Raises
    ------
    zarrlite.errors.PathNotFoundError
        If nothing is stored under `src` (a ``KeyError``).
    ValueError
        If a path is invalid or the root, one contains the other, or something
        is already stored at or under `dst`.
    zarrlite.errors.ReadOnlyError
        If the store is read-only.
    """
    as_store(store).rename(src, dst)


def getsize(store: Mapping[str, bytes], prefix: str = "") -> int:
    """Return the number of bytes stored at a key, or under a path.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Any store.
    prefix : str, optional
        A key (its value's size is returned) or a node path (the sizes of all
        values under it, at any depth, are summed); ``""`` for the whole store.

    Returns
    -------
    int
        Total size in bytes; 0 if nothing is stored there; -1 if a value there is not
        a bytes-like object (its size is unknown), as in zarr-python 2.

    Examples
    --------
    >>> getsize({"a/.zarray": b"{}", "a/0": b"xyz", "b": b"1"}, "a")
    5
    """
    return as_store(store).getsize(prefix)


def get_partial_values(
    store: Mapping[str, bytes], key_ranges: Iterable[ByteRange]
) -> list[bytes | None]:
    """Read byte ranges of several values.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Any store.
    key_ranges : iterable of (key, start, length)
        `start` is a byte offset; negative counts from the end as in a slice.
        `length` is a byte count, or None to read to the end. Ranges past the
        end are clipped.

    Returns
    -------
    list of bytes or None
        One entry per range, in order; None where the key does not exist.

    Examples
    --------
    >>> get_partial_values({"a": b"0123456789"}, [("a", 2, 3), ("a", -2, None), ("b", 0, 1)])
    [b'234', b'89', None]
    """
    return as_store(store).get_partial_values(key_ranges)


def read_ranges_into(
    store: Mapping[str, bytes], key: str, ranges: Iterable[tuple[int, int, int]], out: Any
) -> list[int] | None:
    """Read byte ranges of one value into a writable buffer.

    Parameters
    ----------
    store : Mapping[str, bytes]
        Any store; one with its own ``read_ranges_into`` (directory stores: straight into
        `out`, from one open file) is asked directly, others through
        :func:`get_partial_values` and a copy.
    key : str
    ranges : iterable of (start, length, out_offset)
        Non-negative byte offset and count in the value, and where they go in `out`.
    out : writable buffer

    Returns
    -------
    list of int or None
        Bytes read per range (fewer where the value ends early), or None when the key
        does not exist.

    Examples
    --------
    >>> buf = bytearray(7)
    >>> read_ranges_into({"a": b"0123456789"}, "a", [(2, 2, 0), (8, 5, 2)], buf)
    [2, 2]
    >>> bytes(buf[:4])
    b'2389'
    """
    return as_store(store).read_ranges_into(key, ranges, out)


#: ``scheme://...`` (or a chain of file systems, ``simplecache::s3://...``): a URL for fsspec.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(::|://)")


def normalize_store(obj: Any, mode: str = "a", storage_options: dict[str, Any] | None = None
                    ) -> BaseStore:
    """Turn whatever the user passed as a store into a store.

    Parameters
    ----------
    obj : None, str, os.PathLike or MutableMapping[str, bytes]
        None gives a new :class:`~zarrlite.stores.MemoryStore`; a URL (``"s3://..."``,
        ``"https://..."``, ``"memory://..."``, ``"file://..."``) an
        :class:`~zarrlite.stores.fsspec.FSStore` (``redis://`` a
        :class:`~zarrlite.stores.redis.RedisStore`); a path ending in ``.zip`` a
        :class:`~zarrlite.stores.zip.ZipStore`, in ``.sqlite`` or ``.sqlite3`` a
        :class:`~zarrlite.stores.sqlite.SQLiteStore`, in ``.lmdb`` (or a directory
        holding ``data.mdb``) an :class:`~zarrlite.stores.lmdb.LMDBStore`; any other path a
        :class:`~zarrlite.stores.DirectoryStore`. zarrlite's own stores are returned as
        they are; any other mapping (a ``dict``, zarr-python 2's stores, ...) comes back
        wrapped in its :class:`~zarrlite.stores.adapter.StoreAdapter`.
    mode : str, optional
        One of :data:`MODES`; ``"r"`` opens a path or URL read-only.
    storage_options : dict, optional
        For a URL: options of its fsspec file system (credentials, endpoint, ...).

    Returns
    -------
    BaseStore

    Raises
    ------
    TypeError
        If `obj` is none of the above.
    ValueError
        If `mode` is invalid, or `storage_options` is given with something other than a
        URL.
    ImportError
        For a URL, when fsspec or the package its file system needs is missing.
    """
    readonly_from_mode(mode)
    path = os.fspath(obj) if isinstance(obj, (str, os.PathLike)) else None
    if storage_options is not None and not (isinstance(path, str) and _URL.match(path)):
        raise ValueError(
            "storage_options apply to URLs ('s3://...', 'https://...') only, found "
            + (repr(path) if isinstance(path, str) else type(obj).__name__)
        )
    if obj is None:
        return MemoryStore()
    if path is not None:
        if not isinstance(path, str):
            raise TypeError(f"expected a str path, found {type(path).__name__}")
        if path.lower().startswith(("redis://", "rediss://", "unix://")):
            from zarrlite.stores.redis import RedisStore

            return RedisStore.from_url(path, mode=mode, **(storage_options or {}))
        if _URL.match(path):
            from zarrlite.stores.fsspec import FSStore

            return FSStore(path, mode=mode, **(storage_options or {}))
        if path.lower().endswith(".zip") and not os.path.isdir(path):
            from zarrlite.stores.zip import ZipStore

            return ZipStore(path, mode=mode)
        # The entry points' 'w' and 'w-' replace (or refuse) what is at one path inside
        # the store, and they do that themselves: the database file stays, with every
        # other node in it. (A zip archive cannot delete: 'w' starts a new archive, as
        # with zarr-python 2's ZipStore.)
        file_mode = "a" if mode in ("w", "w-") else mode
        if path.lower().endswith((".sqlite", ".sqlite3")):
            from zarrlite.stores.sqlite import SQLiteStore

            return SQLiteStore(path, mode=file_mode)
        if path.lower().endswith(".lmdb") or os.path.isfile(os.path.join(path, "data.mdb")):
            from zarrlite.stores.lmdb import LMDBStore

            return LMDBStore(path, mode=file_mode)
        return DirectoryStore(path, mode=mode)
    if not is_mapping_like(obj):
        raise TypeError(
            "expected a store (None, a path or a Mapping[str, bytes]), "
            f"found {type(obj).__name__}"
        )
    return as_store(obj)


def reads_byte_ranges(store: Mapping[str, bytes]) -> bool:
    """Tell whether `store` reads parts of values without fetching them whole.

    Examples
    --------
    >>> from zarrlite.stores import MemoryStore
    >>> reads_byte_ranges(MemoryStore()), reads_byte_ranges({})
    (True, False)
    """
    return as_store(store).reads_byte_ranges


def location_of(store: Mapping[str, bytes], path: str) -> str:
    """Name node `path` of `store` for a message: its file system path for directory
    stores, else the path and the store's type.

    Examples
    --------
    >>> location_of({}, "a/b")
    "path 'a/b' of a dict"
    """
    return as_store(store).location_of(path)
