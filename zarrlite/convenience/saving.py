"""zarr-python 2's save and load of numpy arrays (`save`, `save_array`, `save_group`,
`load` and its `LazyLoader`), and `tree`, which prints a hierarchy."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from zarrlite.api import group, open_array, open_group
from zarrlite.codecs import VLenBytes
from zarrlite.errors import PathNotFoundError
from zarrlite.hierarchy.compat import check_zarr2_keywords
from zarrlite.hierarchy.creation import StoreLike, array, contains_array, contains_group
from zarrlite.hierarchy.group import Group
from zarrlite.metadata.keys import normalize_path
from zarrlite.stores.access import location_of, normalize_store

__all__ = ["LazyLoader", "load", "save", "save_array", "save_group", "tree"]


def _opened_store(store: StoreLike, mode: str) -> tuple[Any, bool]:
    """The store for `store`, and whether this module made it from a path (and so must
    close it)."""
    return normalize_store(store, mode), isinstance(store, (str, os.PathLike))


def save_array(store: StoreLike, arr: Any, *, zarr_version: int | None = None,
               path: str | None = None, **kwargs: Any) -> None:
    """Save one numpy array into a store, replacing whatever is at `path`.

    Parameters
    ----------
    store : MutableMapping or str
        A store, or a directory path.
    arr : array-like
        The data.
    zarr_version : {None, 2}, optional
        Zarr v2 only.
    path : str, optional
        Where in the store (default: the root; everything stored there is deleted first).
    **kwargs
        Creation arguments passed to `zarrlite.array` (`chunks`, `compressor`, ...).

    Examples
    --------
    >>> import numpy as np, zarrlite.convenience as zlc
    >>> store = {}
    >>> zlc.save_array(store, np.arange(5), chunks=2)
    >>> zlc.load(store)
    array([0, 1, 2, 3, 4])
    """
    check_zarr2_keywords("save_array", zarr_version=zarr_version)
    target, close = _opened_store(store, "w")
    try:
        array(arr, store=target, path=normalize_path(path), overwrite=True, **kwargs)
    finally:
        if close:
            target.close()


def save_group(store: StoreLike, *args: Any, zarr_version: int | None = None,
               path: str | None = None, **kwargs: Any) -> None:
    """Save numpy arrays as the members of a new group, replacing whatever is at `path`.

    Parameters
    ----------
    store : MutableMapping or str
        A store, or a directory path.
    *args : array-like
        Arrays stored as ``arr_0``, ``arr_1``, ... (as ``numpy.savez`` names them).
    zarr_version : {None, 2}, optional
        Zarr v2 only.
    path : str, optional
        Where the group goes (default: the root).
    **kwargs : array-like
        Arrays stored under their keyword's name.

    Raises
    ------
    ValueError
        If no array is given.

    Examples
    --------
    >>> import numpy as np, zarrlite.convenience as zlc
    >>> store = {}
    >>> zlc.save_group(store, np.arange(3), labels=np.ones(2, dtype="u1"))
    >>> data = zlc.load(store)
    >>> data
    <LazyLoader: arr_0, labels>
    >>> data["labels"]
    array([1, 1], dtype=uint8)
    """
    if not args and not kwargs:
        raise ValueError("at least one array must be provided")
    check_zarr2_keywords("save_group", zarr_version=zarr_version)
    target, close = _opened_store(store, "w")
    try:
        grp = group(target, path=normalize_path(path), overwrite=True)
        named = {f"arr_{i}": value for i, value in enumerate(args)}
        named.update(kwargs)
        for name, value in named.items():
            grp.create_dataset(name, data=value, overwrite=True)
    finally:
        if close:
            target.close()


def save(store: StoreLike, *args: Any, zarr_version: int | None = None,
         path: str | None = None, **kwargs: Any) -> None:
    """Save one array (`save_array`) or several as a group (`save_group`).

    One positional array and no keyword arrays is saved as an array at `path`; anything
    else as a group (see `save_group` for the member names). Default creation settings are
    used either way.

    Raises
    ------
    ValueError
        If no array is given.

    Examples
    --------
    >>> import numpy as np, zarrlite.convenience as zlc
    >>> store = {}
    >>> zlc.save(store, np.arange(3))
    >>> zlc.load(store)
    array([0, 1, 2])
    >>> zlc.save(store, x=np.arange(3), y=np.zeros(2))
    >>> sorted(zlc.load(store))
    ['x', 'y']
    """
    if not args and not kwargs:
        raise ValueError("at least one array must be provided")
    if len(args) == 1 and not kwargs:
        save_array(store, args[0], zarr_version=zarr_version, path=path)
    else:
        save_group(store, *args, zarr_version=zarr_version, path=path, **kwargs)


class LazyLoader(Mapping[str, Any]):
    """The arrays of a group as a read-only mapping of numpy arrays, each read on first
    access and then kept (what `load` returns for a group).

    As in zarr-python 2, ``len``, iteration and ``in`` see every member of the group
    (subgroups too, and ``in`` takes paths such as ``"sub/x"``), the repr lists the arrays
    only, and an item is any array below the group by its path; a subgroup is not an item
    (KeyError).

    Parameters
    ----------
    grp : Group
        The group whose arrays are loaded.
    """

    def __init__(self, grp: Group) -> None:
        self.grp = grp
        self.cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.cache:
            node: Any = self.grp[name]
            if not hasattr(node, "shape"):
                raise KeyError(f"{name!r} is a group, not an array: only arrays are loaded")
            self.cache[name] = node[...]
        return self.cache[name]

    def __len__(self) -> int:
        return len(self.grp)

    def __iter__(self) -> Iterator[str]:
        return iter(self.grp)

    def __contains__(self, name: object) -> bool:
        return name in self.grp

    def __repr__(self) -> str:
        return f"<LazyLoader: {', '.join(sorted(self.grp.array_keys()))}>"


def load(store: StoreLike, zarr_version: int | None = None,
         path: str | None = None) -> Any:
    """Load an array into memory, or a group as a mapping that loads its arrays on access.

    Parameters
    ----------
    store : MutableMapping or str
        A store, or a directory path (opened read-only).
    zarr_version : {None, 2}, optional
        Zarr v2 only.
    path : str, optional
        What to load (default: the root).

    Returns
    -------
    numpy.ndarray or LazyLoader
        The data of the array at `path`, or a `LazyLoader` over the group there.

    Raises
    ------
    PathNotFoundError
        If there is no array or group at `path` (a KeyError and a ValueError).

    Notes
    -----
    zarr-python 2 returns None when nothing is at `path`; zarrlite raises, so a typo in a
    path does not surface later as ``'NoneType' object is not subscriptable``.

    Examples
    --------
    >>> import numpy as np, zarrlite.convenience as zlc
    >>> store = {}
    >>> zlc.save(store, a=np.arange(4).reshape(2, 2), b=np.ones(3))
    >>> data = zlc.load(store)
    >>> list(data), data["a"]
    (['a', 'b'], array([[0, 1],
           [2, 3]]))
    >>> zlc.load(store, path="a")[1]
    array([2, 3])
    """
    check_zarr2_keywords("load", zarr_version=zarr_version)
    target = normalize_store(store, "r")
    path = normalize_path(path)
    if contains_array(target, path):
        return open_array(target, mode="r", path=path)[...]
    if contains_group(target, path):
        return LazyLoader(open_group(target, mode="r", path=path))
    raise PathNotFoundError(f"nothing to load at {location_of(target, path)}: "
                            "no array (.zarray) and no group (.zgroup) there")


# ---------------------------------------------------------------------------- tree
def tree(grp: Any, expand: bool = False, level: int | None = None) -> Any:
    """A printable text tree of a hierarchy: ``grp.tree(expand=expand, level=level)``.

    Parameters
    ----------
    grp : Group or h5py.Group
        A zarrlite (or zarr-python) group, or an h5py group, which has no ``tree``
        method: its structure is mirrored (metadata only, no data) in memory and drawn.
    expand : bool, optional
        Accepted for zarr-python 2's notebook widget.
    level : int, optional
        How many levels to show (all by default).

    Examples
    --------
    >>> import zarrlite as zl, zarrlite.convenience as zlc
    >>> g = zl.group()
    >>> _ = g.zeros("foo/bar", shape=(3, 4), dtype="i2")
    >>> print(zlc.tree(g))
    /
     └── foo
         └── bar (3, 4) int16
    >>> print(zlc.tree(g, level=1))
    /
     └── foo
    """
    if not hasattr(grp, "tree"):
        grp = _mirror_structure(grp)
    return grp.tree(expand=expand, level=level)


def _mirror_structure(source: Any) -> Group:
    """A memory-only group with the members, shapes and dtypes of `source` (an h5py
    group) and no data, rooted at the same name so its tree reads the same."""
    root = group(None, path=normalize_path(source.name))

    def mirror(src: Any, dest: Group) -> None:
        for name in src:
            node = src[name]
            if hasattr(node, "shape"):
                dtype = np.dtype(node.dtype)
                dest.create_dataset(name, shape=node.shape, dtype=dtype,
                                    chunks=tuple(max(1, n) for n in node.shape),
                                    compressor=None,
                                    object_codec=_plain_object_codec(dtype))
            else:
                mirror(node, dest.create_group(name))

    mirror(source, root)
    return root


def _plain_object_codec(dtype: np.dtype) -> Any:
    return VLenBytes() if dtype.kind == "O" else None
