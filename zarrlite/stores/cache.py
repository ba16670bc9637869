"""LRUStoreCache: keep the values recently read from a slow store in memory.

Put in front of a remote or otherwise slow store, it answers repeated reads of the same
keys (metadata, chunks read again and again) from memory, up to a size in bytes, the
least recently used values going first. Writes and deletes go through to the store and
drop what they change from the cache. Changes made by others (another process, another
object over the same place) are not seen until :meth:`LRUStoreCache.invalidate`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from zarrlite.config import parse_nbytes
from zarrlite.stores._util import ByteRange, dir_prefix, slice_value
from zarrlite.stores.abc import BaseStore
from zarrlite.stores.adapter import as_store

__all__ = ["LRUStoreCache", "parse_nbytes"]

class LRUStoreCache(BaseStore):
    """A store that keeps the values it reads from `store` in memory, up to `max_size`.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        The store to read through (any store).
    max_size : int, str or None
        Most bytes of values kept (``"256MiB"`` works too); None keeps everything.
        A value larger than `max_size` is passed through, not kept.

    Attributes
    ----------
    hits, misses : int
        Reads answered from memory, and reads that went to `store`.

    Notes
    -----
    Key listings (``listdir``, iteration) are kept too. Writes, deletes and renames
    through the cache go to `store` and drop what they change; changes made to `store`
    by others are seen after :meth:`invalidate`. Byte-range reads of a value the cache
    holds are answered from it; others go to `store` and are not kept. Safe to use from
    several threads: the lock guards only the bookkeeping, never a store call.

    Examples
    --------
    >>> from zarrlite.stores import MemoryStore
    >>> cache = LRUStoreCache(MemoryStore({"a": b"1"}), max_size="1MiB")
    >>> cache["a"], cache["a"], (cache.hits, cache.misses)
    (b'1', b'1', (1, 1))
    """

    threadsafe = True

    def __init__(self, store: Any, max_size: int | str | None) -> None:
        self.store = as_store(store)
        self.max_size = parse_nbytes(max_size)
        self._readonly = self.store.readonly
        self.dimension_separator = self.store.dimension_separator
        self.hits = 0
        self.misses = 0
        self._values: OrderedDict[str, bytes] = OrderedDict()
        self._nbytes = 0
        self._listings: dict[str, list[str]] = {}
        self._keys: list[str] | None = None
        # bumped by every change: a value read before a change is not kept after it
        self._generation = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"<LRUStoreCache of {type(self.store).__name__}: {self._nbytes} of "
                f"{self.max_size} bytes, {self.hits} hits, {self.misses} misses>")

    def __reduce__(self) -> tuple[Any, ...]:  # the store and the bound, not the contents
        return (LRUStoreCache, (self.store, self.max_size))

    # capabilities: the store's
    supports_deletes = property(lambda self: self.store.supports_deletes)
    reads_byte_ranges = property(lambda self: self.store.reads_byte_ranges)
    reads_in_batches = property(lambda self: self.store.reads_in_batches)

    def location_of(self, path: str) -> str:
        return self.store.location_of(path)

    # ------------------------------------------------------------------- the cache
    def _cached(self, key: str) -> bytes | None:
        with self._lock:
            value = self._values.get(key)
            if value is None:
                self.misses += 1
                return None
            self._values.move_to_end(key)
            self.hits += 1
            return value

    def _keep(self, values: Mapping[str, Any], generation: int) -> None:
        if self.max_size == 0:
            return
        with self._lock:
            if generation != self._generation:  # changed meanwhile: may be stale
                return
            for key, value in values.items():
                size = len(value)
                if self.max_size is not None and size > self.max_size:
                    continue
                old = self._values.pop(key, None)
                if old is not None:
                    self._nbytes -= len(old)
                self._values[key] = value
                self._nbytes += size
            while self.max_size is not None and self._nbytes > self.max_size:
                _, dropped = self._values.popitem(last=False)
                self._nbytes -= len(dropped)

    def _forget(self, keys: Iterable[str] | None) -> None:
        """Drop `keys`' values (all values for None) and every listing."""
        with self._lock:
            self._generation += 1
            if keys is None:
                self._values.clear()
                self._nbytes = 0
            else:
                for key in keys:
                    old = self._values.pop(key, None)
                    if old is not None:
                        self._nbytes -= len(old)
            self._listings.clear()
            self._keys = None

    def _forget_under(self, prefix: str) -> None:
        start = dir_prefix(prefix)
        with self._lock:
            keys = [k for k in self._values if k.startswith(start) or k == start[:-1]]
        self._forget(keys)

    def invalidate(self) -> None:
        """Forget everything kept (values and listings)."""
        self._forget(None)

    def invalidate_values(self) -> None:
        """Forget the values kept."""
        self._forget(None)

    def invalidate_keys(self) -> None:
        """Forget the key listings kept."""
        with self._lock:
            self._listings.clear()
            self._keys = None

    # ------------------------------------------------------------------------ reads
    def __getitem__(self, key: str) -> bytes:
        value = self._cached(key)
        if value is not None:
            return value
        generation = self._generation
        value = self.store[key]
        if not isinstance(value, bytes):
            value = bytes(value)
        self._keep({key: value}, generation)
        return value

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        missing = []
        for key in keys:
            value = self._cached(key)
            if value is None:
                missing.append(key)
            else:
                out[key] = value
        if missing:
            generation = self._generation
            fetched = {k: v if isinstance(v, bytes) else bytes(v)
                       for k, v in self.store.getitems(missing).items()}
            self._keep(fetched, generation)
            out.update(fetched)
        return out

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        key_ranges = list(key_ranges)
        with self._lock:
            held = {key: self._values.get(key) for key, _, _ in key_ranges}
        if all(v is not None for v in held.values()):
            with self._lock:
                self.hits += len(held)
            return [slice_value(held[key], start, length)  # type: ignore[arg-type]
                    for key, start, length in key_ranges]
        with self._lock:
            self.misses += 1
        return self.store.get_partial_values(key_ranges)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            if key in self._values:
                return True
        return key in self.store

    def _all_keys(self) -> list[str]:
        with self._lock:
            if self._keys is not None:
                return self._keys
        keys = list(self.store)
        with self._lock:
            self._keys = keys
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._all_keys())

    def __len__(self) -> int:
        return len(self._all_keys())

    def listdir(self, prefix: str = "") -> list[str]:
        with self._lock:
            names = self._listings.get(prefix)
        if names is None:
            names = self.store.listdir(prefix)
            with self._lock:
                self._listings[prefix] = names
        return list(names)

    def getsize(self, prefix: str = "") -> int:
        return self.store.getsize(prefix)

    # ----------------------------------------------------------------------- writes
    # Each change drops what it touches after the store call (also when it fails): a
    # read that fetched the old value meanwhile sees the generation move and keeps
    # nothing.
    def __setitem__(self, key: str, value: Any) -> None:
        self._check_writable()
        try:
            self.store[key] = value
        finally:
            self._forget([key])

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        self._check_writable()
        try:
            self.store.setitems(mapping)
        finally:
            self._forget(mapping.keys())

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        try:
            del self.store[key]
        finally:
            self._forget([key])

    def delitems(self, keys: Iterable[str]) -> None:
        self._check_writable()
        keys = list(keys)
        try:
            self.store.delitems(keys)
        finally:
            self._forget(keys)

    def rmdir(self, prefix: str = "") -> None:
        self._check_writable()
        try:
            self.store.rmdir(prefix)
        finally:
            self._forget_under(prefix)

    def rename(self, src: str, dst: str) -> None:
        self._check_writable()
        try:
            self.store.rename(src, dst)
        finally:
            self._forget_under(src)
            self._forget_under(dst)

    def close(self) -> None:
        self.invalidate()
        self.store.close()
