"""Writing new array and group metadata into a store, with the hierarchy checks."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import numpy as np

from zarrlite.codecs import blosc as _blosc  # noqa: F401  registers the default compressor
from zarrlite.codecs.registry import as_codec
from zarrlite.errors import ContainsArrayError, ContainsGroupError
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
from zarrlite.stores.access import location_of, rmdir

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
    filter_configs = [_codec_config(f) for f in (filters or ())]
    if np_dtype.hasobject:
        first_ids = {c["id"] for c in filter_configs[:1]}
        if object_codec is not None:
            if not first_ids & {"vlen-utf8", "vlen-bytes", "vlen-array", "json2", "pickle",
                                "msgpack2"}:
                filter_configs.insert(0, _codec_config(object_codec))
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

