"""Where a command-line PATH points: a store (a directory, a file, a URL) and a node in it.

A PATH is one of

- a store: ``data.zarr``, ``data.zip``, ``s3://bucket/data.zarr``;
- a node inside a local store, by its file system path: ``data.zarr/group/array`` (the
  store is the top directory of the hierarchy, so the node keeps its name ``/group/array``),
  ``data.zip/group/array``;
- a store and a node, joined by a colon: ``data.zip:/group/array``,
  ``s3://bucket/data.zarr:/group``, ``file.h5:/group/dataset``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, BinaryIO

from zarrlite.api import open as open_node
from zarrlite.cli.errors import UserError
from zarrlite.errors import FSPathExistNotDir
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.group import Group
from zarrlite.stores import BaseStore, normalize_store

__all__ = [
    "Location",
    "HDF5_SIGNATURE",
    "has_hdf5_signature",
    "is_hdf5",
    "is_url",
    "locate",
    "not_a_store",
    "open_zarr",
    "open_store",
    "parse_storage_options",
    "split_location",
]

#: A URL: a scheme and ``://``, or an fsspec chain (``simplecache::s3://...``).
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(::|://)")
#: A store and a node joined by ``:/``: the last colon followed by one slash (not ``://``)
#: with something before it that is not a colon (not ``::``).
_INNER = re.compile(r"^(?P<store>.*[^:]):(?P<node>/(?!/).*|/)$")
#: The first bytes of an HDF5 file (at offset 0, 512, 1024, 2048, ...: after a user block).
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Metadata keys that mark a directory as (part of) a Zarr v2 hierarchy.
_ZARR_KEYS = (".zgroup", ".zarray", ".zmetadata")


@dataclass(frozen=True)
class Location:
    """A PATH taken apart.

    Attributes
    ----------
    store : str
        The store's path or URL.
    node : str
        The node's path inside it (``""``: the root), without leading or trailing slashes.
    """

    store: str
    node: str = ""

    @property
    def is_url(self) -> bool:
        """Whether the store is a URL (not a local path)."""
        return is_url(self.store)

    def __str__(self) -> str:
        return f"{self.store}:/{self.node}" if self.node else self.store


def is_url(text: str) -> bool:
    """Whether `text` is a URL (``s3://...``, ``https://...``, ``simplecache::s3://...``).

    >>> is_url("s3://bucket/x.zarr"), is_url("data.zarr")
    (True, False)
    """
    return _URL.match(text) is not None


def has_hdf5_signature(f: BinaryIO) -> bool:
    """Whether the open binary file `f` holds HDF5 data: HDF5's signature at offset 0, or
    after a user block at 512, 1024, 2048, ... bytes."""
    size = f.seek(0, os.SEEK_END)
    offset = 0
    while offset + len(HDF5_SIGNATURE) <= size:
        f.seek(offset)
        if f.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
            return True
        offset = 512 if offset == 0 else 2 * offset
    return False


def is_hdf5(path: str) -> bool:
    """Whether the local file `path` is an HDF5 file (by its signature, not its name)."""
    try:
        with open(path, "rb") as f:
            return has_hdf5_signature(f)
    except (IsADirectoryError, NotADirectoryError, FileNotFoundError):
        return False


def split_location(text: str) -> Location:
    """``STORE:/NODE`` taken apart (a local PATH that exists as written is never split).

    >>> split_location("s3://bucket/data.zarr:/group/x")
    Location(store='s3://bucket/data.zarr', node='group/x')
    >>> split_location("data.zarr/group")
    Location(store='data.zarr/group', node='')
    """
    match = _INNER.match(text)
    if match is None or (not is_url(text) and os.path.lexists(text)):
        return Location(text)
    return Location(match["store"], match["node"].strip("/"))


def _is_zarr_dir(path: str) -> bool:
    return any(os.path.isfile(os.path.join(path, key)) for key in _ZARR_KEYS)


def _store_of_directory(path: str) -> Location:
    """The hierarchy a directory belongs to: its highest ancestor that is still a Zarr
    group holding it, and the path below that."""
    parts = os.path.normpath(path).split(os.sep)
    top = len(parts)
    while top > 1 and _is_zarr_dir(os.sep.join(parts[:top])) \
            and os.path.isfile(os.path.join(os.sep.join(parts[: top - 1]) or os.sep, ".zgroup")):
        top -= 1
    store = os.sep.join(parts[:top]) or os.sep
    return Location(path if top == len(parts) else store, "/".join(parts[top:]))


def _store_of_missing(path: str) -> Location:
    """A path that does not exist as a whole: a node inside a store file
    (``data.zip/group/array``) or directory (``data.zarr/missing``); or nothing."""
    parts = os.path.normpath(path).split(os.sep)
    for end in range(len(parts) - 1, 0, -1):
        prefix = os.sep.join(parts[:end]) or os.sep
        if os.path.isfile(prefix) or (os.path.isdir(prefix) and _is_zarr_dir(prefix)):
            inner = _store_of_directory(prefix) if os.path.isdir(prefix) else Location(prefix)
            node = "/".join(p for p in [inner.node, *parts[end:]] if p)
            return Location(inner.store, node)
        if os.path.isdir(prefix):
            break
    raise UserError(f"no such file or directory: {path!r}")


def locate(text: str, find_root: bool = True) -> Location:
    """Take a command-line PATH apart into a store and a node.

    Parameters
    ----------
    text : str
        The PATH as given.
    find_root : bool, optional
        For a directory inside a Zarr hierarchy, make the store the hierarchy's top
        directory (so ``data.zarr/group`` is node ``group`` of ``data.zarr``); False keeps
        the directory as the store.

    Returns
    -------
    Location

    Raises
    ------
    UserError
        If `text` is empty, or a local path that does not exist (not even in part).
    """
    if not text:
        raise UserError("empty PATH")
    location = split_location(text)
    if location.is_url or location.node:
        if not location.is_url and not os.path.lexists(location.store):
            raise UserError(f"no such file or directory: {location.store!r}")
        return location
    if os.path.isdir(text):
        return _store_of_directory(text) if find_root else Location(text)
    if os.path.lexists(text):
        return location
    return _store_of_missing(text)


def parse_storage_options(items: list[str] | None) -> dict[str, Any] | None:
    """``--storage-option KEY=VALUE`` items as a dict; a VALUE that is JSON (``true``,
    ``3``, ``{"a": 1}``) is taken as such, any other as a string.

    >>> parse_storage_options(["anon=true", "endpoint_url=http://h:9000"])
    {'anon': True, 'endpoint_url': 'http://h:9000'}
    """
    if not items:
        return None
    options: dict[str, Any] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise UserError(f"--storage-option {item!r}: expected KEY=VALUE, e.g. anon=true")
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    return options


def open_store(location: Location, mode: str,
               storage_options: dict[str, Any] | None) -> BaseStore:
    """The store of `location`, opened in `mode`; a URL store's failures to open (a
    missing fsspec package, an unknown protocol) as UserError."""
    options = storage_options if location.is_url else None
    if storage_options and not location.is_url:
        raise UserError(f"--storage-option applies to URLs ('s3://...'), not to "
                        f"{location.store!r}")
    try:
        return normalize_store(location.store, mode, options)
    except (ImportError, ValueError, TypeError, FSPathExistNotDir) as exc:
        if not location.is_url:
            if os.path.isfile(location.store) and isinstance(exc, (ValueError,
                                                                   FSPathExistNotDir)):
                raise UserError(not_a_store(location.store, exc)) from exc
            raise
        raise UserError(f"cannot open {location.store!r}: {exc}") from exc


def not_a_store(path: str, exc: BaseException | None = None) -> str:
    """The message for a local file that is neither an HDF5 file nor a Zarr store, with
    why when that says more (a zip or SQLite store's complaint about `exc`)."""
    if os.path.getsize(path) == 0:
        why = " (an empty file)"
    elif isinstance(exc, ValueError) and not isinstance(exc, FSPathExistNotDir):
        why = f" ({exc})"  # a zip or SQLite file's own complaint
    else:
        why = ""
    return f"{path!r} is neither an HDF5 file nor a Zarr store{why}"


def open_zarr(text: str, storage_options: dict[str, Any] | None = None,
              mode: str = "r", find_root: bool = True) -> Array | Group:
    """Open the Zarr array or group a command-line PATH names.

    Raises
    ------
    UserError
        If PATH does not exist, is an HDF5 file, or holds no Zarr array or group.
    """
    location = locate(text, find_root=find_root)
    if not location.is_url and os.path.isfile(location.store) and is_hdf5(location.store):
        raise UserError(f"{location.store!r} is an HDF5 file, not a Zarr store (convert it "
                        f"with 'zarrlite convert {location.store} OUT.zarr')")
    store = open_store(location, mode, storage_options)
    if location.node and not location.is_url and os.path.isdir(location.store) \
            and not _is_zarr_dir(location.store):
        raise UserError(f"{location.store!r} is not a Zarr store (no .zgroup or .zarray)")
    return open_node(store, mode=mode, path=location.node)
