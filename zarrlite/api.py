"""Top-level functions in the style of zarr-python 2: open, create, zeros, group, ..."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import numpy as np

from zarrlite.errors import (
    ArrayNotFoundError,
    ContainsArrayError,
    ContainsGroupError,
    GroupNotFoundError,
    PathNotFoundError,
)
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.creation import (
    build_array_meta,
    contains_array,
    contains_group,
    init_array,
    init_group,
)
from zarrlite.hierarchy.group import Group
from zarrlite.metadata.keys import normalize_path
from zarrlite.stores.access import location_of, normalize_store
from zarrlite.stores.base import readonly_from_mode

StoreLike = MutableMapping[str, bytes] | str | None


def create(
    shape: Any,
    chunks: Any = True,
    dtype: Any = None,
    compressor: Any = "default",
    fill_value: Any = 0,
    order: str = "C",
    store: StoreLike = None,
    overwrite: bool = False,
    path: str | None = None,
    filters: Any = None,
    dimension_separator: str | None = None,
    write_empty_chunks: bool = False,
    read_only: bool = False,
    object_codec: Any = None,
    **kwargs: Any,
) -> Array:
    """Create a new array.

    Parameters
    ----------
    shape : int or tuple of int
    chunks : int, tuple of int, True or False
        Chunk shape; True guesses one, False makes a single chunk, -1 or None in a
        dimension spans it.
    dtype : dtype-like
        Data type; ``str`` or ``bytes`` make an object array with a vlen codec.
    compressor : codec, config dict, None or "default"
        "default" is Blosc(cname="lz4", clevel=5, shuffle=SHUFFLE).
    fill_value : scalar or None
        Value of items never written (default 0).
    order : {'C', 'F'}
        Memory layout of each chunk.
    store : MutableMapping, path or None
        Where to write; None makes a MemoryStore.
    overwrite : bool
        Replace anything already at `path`.
    path : str, optional
        Path inside the store.
    filters : list of codecs, optional
    dimension_separator : {'.', '/'}, optional
    write_empty_chunks : bool
        Store chunks that only hold the fill value.
    read_only : bool
    object_codec : codec, optional
        Codec for object dtypes (VLenUTF8, VLenBytes, JSON, Pickle).

    Returns
    -------
    Array

    Raises
    ------
    ContainsArrayError, ContainsGroupError
        If something exists at `path` and `overwrite` is False.
    TypeError
        For an unsupported dtype or an object dtype without an object codec.

    Examples
    --------
    >>> import zarrlite as zl
    >>> z = zl.create((100, 100), chunks=(10, 10), dtype="i4")
    >>> z[0, :5] = 7
    >>> z[0, :6].tolist()
    [7, 7, 7, 7, 7, 0]
    """
    if kwargs:
        raise TypeError(f"create() got unexpected keyword arguments {sorted(kwargs)}")
    store = normalize_store(store, "w" if overwrite else "a")
    path = normalize_path(path)
    if dimension_separator is None:  # the store's own, as zarr-python 2 does
        dimension_separator = store.dimension_separator
    meta = build_array_meta(shape, chunks, dtype, compressor, fill_value, order, filters,
                            dimension_separator, object_codec)
    init_array(store, path, meta, overwrite=overwrite)
    return Array(store, path, read_only=read_only, write_empty_chunks=write_empty_chunks,
                 meta=meta)


def _default_fill(kwargs: dict[str, Any], value: Any) -> dict[str, Any]:
    if "fill_value" in kwargs:  # as zarr-python 2 (a TypeError there too), never ignored
        raise TypeError("zeros, ones and empty set the fill value; use full() to choose it")
    kwargs = dict(kwargs)
    kwargs["fill_value"] = value
    return kwargs


def zeros(shape: Any, **kwargs: Any) -> Array:
    """Create an array whose items read as 0."""
    return create(shape, **_default_fill(kwargs, 0))


def ones(shape: Any, **kwargs: Any) -> Array:
    """Create an array whose items read as 1."""
    return create(shape, **_default_fill(kwargs, 1))


def full(shape: Any, fill_value: Any, **kwargs: Any) -> Array:
    """Create an array whose items read as `fill_value`."""
    return create(shape, **_default_fill(kwargs, fill_value))


def empty(shape: Any, **kwargs: Any) -> Array:
    """Create an array without a fill value (unwritten items read as zero bytes)."""
    return create(shape, **_default_fill(kwargs, None))


def array(data: Any, **kwargs: Any) -> Array:
    """Create an array holding a copy of `data` (shape and dtype default to the data's)."""
    data = np.asarray(data) if not isinstance(data, Array) else data
    kwargs.setdefault("dtype", data.dtype)
    kwargs.setdefault("chunks", getattr(data, "chunks", True))
    z = create(data.shape, **kwargs)
    z[...] = data[...]
    return z


def _like_kwargs(a: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    out = dict(kwargs)
    out.setdefault("dtype", a.dtype)
    if isinstance(a, Array):
        out.setdefault("chunks", a.chunks)
        out.setdefault("compressor", a.compressor)
        out.setdefault("order", a.order)
        out.setdefault("filters", a.filters)
    return out


def zeros_like(a: Any, **kwargs: Any) -> Array:
    return zeros(a.shape, **_like_kwargs(a, kwargs))


def ones_like(a: Any, **kwargs: Any) -> Array:
    return ones(a.shape, **_like_kwargs(a, kwargs))


def empty_like(a: Any, **kwargs: Any) -> Array:
    return empty(a.shape, **_like_kwargs(a, kwargs))


def full_like(a: Any, fill_value: Any = None, **kwargs: Any) -> Array:
    if fill_value is None:
        fill_value = getattr(a, "fill_value", 0)
    return full(a.shape, fill_value, **_like_kwargs(a, kwargs))


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
