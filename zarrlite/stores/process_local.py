"""Stores whose data lives in one process's memory refuse to be pickled.

A :class:`~zarrlite.MemoryStore`, a plain ``dict`` or an fsspec ``memory://`` file system
cannot be reopened by another process: a copy there would be another store, and writes
made through it would be lost without a word (a dask worker process writing results, say).
So pickling one — or an array or group over one — raises
:class:`~zarrlite.errors.ProcessLocalStoreError` naming the store, in the process that
tries, where the user sees it. (``copy.deepcopy`` still copies such stores.)

Examples
--------
>>> import pickle
>>> from zarrlite.stores.memory import MemoryStore
>>> pickle.dumps(MemoryStore())
Traceback (most recent call last):
...
zarrlite.errors.ProcessLocalStoreError: cannot pickle a MemoryStore (0 keys): ...
"""

from __future__ import annotations

from typing import Any, NoReturn

from zarrlite.errors import ProcessLocalStoreError

__all__ = ["is_process_local_mapping", "refuse_pickle"]


def refuse_pickle(description: str) -> NoReturn:
    """Raise the error of pickling a process-local store called `description`."""
    raise ProcessLocalStoreError(
        f"cannot pickle a {description}: its data lives in this process's memory, and "
        "another process unpickling it would get another store, without the data and "
        "without the writes made there. Use a store another process can open (a "
        "directory path or DirectoryStore, ZipStore, SQLiteStore, LMDBStore, RedisStore, "
        "an S3 or HTTP URL: see docs/stores.md), or with dask a scheduler that keeps to "
        "this process (scheduler='threads')")


def is_process_local_mapping(mapping: Any) -> bool:
    """Tell whether a foreign mapping keeps its data in this process's memory: a ``dict``,
    zarr-python 2's ``MemoryStore``/``KVStore`` over one, an fsspec mapper over
    ``memory://``."""
    if isinstance(mapping, dict):
        return True
    module = type(mapping).__module__ or ""
    if module.startswith("zarr.") and type(mapping).__name__ in ("MemoryStore", "KVStore"):
        return True
    fs = getattr(mapping, "fs", None)
    protocol = getattr(fs, "protocol", None)
    protocols = (protocol,) if isinstance(protocol, str) else tuple(protocol or ())
    return "memory" in protocols
