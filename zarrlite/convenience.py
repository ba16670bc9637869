"""zarr-python 2's convenience functions: save and load numpy arrays, print a tree, and
copy data between stores (key by key) or between hierarchies (array by array).

The rule is zarr-python 2.18's documented behaviour. Where zarrlite differs on purpose
(a refused copy writes nothing; ``load`` of a missing path raises; ``copy_all`` honours
``without_attrs`` and ``dry_run`` for the destination's own attributes) the function's
Notes say so.
"""

from __future__ import annotations

import builtins
import itertools
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zarrlite.api import group, open_array, open_group
from zarrlite.codecs import VLenBytes, Zlib
from zarrlite.errors import CopyError, PathNotFoundError
from zarrlite.hierarchy.compat import check_zarr2_keywords
from zarrlite.hierarchy.creation import StoreLike, array, contains_array, contains_group
from zarrlite.hierarchy.group import Group
from zarrlite.metadata.keys import normalize_path
from zarrlite.stores.access import getitems, location_of, normalize_store, setitems

__all__ = [
    "LazyLoader",
    "copy",
    "copy_all",
    "copy_store",
    "load",
    "save",
    "save_array",
    "save_group",
    "tree",
]

#: Largest region (in bytes of decoded data) that `copy` reads from its source at once:
#: regions are whole destination chunks, as many as fit, and never less than one chunk.
COPY_REGION_NBYTES = 64 * 2**20
#: Keys that `copy_store` reads and writes in one batch.
COPY_STORE_BATCH = 64

_STORE_IF_EXISTS = ("raise", "replace", "skip")
_NODE_IF_EXISTS = ("raise", "replace", "skip", "skip_initialized")


# ---------------------------------------------------------------------- save and load
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


# --------------------------------------------------------------------------- logging
class _CopyLog:
    """Where copy functions report: nowhere (None), a callable taking one message, a file
    path (opened for writing, closed at the end) or a file-like object (flushed after
    each line)."""

    def __init__(self, log: Any) -> None:
        self._func: Callable[[str], Any] | None = None
        self._file: Any = None
        self._owns_file = False
        if log is None:
            return
        if callable(log):
            self._func = log
        elif isinstance(log, (str, os.PathLike)):
            self._file = builtins.open(log, mode="w")
            self._owns_file = True
        elif hasattr(log, "write"):
            self._file = log
        else:
            raise TypeError("log must be a callable function, file path or file-like "
                            f"object, found {log!r}")

    def __enter__(self) -> _CopyLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._owns_file:
            self._file.close()

    def __call__(self, message: str) -> None:
        if self._file is not None:
            print(message, file=self._file)
            if hasattr(self._file, "flush"):
                self._file.flush()
        elif self._func is not None:
            self._func(message)

    def summary(self, dry_run: bool, n_copied: int, n_skipped: int, n_bytes: int) -> None:
        """The last line: what was (or, in a dry run, would be) copied and skipped."""
        if dry_run:
            self(f"dry run: {n_copied:,} copied, {n_skipped:,} skipped")
        else:
            self(f"all done: {n_copied:,} copied, {n_skipped:,} skipped, "
                 f"{n_bytes:,} bytes copied")


def _check_choice(name: str, value: Any, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ValueError(f"{name} must be one of {list(valid)!r}; found {value!r}")


# ------------------------------------------------------------------------ copy_store
def _patterns(patterns: Any, flags: int) -> list[re.Pattern[str]]:
    if patterns is None:
        return []
    if isinstance(patterns, str):
        patterns = [patterns]
    return [re.compile(p, flags) for p in patterns]


def _store_prefix(path: str | None) -> str:
    path = normalize_path(path)
    return path + "/" if path else ""


def copy_store(source: Any, dest: Any, source_path: str = "", dest_path: str = "",
               excludes: Any = None, includes: Any = None, flags: int = 0,
               if_exists: str = "raise", dry_run: bool = False,
               log: Any = None) -> tuple[int, int, int]:
    """Copy the stored bytes of every key under `source_path` to `dest_path` of another
    store, without decoding anything: the fastest copy, keeping all settings.

    Parameters
    ----------
    source : Mapping or str
        The store to copy from (a directory path is opened read-only).
    dest : MutableMapping or str
        The store to copy into.
    source_path, dest_path : str, optional
        Copy the keys below `source_path` (default: all) to the same keys below
        `dest_path` (default: the root).
    excludes : str or sequence of str, optional
        Regular expressions searched for in each source key: a key that matches is not
        copied...
    includes : str or sequence of str, optional
        ...unless it matches one of these.
    flags : int, optional
        ``re`` flags for `excludes` and `includes`.
    if_exists : {'raise', 'replace', 'skip'}, optional
        For keys present in `dest`: refuse the copy (default), overwrite them, or leave
        them as they are.
    dry_run : bool, optional
        Only log (and count) what would be copied.
    log : callable, str or file-like, optional
        Receives one line per key ("copy KEY", "skip KEY", with " -> DEST_KEY" when the
        key changes) and a summary line.

    Returns
    -------
    n_copied, n_skipped, n_bytes_copied : int
        Keys copied, keys skipped, and bytes copied (0 in a dry run).

    Raises
    ------
    CopyError
        If `if_exists` is 'raise' and a key exists in `dest` (a RuntimeError).
    ValueError
        If `if_exists` is not one of the above.

    Notes
    -----
    Keys are read and written in batches (``getitems``/``setitems``). Every conflict is
    found before anything is written, so a refused copy leaves `dest` unchanged (zarr-python
    2 copies the keys that sort before the first conflict).

    Examples
    --------
    >>> import zarrlite as zl, zarrlite.convenience as zlc
    >>> source = {}
    >>> _ = zl.group(source).create_dataset("foo/bar", data=[1.0, 1.0, 1.0, 1.0], chunks=2,
    ...                                         compressor=None)
    >>> dest = {}
    >>> zlc.copy_store(source, dest, source_path="foo", dest_path="copy", log=print)
    copy foo/.zgroup -> copy/.zgroup
    copy foo/bar/.zarray -> copy/bar/.zarray
    copy foo/bar/0 -> copy/bar/0
    copy foo/bar/1 -> copy/bar/1
    all done: 4 copied, 0 skipped, 251 bytes copied
    (4, 0, 251)
    >>> zl.open(dest, path="copy/bar")[:]
    array([1., 1., 1., 1.])
    """
    _check_choice("if_exists", if_exists, _STORE_IF_EXISTS)
    source_prefix, dest_prefix = _store_prefix(source_path), _store_prefix(dest_path)
    excluded, included = _patterns(excludes, flags), _patterns(includes, flags)
    source = normalize_store(source, "r")
    dest = normalize_store(dest, "a")
    with _CopyLog(log) as write_log:
        to_copy: list[tuple[str, str]] = []
        n_skipped = 0
        for key in sorted(k for k in source.keys() if k.startswith(source_prefix)):
            if (any(p.search(key) for p in excluded)
                    and not any(p.search(key) for p in included)):
                continue
            dest_key = dest_prefix + key[len(source_prefix):]
            exists = if_exists != "replace" and dest_key in dest
            if exists and if_exists == "raise":
                raise CopyError(f"key {dest_key!r} exists in destination")
            described = key if dest_key == key else f"{key} -> {dest_key}"
            if exists:
                write_log(f"skip {described}")
                n_skipped += 1
            else:
                write_log(f"copy {described}")
                to_copy.append((key, dest_key))
        n_bytes = 0 if dry_run else _copy_keys(source, dest, to_copy)
        write_log.summary(dry_run, len(to_copy), n_skipped, n_bytes)
    return len(to_copy), n_skipped, n_bytes


def _copy_keys(source: Any, dest: Any, pairs: list[tuple[str, str]]) -> int:
    """Copy the values of (source key, dest key) pairs in batches; the bytes copied."""
    n_bytes = 0
    for start in range(0, len(pairs), COPY_STORE_BATCH):
        batch = pairs[start:start + COPY_STORE_BATCH]
        values = getitems(source, [key for key, _ in batch])
        missing = [key for key, _ in batch if key not in values]
        if missing:
            raise KeyError(f"key {missing[0]!r} vanished from the source store during the copy")
        setitems(dest, {dest_key: values[key] for key, dest_key in batch})
        n_bytes += sum(memoryview(values[key]).nbytes for key, _ in batch)
    return n_bytes


# ------------------------------------------------------------------ copy, copy_all
@dataclass
class _NodeCopy:
    """The settings of one `copy` or `copy_all` call and its running counts."""

    log: _CopyLog
    shallow: bool
    without_attrs: bool
    if_exists: str
    dry_run: bool
    create_kws: dict[str, Any]
    n_copied: int = 0
    n_skipped: int = 0
    n_bytes: int = 0

    def counts(self) -> tuple[int, int, int]:
        return self.n_copied, self.n_skipped, self.n_bytes


def _from_h5py(obj: Any) -> bool:
    """True for h5py's objects, whose creation keywords and chunks differ from Zarr's."""
    return type(obj).__module__.startswith("h5py.")


def _start_copy(source: Any, dest: Any, shallow: bool, without_attrs: bool, log: Any,
                if_exists: str, dry_run: bool, create_kws: dict[str, Any]) -> _NodeCopy:
    if not hasattr(dest, "create_dataset"):
        raise ValueError(f"dest must be a group, got {dest!r}")
    _check_choice("if_exists", if_exists, _NODE_IF_EXISTS)
    if if_exists == "skip_initialized" and _from_h5py(dest):
        raise ValueError(f"{if_exists!r} can only be used when copying to zarr")
    return _NodeCopy(_CopyLog(log), shallow, without_attrs, if_exists, dry_run, create_kws)


def copy(source: Any, dest: Any, name: str | None = None, shallow: bool = False,
         without_attrs: bool = False, log: Any = None, if_exists: str = "raise",
         dry_run: bool = False, **create_kws: Any) -> tuple[int, int, int]:
    """Copy an array or a group (with everything below it) into the group `dest`.

    Arrays are decoded and written again, one region of whole destination chunks at a
    time, so settings can change on the way (`create_kws`) and the source can be another
    library's.

    Parameters
    ----------
    source : Array, Group, h5py.Dataset or h5py.Group
        What to copy: zarrlite's or zarr-python's arrays and groups, or h5py's.
    dest : Group or h5py.Group
        The group to copy into.
    name : str, optional
        The copy's name in `dest` (default: the source's own; required for a root group
        or an array at the root of its store).
    shallow : bool, optional
        Copy a group with its arrays only, not its subgroups.
    without_attrs : bool, optional
        Leave the user attributes behind.
    log : callable, str or file-like, optional
        Receives one line per node ("copy NAME", or "copy NAME SHAPE DTYPE" for an
        array; "skip ..." for a node left alone) and a summary line.
    if_exists : {'raise', 'replace', 'skip', 'skip_initialized'}, optional
        For a name already taken in the destination: refuse the copy (default), replace
        the array there, leave it (for arrays: 'skip_initialized' leaves it only if all
        its chunks are stored; not for h5py destinations). A group copied onto an
        existing group is merged into it in every mode.
    dry_run : bool, optional
        Only log (and count) what would be copied; nothing is created.
    **create_kws
        Creation arguments for every array copied (`chunks`, `compressor`, `filters`,
        `order`, `fill_value`, ...), overriding those taken from the source. From a
        Zarr source the copy keeps chunks, compressor, filters, order and fill value;
        from h5py, its chunks, fill value and gzip level (as a Zlib compressor; other
        h5py compression gives the default compressor).

    Returns
    -------
    n_copied, n_skipped, n_bytes_copied : int
        Nodes (arrays and groups) copied and skipped, and bytes of decoded array data
        copied (0 in a dry run).

    Raises
    ------
    CopyError
        If `if_exists` is 'raise' and a name is taken (a RuntimeError).
    TypeError
        If no name is given and the source has none.
    ValueError
        If `dest` is not a group or `if_exists` not one of the above.

    Notes
    -----
    As in zarr-python 2, a shallow copy skips subgroups entirely: they are neither
    created nor counted. An array standing where a group is to be copied is replaced in
    the modes 'replace' and 'skip_initialized' and left in 'skip'.

    Examples
    --------
    >>> import numpy as np, zarrlite as zl, zarrlite.convenience as zlc
    >>> source = zl.group()
    >>> source.create_dataset("foo/bar/baz", data=np.arange(100), chunks=30)
    <zarrlite.Array '/foo/bar/baz' (100,) int64>
    >>> dest = zl.group()
    >>> zlc.copy(source["foo"], dest, log=print)
    copy /foo
    copy /foo/bar
    copy /foo/bar/baz (100,) int64
    all done: 3 copied, 0 skipped, 800 bytes copied
    (3, 0, 800)
    >>> dest["foo/bar/baz"].chunks
    (30,)
    >>> zlc.copy(source["foo"], dest, if_exists="skip", log=print)
    copy /foo
    copy /foo/bar
    skip /foo/bar/baz (100,) int64
    all done: 2 copied, 1 skipped, 0 bytes copied
    (2, 1, 0)
    """
    job = _start_copy(source, dest, shallow, without_attrs, log, if_exists, dry_run,
                      create_kws)
    with job.log:
        _copy_node(job, source, dest, name, root=True)
        job.log.summary(dry_run, *job.counts())
    return job.counts()


def copy_all(source: Any, dest: Any, shallow: bool = False, without_attrs: bool = False,
             log: Any = None, if_exists: str = "raise", dry_run: bool = False,
             **create_kws: Any) -> tuple[int, int, int]:
    """Copy every member of the group `source` into the group `dest`, and the source's
    attributes onto `dest`.

    Parameters are those of `copy` (without `name`). With `shallow`, only the arrays
    directly in `source` are copied.

    Returns
    -------
    n_copied, n_skipped, n_bytes_copied : int
        As for `copy`; `source` itself is not counted.

    Raises
    ------
    TypeError
        If `source` is not a group.
    CopyError, ValueError
        As for `copy`.

    Notes
    -----
    zarr-python 2 copies `source`'s attributes onto `dest` even with ``without_attrs``
    or ``dry_run``; zarrlite does as those parameters say.

    Examples
    --------
    >>> import zarrlite as zl, zarrlite.convenience as zlc
    >>> source = zl.group()
    >>> source.attrs["title"] = "run 1"
    >>> _ = source.zeros("foo/bar", shape=10, dtype="u1"), source.ones("spam", shape=5)
    >>> dest = zl.group()
    >>> zlc.copy_all(source, dest, log=print)
    copy /foo
    copy /foo/bar (10,) uint8
    copy /spam (5,) float64
    all done: 3 copied, 0 skipped, 50 bytes copied
    (3, 0, 50)
    >>> sorted(dest), dest.attrs["title"]
    (['foo', 'spam'], 'run 1')
    """
    job = _start_copy(source, dest, shallow, without_attrs, log, if_exists, dry_run,
                      create_kws)
    if hasattr(source, "shape") or not hasattr(source, "keys"):
        raise TypeError(f"copy_all copies the members of a group, got {source!r}; "
                        "use copy for an array")
    with job.log:
        for name in source.keys():
            _copy_node(job, source[name], dest, name, root=False)
        if not without_attrs and not dry_run:
            dest.attrs.update(source.attrs)
        job.log.summary(dry_run, *job.counts())
    return job.counts()


def _copy_node(job: _NodeCopy, source: Any, dest: Any, name: str | None, root: bool) -> None:
    """Copy `source` (an array, or a group and what it holds) into `dest` as `name`;
    `dest` is None in a dry run below a group that does not exist yet."""
    if name is None:
        name = (source.name or "").split("/")[-1]
        if not name:
            raise TypeError("source has no name, please provide the `name` parameter to "
                            "indicate a name to copy to")
    if hasattr(source, "shape"):
        _copy_array_node(job, source, dest, name)
    elif root or not job.shallow:
        _copy_group_node(job, source, dest, name)


def _copy_array_node(job: _NodeCopy, source: Any, dest: Any, name: str) -> None:
    described = f"{source.name} {source.shape} {source.dtype}"
    exists = dest is not None and name in dest
    if exists and job.if_exists == "raise":
        raise CopyError(f"an object {name!r} already exists in destination {dest.name!r}")
    if exists and job.if_exists in ("skip", "skip_initialized"):
        there = dest[name]
        if job.if_exists == "skip" or (hasattr(there, "nchunks_initialized")
                                       and there.nchunks_initialized == there.nchunks):
            job.log(f"skip {described}")
            job.n_skipped += 1
            return
    job.log(f"copy {described}")
    if not job.dry_run:
        if exists:
            del dest[name]
        kws = _array_create_kws(source, dest, job.create_kws)
        copied = dest.create_dataset(name, shape=source.shape, dtype=source.dtype, **kws)
        _copy_array_data(source, copied)
        job.n_bytes += copied.size * copied.dtype.itemsize
        if not job.without_attrs:
            copied.attrs.update(_attrs_for(source, dest))
    job.n_copied += 1


def _copy_group_node(job: _NodeCopy, source: Any, dest: Any, name: str) -> None:
    array_there = dest is not None and name in dest and hasattr(dest[name], "shape")
    if array_there and job.if_exists == "raise":
        raise CopyError(f"an array {name!r} already exists in destination {dest.name!r}")
    if array_there and job.if_exists == "skip":
        job.log(f"skip {source.name}")
        job.n_skipped += 1
        return
    job.log(f"copy {source.name}")
    copied: Any = None
    if not job.dry_run:
        if array_there:
            del dest[name]
        copied = dest.require_group(name)
        if not job.without_attrs:
            copied.attrs.update(source.attrs)
    elif dest is not None and not array_there:
        copied = dest.get(name, None)  # an existing group: its members show conflicts
    for member in source.keys():
        _copy_node(job, source[member], copied, member, root=False)
    job.n_copied += 1


def _array_create_kws(source: Any, dest: Any, create_kws: dict[str, Any]) -> dict[str, Any]:
    """Creation keywords for the copy of `source` in `dest`: `create_kws`, completed with
    the settings that carry over between the two libraries."""
    kws = dict(create_kws)
    kws.setdefault("chunks", source.chunks)
    if _from_h5py(source) and _from_h5py(dest):
        for key in ("compression", "compression_opts", "shuffle", "fletcher32"):
            kws.setdefault(key, getattr(source, key))
        kws.setdefault("fillvalue", source.fillvalue)
    elif _from_h5py(source):
        kws.setdefault("fill_value", source.fillvalue)
        if source.compression == "gzip" and "compression" not in kws:
            level = 4 if source.compression_opts is None else source.compression_opts
            kws.setdefault("compressor", Zlib(level=level))
    elif _from_h5py(dest):
        if not source.shape:  # HDF5 scalars take no chunks and no filters
            return {"fillvalue": source.fill_value, **create_kws}
        if kws["chunks"] is not None and kws["chunks"] is not True:  # HDF5: within the shape
            kws["chunks"] = tuple(min(c, max(n, 1)) for c, n in zip(kws["chunks"], source.shape))
        if "compression" not in kws:  # opts without a compression: h5py refuses them
            kws.update(compression="gzip", compression_opts=kws.get("compression_opts", 1))
        kws.setdefault("shuffle", False)
        kws.setdefault("fillvalue", source.fill_value)
    else:
        for key in ("compressor", "filters", "order", "fill_value"):
            kws.setdefault(key, getattr(source, key))
    return kws


def _attrs_for(source: Any, dest: Any) -> Any:
    """The source's attributes as the destination can take them (HDF5 has no room for a
    'filters' attribute, which some Zarr v3 data keeps there)."""
    if _from_h5py(dest) and "filters" in source.attrs:
        return {k: v for k, v in source.attrs.items() if k != "filters"}
    return source.attrs


def copy_regions(shape: tuple[int, ...], chunks: tuple[int, ...] | None, itemsize: int,
                 max_nbytes: int | None = None) -> Iterator[tuple[slice, ...]]:
    """Split an array into regions of whole chunks, each at most `max_nbytes` of data
    (or one chunk, if a chunk is larger), in C order.

    Regions grow along the last dimension first, so they are contiguous in C order.

    Parameters
    ----------
    shape, chunks : tuple of int
        The array's shape and chunk shape (None: unchunked, read row by row).
    itemsize : int
        Bytes per item.
    max_nbytes : int, optional
        The largest region, in bytes (default: `COPY_REGION_NBYTES`).

    Examples
    --------
    >>> list(copy_regions((4, 5), (2, 2), itemsize=8, max_nbytes=100))
    [(slice(0, 2, None), slice(0, 5, None)), (slice(2, 4, None), slice(0, 5, None))]
    >>> len(list(copy_regions((4, 5), (2, 2), itemsize=8, max_nbytes=40)))
    6
    """
    if max_nbytes is None:
        max_nbytes = COPY_REGION_NBYTES
    if 0 in shape:
        return
    if chunks is None:
        chunks = (1,) + tuple(shape[1:])
    steps = [min(max(c, 1), n) for c, n in zip(chunks, shape)]
    for dim in reversed(range(len(shape))):
        others = itemsize * math.prod(steps[:dim] + steps[dim + 1:])
        fits = max_nbytes // max(others, 1)  # items along `dim` within the budget
        if fits >= shape[dim]:
            steps[dim] = shape[dim]
            continue
        steps[dim] *= max(1, fits // steps[dim])
        break
    starts = [range(0, n, step) for n, step in zip(shape, steps)]
    for offset in itertools.product(*starts):
        yield tuple(slice(o, min(o + step, n)) for o, step, n in zip(offset, steps, shape))


def _copy_array_data(source: Any, dest: Any) -> None:
    """Write `source`'s data into `dest` (same shape) region by region."""
    if not dest.shape:
        dest[()] = source[()]
        return
    for region in copy_regions(dest.shape, dest.chunks, dest.dtype.itemsize):
        dest[region] = source[region]
