"""The keywords of zarr-python 2's constructors that zarrlite takes for compatibility
(``Array(store, chunk_store=None, cache_metadata=True, zarr_version=2, ...)``): which
values it honours, and a clear error for those it cannot."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from zarrlite.codecs.registry import codec_class

#: Keywords accepted with any value: the callers honour them (a separate chunk store, the
#: caching of metadata and attributes), or zarrlite decides the matter itself (partial
#: decoding: ``zl.config`` ``partial_decode``).
ACCEPTED = ("chunk_store", "cache_metadata", "cache_attrs", "partial_decompress")


def check_zarr2_keywords(what: str, **keywords: Any) -> None:
    """Raise for a zarr-python 2 keyword value zarrlite cannot honour.

    Parameters
    ----------
    what : str
        The call, for messages (``"Array"``, ``"create"``).
    **keywords
        Any of ``zarr_version``, ``synchronizer``, ``meta_array``,
        ``storage_transformers`` (and the ACCEPTED ones).

    Raises
    ------
    ValueError
        For Zarr v3, or a `meta_array` that is not a numpy array.
    NotImplementedError
        For storage transformers.
    TypeError
        For a keyword zarr-python 2 does not have either, or a synchronizer that
        gives no locks.
    """
    for name, value in keywords.items():
        if name in ACCEPTED or value is None:
            continue
        if name == "zarr_version":
            if value != 2:
                raise ValueError(f"{what}: zarr_version={value!r}: zarrlite reads and writes "
                                 "Zarr v2 only (zarr-python 3 reads and writes v3)")
        elif name == "synchronizer":
            if not callable(getattr(value, "__getitem__", None)):
                raise TypeError(
                    f"{what}: synchronizer must map a key to a lock (zl.ThreadSynchronizer(), "
                    f"zl.ProcessSynchronizer(path)), got {type(value).__name__}")
        elif name == "meta_array":
            if not isinstance(value, np.ndarray):
                raise ValueError(f"{what}: meta_array must be a numpy array (zarrlite returns "
                                 f"numpy arrays), got {type(value).__name__}")
        elif name == "storage_transformers":
            if value:
                raise NotImplementedError(f"{what}: storage transformers are a Zarr v3 feature")
        else:
            raise TypeError(f"{what}() got an unexpected keyword argument {name!r}")


#: zarr-python 2's keywords of `create` that zarrlite takes (checked by `check_zarr2_keywords`).
ZARR2_CREATE_KEYWORDS = ("synchronizer", "cache_metadata", "cache_attrs", "chunk_store",
                         "zarr_version", "meta_array", "storage_transformers",
                         "partial_decompress")


#: zarr-python 2's dtype names of object arrays and the codec each implies: "str", "bytes",
#: "array:<item dtype>" (codec arguments after the colon).
OBJECT_DTYPE_NAMES = {"str": "vlen-utf8", "bytes": "vlen-bytes", "array": "vlen-array"}


def object_dtype_names(dtype: Any, object_codec: Any) -> tuple[Any, Any]:
    """(dtype, object_codec) with zarr-python 2's object dtype names resolved: ``"str"``
    is the object dtype with a VLenUTF8 codec, ``"array:i4"`` with ``VLenArray("i4")``."""
    if not isinstance(dtype, str) or dtype.split(":")[0] not in OBJECT_DTYPE_NAMES:
        return dtype, object_codec
    name, _, args = dtype.partition(":")
    if object_codec is None:
        object_codec = codec_class(OBJECT_DTYPE_NAMES[name])(*(args.split(",") if args else ()))
    return object, object_codec


def subarray_dtype(dtype: Any) -> np.dtype | None:
    """The dtype when it is a top-level subarray dtype (``"(2,2)f4"``), else None."""
    if isinstance(dtype, str) and "(" not in dtype:
        return None
    try:
        candidate = np.dtype(dtype)
    except TypeError:
        return None
    return candidate if candidate.subdtype is not None else None


def h5py_keywords(compressor: Any, fill_value: Any, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The compressor and fill value after h5py's keywords, which zarr-python 2 takes too:
    ``compression`` (a codec id, "none", "default" or a codec) with ``compression_opts``
    (the codec's one argument, a tuple of them or a dict), and ``fillvalue``. An explicit
    `compressor` wins over ``compression`` (with a warning), as in zarr 2."""
    if "compression" in kwargs or "compression_opts" in kwargs:
        compression = kwargs.pop("compression", "default")
        opts = kwargs.pop("compression_opts", None)
        if compressor != "default":
            warnings.warn("'compression' and 'compression_opts' are overridden by "
                          "'compressor'", UserWarning, stacklevel=4)
        elif compression is None or compression == "none":
            compressor = None
        elif compression == "default":
            compressor = "default"
        elif isinstance(compression, str):
            cls = codec_class(compression)
            if isinstance(opts, dict):
                compressor = cls(**opts)
            elif isinstance(opts, (list, tuple)):
                compressor = cls(*opts)
            else:
                compressor = cls() if opts is None else cls(opts)
        elif hasattr(compression, "get_config"):
            compressor = compression
        else:
            raise ValueError(f"compression must be a codec id or a codec, got {compression!r}")
    if "fillvalue" in kwargs:
        fill_value = kwargs.pop("fillvalue")
    return compressor, fill_value
