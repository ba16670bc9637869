"""Zarr v2 metadata: parse, validate and encode ``.zarray`` and ``.zgroup``.

:class:`ArrayMeta` is the validated, immutable form of a ``.zarray`` document;
:meth:`ArrayMeta.decode` checks every key and :meth:`ArrayMeta.encode` writes
the same bytes zarr-python 2 writes (indent 4, sorted keys, ASCII only). The
``normalize_*`` functions check what a user passes when creating an array.
Dtype and fill-value conversions live in :mod:`zarrlite.metadata.dtypes` and are
re-exported here.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
import operator
import warnings
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, Literal

import numpy as np

from zarrlite import config
from zarrlite.codecs.registry import get_codec
from zarrlite.errors import MetadataError
from zarrlite.metadata.documents import (
    ZARR_FORMAT,
    as_dict,
    bad_value,
    encode_json,
)
from zarrlite.metadata.dtypes import (
    UnsupportedDtypeError,
    decode_fill_value,
    encode_dtype,
    encode_fill_value,
    normalize_fill_value,
    parse_dtype,
    vlen_filter,
)

__all__ = [
    "ArrayMeta",
    "UnsupportedDtypeError",
    "decode_fill_value",
    "encode_dtype",
    "encode_fill_value",
    "guess_chunks",
    "normalize_chunks",
    "normalize_dimension_separator",
    "normalize_fill_value",
    "normalize_order",
    "normalize_shape",
    "parse_dtype",
    "vlen_filter",
]


#: Chunk sizes :func:`guess_chunks` aims between, in bytes.
CHUNK_MIN_NBYTES = 256 * 1024
CHUNK_MAX_NBYTES = 64 * 1024 * 1024

def normalize_shape(shape: int | Sequence[int]) -> tuple[int, ...]:
    """Check an array shape given as an int or a sequence of ints.

    Raises
    ------
    TypeError
        If an entry is not an integer.
    ValueError
        If an entry is negative.

    Examples
    --------
    >>> normalize_shape(5), normalize_shape([2, np.int64(3)])
    ((5,), (2, 3))
    """
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        out = tuple(_shape_entry(s) for s in shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a sequence of ints, found {shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"shape must not be negative, found {out}")
    return out


def _shape_entry(size: Any, what: str = "shape") -> int:
    """One entry of a shape as an int; a whole float (``10.0``) is taken with a warning, as
    zarr-python 2 does (a fractional one is refused: zarr 2 would cut it silently)."""
    try:
        return operator.index(size)
    except TypeError:
        if isinstance(size, (float, np.floating)) and float(size).is_integer():
            warnings.warn(f"{what} contains a non-integer value {size!r}; using {int(size)}",
                          UserWarning, stacklevel=5)
            return int(size)
        raise


def guess_chunks(shape: Sequence[int], itemsize: int) -> tuple[int, ...]:
    """Pick a chunk shape for an array of `shape` and `itemsize`.

    The target chunk size grows with the array: 256 KiB for arrays up to
    1 MiB, then doubling for every tenfold growth, capped at 64 MiB. Starting
    from the whole array, dimensions are halved in turn (the first one first)
    until a chunk is no larger than 1.5 times the target. Zero-length
    dimensions count as length 1.

    Parameters
    ----------
    shape : sequence of int
    itemsize : int
        Bytes per item.

    Returns
    -------
    tuple of int
        Every entry at least 1.

    Examples
    --------
    >>> guess_chunks((10000, 10000), 8)
    (313, 625)
    >>> guess_chunks((100,), 4)
    (100,)
    """
    chunks = [max(int(s), 1) for s in shape]
    itemsize = max(int(itemsize), 1)
    total = math.prod(chunks) * itemsize
    target = CHUNK_MIN_NBYTES * 2 ** math.log10(max(total, 1) / 2**20)
    target = min(max(target, CHUNK_MIN_NBYTES), CHUNK_MAX_NBYTES)
    nbytes = total
    dim = 0
    while nbytes > 1.5 * target and nbytes > itemsize:
        if chunks[dim] > 1:
            nbytes = nbytes // chunks[dim]
            chunks[dim] = -(-chunks[dim] // 2)
            nbytes *= chunks[dim]
        dim = (dim + 1) % len(chunks)
    return tuple(chunks)


def normalize_chunks(chunks: Any, shape: Sequence[int], itemsize: int) -> tuple[int, ...]:
    """Check a user's chunk shape against the array shape.

    Parameters
    ----------
    chunks : None, bool, int or sequence
        None or True: guess (:func:`guess_chunks`); False: one chunk for the
        whole array; an int: the same length in every dimension; a sequence
        with one entry per dimension (missing trailing entries: the whole
        dimension, as in zarr-python 2). -1 or None as a length means the whole
        dimension.
    shape : sequence of int
        The normalized array shape.
    itemsize : int
        Bytes per item, for guessing.

    Returns
    -------
    tuple of int
        Every entry at least 1 (zero-length dimensions get chunk length 1).

    Raises
    ------
    ValueError
        If there are more lengths than dimensions, or a length is 0 or below -1.
    TypeError
        If a length is not an integer.

    Examples
    --------
    >>> normalize_chunks(10, (25, 4), 8), normalize_chunks((None, 2), (25, 4), 8)
    ((10, 10), (25, 2))
    >>> normalize_chunks((5,), (25, 4), 8)
    (5, 4)
    """
    shape = tuple(shape)
    if chunks is None or chunks is True:
        return guess_chunks(shape, itemsize)
    if chunks is False:
        return tuple(max(s, 1) for s in shape)
    if isinstance(chunks, (int, np.integer)):
        chunks = (chunks,) * len(shape)
    elif not isinstance(chunks, Sequence) or isinstance(chunks, str):
        raise TypeError(f"chunks must be an int or a sequence of ints, found {chunks!r}")
    if len(chunks) > len(shape):
        raise ValueError(f"chunks {tuple(chunks)} do not match the {len(shape)}-d shape {shape}")
    chunks = tuple(chunks) + (None,) * (len(shape) - len(chunks))  # the rest whole, as zarr 2
    out = []
    for c, s in zip(chunks, shape, strict=True):
        c = -1 if c is None else _shape_entry(c, "chunks")
        if c == -1:
            c = max(s, 1)
        elif c < 1:
            raise ValueError(f"chunk lengths must be positive (or -1), found {tuple(chunks)}")
        out.append(c)
    return tuple(out)


def normalize_order(order: str) -> Literal["C", "F"]:
    """Check a memory order: ``'C'`` or ``'F'`` (either case) → upper case.

    Raises
    ------
    ValueError
        For anything else.
    """
    if isinstance(order, str) and order.upper() in ("C", "F"):
        return "C" if order.upper() == "C" else "F"
    raise ValueError(f"order must be 'C' or 'F', found {order!r}")


def normalize_dimension_separator(sep: str | None) -> str:
    """Check a chunk-key dimension separator: None → ``'.'``; ``'.'`` or ``'/'``.

    Raises
    ------
    ValueError
        For anything else.
    """
    if sep is None:
        return "."
    if sep in (".", "/"):
        return sep
    raise ValueError(f"dimension_separator must be '.' or '/', found {sep!r}")


# -------------------------------------------------------------------------- .zarray


#: Most items an array may hold (numpy's and the C core's int64 indices).
MAX_ITEMS = (1 << 63) - 1


def count_problem(shape: Sequence[int], chunks: Sequence[int]) -> str | None:
    """What is wrong with an array's sizes as counts, or None: more items (or a longer
    dimension, or a longer chunk) than int64 counts.

    Examples
    --------
    >>> count_problem((10, 10), (5, 5)) is None
    True
    >>> count_problem((2**62, 4), (1, 1))
    "'shape' must hold at most 2**63 - 1 items, found (4611686018427387904, 4)"
    """
    if math.prod(shape) > MAX_ITEMS or any(n > MAX_ITEMS for n in (*shape, *chunks)):
        found = repr(tuple(shape))
        found = found if len(found) <= 80 else found[:77] + "..."
        return f"'shape' must hold at most 2**63 - 1 items, found {found}"
    return None


def chunk_size_problem(chunks: Sequence[int], itemsize: int) -> str | None:
    """What is wrong with an array's chunk size, or None: chunks bigger than
    ``zarrlite.config`` ``max_chunk_nbytes`` (checked where arrays are opened or created,
    so that a huge chunk fails at once, not later on a huge allocation).

    Examples
    --------
    >>> chunk_size_problem((100, 100), 8) is None
    True
    """
    limit = config.get("max_chunk_nbytes")
    nbytes = math.prod(chunks) * max(itemsize, 1)
    if nbytes > limit:
        return (f"'chunks' {tuple(chunks)} make chunks of {nbytes} bytes, over the "
                f"{limit} that zarrlite.config max_chunk_nbytes allows")
    return None


def _check_ints(value: Any, name: str, key: str, minimum: int) -> tuple[int, ...]:
    if type(value) is list or type(value) is tuple:
        for v in value:
            if type(v) is not int or v < minimum:
                break
        else:
            return tuple(value)
    what = "non-negative" if minimum == 0 else "positive"
    raise bad_value(key, name, f"a list of {what} integers", value)


def _check_codec(value: Any, name: str, key: str) -> dict:
    if type(value) is dict and type(value.get("id")) is str:
        return value
    raise bad_value(key, name, 'null or an object with an "id"', value)


@dataclasses.dataclass(frozen=True, eq=False)
class ArrayMeta:
    """The validated contents of a ``.zarray`` document.

    Instances are immutable; make changed copies with ``dataclasses.replace``
    (for example ``replace(meta, shape=new_shape)`` on resize). Two instances
    compare equal when their JSON forms are equal (so NaN fill values match).

    Attributes
    ----------
    shape, chunks : tuple of int
    dtype : numpy.dtype
    compressor : dict or None
        Codec configuration with an ``"id"`` key.
    fill_value : Any
        A numpy scalar of `dtype`, None, or a Python object for the object dtype.
    order : str
        ``'C'`` or ``'F'``.
    filters : tuple of dict, or None
    dimension_separator : str
        ``'.'`` or ``'/'``.
    """

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: np.dtype
    compressor: dict | None
    fill_value: Any
    order: Literal["C", "F"]
    filters: tuple[dict, ...] | None
    dimension_separator: str = "."

    @classmethod
    def decode(cls, raw: bytes | str | Mapping, key: str = ".zarray") -> ArrayMeta:
        """Parse and validate a ``.zarray`` document.

        Parameters
        ----------
        raw : bytes, str or dict
            The stored JSON, or an already parsed mapping (consolidated
            metadata). Unknown keys are ignored.
        key : str, optional
            The store key, used in error messages.

        Returns
        -------
        ArrayMeta

        Raises
        ------
        MetadataError
            If the JSON is invalid, a required key is missing, or a value is
            wrong; the message names the key and what was found.
        """
        d = as_dict(raw, key)
        try:
            zarr_format = d["zarr_format"]
            if zarr_format != ZARR_FORMAT or type(zarr_format) is not int:
                raise bad_value(key, "zarr_format", "2", zarr_format)
            shape = _check_ints(d["shape"], "shape", key, 0)
            chunks = _check_ints(d["chunks"], "chunks", key, 1)
            raw_dtype = d["dtype"]
            raw_fill = d["fill_value"]
            compressor = d["compressor"]
            order = d["order"]
            filters = d["filters"]
        except KeyError as e:
            raise MetadataError(f"{key}: missing required key {e.args[0]!r}") from None
        if len(chunks) != len(shape):
            raise bad_value(key, "chunks", f"a list of {len(shape)} integers (like shape)",
                            list(chunks))
        try:
            dtype = parse_dtype(raw_dtype)
        except MetadataError as e:
            raise MetadataError(f"{key}: {e}") from None
        if compressor is not None:
            compressor = _check_codec(compressor, "compressor", key)
        if order != "C" and order != "F":
            raise bad_value(key, "order", '"C" or "F"', order)
        if filters is not None:
            if type(filters) is not list:
                raise bad_value(key, "filters", "null or a list of codec objects", filters)
            for f in filters:
                if type(f) is not dict or type(f.get("id")) is not str:
                    raise bad_value(key, "filters", 'null or a list of objects with an "id"',
                                    filters)
            filters = tuple(filters)
        try:
            fill_value = decode_fill_value(raw_fill, dtype, _record_codec(dtype, filters))
        except MetadataError as e:
            raise MetadataError(f"{key}: {e}") from None
        if dtype.kind == "O" and filters and filters[0]["id"] == "vlen-bytes":
            fill_value = _decode_vlen_bytes_fill(fill_value, key)
        sep = d.get("dimension_separator")
        if sep is None:
            sep = "."
        elif sep != "." and sep != "/":
            raise bad_value(key, "dimension_separator", '"." or "/"', sep)
        # Fill the frozen instance directly: the generated __init__ costs ~3 us here.
        self = object.__new__(cls)
        self.__dict__.update(
            shape=shape,
            chunks=chunks,
            dtype=dtype,
            compressor=compressor,
            fill_value=fill_value,
            order=order,
            filters=filters,
            dimension_separator=sep,
        )
        return self

    def to_dict(self) -> dict[str, Any]:
        """Give the JSON-able ``.zarray`` mapping (fill value encoded, fresh copies).

        ``dimension_separator`` is included only when it is ``'/'``, as
        zarr-python 2 does.
        """
        d: dict[str, Any] = {
            "zarr_format": ZARR_FORMAT,
            "shape": list(self.shape),
            "chunks": list(self.chunks),
            "dtype": encode_dtype(self.dtype),
            "compressor": None if self.compressor is None else dict(self.compressor),
            "fill_value": encode_fill_value(self.fill_value, self.dtype,
                                            _record_codec(self.dtype, self.filters)),
            "order": self.order,
            "filters": None if self.filters is None else [dict(f) for f in self.filters],
        }
        if self.dimension_separator == "/":
            d["dimension_separator"] = "/"
        return d

    def encode(self) -> bytes:
        """Give the ``.zarray`` bytes exactly as zarr-python 2 writes them."""
        return encode_json(self.to_dict())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArrayMeta):
            return NotImplemented
        return self is other or self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # compressor dicts are mutable

    @cached_property
    def cdata_shape(self) -> tuple[int, ...]:
        """Number of chunks along each dimension (ceiling division)."""
        return tuple(-(-s // c) for s, c in zip(self.shape, self.chunks, strict=True))

    @cached_property
    def nchunks(self) -> int:
        """Total number of chunks (1 for a 0-d array, 0 when a dimension is empty)."""
        return math.prod(self.cdata_shape)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)


# -------------------------------------------------------------------------- .zgroup


def _record_codec(dtype: np.dtype, filters: tuple[dict, ...] | None) -> Any:
    """The object codec a structured dtype holding objects encodes its fill value with."""
    if dtype.kind != "V" or not dtype.hasobject or not filters:
        return None
    return get_codec(filters[0])


def _decode_vlen_bytes_fill(value: Any, key: str) -> Any:
    """A vlen-bytes array's fill value: zarr-python 3 stores bytes as base64 text."""
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise MetadataError(f"{key}: fill_value {value!r} of a vlen-bytes array is not "
                            "base64") from None
