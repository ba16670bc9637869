"""Stores: where keys and values live.

Any ``MutableMapping[str, bytes]`` is a store. :class:`MemoryStore` and
:class:`DirectoryStore` are the built-in ones (the others, each in its own module, import
their optional dependencies only when made); :class:`LRUStoreCache` keeps recently read
values of any store in memory; the synchronizers give per-key locks for concurrent
writers. Any other mapping is used through a :class:`StoreAdapter`. The functions
re-exported here work on any store.
"""

from zarrlite.stores.abc import (
    MODES,
    BaseStore,
    ByteRange,
    as_byte_view,
    ensure_bytes,
    is_readonly,
    readonly_from_mode,
)
from zarrlite.stores.access import (
    delitems,
    get_partial_values,
    getitems,
    getsize,
    listdir,
    location_of,
    normalize_store,
    read_ranges_into,
    reads_byte_ranges,
    rename,
    rmdir,
    setitems,
)
from zarrlite.stores.adapter import StoreAdapter, as_store, unwrap_store
from zarrlite.stores.cache import LRUStoreCache
from zarrlite.stores.dbm import DBMStore
from zarrlite.stores.directory import DirectoryStore
from zarrlite.stores.fsspec import FSStore
from zarrlite.stores.lmdb import LMDBStore
from zarrlite.stores.memory import MemoryStore
from zarrlite.stores.redis import RedisStore
from zarrlite.stores.sqlite import SQLiteStore
from zarrlite.stores.sync import ProcessSynchronizer, ThreadSynchronizer
from zarrlite.stores.zip import ZipStore

__all__ = [
    "MODES",
    "BaseStore",
    "ByteRange",
    "DBMStore",
    "DirectoryStore",
    "FSStore",
    "LMDBStore",
    "LRUStoreCache",
    "MemoryStore",
    "ProcessSynchronizer",
    "RedisStore",
    "SQLiteStore",
    "StoreAdapter",
    "ThreadSynchronizer",
    "ZipStore",
    "as_byte_view",
    "as_store",
    "delitems",
    "ensure_bytes",
    "get_partial_values",
    "getitems",
    "getsize",
    "is_readonly",
    "listdir",
    "location_of",
    "normalize_store",
    "read_ranges_into",
    "reads_byte_ranges",
    "readonly_from_mode",
    "rename",
    "rmdir",
    "setitems",
    "unwrap_store",
]
