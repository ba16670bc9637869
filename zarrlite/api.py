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
from zarrlite.hierarchy.compat import ZARR2_CREATE_KEYWORDS, check_zarr2_keywords
from zarrlite.hierarchy.creation import (
    StoreLike,
    array,
    contains_array,
    contains_group,
    create,
    empty,
    full,
    init_group,
    ones,
    zeros,
)
from zarrlite.hierarchy.group import Group
from zarrlite.hierarchy.like import empty_like, full_like, like_kwargs, ones_like, zeros_like
from zarrlite.metadata.keys import normalize_path
from zarrlite.stores.abc import readonly_from_mode
from zarrlite.stores.access import location_of, normalize_store, rmdir


def open_array(store: StoreLike = None, mode: str = "a", shape: Any = None,
               path: str | None = None, write_empty_chunks: bool | None = None,
               chunk_cache: int | str | None = None, **kwargs: Any) -> Array:
    """Open an array, or create it (modes 'a', 'w', 'w-').

    Parameters
    ----------
    store : MutableMapping, path, URL or None, optional
        A mapping; a directory path (a DirectoryStore, read-only in mode 'r'), a path
        ending in '.zip' (a ZipStore), a URL such as 's3://bucket/x.zarr' (an FSStore;
        pass its fsspec options as ``storage_options=``); or None for a new MemoryStore.
    mode : {'r', 'r+', 'a', 'w', 'w-'}, optional
        'r' read-only, 'r+' read/write (must exist), 'a' read/write (create if missing;
        the default), 'w' create (replace), 'w-' create (fail if anything exists).
    shape : int or tuple of int, optional
        Needed when the array is created; ignored when an existing array is opened.
    path : str, optional
        Path of the array inside the store (default: the root).
    write_empty_chunks : bool, optional
        Store chunks that only hold the fill value (by default they are deleted; None
        takes ``zarrlite.config`` ``write_empty_chunks``, False unless set).
    chunk_cache : int or str, optional
        Bytes of decoded chunks this array keeps in a cache of its own (``"64MiB"``, say;
        0 for none). None (the default) uses the process-wide cache that
        ``zarrlite.config.set(chunk_cache=...)`` sizes (off unless set).
    **kwargs
        Creation arguments, as for `create` (`chunks`, `dtype`, `compressor`, ...); used
        only when the array is created. Also zarr-python 2's `storage_options` (for a
        URL), `synchronizer`, `chunk_store`, `cache_metadata` and `cache_attrs`.

    Returns
    -------
    Array

    Raises
    ------
    ArrayNotFoundError
        In mode 'r' or 'r+', if there is no array at `path` (a KeyError).
    ContainsGroupError, ContainsArrayError
        If a group is at `path` (except in mode 'w', which replaces it), or in mode 'w-'
        if an array is there (ValueErrors).
    TypeError
        If the array must be created and `shape` is missing.
    ValueError
        If `mode` is not one of the above.

    Examples
    --------
    >>> import tempfile, zarrlite as zl
    >>> d = tempfile.mkdtemp()
    >>> z = zl.open_array(d, mode="w", shape=(4, 4), chunks=(2, 2), dtype="i4")
    >>> z[0] = 3
    >>> z = zl.open_array(d, mode="r")
    >>> z, z[0].tolist()
    (<zarrlite.Array (4, 4) int32 read-only>, [3, 3, 3, 3])
    >>> zl.open_array(d, mode="w-", shape=(4, 4))
    Traceback (most recent call last):
    ...
    zarrlite.errors.ContainsArrayError: ... already holds an array (mode 'w-' creates only); ...
    """
    read_only = readonly_from_mode(mode)
    options = kwargs.pop("storage_options", None) if kwargs else None
    store = normalize_store(store, mode, options)
    path = normalize_path(path)
    opening: dict[str, Any] = {}
    if kwargs:  # (opening must stay cheap: nothing to check without them)
        opening = {k: kwargs[k] for k in ZARR2_CREATE_KEYWORDS if k in kwargs}
        check_zarr2_keywords(
            "open_array", storage_transformers=opening.pop("storage_transformers", None))
    if mode in ("r", "r+", "a"):
        try:  # one store read when the array exists: opening must stay cheap
            return Array(store, path, read_only=read_only,
                         write_empty_chunks=write_empty_chunks, chunk_cache=chunk_cache,
                         **opening)
        except ArrayNotFoundError:
            if contains_group(store, path):
                raise ContainsGroupError(
                    f"{location_of(store, path)} holds a group, not an array: "
                    "open it with zl.open_group or zl.open") from None
            if mode != "a":
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
                  write_empty_chunks=write_empty_chunks, chunk_cache=chunk_cache, **kwargs)


def open_like(a: Any, path: StoreLike, **kwargs: Any) -> Array:
    """`open_array` with the shape, chunks, dtype (and, from a zarrlite Array, compressor,
    order, filters and fill value) of `a`, as zarr-python 2's ``open_like``.

    Parameters
    ----------
    a : Array or array-like
        The model (see `zeros_like` for what is taken from it).
    path : MutableMapping, path or None
        Where to open the array: the `store` of `open_array`.
    **kwargs
        Arguments of `open_array` (`mode`, ...), overriding what is taken from `a`.

    Examples
    --------
    >>> import tempfile, zarrlite as zl
    >>> a = zl.full((4, 6), 5, chunks=(2, 3), dtype="i2")
    >>> z = zl.open_like(a, tempfile.mkdtemp(), mode="w")
    >>> z.shape, z.chunks, z.dtype, int(z[0, 0])
    ((4, 6), (2, 3), dtype('int16'), 5)
    """
    kwargs = like_kwargs(a, kwargs)
    if isinstance(a, Array):
        kwargs.setdefault("fill_value", a.fill_value)
    return open_array(path, **kwargs)


def open_group(store: StoreLike = None, mode: str = "a", cache_attrs: bool = True,
               synchronizer: Any = None, path: str | None = None, chunk_store: Any = None,
               storage_options: Any = None, *, zarr_version: int | None = None,
               meta_array: Any = None) -> Group:
    """Open a group, or create it (modes 'a', 'w', 'w-').

    The arguments are zarr-python 2's, in its order; `chunk_store` is where the chunks
    of the group's arrays go; `synchronizer` is given to every array and group opened
    through it (see `Array`); `storage_options` are the fsspec options of a URL `store`;
    `zarr_version` None or 2.

    Parameters
    ----------
    store : MutableMapping, path or None, optional
        As for `open_array`.
    mode : {'r', 'r+', 'a', 'w', 'w-'}, optional
        As for `open_array`: 'r' read-only, 'r+' must exist, 'a' (the default) creates it
        if missing, 'w' replaces anything there (deleting it), 'w-' fails if anything is
        there.
    path : str, optional
        Path of the group inside the store (default: the root); missing parent groups
        are created.

    Returns
    -------
    Group

    Raises
    ------
    GroupNotFoundError
        In mode 'r' or 'r+', if there is nothing at `path` (a KeyError).
    ContainsArrayError, ContainsGroupError
        If an array is at `path` (except in mode 'w'), or in mode 'w-' if a group is
        there (ValueErrors).
    ValueError
        If `mode` is not one of the above.

    Examples
    --------
    >>> import tempfile, zarrlite as zl
    >>> d = tempfile.mkdtemp()
    >>> g = zl.open_group(d, mode="w")
    >>> _ = g.zeros("x", shape=3)
    >>> g = zl.open_group(d, mode="r")
    >>> g, list(g)
    (<zarrlite.Group '/' read-only>, ['x'])
    >>> zl.open_group(d, mode="r", path="x")
    Traceback (most recent call last):
    ...
    zarrlite.errors.ContainsArrayError: ... holds an array, not a group: ...
    """
    check_zarr2_keywords("open_group", synchronizer=synchronizer, zarr_version=zarr_version,
                         meta_array=meta_array)
    settings = {"cache_attrs": cache_attrs, "chunk_store": chunk_store,
                "synchronizer": synchronizer}
    read_only = readonly_from_mode(mode)
    store = normalize_store(store, mode, storage_options)
    path = normalize_path(path)
    exists = contains_group(store, path)
    if mode in ("r", "r+"):
        if not exists:
            if contains_array(store, path):
                raise ContainsArrayError(f"{location_of(store, path)} holds an array, not a "
                                         "group: open it with zl.open_array or zl.open")
            raise GroupNotFoundError(f"no group at {location_of(store, path)} (no .zgroup)")
        return Group(store, path, read_only=read_only, **settings)
    if mode == "a" and exists:
        return Group(store, path, **settings)
    if mode in ("w-", "x") and (exists or contains_array(store, path)):
        raise (ContainsGroupError if exists else ContainsArrayError)(
            f"{location_of(store, path)} already holds {'a group' if exists else 'an array'}"
            " (mode 'w-' creates only); mode='w' replaces it"
        )
    init_group(store, path, overwrite=(mode == "w"))
    if mode == "w" and chunk_store is not None:
        rmdir(normalize_store(chunk_store), path)
    return Group(store, path, **settings)


def group(store: StoreLike = None, overwrite: bool = False, chunk_store: Any = None,
          cache_attrs: bool = True, synchronizer: Any = None, path: str | None = None, *,
          zarr_version: int | None = None, meta_array: Any = None) -> Group:
    """Create a group (or open the one there, unless `overwrite`).

    The arguments are zarr-python 2's, in its order (see `open_group`).

    Parameters
    ----------
    store : MutableMapping, path or None, optional
        Where the group lives; None (the default) makes a new MemoryStore.
    overwrite : bool, optional
        Delete whatever is at `path` and make a new, empty group (mode 'w'); by default
        an existing group is opened (mode 'a').
    path : str, optional
        Path of the group inside the store (default: the root).

    Returns
    -------
    Group

    Raises
    ------
    ContainsArrayError
        If an array is at `path` and `overwrite` is False (a ValueError).

    Examples
    --------
    >>> import zarrlite as zl
    >>> root = zl.group()
    >>> _ = root.zeros("a", shape=3)
    >>> zl.group(root.store)["a"]
    <zarrlite.Array '/a' (3,) float64>
    >>> len(zl.group(root.store, overwrite=True))
    0
    """
    return open_group(store, mode="w" if overwrite else "a", cache_attrs=cache_attrs,
                      synchronizer=synchronizer, path=path, chunk_store=chunk_store,
                      zarr_version=zarr_version, meta_array=meta_array)


def open(store: StoreLike = None, mode: str = "a", path: str | None = None,  # noqa: A001
         **kwargs: Any) -> Array | Group:
    """Open whatever is at `path`: an Array or a Group.

    In modes 'r', 'r+' and 'a' an existing array or group is opened. Otherwise (nothing
    there in mode 'a'; always in modes 'w' and 'w-') an array is created when `shape` is
    given, else a group.

    Parameters
    ----------
    store : MutableMapping, path or None, optional
        As for `open_array`.
    mode : {'r', 'r+', 'a', 'w', 'w-'}, optional
        As for `open_array` (default 'a').
    path : str, optional
        Path inside the store (default: the root).
    **kwargs
        Arguments of `open_array` (`shape`, `chunks`, `dtype`, ...); for a group only
        those `open_group` takes (`chunk_store`, `cache_attrs`, ...) are used.

    Returns
    -------
    Array or Group

    Raises
    ------
    PathNotFoundError
        In mode 'r' or 'r+', if nothing is at `path` (a KeyError).
    ContainsArrayError, ContainsGroupError, TypeError, ValueError
        As for `open_array` and `open_group`.

    Examples
    --------
    >>> import tempfile, zarrlite as zl
    >>> d = tempfile.mkdtemp()
    >>> zl.open(d, path="a", shape=(2, 3), dtype="i4")
    <zarrlite.Array '/a' (2, 3) int32>
    >>> zl.open(d)
    <zarrlite.Group '/'>
    >>> zl.open(d, mode="r", path="a")
    <zarrlite.Array '/a' (2, 3) int32 read-only>
    >>> zl.open(d, mode="r", path="b")
    Traceback (most recent call last):
    ...
    zarrlite.errors.PathNotFoundError: nothing to open at ...
    """
    store = normalize_store(store, mode, kwargs.pop("storage_options", None))
    path = normalize_path(path)
    if mode in ("r", "r+", "a"):
        if contains_array(store, path):
            return open_array(store, mode=mode, path=path, **kwargs)
        if contains_group(store, path):
            return open_group(store, mode=mode, path=path, **_group_keywords(kwargs))
        if mode != "a":
            raise PathNotFoundError(f"nothing to open at {location_of(store, path)}: "
                                    "no array (.zarray) and no group (.zgroup) there")
    if "shape" in kwargs:
        return open_array(store, mode=mode, path=path, **kwargs)
    return open_group(store, mode=mode, path=path, **_group_keywords(kwargs))


def _group_keywords(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of `open` that `open_group` takes too (zarr-python 2 passes e.g.
    ``chunk_store`` through ``open`` to a group)."""
    names = ("cache_attrs", "synchronizer", "chunk_store", "zarr_version",
             "meta_array")
    return {k: kwargs[k] for k in names if k in kwargs}


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
    "open_like",
    "zeros",
    "zeros_like",
]
