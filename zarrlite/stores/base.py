"""The store protocol: :class:`BaseStore` and helpers for any ``MutableMapping[str, bytes]``.

A store maps keys (``str``, ``"/"``-separated, see :mod:`zarrlite.paths`) to
values (``bytes``). Any ``MutableMapping[str, bytes]`` works as a store, a plain
``dict`` included. The module-level functions below (:func:`getitems`,
:func:`listdir`, :func:`rmdir`, ...) call the store's own method of the same
name when it has one, and otherwise fall back to generic code built on the
mapping interface. :class:`BaseStore` provides those generic versions as
methods, so a subclass only needs the five mapping methods and can override
the rest for speed.

Methods found on a foreign store are trusted to follow the signatures and
semantics documented here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from zarrlite.errors import PathNotFoundError, ReadOnlyError
from zarrlite.paths import normalize_path
from zarrlite.stores._util import (
    MODES,
    ByteRange,
    as_byte_view,
    check_rename,
    checked_ranges_into,
    dir_prefix,
    ensure_bytes,
    nbytes,
    readonly_from_mode,
    slice_value,
)

__all__ = [
    "MODES",
    "BaseStore",
    "ByteRange",
    "as_byte_view",
    "delitems",
    "ensure_bytes",
    "get_partial_values",
    "getitems",
    "getsize",
    "is_readonly",
    "listdir",
    "normalize_store",
    "read_ranges_into",
    "readonly_from_mode",
    "rename",
    "rmdir",
    "setitems",
]

# --------------------------------------------------------------- generic fallbacks
# These take any MutableMapping; BaseStore's default methods call them too.


def _getitems(store: Mapping[str, bytes], keys: Iterable[str]) -> dict[str, bytes]:
    out = {}
    for key in keys:
        try:
            out[key] = store[key]
        except KeyError:
            pass
    return out


def _setitems(store: MutableMapping[str, bytes], mapping: Mapping[str, Any]) -> None:
    for key, value in mapping.items():
        store[key] = value


def _delitems(store: MutableMapping[str, bytes], keys: Iterable[str]) -> None:
    for key in keys:
        try:
            del store[key]
        except KeyError:
            pass


def _keys_under(store: Mapping[str, bytes], start: str) -> list[str]:
    # list() takes a snapshot so that other threads may write meanwhile
    keys = list(store.keys())
    return [k for k in keys if k.startswith(start)] if start else keys


def _listdir(store: Mapping[str, bytes], prefix: str) -> list[str]:
    start = dir_prefix(prefix)
    n = len(start)
    return sorted({k[n:].partition("/")[0] for k in _keys_under(store, start)})


def _rmdir(store: MutableMapping[str, bytes], prefix: str) -> None:
    delitems(store, _keys_under(store, dir_prefix(prefix)))


def _rename(store: MutableMapping[str, bytes], src: str, dst: str) -> None:
    src, dst = check_rename(src, dst)
    src_keys = _keys_under(store, src + "/")
    if not src_keys:
        raise PathNotFoundError(f"cannot rename {src!r}: nothing is stored under it")
    if dst in store or _keys_under(store, dst + "/"):
        raise ValueError(f"cannot rename {src!r} to {dst!r}: the destination is not empty")
    n = len(src)
    values = getitems(store, src_keys)
    setitems(store, {dst + k[n:]: v for k, v in values.items()})
    delitems(store, src_keys)


def _getsize(store: Mapping[str, bytes], prefix: str) -> int:
    prefix = normalize_path(prefix)
    if prefix:
        try:
            return nbytes(store[prefix])
        except KeyError:
            pass
    keys = _keys_under(store, prefix + "/" if prefix else "")
    return sum(nbytes(v) for v in getitems(store, keys).values())


def _get_partial_values(
    store: Mapping[str, bytes], key_ranges: Iterable[ByteRange]
) -> list[bytes | None]:
    key_ranges = list(key_ranges)
    values = getitems(store, {key for key, _, _ in key_ranges})
    out: list[bytes | None] = []
    for key, start, length in key_ranges:
        value = values.get(key)
        out.append(None if value is None else slice_value(ensure_bytes(value), start, length))
    return out


# ------------------------------------------------------------------------ BaseStore


class BaseStore(MutableMapping[str, bytes]):
    """Abstract store: a ``MutableMapping[str, bytes]`` with batch and hierarchy methods.

    Subclasses implement ``__getitem__``, ``__setitem__``, ``__delitem__``,
    ``__iter__`` and ``__len__`` and may override any other method for speed.
    ``__setitem__`` should accept any bytes-like value (see :func:`ensure_bytes`)
    and raise :class:`~zarrlite.errors.ReadOnlyError` when the store is read-only
    (:meth:`_check_writable` does that).

    Stores compare by identity, not by content (comparing two directory stores by
    content would read every file); subclasses may compare by location instead.
    """

    _readonly: bool = False

    @property
    def readonly(self) -> bool:
        """True if writes raise :class:`~zarrlite.errors.ReadOnlyError`."""
        return self._readonly

    @property
    def read_only(self) -> bool:
        """Alias of :attr:`readonly`, the name zarr-python 3 and zarrlite's Array use."""
        return self._readonly

    def _check_writable(self) -> None:
        if self._readonly:
            raise ReadOnlyError(f"{self!r} is read-only")

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist; missing keys are left out."""
        return _getitems(self, keys)

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping`."""
        self._check_writable()
        _setitems(self, mapping)

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete `keys`, ignoring those that do not exist."""
        self._check_writable()
        _delitems(self, keys)

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the immediate children of path `prefix`."""
        return _listdir(self, prefix)

    def rmdir(self, prefix: str = "") -> None:
        """Delete every key under path `prefix` (everything for ``""``)."""
        self._check_writable()
        _rmdir(self, prefix)

    def rename(self, src: str, dst: str) -> None:
        """Move every key under path `src` to the same place under path `dst`."""
        self._check_writable()
        _rename(self, src, dst)

    def getsize(self, prefix: str = "") -> int:
        """Return the number of bytes stored at key `prefix`, or under path `prefix`."""
        return _getsize(self, prefix)

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        """Return byte ranges of values; see :func:`get_partial_values`."""
        return _get_partial_values(self, key_ranges)

    def clear(self) -> None:
        """Delete every key."""
        self.rmdir("")

    def close(self) -> None:
        """Release resources held by the store; the base class holds none."""

    def __enter__(self) -> BaseStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return object.__hash__(self)


# -------------------------------------------------------------- module-level helpers


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
    method = getattr(store, "getitems", None)
    return method(keys) if method is not None else _getitems(store, keys)


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
    method = getattr(store, "setitems", None)
    if method is not None:
        method(mapping)
    else:
        _setitems(store, mapping)


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
    method = getattr(store, "delitems", None)
    if method is not None:
        method(keys)
    else:
        _delitems(store, keys)


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
        If `prefix` is not a valid path (see :func:`~zarrlite.paths.normalize_path`).

    Examples
    --------
    >>> listdir({"a/.zarray": b"", "a/0.0": b"", "b/c/0": b""})
    ['a', 'b']
    >>> listdir({"a/.zarray": b"", "a/0.0": b""}, "a")
    ['.zarray', '0.0']
    """
    method = getattr(store, "listdir", None)
    return method(prefix) if method is not None else _listdir(store, prefix)


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
    method = getattr(store, "rmdir", None)
    if method is not None:
        method(prefix)
    else:
        _rmdir(store, prefix)


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
    method = getattr(store, "rename", None)
    if method is not None:
        method(src, dst)
    else:
        _rename(store, src, dst)


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
        Total size in bytes; 0 if nothing is stored there.

    Examples
    --------
    >>> getsize({"a/.zarray": b"{}", "a/0": b"xyz", "b": b"1"}, "a")
    5
    """
    method = getattr(store, "getsize", None)
    return method(prefix) if method is not None else _getsize(store, prefix)


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
    method = getattr(store, "get_partial_values", None)
    if method is not None:
        return method(key_ranges)
    return _get_partial_values(store, key_ranges)


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
    >>> buf = bytearray(4)
    >>> read_ranges_into({"a": b"0123456789"}, "a", [(2, 2, 0), (8, 5, 2)], buf)
    [2, 2]
    >>> bytes(buf)
    b'2389'
    """
    method = getattr(store, "read_ranges_into", None)
    if method is not None:
        return method(key, ranges, out)
    ranges, view = checked_ranges_into(ranges, out)
    parts = get_partial_values(store, [(key, start, length) for start, length, _ in ranges])
    if any(part is None for part in parts):
        return None
    counts = []
    for (_start, _length, at), part in zip(ranges, parts):
        data = as_byte_view(part)
        view[at : at + len(data)] = data
        counts.append(len(data))
    return counts


def is_readonly(store: Mapping[str, bytes]) -> bool:
    """Tell whether writes to `store` will be refused.

    Parameters
    ----------
    store : Mapping[str, bytes]
        Any store.

    Returns
    -------
    bool
        True for a read-only :class:`BaseStore`, a mapping that is not mutable,
        or a foreign store whose ``readonly``/``read_only`` attribute is true or
        whose ``is_writeable()`` returns False.
    """
    if isinstance(store, BaseStore):
        return store.readonly
    if not isinstance(store, MutableMapping):
        return True
    for name in ("readonly", "read_only"):
        flag = getattr(store, name, None)
        if isinstance(flag, bool):
            return flag
    is_writeable = getattr(store, "is_writeable", None)
    if callable(is_writeable):
        return not is_writeable()
    return False


def normalize_store(obj: Any, mode: str = "a") -> MutableMapping[str, bytes]:
    """Turn whatever the user passed as a store into a store.

    Parameters
    ----------
    obj : None, str, os.PathLike or MutableMapping[str, bytes]
        None gives a new :class:`~zarrlite.stores.MemoryStore`; a path gives a
        :class:`~zarrlite.stores.DirectoryStore`; a mapping is returned as is.
    mode : str, optional
        One of :data:`MODES`; ``"r"`` opens a directory store read-only.

    Returns
    -------
    MutableMapping[str, bytes]

    Raises
    ------
    TypeError
        If `obj` is none of the above.
    ValueError
        If `mode` is invalid, or `obj` is a URL (``"scheme://..."``): fsspec
        stores are not implemented yet.
    """
    readonly_from_mode(mode)
    if obj is None:
        from zarrlite.stores.memory import MemoryStore

        return MemoryStore()
    if isinstance(obj, (str, os.PathLike)):
        path = os.fspath(obj)
        if not isinstance(path, str):
            raise TypeError(f"expected a str path, found {type(path).__name__}")
        # Hook for other stores chosen by the path: "s3://...", "*.zip", "*.sqlite".
        if "://" in path:
            raise ValueError(
                f"cannot open {path!r}: URL (fsspec) stores are not implemented yet; "
                "pass a local directory path or a MutableMapping"
            )
        from zarrlite.stores.directory import DirectoryStore

        return DirectoryStore(path, mode=mode)
    if isinstance(obj, MutableMapping):
        return obj
    raise TypeError(
        f"expected a store (None, a path or a MutableMapping[str, bytes]), "
        f"found {type(obj).__name__}"
    )
