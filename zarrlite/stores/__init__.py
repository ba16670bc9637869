"""Stores: where keys and values live.

Any ``MutableMapping[str, bytes]`` is a store. :class:`MemoryStore` and
:class:`DirectoryStore` are the built-in ones; the functions re-exported here
work on any store, using the store's own method when it has one.
"""

from zarrlite.stores.base import (
    MODES,
    BaseStore,
    ByteRange,
    as_byte_view,
    delitems,
    ensure_bytes,
    get_partial_values,
    getitems,
    getsize,
    is_readonly,
    listdir,
    normalize_store,
    read_ranges_into,
    readonly_from_mode,
    rename,
    rmdir,
    setitems,
)
from zarrlite.stores.directory import DirectoryStore
from zarrlite.stores.memory import MemoryStore

__all__ = [
    "MODES",
    "BaseStore",
    "ByteRange",
    "DirectoryStore",
    "MemoryStore",
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
