"""The decoded-chunk cache: whole chunks kept decoded in memory, least recently used first
out, up to a number of bytes.

One process-wide cache, sized by ``zarrlite.config`` ``chunk_cache``, serves every array
opened without a ``chunk_cache`` argument; an array opened with one gets a cache of its own.
Entries are keyed by (store, chunk key) and hold a token of how the chunk was decoded
(dtype, chunk shape, order, codecs): a view that decodes the same key otherwise misses.
The store part is a weak reference: stores compare by location (two directory stores over
one directory are equal), so arrays over the same store and path share entries, and a
store that goes away leaves only unreachable entries for the LRU to drop. Every chunk write
or delete through any array of the process drops the chunk from every live cache
(:func:`invalidate`); writes by other processes are not seen.

Lookups take no lock: a hit reads the dictionary (one atomic operation) and marks the entry
as used; inserts, evictions and invalidations take the cache's lock. Eviction is "second
chance" (CLOCK): the oldest entry goes unless it was used since it last came round, in
which case it moves to the back and loses its mark. Decoding and copying happen outside
the lock. Entries are read-only numpy arrays, so a reader may copy from one that another
thread has just evicted. A chunk decoded while a write of it was under way is not kept: each cache
counts invalidations per stripe of keys, and an insert whose stripe changed since the read
began (:meth:`ChunkCache.epoch`) is dropped.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np

from zarrlite import config
from zarrlite.stores.abc import BaseStore
from zarrlite.stores.memory import MemoryStore

#: Stripes of the invalidation counter (a write of one key spoils inserts of 1/64 of keys).
_STRIPES = 64

CacheKey = tuple[Any, str]


class ChunkCache:
    """A bytes-bounded LRU of decoded chunks.

    Parameters
    ----------
    max_nbytes : int
        Most bytes of decoded chunks kept; 0 keeps none.
    """

    def __init__(self, max_nbytes: int) -> None:
        self.max_nbytes = max_nbytes
        self.nbytes = 0
        # key -> [token, chunk, used since it last came round in eviction]
        self._entries: OrderedDict[CacheKey, list[Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._epochs = [0] * _STRIPES
        _live_caches.add(self)

    def __len__(self) -> int:
        return len(self._entries)

    def epoch(self, key: CacheKey) -> int:
        """The invalidation count of `key`'s stripe: pass it to :meth:`put`."""
        return self._epochs[hash(key) % _STRIPES]

    def get(self, key: CacheKey, token: Any) -> np.ndarray | None:
        """The chunk cached under `key` as decoded the `token` way (read-only), marked as
        used, or None. Takes no lock."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != token:
            return None
        entry[2] = True
        chunk: np.ndarray = entry[1]
        return chunk

    def put(self, key: CacheKey, token: Any, chunk: np.ndarray, epoch: int) -> None:
        """Keep `chunk`, decoded the `token` way (made read-only; not copied), unless it is
        bigger than the budget or `key` was invalidated since `epoch` was taken; evict the
        least recently used."""
        nbytes = chunk.nbytes
        if nbytes > self.max_nbytes:
            return
        chunk.flags.writeable = False
        with self._lock:
            if self._epochs[hash(key) % _STRIPES] != epoch:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self.nbytes -= old[1].nbytes
            self._entries[key] = [token, chunk, False]
            self.nbytes += nbytes
            self._evict(self.max_nbytes)

    def resize(self, max_nbytes: int) -> None:
        """Change the budget, evicting what no longer fits."""
        with self._lock:
            self.max_nbytes = max_nbytes
            self._evict(max_nbytes)

    def _evict(self, max_nbytes: int) -> None:
        entries = self._entries
        while self.nbytes > max_nbytes:
            key, entry = next(iter(entries.items()))
            if entry[2]:  # used since it last came round: a second chance
                entry[2] = False
                entries.move_to_end(key)
                continue
            del entries[key]
            self.nbytes -= entry[1].nbytes

    def discard(self, keys: Iterable[CacheKey]) -> None:
        """Drop `keys` and spoil inserts of them by reads already under way."""
        with self._lock:
            for key in keys:
                self._epochs[hash(key) % _STRIPES] += 1
                entry = self._entries.pop(key, None)
                if entry is not None:
                    self.nbytes -= entry[1].nbytes

    def discard_prefix(self, store_ref: Any, prefix: str) -> None:
        """Drop every entry of `store_ref` whose chunk key starts with `prefix`."""
        with self._lock:
            for stripe in range(_STRIPES):
                self._epochs[stripe] += 1
            for key in [k for k in self._entries if k[0] == store_ref
                        and k[1].startswith(prefix)]:
                self.nbytes -= self._entries.pop(key)[1].nbytes

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            for stripe in range(_STRIPES):
                self._epochs[stripe] += 1
            self._entries.clear()
            self.nbytes = 0


_live_caches: weakref.WeakSet[ChunkCache] = weakref.WeakSet()
_shared: ChunkCache | None = None
_shared_lock = threading.Lock()


def shared_cache() -> ChunkCache | None:
    """The process-wide cache, sized to the ``chunk_cache`` setting (None when it is 0)."""
    global _shared
    wanted = config.get("chunk_cache")
    cache = _shared
    if cache is not None and cache.max_nbytes == wanted:
        return cache
    with _shared_lock:
        if _shared is None:
            if not wanted:
                return None
            _shared = ChunkCache(wanted)
        elif _shared.max_nbytes != wanted:
            _shared.resize(wanted)
        return _shared if wanted else None


def decode_token(dtype: np.dtype, chunks: tuple[int, ...], order: str, codecs: Any) -> Any:
    """How an array decodes its chunks, as a cache entry's token: `codecs` is the metadata's
    (compressor, filters) configuration."""
    return (dtype, chunks, order, json.dumps(codecs, sort_keys=True, default=repr))


def store_ref(store: Any) -> Any:
    """The store part of cache keys: a weak reference (equal for equal stores while they
    live), or None when the store's chunks are not cached: a store that cannot be weakly
    referenced, or one that two objects may share the data of without comparing equal
    (fsspec URLs, Redis, wrapped mappings, LRUStoreCache): a write through one would not
    drop the chunks the other's arrays keep. Stores equal by location (directory, zip,
    SQLite, LMDB, DBM) and memory stores (each holds its own data) are cached."""
    if type(store).__eq__ is BaseStore.__eq__ and not isinstance(store, MemoryStore):  # type: ignore[comparison-overlap]
        return None
    try:
        return weakref.ref(store)
    except TypeError:
        return None


def invalidate(ref: Any, keys: Iterable[str]) -> None:
    """Drop chunks `keys` of the store `ref` from every live cache."""
    if ref is None:
        return
    caches = list(_live_caches)
    if not caches:
        return
    cache_keys = [(ref, key) for key in keys]
    for cache in caches:
        cache.discard(cache_keys)


def invalidate_prefix(store: Any, prefix: str) -> None:
    """Drop every chunk under `prefix` (a node's path, '' for all) of `store` from every
    live cache: for a node deleted or replaced."""
    ref = store_ref(store)
    if ref is None:
        return
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    for cache in list(_live_caches):
        cache.discard_prefix(ref, prefix)


def _clear_after_fork() -> None:
    """A forked child starts with empty caches and fresh locks (a lock held by another
    thread of the parent at the fork would never be released)."""
    for cache in list(_live_caches):
        cache._lock = threading.Lock()
        cache.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_clear_after_fork)
