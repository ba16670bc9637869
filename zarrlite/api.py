"""Top-level functions in the style of zarr-python 2: open, open_array, open_group, group, and
the array factories (create, zeros, ...) of :mod:`zarrlite.hierarchy.creation`."""

from __future__ import annotations

from typing import Any

from zarrlite.errors import (
    ArrayNotFoundError,
    ContainsArrayError,
    ContainsGroupError,
    GroupNotFoundError,
    PathNotFoundError,
)
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.creation import (
    StoreLike,
    array,
    contains_array,
    contains_group,
    create,
    empty,
    empty_like,
    full,
    full_like,
    init_group,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from zarrlite.hierarchy.group import Group
from zarrlite.metadata.keys import normalize_path
from zarrlite.stores.access import location_of, normalize_store
from zarrlite.stores.base import readonly_from_mode


def open_array(store: StoreLike = None, mode: str = "a", shape: Any = None,
               path: str | None = None, write_empty_chunks: bool = False,
               **kwargs: Any) -> Array:
    """Open an array, or create it (modes 'a', 'w', 'w-').

    Parameters
    ----------
    store : MutableMapping, path or None
    mode : {'r', 'r+', 'a', 'w', 'w-'}
        'r' read-only, 'r+' read/write (must exist), 'a' read/write (create if missing),
        'w' create (replace), 'w-' create (fail if it exists).
    shape : tuple, optional
        Needed when the array is created.
    path : str, optional
    **kwargs
        Creation arguments, as for `create`.
    """
    read_only = readonly_from_mode(mode)
    store = normalize_store(store, mode)
    path = normalize_path(path)
    if mode in ("r", "r+", "a"):
        try:  # one store read when the array exists: opening must stay cheap
            return Array(store, path, read_only=read_only,
                         write_empty_chunks=write_empty_chunks)
        except ArrayNotFoundError:
            if mode != "a":
                if contains_group(store, path):
                    raise ContainsGroupError(
                        f"{location_of(store, path)} holds a group, not an array: "
                        "open it with zl.open_group or zl.open") from None
                raise
    exists = contains_array(store, path)
    if mode in ("w-", "x") and (exists or contains_group(store, path)):
        raise (ContainsArrayError if exists else ContainsGroupError)(
            f"{location_of(store, path)} already holds {'an array' if exists else 'a group'}"
            " (mode 'w-' creates only); mode='w' replaces it"
        )
    if shape is None:
        raise TypeError(f"open_array(mode={mode!r}) needs a shape to create the array")
    return create(shape, store=store, path=path, overwrite=(mode == "w"),
                  write_empty_chunks=write_empty_chunks, **kwargs)


def open_group(store: StoreLike = None, mode: str = "a", path: str | None = None) -> Group:
    """Open a group, or create it (modes 'a', 'w', 'w-'); modes as for `open_array`."""
    read_only = readonly_from_mode(mode)
    store = normalize_store(store, mode)
    path = normalize_path(path)
    exists = contains_group(store, path)
    if mode in ("r", "r+"):
        if not exists:
            if contains_array(store, path):
                raise ContainsArrayError(f"{location_of(store, path)} holds an array, not a "
                                         "group: open it with zl.open_array or zl.open")
            raise GroupNotFoundError(f"no group at {location_of(store, path)} (no .zgroup)")
        return Group(store, path, read_only=read_only)
    if mode == "a" and exists:
        return Group(store, path)
    if mode in ("w-", "x") and (exists or contains_array(store, path)):
        raise (ContainsGroupError if exists else ContainsArrayError)(
            f"{location_of(store, path)} already holds {'a group' if exists else 'an array'}"
            " (mode 'w-' creates only); mode='w' replaces it"
        )
    init_group(store, path, overwrite=(mode == "w"))
    return Group(store, path)


def group(store: StoreLike = None, overwrite: bool = False, path: str | None = None) -> Group:
    """Create a group (or open the one there, unless `overwrite`)."""
    return open_group(store, mode="w" if overwrite else "a", path=path)


def open(store: StoreLike = None, mode: str = "a", path: str | None = None,  # noqa: A001
         **kwargs: Any) -> Array | Group:
    """Open whatever is at `path`: an Array or a Group.

    With nothing there, mode 'a'/'w'/'w-' creates an array when `shape` is given, else a
    group. Mode 'r'/'r+' raises PathNotFoundError (a KeyError).
    """
    store = normalize_store(store, mode)
    path = normalize_path(path)
    if mode in ("r", "r+", "a"):
        if contains_array(store, path):
            return open_array(store, mode=mode, path=path, **kwargs)
        if contains_group(store, path):
            return open_group(store, mode=mode, path=path)
        if mode != "a":
            raise PathNotFoundError(f"nothing to open at {location_of(store, path)}: "
                                    "no array (.zarray) and no group (.zgroup) there")
    if "shape" in kwargs:
        return open_array(store, mode=mode, path=path, **kwargs)
    return open_group(store, mode=mode, path=path)


__all__ = [
    "array",
    "create",
    "empty",
    "empty_like",
    "full",
    "full_like",
    "group",
    "ones",
    "ones_like",
    "open",
    "open_array",
    "open_group",
    "zeros",
    "zeros_like",
]
