"""One way into any store: :class:`StoreAdapter` gives a foreign mapping zarrlite's store protocol.

zarrlite's own stores (:class:`~zarrlite.stores.BaseStore` subclasses that declare
``threadsafe = True``) are used as they are. Anything else that maps ``str`` keys to
bytes — a ``dict``, a ``collections.UserDict``, zarr-python 2's ``DirectoryStore`` or
``SQLiteStore``, a user's own mapping — is wrapped once in a :class:`StoreAdapter`, and
the engine talks only to the adapter:

- A foreign store's optional batch methods (``getitems``, ``setitems``, ``delitems``,
  ``listdir``, ``rmdir``, ``rename``, ``getsize``, ``get_partial_values``,
  ``read_ranges_into``) are called only when their signature accepts zarrlite's
  arguments, or is zarr-python 2's ``getitems(keys, *, contexts)``; otherwise the
  adapter falls back to the mapping protocol (``store[key]`` and friends). A
  ``getitems`` that returns something other than a mapping is not used again.
- A store that does not declare ``threadsafe = True`` is called from one thread at a
  time (decoding stays parallel; only the store calls are serialized): zarr-python 2's
  SQLiteStore shares one cursor between threads, and crashes when called from two.
"""

from __future__ import annotations

import copy
import inspect
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from zarrlite.errors import ReadOnlyError
from zarrlite.stores.abc import BaseStore, ByteRange, is_readonly
from zarrlite.stores.process_local import is_process_local_mapping, refuse_pickle

__all__ = ["StoreAdapter", "as_store", "inside_store_call", "is_mapping_like", "unwrap_store"]

#: How many positional arguments zarrlite passes to each optional store method.
_POSITIONAL = {
    "getitems": 1,
    "setitems": 1,
    "delitems": 1,
    "listdir": 1,
    "rmdir": 1,
    "rename": 2,
    "getsize": 1,
    "get_partial_values": 1,
    "read_ranges_into": 3,
}

_MAPPING_METHODS = ("__getitem__", "__setitem__", "__delitem__", "__iter__")


def is_mapping_like(obj: Any) -> bool:
    """Tell whether `obj` can serve as a store: any Mapping (one that cannot write and
    delete keys is a read-only store), or an object that is not a sequence and gets, sets,
    deletes and lists keys (zarr-python 2 accepts such duck-typed stores)."""
    if isinstance(obj, Mapping):
        return True
    return (not isinstance(obj, Sequence)
            and all(callable(getattr(obj, name, None)) for name in _MAPPING_METHODS))


def _calling_convention(store: Any, name: str) -> tuple[Callable[..., Any], bool] | None:
    """The store's method `name` and whether it wants zarr-python 2's ``contexts``
    keyword, or None when it has no such method or its signature is neither ours nor
    a known one (then the adapter uses the mapping protocol instead)."""
    method = getattr(store, name, None)
    if not callable(method):
        return None
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):  # no signature to check (some C methods): don't guess
        return None
    args = (None,) * _POSITIONAL[name]
    try:
        signature.bind(*args)
        return method, False
    except TypeError:
        pass
    if name == "getitems":  # zarr-python 2: getitems(keys, *, contexts)
        parameter = signature.parameters.get("contexts")
        if parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            try:
                signature.bind(*args, contexts={})
                return method, True
            except TypeError:
                pass
    return None


def _declares_threadsafe(store: Any) -> bool:
    return getattr(store, "threadsafe", False) is True


class StoreAdapter(BaseStore):
    """zarrlite's store protocol over a foreign mapping (see the module docstring).

    Parameters
    ----------
    mapping : MutableMapping[str, bytes] or mapping-like
        The foreign store: anything with ``__getitem__``, ``__setitem__``,
        ``__delitem__`` and ``__iter__``.

    Notes
    -----
    Use :func:`as_store` rather than this constructor: it gives every foreign store one
    adapter, so that all arrays and groups over that store share its lock.
    """

    #: Calls into the foreign store are serialized by the adapter when it needs it.
    threadsafe = True

    def __init__(self, mapping: Any) -> None:
        if not is_mapping_like(mapping):
            raise TypeError(
                "expected a store (a Mapping[str, bytes], or an object with "
                f"__getitem__, __setitem__, __delitem__ and __iter__), found "
                f"{type(mapping).__name__}"
            )
        self.mapping = mapping
        self._readonly = is_readonly(mapping)
        self._guard = _CallGuard(None if _declares_threadsafe(mapping) else threading.RLock())
        self._methods = {name: _calling_convention(mapping, name) for name in _POSITIONAL}
        sep = getattr(mapping, "dimension_separator", None)
        if sep not in (".", "/"):
            sep = getattr(mapping, "_dimension_separator", None)  # zarr-python 2's name
        self.dimension_separator = sep if sep in (".", "/") else None

    def __repr__(self) -> str:  # not the mapping's repr: a dict's would print every value
        return f"StoreAdapter(<{type(self.mapping).__name__} at {id(self.mapping):#x}>)"

    def __reduce__(self) -> tuple[Any, ...]:  # locks don't pickle: make a new adapter
        if is_process_local_mapping(self.mapping):  # a dict: its copy would be another store
            refuse_pickle(f"{type(self.mapping).__name__} store")
        return (as_store, (self.mapping,))

    def __deepcopy__(self, memo: dict[int, Any]) -> BaseStore:  # a copy of the mapping's
        return as_store(copy.deepcopy(self.mapping, memo))

    def location_of(self, path: str) -> str:
        method = getattr(self.mapping, "location_of", None)
        if callable(method):
            return str(method(path))
        where = getattr(self.mapping, "path", None)  # zarr-python 2's directory stores
        if isinstance(where, str) and where:
            return repr(where + "/" + path if path else where)
        return f"path {path!r} of a {type(self.mapping).__name__}"

    @property
    def reads_byte_ranges(self) -> bool:
        if isinstance(self.mapping, BaseStore):  # a zarrlite store knows it itself
            return self.mapping.reads_byte_ranges
        return self._methods["get_partial_values"] is not None

    @property
    def reads_in_batches(self) -> bool:
        if isinstance(self.mapping, BaseStore):
            return self.mapping.reads_in_batches
        return self._methods["getitems"] is not None

    @property
    def supports_deletes(self) -> bool:  # type: ignore[override]
        if isinstance(self.mapping, BaseStore):
            return self.mapping.supports_deletes
        erasable = getattr(self.mapping, "is_erasable", None)  # zarr-python 2's ZipStore: no
        return not (callable(erasable) and not erasable())

    def _check_writable(self) -> None:
        if self._readonly:  # never the store's repr: it may print every value
            raise ReadOnlyError(f"the {type(self.mapping).__name__} store is read-only")

    # ---------------------------------------------------------------- mapping protocol
    def __getitem__(self, key: str) -> bytes:
        with self._guard:
            return self.mapping[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._check_writable()
        with self._guard:
            self.mapping[key] = value

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        with self._guard:
            del self.mapping[key]

    def __contains__(self, key: object) -> bool:
        with self._guard:
            if hasattr(self.mapping, "__contains__"):
                return key in self.mapping
            try:
                self.mapping[key]
            except KeyError:
                return False
            return True

    def __iter__(self) -> Iterator[str]:
        with self._guard:  # a snapshot: other threads may write while the caller iterates
            keys = list(self.mapping)
        return iter(keys)

    def __len__(self) -> int:
        with self._guard:
            if hasattr(self.mapping, "__len__"):
                return len(self.mapping)
            return sum(1 for _ in self.mapping)

    def close(self) -> None:
        close = getattr(self.mapping, "close", None)
        if callable(close):
            with self._guard:
                close()

    # ------------------------------------------------------------------ batch methods
    def _call(self, name: str, *args: Any) -> Any:
        method, wants_contexts = self._methods[name]  # type: ignore[misc]
        with self._guard:
            if wants_contexts:
                return method(*args, contexts={key: {} for key in args[0]})
            return method(*args)

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        keys = list(keys)
        if self._methods["getitems"] is not None:
            values = self._call("getitems", keys)
            if isinstance(values, Mapping):
                return values if isinstance(values, dict) else dict(values)
            self._methods["getitems"] = None  # not what we expect: never again
        return super().getitems(keys)

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        if self._methods["setitems"] is not None:
            self._check_writable()
            self._call("setitems", mapping)
        else:
            super().setitems(mapping)

    def delitems(self, keys: Iterable[str]) -> None:
        if self._methods["delitems"] is not None:
            self._check_writable()
            self._call("delitems", list(keys))
        else:
            super().delitems(keys)

    def listdir(self, prefix: str = "") -> list[str]:
        if self._methods["listdir"] is not None:
            return sorted(self._call("listdir", prefix))
        return super().listdir(prefix)

    def rmdir(self, prefix: str = "") -> None:
        erasable = getattr(self.mapping, "is_erasable", None)  # zarr-python 2's ZipStore: no
        if self._methods["rmdir"] is not None and not (callable(erasable) and not erasable()):
            self._check_writable()
            self._call("rmdir", prefix)
        else:
            super().rmdir(prefix)

    def rename(self, src: str, dst: str) -> None:
        if self._methods["rename"] is not None:
            self._check_writable()
            self._call("rename", src, dst)
        else:
            super().rename(src, dst)

    def getsize(self, prefix: str = "") -> int:
        if self._methods["getsize"] is not None:
            return int(self._call("getsize", prefix))
        return super().getsize(prefix)

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        if self._methods["get_partial_values"] is not None:
            return list(self._call("get_partial_values", list(key_ranges)))
        return super().get_partial_values(key_ranges)

    def read_ranges_into(self, key: str, ranges: Iterable[tuple[int, int, int]],
                         out: Any) -> list[int] | None:
        if self._methods["read_ranges_into"] is not None:
            return self._call("read_ranges_into", key, list(ranges), out)
        return super().read_ranges_into(key, ranges, out)


_calls = threading.local()  # how deep this thread is inside foreign store calls


def inside_store_call() -> bool:
    """True while this thread runs a foreign store's code (through an adapter). Work that
    a store starts from there (a store that reads another array) must not wait on the
    worker pool: the pool's threads may be waiting for this store's lock."""
    return getattr(_calls, "depth", 0) > 0


class _CallGuard:
    """Around each call into a foreign store: its lock (None for stores that declare
    themselves thread-safe), and this thread's depth of store calls."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        if self._lock is not None:
            self._lock.acquire()
        _calls.depth = getattr(_calls, "depth", 0) + 1

    def __exit__(self, *exc_info: object) -> None:
        _calls.depth -= 1
        if self._lock is not None:
            self._lock.release()


#: One adapter per foreign store object, so that every array and group over it shares
#: the adapter's lock. Keyed by id(): the adapter holds the store, so while the entry
#: lives the id cannot be reused.
_adapters: weakref.WeakValueDictionary[int, StoreAdapter] = weakref.WeakValueDictionary()
_adapters_lock = threading.Lock()


#: zarr-python 2 store classes that rewrite metadata, keys and chunk bytes of another
#: format on the fly: refused rather than read as Zarr v2.
_FORMAT_TRANSLATING_STORES = ("N5Store", "N5FSStore")


def as_store(obj: Any) -> BaseStore:
    """Return `obj` as a store that speaks zarrlite's protocol.

    Parameters
    ----------
    obj : MutableMapping[str, bytes] or mapping-like
        A zarrlite store (returned as it is when it declares ``threadsafe = True``),
        or any other mapping (wrapped, once per object, in a :class:`StoreAdapter`).

    Returns
    -------
    BaseStore

    Raises
    ------
    TypeError
        If `obj` cannot get, set, delete and list keys.
    NotImplementedError
        For zarr-python 2's N5 stores.

    Examples
    --------
    >>> d = {}
    >>> s = as_store(d)
    >>> s.setitems({"a": b"1"}); d
    {'a': b'1'}
    >>> as_store(d) is s
    True
    """
    if isinstance(obj, BaseStore) and obj.threadsafe:
        return obj
    if any(cls.__name__ in _FORMAT_TRANSLATING_STORES for cls in type(obj).__mro__):
        raise NotImplementedError(
            f"{type(obj).__name__} translates another format (N5) inside the store; zarrlite "
            "reads Zarr v2 stores only, and would read its chunks wrongly")
    with _adapters_lock:
        adapter = _adapters.get(id(obj))
        if adapter is None or adapter.mapping is not obj:
            adapter = StoreAdapter(obj)
            _adapters[id(obj)] = adapter
        return adapter


def unwrap_store(store: Any) -> Any:
    """The store object the user gave: the mapping inside a :class:`StoreAdapter`."""
    return store.mapping if isinstance(store, StoreAdapter) else store
