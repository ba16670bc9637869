"""The store protocol: :class:`BaseStore`, with generic batch methods built on the mapping ones.

A store maps keys (``str``, ``"/"``-separated, see :mod:`zarrlite.metadata.keys`) to
values (``bytes``). :class:`BaseStore` provides every batch and hierarchy method
(``getitems``, ``listdir``, ``rmdir``, ...) in generic versions built on the
mapping interface, so a subclass only needs the five mapping methods and can
override the rest for speed; it also declares what the store can do:
``threadsafe`` (may be called from several threads at once), ``reads_in_batches``
(``getitems`` fetches many keys in one go), ``reads_byte_ranges`` (partial reads
fetch only the bytes asked for), ``supports_deletes`` (False for a zip archive:
then the engine overwrites a chunk that became empty instead of deleting it) and
``readonly``.

Any other ``MutableMapping[str, bytes]`` (a ``dict``, zarr-python 2's stores, ...) is
wrapped in a :class:`~zarrlite.stores.adapter.StoreAdapter`; the functions in
:mod:`zarrlite.stores.access` take either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from zarrlite.errors import PathNotFoundError, ReadOnlyError
from zarrlite.metadata.keys import normalize_path
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
    "ensure_bytes",
    "is_readonly",
    "readonly_from_mode",
]

# --------------------------------------------------------------- generic fallbacks
# BaseStore's default methods, built on the mapping methods (the adapter's fallbacks too).


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


def _rmdir(store: BaseStore, prefix: str) -> None:
    store.delitems(_keys_under(store, dir_prefix(prefix)))


def _rename(store: BaseStore, src: str, dst: str) -> None:
    src, dst = check_rename(src, dst)
    src_keys = _keys_under(store, src + "/")
    if not src_keys:
        raise PathNotFoundError(f"cannot rename {src!r}: nothing is stored under it")
    if dst in store or _keys_under(store, dst + "/"):
        raise ValueError(f"cannot rename {src!r} to {dst!r}: the destination is not empty")
    n = len(src)
    values = store.getitems(src_keys)
    store.setitems({dst + k[n:]: v for k, v in values.items()})
    store.delitems(src_keys)


def _getsize(store: BaseStore, prefix: str) -> int:
    prefix = normalize_path(prefix)
    if prefix:
        try:
            return _size_or_unknown(store[prefix])
        except KeyError:
            pass
    keys = _keys_under(store, prefix + "/" if prefix else "")
    sizes = [_size_or_unknown(v) for v in store.getitems(keys).values()]
    return -1 if -1 in sizes else sum(sizes)


def _size_or_unknown(value: Any) -> int:
    """A value's size in bytes; -1 (unknown, as zarr-python 2 says) for a value that is
    not a buffer, such as a list put into a dict store by hand."""
    try:
        return nbytes(value)
    except TypeError:
        return -1


def _get_partial_values(store: BaseStore, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
    key_ranges = list(key_ranges)
    values = store.getitems({key for key, _, _ in key_ranges})
    out: list[bytes | None] = []
    for key, start, length in key_ranges:
        value = values.get(key)
        out.append(None if value is None else slice_value(ensure_bytes(value), start, length))
    return out


def _read_ranges_into(store: BaseStore, key: str, ranges: Iterable[tuple[int, int, int]],
                      out: Any) -> list[int] | None:
    ranges, view = checked_ranges_into(ranges, out)
    parts = store.get_partial_values([(key, start, length) for start, length, _ in ranges])
    if any(part is None for part in parts):
        return None
    counts = []
    for (_start, _length, at), part in zip(ranges, parts):
        data = as_byte_view(part)
        view[at : at + len(data)] = data
        counts.append(len(data))
    return counts


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

    #: True when the store may be called from several threads at once. A store that
    #: does not declare it is called from one thread at a time (through a
    #: :class:`~zarrlite.stores.adapter.StoreAdapter`).
    threadsafe: bool = False

    #: True when ``setitems`` copies each value before returning, so that it may be given
    #: views of a buffer the caller reuses. Only a class's own declaration counts (it is
    #: not inherited): a subclass that overrides ``setitems`` must say so again.
    copies_values: bool = False

    #: True when the store has ``getitems_into(keys, buf) -> (values, buf)``: it reads
    #: values into one reusable buffer (values are views of it, valid until the next call
    #: on this thread) instead of making a bytes object each.
    reads_into_buffer: bool = False

    #: The chunk key separator arrays in this store use when their metadata does not say
    #: ('.' or '/'), or None: then '.', as the Zarr v2 spec says. zarr-python 2's nested
    #: directory stores declare '/' (as ``_dimension_separator``).
    dimension_separator: str | None = None

    #: False when keys cannot be deleted (a zip archive): ``__delitem__``, ``delitems``
    #: and ``rmdir`` raise NotImplementedError, and the engine writes a chunk that
    #: became all fill value instead of deleting it (and so on for resize).
    supports_deletes: bool = True

    #: The Zarr format version the store holds (code written for zarr-python 2 checks
    #: ``store._store_version == 2``).
    _store_version = 2

    @property
    def reads_byte_ranges(self) -> bool:
        """True if :meth:`get_partial_values` reads only the bytes asked for (not whole
        values, as the generic version does): then reading a few blocks of a big chunk
        by byte ranges pays."""
        return type(self).get_partial_values is not BaseStore.get_partial_values

    @property
    def reads_in_batches(self) -> bool:
        """True if :meth:`getitems` fetches many keys in one go (one query, concurrent
        requests) rather than one key after another, as the generic version does."""
        return type(self).getitems is not BaseStore.getitems

    def location_of(self, path: str) -> str:
        """Where node `path` is, for messages: ``"path 'a/b' of a MemoryStore"``."""
        return f"path {path!r} of a {type(self).__name__}"

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
        """Return byte ranges of values; see :func:`zarrlite.stores.get_partial_values`."""
        return _get_partial_values(self, key_ranges)

    def read_ranges_into(self, key: str, ranges: Iterable[tuple[int, int, int]],
                         out: Any) -> list[int] | None:
        """Read byte ranges of one value into `out`; see
        :func:`zarrlite.stores.read_ranges_into`."""
        return _read_ranges_into(self, key, ranges, out)

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


# ------------------------------------------------------------------ capabilities


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
    if not (callable(getattr(store, "__setitem__", None))
            and callable(getattr(store, "__delitem__", None))):
        return True
    for name in ("readonly", "read_only"):
        flag = getattr(store, name, None)
        if isinstance(flag, bool):
            return flag
    is_writeable = getattr(store, "is_writeable", None)
    if callable(is_writeable):
        return not is_writeable()
    return False
