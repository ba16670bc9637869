"""The dtype a dataset shows through the h5py face: variable-length strings and sequences
carry h5py's tags (``string_dtype``, ``vlen_dtype``), as h5py's datasets give them."""

from __future__ import annotations

import numpy as np

from zarrlite.h5.strings import string_dtype, vlen_dtype
from zarrlite.metadata.array_meta import ArrayMeta


def _object_codec(meta: ArrayMeta) -> dict | None:
    if meta.dtype.kind != "O" or not meta.filters:
        return None
    return meta.filters[0]


def h5py_dtype(meta: ArrayMeta, encoding: str | None = None) -> np.dtype:
    """`meta`'s dtype, tagged as h5py tags it: ``vlen-utf8`` chunks hold UTF-8 strings,
    ``vlen-bytes`` ASCII strings (h5py's two string encodings), ``vlen-array`` sequences;
    an ``S`` dtype with `encoding` "utf-8" is h5py's fixed-length UTF-8 string."""
    codec = _object_codec(meta)
    if codec is None:
        if encoding == "utf-8" and meta.dtype.kind == "S":
            return string_dtype("utf-8", meta.dtype.itemsize)
        return meta.dtype
    if codec["id"] == "vlen-utf8":
        return string_dtype("utf-8")
    if codec["id"] == "vlen-bytes":
        return string_dtype("ascii")
    if codec["id"] == "vlen-array" and "dtype" in codec:
        return vlen_dtype(np.dtype(codec["dtype"]))
    return meta.dtype


def holds_ascii(meta: ArrayMeta) -> bool:
    """True when the chunks hold ``bytes`` (h5py's variable-length ASCII strings)."""
    codec = _object_codec(meta)
    return codec is not None and codec["id"] == "vlen-bytes"


def reads_as_bytes(meta: ArrayMeta) -> bool:
    """True when the chunks hold ``str`` that h5py 3 would give back as ``bytes``."""
    codec = _object_codec(meta)
    return codec is not None and codec["id"] == "vlen-utf8"
