"""`from_array`: a new Zarr array holding a copy of any chunked array (an h5py dataset, a
dask array, another Zarr array, a block array, numpy), chunked as the source is, with its
attributes."""

from __future__ import annotations

import math
import os
import re
import shutil
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from zarrlite.chunked.copying import copy_chunked
from zarrlite.chunked.eachchunk import eachchunk, haschunks
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.creation import StoreLike, create
from zarrlite.stores import BaseStore

__all__ = ["from_array"]

#: A URL (``s3://...``, ``simplecache::s3://...``): not a path `from_array` removes.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(::|://)")

#: What reading or converting one attribute may raise; the attribute is then skipped.
_ATTR_ERRORS = (TypeError, ValueError, OSError, KeyError, UnicodeDecodeError)


def from_array(src: Any, store: StoreLike = None, chunks: Any = None, *, path: str | None = None,
               overwrite: bool = False, progress: bool = False, **create_kw: Any) -> Array:
    """Create a Zarr array holding a copy of `src`, chunk by chunk.

    Parameters
    ----------
    src : array-like
        Anything with ``shape``, ``dtype`` and numpy-style slicing: an h5py Dataset, a
        dask array, a zarrlite or zarr-python Array, a BlockArray, a numpy array.
    store : MutableMapping, path or None, optional
        Where to write (None: a new MemoryStore). A local path where nothing exists yet
        is removed again if the copy fails (an existing store is left as the copy left it).
    chunks : int, tuple of int or True, optional
        The chunk shape. By default the source's: its chunk shape when its grid
        (``eachchunk(src)``) is regular, the largest chunk length along each axis when it
        is not (dask); zarrlite's guess for a source without chunks of its own (numpy, a
        contiguous HDF5 dataset, a BlockArray whose one chunk is the whole array).
    path : str, optional
        Path inside the store.
    overwrite : bool, optional
        Replace whatever is at `path`.
    progress : bool, optional
        Show the copy's progress on stderr (a tqdm bar when tqdm is installed).
    **create_kw
        Other arguments of ``zarrlite.create`` (`compressor`, `filters`, `order`,
        `dtype`, `fill_value`, `read_only`, ...). `dtype` defaults to the source's (an
        explicit one converts, as ``astype`` does; h5py's variable-length strings become
        ``str``); `fill_value` to the source's (h5py's ``fillvalue``, a Zarr array's
        ``fill_value``) when it has one; for object data, `filters` to a Zarr source's
        (which hold its object codec). The compressor is zarrlite's default: the source's
        compression is not carried over.

    Returns
    -------
    Array
        The new array. The source's attributes (``src.attrs``: h5py, zarr, zarrlite)
        are copied where they are JSON-able (numbers, strings, lists, numpy scalars and
        arrays); the others are skipped with a warning.

    Raises
    ------
    ContainsArrayError, ContainsGroupError
        If something exists at `path` and `overwrite` is False.
    TypeError, ValueError
        As ``zarrlite.create`` for bad creation arguments.

    Examples
    --------
    >>> import numpy as np
    >>> z = from_array(np.arange(12.0).reshape(3, 4), chunks=(2, 2))
    >>> z.chunks, float(z[2, 3])
    ((2, 2), 11.0)
    """
    made = _new_local_path(store)
    try:
        return _from_array(src, store, chunks, path=path, overwrite=overwrite,
                           progress=progress, owned=made is not None, **create_kw)
    except BaseException:
        if made is not None:  # a destination of its own: nothing half-written stays
            _remove(made)
        raise


def _from_array(src: Any, store: StoreLike, chunks: Any, *, path: str | None,
                overwrite: bool, progress: bool, owned: bool, **create_kw: Any) -> Array:
    """`from_array`, without the clean-up of a failed copy (`owned`: the store is made
    here, and closed when the copy fails)."""
    dtype = create_kw.pop("dtype", None)
    read_only = create_kw.pop("read_only", False)
    if "fill_value" not in create_kw and "fillvalue" not in create_kw:
        fill_value = _source_fill_value(src, dtype)
        if fill_value is not None:
            create_kw["fill_value"] = fill_value
    source_dtype = _zarr_dtype(np.dtype(src.dtype))
    if (source_dtype == np.dtype(object) and dtype is None and "filters" not in create_kw
            and "object_codec" not in create_kw and getattr(src, "filters", None)):
        create_kw["filters"] = list(src.filters)  # a Zarr array's object codec among them
    z = create(tuple(src.shape), chunks=_chunk_shape(src) if chunks is None else chunks,
               dtype=source_dtype if dtype is None else dtype,
               store=store, path=path, overwrite=overwrite, **create_kw)
    try:
        data, casting = src, "safe" if dtype is None else "unsafe"
        if source_dtype is str and callable(getattr(src, "asstr", None)):
            # h5py reads variable-length strings as bytes unless asked for str
            data, casting = src.asstr(), "unsafe"
        if not z.shape and z.dtype.hasobject:
            z[()] = _scalar(data)
        else:
            copy_chunked(z, data, progress=progress, casting=casting)
        attrs = _json_attrs(getattr(src, "attrs", None))
        if attrs:
            z.attrs.update(attrs)
    except BaseException:
        if owned and isinstance(z.store, BaseStore):  # closed before it is removed
            z.store.close()
        raise
    if read_only:  # written first, then handed out read-only (as zarrlite.array does)
        z.read_only = True
    return z


def _scalar(src: Any) -> Any:
    """The one value of a 0-d source of objects (an h5py variable-length string: ``str``
    or ``bytes``), as an item rather than a 0-d array, which an object array would hold
    as it is."""
    value = src[()]
    return value[()] if isinstance(value, np.ndarray) else value


def _new_local_path(store: StoreLike) -> str | None:
    """`store` when it is a local path where nothing exists yet (so `from_array` makes the
    destination, and removes it again if the copy fails), else None."""
    if not isinstance(store, (str, os.PathLike)):
        return None
    path = os.fspath(store)
    if not isinstance(path, str) or _URL.match(path) or os.path.lexists(path):
        return None
    return path


def _remove(path: str) -> None:
    """Remove the directory or file a failed `from_array` made at `path`."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)


def _chunk_shape(src: Any) -> tuple[int, ...] | bool:
    """The source's chunk shape (the longest chunk along each axis), or True (guess one)
    for a source without chunks of its own, or whose one chunk is the whole array (an
    unchunked BlockArray: a single Zarr chunk of any size would be a poor choice)."""
    if not haschunks(src):
        return True
    declared = getattr(src, "chunks", None)  # (an empty axis has no chunk to measure)
    if (isinstance(declared, tuple) and declared and getattr(src, "shards", None) is None
            and all(isinstance(c, (int, np.integer)) and c > 0 for c in declared)):
        return tuple(int(c) for c in declared)
    grid = eachchunk(src)
    if len(grid) == 1 and math.prod(grid.size) > 1:
        return True
    return tuple(max(1, dim.max_chunksize) for dim in grid.dims)


def _zarr_dtype(dtype: np.dtype) -> Any:
    """The dtype to create: h5py's variable-length strings (object dtypes tagged with
    ``vlen``) as ``str`` or ``bytes``, which zarrlite stores with a vlen codec."""
    metadata: Mapping[str, Any] = dtype.metadata or {}
    vlen = metadata.get("vlen") if dtype.kind == "O" else None
    return vlen if vlen in (str, bytes) else dtype


def _source_fill_value(src: Any, dtype: Any) -> Any:
    """The source's fill value (h5py ``fillvalue``, Zarr ``fill_value``) for numeric and
    boolean data; with another `dtype`, the same value in it when it converts exactly;
    None when it has none (or it does not convert)."""
    if np.dtype(src.dtype).kind not in "biufc":
        return None
    value = getattr(src, "fillvalue", getattr(src, "fill_value", None))
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex)):
        return None
    if dtype is None:
        return value
    target = np.dtype(dtype)
    if target.kind not in "biufc":
        return None
    with np.errstate(all="ignore"):
        converted = np.array(value).astype(target)
    same = converted == value or (value != value and converted != converted)  # NaN
    return converted.item() if bool(same) else None


def _json_attrs(attrs: Any) -> dict[str, Any]:
    """The attributes as JSON-able values; the others are left out, named in one
    warning."""
    if attrs is None or not callable(getattr(attrs, "keys", None)):
        return {}
    kept: dict[str, Any] = {}
    skipped = []
    for name in list(attrs.keys()):
        try:
            kept[str(name)] = _json_value(attrs[name])
        except _ATTR_ERRORS:
            skipped.append(str(name))
    if skipped:
        warnings.warn(f"from_array: attributes {skipped} were not copied (not JSON-able)",
                      UserWarning, stacklevel=3)
    return kept


def _json_value(value: Any) -> Any:
    """`value` as plain JSON data: numpy scalars as numbers or strings, arrays as nested
    lists, bytes decoded as UTF-8, complex numbers as ``[re, im]``; TypeError for the
    rest (dates, records, references...)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    if isinstance(value, (complex, np.complexfloating)):
        return [float(value.real), float(value.imag)]
    if isinstance(value, np.generic) and value.dtype.kind in "biufU":
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return value.tolist()
        if value.dtype.kind in "OSUc":
            return _json_value(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return {key: _json_value(item) for key, item in value.items()}
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-able")
