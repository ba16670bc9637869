"""Making arrays and groups: the factories (create, zeros, ones, full, empty, array and the
``*_like`` ones) and the metadata they write into a store, with the hierarchy checks."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import numpy as np

from zarrlite.codecs.registry import as_codec
from zarrlite.errors import ContainsArrayError, ContainsGroupError
from zarrlite.hierarchy.array import Array
from zarrlite.metadata.array_meta import (
    ArrayMeta,
    decode_json,
    encode_group_meta,
    encode_json,
    normalize_chunks,
    normalize_dimension_separator,
    normalize_order,
    normalize_shape,
)
from zarrlite.metadata.dtypes import normalize_fill_value, parse_dtype, vlen_filter
from zarrlite.metadata.keys import ARRAY_META_KEY, GROUP_META_KEY, meta_key, normalize_path
from zarrlite.stores.access import location_of, normalize_store, rmdir

#: What ``compressor="default"`` means: Blosc lz4, level 5, byte shuffle, as zarr-python 2.
DEFAULT_COMPRESSOR = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}


def contains_array(store: MutableMapping[str, bytes], path: str) -> bool:
    """True if an array exists at `path`."""
    return meta_key(normalize_path(path), ARRAY_META_KEY) in store


def contains_group(store: MutableMapping[str, bytes], path: str) -> bool:
    """True if a group exists at `path`."""
    return meta_key(normalize_path(path), GROUP_META_KEY) in store


def _check_free(store: MutableMapping[str, bytes], path: str, overwrite: bool) -> None:
    """Make `path` free for a new node (clearing it when overwrite), and give it parents."""
    if overwrite:
        rmdir(store, path)
    elif contains_array(store, path):
        raise ContainsArrayError(f"{location_of(store, path)} already holds an array; "
                                 "pass overwrite=True (or mode='w') to replace it")
    elif contains_group(store, path):
        raise ContainsGroupError(f"{location_of(store, path)} already holds a group; "
                                 "pass overwrite=True (or mode='w') to replace it")
    _require_parent_groups(store, path)


def _require_parent_groups(store: MutableMapping[str, bytes], path: str) -> None:
    if not path:
        return
    parts = path.split("/")[:-1]
    for i in range(len(parts) + 1):
        parent = "/".join(parts[:i])
        if contains_array(store, parent):
            raise ContainsArrayError(
                f"cannot create {path!r}: {location_of(store, parent)} holds an array, "
                "and an array cannot hold other nodes"
            )
        if not contains_group(store, parent):
            store[meta_key(parent, GROUP_META_KEY)] = encode_group_meta()


def _codec_config(codec: Any) -> dict | None:
    codec = as_codec(codec)
    if codec is None:
        return None
    # as a re-open reads it back (tuples become lists), so that the metadata compare equal
    config = decode_json(encode_json(codec.get_config()), "codec configuration")
    if config.get("id") == "zstd" and config.get("checksum") is False:
        # numcodecs' default; zarr-python 3 leaves it out of .zarray too, because
        # tensorstore refuses an explicit "checksum" key
        del config["checksum"]
    return config


def _filter_config(codec: Any) -> dict:
    config = _codec_config(codec)
    if config is None:
        raise TypeError("filters: expected codecs or codec configurations, found None")
    return config


def build_array_meta(
    shape: Any,
    chunks: Any = True,
    dtype: Any = None,
    compressor: Any = "default",
    fill_value: Any = 0,
    order: str = "C",
    filters: Any = None,
    dimension_separator: str | None = None,
    object_codec: Any = None,
) -> ArrayMeta:
    """Validate creation arguments and return the metadata of a new array."""
    if dtype is None:
        dtype = np.float64
    implied = vlen_filter(dtype)
    np_dtype = parse_dtype(dtype)
    shape = normalize_shape(shape)
    chunks = normalize_chunks(chunks, shape, np_dtype.itemsize)
    if compressor == "default":
        compressor = DEFAULT_COMPRESSOR
    filter_configs = [_filter_config(f) for f in (filters or ())]
    if np_dtype.hasobject:
        first_ids = {c["id"] for c in filter_configs[:1]}
        if object_codec is not None:
            if not first_ids & {"vlen-utf8", "vlen-bytes", "vlen-array", "json2", "pickle",
                                "msgpack2"}:
                filter_configs.insert(0, _filter_config(object_codec))
        elif implied is not None and not filter_configs:
            filter_configs = [implied]
        elif not filter_configs:
            raise TypeError(
                "an object dtype needs an object codec: pass object_codec="
                "zarrlite.codecs.VLenUTF8() (or VLenBytes, JSON, Pickle), or dtype=str"
            )
    return ArrayMeta(
        shape=shape,
        chunks=chunks,
        dtype=np_dtype,
        compressor=_codec_config(compressor),
        fill_value=normalize_fill_value(fill_value, np_dtype),
        order=normalize_order(order),
        filters=tuple(filter_configs) or None,
        dimension_separator=normalize_dimension_separator(dimension_separator),
    )


def init_array(store: MutableMapping[str, bytes], path: str, meta: ArrayMeta,
               overwrite: bool = False) -> None:
    """Write a new array's ``.zarray`` at `path` (creating parent groups)."""
    path = normalize_path(path)
    _check_free(store, path, overwrite)
    store[meta_key(path, ARRAY_META_KEY)] = meta.encode()


def init_group(store: MutableMapping[str, bytes], path: str, overwrite: bool = False) -> None:
    """Write a new group's ``.zgroup`` at `path` (creating parent groups)."""
    path = normalize_path(path)
    _check_free(store, path, overwrite)
    store[meta_key(path, GROUP_META_KEY)] = encode_group_meta()


# -------------------------------------------------------------------- factories

#: What may be passed as a store: a mapping, a directory path, or None (a new MemoryStore).
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
