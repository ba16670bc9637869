"""h5py's dataset-creation keywords as zarrlite creation arguments, and back.

:func:`creation_arguments` checks ``create_dataset``'s storage keywords as h5py 3 does (the
same exception classes, for the same mistakes) and returns the keywords of
:func:`zarrlite.create`; :func:`h5py_properties` reads a stored array back as h5py's
``Dataset`` properties. The keywords become:

- ``compression`` and ``compression_opts`` → a compressor (HDF5 filters to Zarr codecs:
  :mod:`zarrlite.h5.compression`);
- ``shuffle`` → Blosc's own byte shuffle, else a ``shuffle`` filter; ``fletcher32`` → a
  ``fletcher32`` filter, after the others (Zarr filters run before the compressor, so it
  checks the uncompressed bytes; HDF5's checks the compressed ones);
- ``scaleoffset`` on floats → a ``quantize`` filter (error at most half of 10**-n);
  integers are stored exactly;
- ``chunks`` and ``maxshape`` → a chunk shape (:mod:`zarrlite.h5.chunk_guess`).

What h5py keeps that Zarr has no place for (``maxshape``, ``scaleoffset``, and whether the
dataset is contiguous) is returned under the ``"h5py"`` key for ``.zattrs``. See
docs/h5py.md, "Creating datasets".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from zarrlite.h5.chunk_guess import (
    as_dims,
    check_chunks_fit,
    check_rank,
    check_unchunked,
    dataset_shape,
    layout,
    maxshape_dims,
)
from zarrlite.h5.compression import (
    blosc_shuffles,
    compression_of,
    compressor_config,
    config_of,
    legacy_gzip,
)
from zarrlite.metadata.array_meta import ArrayMeta

__all__ = ["creation_arguments", "h5py_properties", "maxshape_bookkeeping"]

#: h5py keywords that tune HDF5 only (times, attribute order, caches, prefixes, when fill
#: values are written): accepted, checked as h5py checks them, and listed as "ignored".
HDF5_ONLY = ("track_times", "track_order", "dapl", "efile_prefix", "virtual_prefix",
             "allow_unknown_filter", "rdcc_nbytes", "rdcc_w0", "rdcc_nslots", "fill_time")

#: zarrlite's own keywords of ``create``, passed through unchanged.
ZARR_KEYWORDS = ("compressor", "filters", "order", "dimension_separator",
                 "write_empty_chunks", "object_codec", "fill_value")


def creation_arguments(shape: Any = None, dtype: Any = None, data_shape: Any = None,
                       chunks: Any = None, maxshape: Any = None, fillvalue: Any = None,
                       compression: Any = None, compression_opts: Any = None,
                       shuffle: Any = None, fletcher32: Any = None, scaleoffset: Any = None,
                       **others: Any) -> dict[str, Any]:
    """Translate ``create_dataset``'s keywords into :func:`zarrlite.create` keywords.

    Parameters
    ----------
    shape : int, tuple or None
        The dataset shape; None takes `data_shape` (neither: an h5py "empty" dataset).
    dtype : dtype-like, optional
        The dataset dtype (h5py's special dtypes included); default float32.
    data_shape : tuple, optional
        The shape of the ``data`` given, if any (its size must equal `shape`'s).
    chunks, maxshape, fillvalue, compression, compression_opts, shuffle, fletcher32, \
scaleoffset
        As h5py's ``create_dataset`` (docs/h5py.md says what each stores).
    **others
        h5py's HDF5-only keywords (:data:`HDF5_ONLY`: checked, then ignored) and zarrlite's
        :data:`ZARR_KEYWORDS` (passed through).

    Returns
    -------
    dict
        ``shape``, ``chunks``, ``compressor`` (a config or None), ``filters`` (a list of
        configs or None), ``fill_value``, any zarrlite keywords given; ``"h5py"``: the
        bookkeeping to keep in ``.zattrs`` (``contiguous``, ``empty``, ``maxshape`` of
        chunked datasets, ``scaleoffset``, each only when it applies); ``"ignored"``: the
        HDF5-only keywords given. Pass all but the last two (and a dtype) to
        :func:`zarrlite.create`.

    Raises
    ------
    TypeError, ValueError, OverflowError
        Where h5py raises them (a chunk larger than a fixed axis, a bad gzip level, options
        on a scalar, a negative length, ...); also ValueError for a filter zarrlite cannot
        write (lzf, szip, unknown filter numbers) and TypeError for ``external``, a
        ``dcpl`` or an unknown keyword.

    Examples
    --------
    >>> args = creation_arguments((1000, 1000), "f8", compression="gzip", shuffle=True)
    >>> args["chunks"], args["compressor"], args["filters"]
    ((63, 63), {'id': 'zlib', 'level': 4}, [{'id': 'shuffle', 'elementsize': 8}])
    >>> creation_arguments(100, "i4")["h5py"]
    {'contiguous': True}
    """
    zarr = _split_keywords(others)
    dtype = np.dtype("=f4") if dtype is None else np.dtype(dtype)
    shape = dataset_shape(shape, data_shape)
    maxshape = as_dims(maxshape)
    if isinstance(chunks, numbers.Integral) and not isinstance(chunks, bool):
        chunks = (chunks,)
    check_chunks_fit(chunks, shape, maxshape)
    if chunks is False and any((compression, shuffle, fletcher32, maxshape, scaleoffset)):
        raise ValueError("Chunked format required for given storage options: chunks=False "
                         "asks for contiguous storage, which cannot be compressed, "
                         "filtered or resized")
    compression, compression_opts = legacy_gzip(compression, compression_opts)
    if compression is not None and zarr.get("compressor") is not None:
        raise ValueError("give either compression= (h5py) or compressor= (zarr), not both")
    if zarr.get("fill_value") is not None and fillvalue is not None:
        raise ValueError("give either fillvalue= (h5py) or fill_value= (zarr), not both")
    if not shape:
        check_unchunked(shape, chunks, compression, compression_opts, shuffle, fletcher32,
                        scaleoffset, maxshape)
    else:
        check_rank(chunks, "chunks", len(shape))
        check_rank(maxshape, "maxshape", len(shape))
    compressor = compressor_config(compression, compression_opts, shuffle)
    filtered = any((shuffle, fletcher32, compression, maxshape, scaleoffset is not None,
                    zarr.get("compressor") is not None, zarr.get("filters")))
    scaleoffset = _scaleoffset(scaleoffset, dtype, fletcher32)
    chunk_shape, contiguous = layout(shape, chunks, maxshape, dtype.itemsize, filtered)
    ignored = _check_hdf5_only(others)
    if fillvalue is None and "fill_value" in zarr:
        fill = zarr.pop("fill_value")
    else:
        fill = _fill_value(fillvalue, dtype)
        zarr.pop("fill_value", None)
    book = _bookkeeping(shape, maxshape, contiguous, scaleoffset)
    if compression is None:
        compressor = zarr.get("compressor")
    zarr.pop("compressor", None)
    filters = zarr.pop("filters", None)
    implied = _implied_filters(dtype, scaleoffset, shuffle, fletcher32, compressor)
    if implied:
        filters = list(filters or ()) + implied
    return {"shape": shape or (), "chunks": chunk_shape, "compressor": compressor,
            "filters": filters, "fill_value": fill, **zarr, "h5py": book, "ignored": ignored}


def _bookkeeping(shape: tuple[int, ...] | None, maxshape: Any, contiguous: bool,
                 scaleoffset: int | None) -> dict[str, Any]:
    """What h5py knows and Zarr has no place for, for ``.zattrs``: whether the dataset is
    empty or contiguous, the maximum shape of a chunked one (the shape when not given:
    fixed, and kept across a shrinking resize), the scale-offset setting."""
    book: dict[str, Any] = {}
    if shape is None:
        book["empty"] = True
    if contiguous:
        book["contiguous"] = True
    elif shape:
        book["maxshape"] = list(shape if maxshape is None else maxshape_dims(maxshape, shape))
    if scaleoffset is not None:
        book["scaleoffset"] = scaleoffset
    return book


def maxshape_bookkeeping(shape: Any, maxshape: Any) -> dict[str, Any]:
    """The bookkeeping that keeps a dataset's maximum shape on a Zarr array written without
    the h5py face (a conversion from HDF5), so that the face reports it and lets the array
    grow: put it under ``.zattrs[H5PY_KEY]``.

    Parameters
    ----------
    shape : tuple of int
        The dataset's shape.
    maxshape : tuple or None
        Its maximum shape (h5py's ``Dataset.maxshape``; None for an unlimited axis).

    Returns
    -------
    dict
        ``{"maxshape": [...]}`` (``null`` for unlimited axes), or ``{}`` when the maximum
        is the shape itself (or None): what the face assumes for an array without it.

    Examples
    --------
    >>> maxshape_bookkeeping((3, 4), (None, 4))
    {'maxshape': [None, 4]}
    >>> maxshape_bookkeeping((3, 4), (3, 4))
    {}
    """
    if maxshape is None or tuple(maxshape) == tuple(shape):
        return {}
    return {"maxshape": [None if m is None else int(m) for m in maxshape]}


def _split_keywords(others: dict[str, Any]) -> dict[str, Any]:
    """zarrlite's keywords among `others`; refuse what cannot be honoured or is unknown."""
    zarr = {}
    for name, value in others.items():
        if name in ZARR_KEYWORDS:
            zarr[name] = value
        elif name == "external":
            if value is not None and not (isinstance(value, (list, tuple)) and not value):
                raise TypeError("external= (raw data kept in files outside the HDF5 file) "
                                "cannot be honoured: a Zarr array keeps its data in its own "
                                "chunks; read the file with numpy and write it as data")
        elif name == "dcpl":
            if value is not None:
                raise TypeError("dcpl= (a low-level HDF5 property list) cannot be honoured: "
                                "zarrlite has no HDF5 library to read it; pass chunks, "
                                "compression, shuffle, ... as keywords")
        elif name not in HDF5_ONLY:
            raise TypeError(f"create_dataset() got an unexpected keyword argument {name!r}")
    return zarr


def _check_hdf5_only(others: dict[str, Any]) -> list[str]:
    """Check the HDF5-only keywords as h5py does; return the names given (not None)."""
    for name in ("track_times", "track_order"):
        if others.get(name) not in (None, True, False):
            raise TypeError(f"{name} must be either True or False, got {others[name]!r}")
    fill_time = others.get("fill_time")
    if fill_time is not None and fill_time not in ("alloc", "never", "ifset"):
        raise ValueError("fill_time must be one of the following choices: 'alloc', 'never' "
                         f"or 'ifset', but it is {fill_time!r}")
    return [name for name in HDF5_ONLY if others.get(name) is not None]


# ------------------------------------------------------------------- filters, fill


def _scaleoffset(value: Any, dtype: np.dtype, fletcher32: Any) -> int | None:
    """h5py's checks of `scaleoffset`; the setting as an int (True: 0 for integers)."""
    if value is None:
        return None
    if value < 0:
        raise ValueError(f"scale factor must be >= 0, got scaleoffset={value!r}")
    if dtype.kind == "f":
        if value is True:
            raise ValueError("integer scaleoffset must be provided for floating point types "
                             "(the number of decimal digits to keep)")
        if dtype.itemsize not in (4, 8):
            raise ValueError(f"scaleoffset: HDF5 scales only 4- and 8-byte floats, not "
                             f"{dtype}")
    elif dtype.kind in "iu":
        value = 0 if value is True else value  # True: HDF5 finds the bits needed
    else:
        raise TypeError(f"scale/offset filter only supported for integer and floating-point "
                        f"types, not {dtype}")
    if fletcher32:
        raise ValueError("fletcher32 cannot be used with potentially lossy scale/offset "
                         "filter")
    return int(value)


def _implied_filters(dtype: np.dtype, scaleoffset: int | None, shuffle: Any, fletcher32: Any,
                     compressor: Any) -> list[dict[str, Any]]:
    """The filters h5py's keywords ask for, in HDF5's order: scale-offset, shuffle,
    Fletcher-32 (last, the nearest to the stored bytes that Zarr allows)."""
    out = []
    if scaleoffset is not None and dtype.kind == "f" and \
            scaleoffset <= np.finfo(dtype).precision:
        # Rounds to multiples of 2**-b with 2**b >= 10**n (exactly: the scaling is by a power
        # of two). Beyond the dtype's decimal precision values are kept as they are, which
        # meets h5py's error bound too, and no scaling can overflow.
        out.append({"id": "quantize", "digits": scaleoffset, "dtype": dtype.str,
                    "astype": dtype.str})
    if shuffle and not dtype.hasobject and not blosc_shuffles(config_of(compressor),
                                                               dtype.itemsize):
        out.append({"id": "shuffle", "elementsize": dtype.itemsize})
    if fletcher32:
        out.append({"id": "fletcher32"})
    return out


def _fill_value(value: Any, dtype: np.dtype) -> Any:
    """h5py's `fillvalue` in the dataset dtype, converted as HDF5 converts it (floats
    truncated toward zero and clamped for integers, overflow to inf for floats, strings
    cut to the item size); None gives what h5py reads unwritten items as (zeros, b"")."""
    if dtype.kind == "O":  # h5py's variable-length strings: str for UTF-8, bytes for ASCII
        vlen = _metadata(dtype).get("vlen")
        if value is None:
            return "" if vlen is str else (b"" if vlen is bytes else None)
        if vlen is str and isinstance(value, bytes):
            return value.decode("utf-8")
        return value.encode("ascii") if vlen is bytes and isinstance(value, str) else value
    if value is None:
        return np.zeros((), dtype)[()]
    if dtype.kind == "S":
        return _bytes_fill(value, dtype)
    if dtype.kind not in "biufc":
        return value  # structured, datetime, ...: zarrlite's own conversion
    if isinstance(value, str):
        raise TypeError(f"fillvalue {value!r} is a string: a {dtype} dataset needs a number")
    if isinstance(value, bytes):
        raise ValueError(f"fillvalue {value!r} is bytes: a {dtype} dataset needs a number")
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biufc":
        raise ValueError(f"fillvalue {value!r} is not one number that {dtype} can hold")
    arr = arr.reshape(())
    source = arr.dtype.kind
    if source == "c" and dtype.kind != "c" or source in "fc" and dtype.kind == "b":
        raise ValueError(f"fillvalue {value!r} cannot be converted to {dtype}")
    if dtype.kind in "iu":
        return _integer_fill(arr, dtype)
    if dtype.kind == "b":
        return np.bool_(arr != 0)
    with np.errstate(over="ignore"):
        return arr.astype(dtype)[()]


def _metadata(dtype: np.dtype) -> dict[str, Any]:
    """The metadata h5py's special dtypes carry ({} for others)."""
    return dict(dtype.metadata or {})


def _integer_fill(arr: np.ndarray, dtype: np.dtype) -> Any:
    info = np.iinfo(dtype)
    if arr.dtype.kind == "f":
        x = float(arr)
        if math.isnan(x):
            raise ValueError(f"fillvalue nan cannot be stored in a {dtype} dataset (HDF5 "
                             "would store an arbitrary value)")
        n = info.max if x == math.inf else info.min if x == -math.inf else math.trunc(x)
    else:
        n = int(arr)
    return np.array(min(max(n, info.min), info.max), dtype=dtype)[()]


def _bytes_fill(value: Any, dtype: np.dtype) -> Any:
    if isinstance(value, str):
        encoding = _metadata(dtype).get("h5py_encoding", "ascii")
        value = value.encode(encoding)
    if not isinstance(value, bytes):
        raise TypeError(f"fillvalue {value!r} of a {dtype} dataset must be bytes or str")
    return np.bytes_(value[: dtype.itemsize])


# ------------------------------------------------------------------------- back


def h5py_properties(meta: ArrayMeta | Mapping[str, Any],
                    bookkeeping: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """h5py's ``Dataset`` storage properties of a stored array.

    Parameters
    ----------
    meta : ArrayMeta or mapping
        The array's metadata, or its ``.zarray`` document.
    bookkeeping : mapping, optional
        The ``"h5py"`` bookkeeping :func:`creation_arguments` returned (kept in
        ``.zattrs``); None or {} for arrays made otherwise.

    Returns
    -------
    dict
        ``chunks`` (None for contiguous, scalar and empty datasets), ``maxshape`` (the shape
        unless kept; None for empty datasets), ``compression`` ("gzip" for zlib and gzip,
        the codec id otherwise, None without compressor), ``compression_opts`` (the level
        for "gzip", the codec's parameters otherwise), ``shuffle`` (a shuffle filter, or
        Blosc's byte shuffle), ``fletcher32``, ``scaleoffset`` (as created, else None) and
        ``fillvalue`` (zeros when the fill value is undefined).

    Examples
    --------
    >>> meta = ArrayMeta((10,), (10,), np.dtype("i4"), {"id": "zlib", "level": 6}, 0, "C",
    ...                  None)
    >>> props = h5py_properties(meta, {"maxshape": [None]})
    >>> props["compression"], props["compression_opts"], props["maxshape"]
    ('gzip', 6, (None,))
    """
    if not isinstance(meta, ArrayMeta):
        meta = ArrayMeta.decode(meta)
    book = bookkeeping or {}
    empty = bool(book.get("empty"))
    contiguous = empty or bool(book.get("contiguous")) or meta.ndim == 0
    maxshape: tuple[int | None, ...] | None = meta.shape
    if empty:
        maxshape = None
    elif book.get("maxshape") is not None:
        maxshape = tuple(None if m is None else int(m) for m in book["maxshape"])
    ids = [f["id"] for f in meta.filters or ()]
    compression, opts = compression_of(meta.compressor)
    fill = meta.fill_value
    if fill is None and not meta.dtype.hasobject:
        fill = np.zeros((), meta.dtype)[()]
    return {
        "chunks": None if contiguous else meta.chunks,
        "maxshape": maxshape,
        "compression": compression,
        "compression_opts": opts,
        "shuffle": "shuffle" in ids or blosc_shuffles(meta.compressor, meta.dtype.itemsize),
        "fletcher32": "fletcher32" in ids,
        "scaleoffset": book.get("scaleoffset"),
        "fillvalue": fill,
    }
