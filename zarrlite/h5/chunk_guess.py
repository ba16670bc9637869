"""Chunk shapes for the h5py face: the shape h5py guesses for a chunked dataset, the chunks
that stand in for a contiguous one, which of the two a dataset gets (:func:`layout`), and
h5py's checks of the shape, maximum shape and chunk shape a user gives.

h5py guesses chunks with a rule it took from PyTables: a target chunk size that grows with
the dataset (16 KiB for 1 MiB of data, times 2 for every tenfold growth, kept between
8 KiB and 1 MiB), then axes halved in turn, the first first, until the chunk is under the
target (or within half of it) and under 1 MiB. :func:`guess_chunk` reproduces that rule,
floating-point rounding included, so that ``ds.chunks`` is the same in both.

HDF5 also stores datasets *contiguously*, as one C-order run of bytes; Zarr has only
chunks. :func:`contiguous_chunks` gives a contiguous dataset one chunk when it holds at most
:data:`CONTIGUOUS_MAX_NBYTES`, else C-order slabs of at most that size.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

#: h5py's target chunk size for a dataset of 1 MiB; it doubles per tenfold growth.
CHUNK_BASE = 16 * 1024
#: The smallest target chunk size h5py aims at.
CHUNK_MIN = 8 * 1024
#: The largest chunk h5py guesses (unless a single item is larger).
CHUNK_MAX = 1024 * 1024
#: The length h5py assumes for a zero-length axis when guessing (it may grow).
ZERO_LENGTH_GUESS = 1024

#: The largest chunk that stands in for (part of) a contiguous dataset. As large as the
#: largest chunk h5py guesses: zarrlite reads and rewrites uncompressed chunks whole, so
#: one small read or write costs at most this much, where HDF5 touches only the bytes
#: needed; a contiguous dataset up to this size is a single chunk.
CONTIGUOUS_MAX_NBYTES = 1024 * 1024


def guess_chunk(shape: Sequence[int], maxshape: Any, typesize: int) -> tuple[int, ...]:
    """The chunk shape h5py chooses for a dataset (``chunks=True``, or chunking implied).

    Parameters
    ----------
    shape : sequence of int
        The dataset's shape; a zero length counts as 1024 (the axis may grow).
    maxshape : Any
        Not used, as in h5py (the guess depends on `shape` only).
    typesize : int
        Bytes per item (numpy's itemsize, also for object dtypes).

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        For a 0-d `shape` (h5py: scalar datasets cannot be chunked), or a length that is
        not a finite number.

    Examples
    --------
    >>> guess_chunk((1000, 1000), None, 8)
    (63, 63)
    >>> guess_chunk((100, 1000, 1000), None, 4)
    (7, 63, 63)
    >>> guess_chunk((0,), (None,), 4)
    (1024,)
    """
    if len(shape) == 0:
        raise ValueError("Chunks not allowed for scalar datasets.")
    # h5py computes in float64: lengths above 2**53 round, and so must ours to agree.
    lengths = [float(n) if n != 0 else float(ZERO_LENGTH_GUESS) for n in shape]
    if not all(math.isfinite(n) for n in lengths):
        raise ValueError(f"Illegal value in chunk tuple: expected finite lengths, got {shape}")
    target = _target_nbytes(_product(lengths) * typesize)
    axis = 0
    while True:
        nbytes = _product(lengths) * typesize
        near_target = nbytes < target or abs(nbytes - target) / target < 0.5
        if (near_target and nbytes < CHUNK_MAX) or _product(lengths) == 1:
            return tuple(int(n) for n in lengths)
        lengths[axis] = float(math.ceil(lengths[axis] / 2.0))  # exact: halves stay integral
        axis = (axis + 1) % len(lengths)


def _product(values: Sequence[float]) -> float:
    """The product, multiplied left to right in float64 as h5py does (inf on overflow)."""
    out = 1.0
    for v in values:
        out *= v
    return out


def _target_nbytes(dataset_nbytes: float) -> Any:
    """h5py's target chunk size for a dataset of `dataset_nbytes` (a float64), computed with
    numpy's log10 and power as h5py does, so that rounding agrees."""
    if dataset_nbytes <= 0:  # 0-byte items: log10(0) is -inf, the target the minimum
        return np.float64(CHUNK_MIN)
    target = CHUNK_BASE * np.power(2.0, np.log10(np.float64(dataset_nbytes) / 2.0**20))
    return min(max(target, np.float64(CHUNK_MIN)), np.float64(CHUNK_MAX))


def contiguous_chunks(shape: Sequence[int], itemsize: int,
                      max_nbytes: int = CONTIGUOUS_MAX_NBYTES) -> tuple[int, ...]:
    """Chunks standing in for a contiguous dataset: one chunk for the whole array when it
    holds at most `max_nbytes`, else C-order slabs (whole trailing axes, as many
    leading-axis steps as fit, split evenly) of at most `max_nbytes` each.

    Each slab is one contiguous run of the C-order array, as in HDF5's contiguous layout,
    so reading or writing ``ds[i]`` touches as few chunks as it can. Zero-length axes get
    chunk length 1 (Zarr's minimum).

    Examples
    --------
    >>> contiguous_chunks((100, 100), 8)
    (100, 100)
    >>> contiguous_chunks((1000, 2048, 2048), 2)
    (1, 256, 2048)
    >>> contiguous_chunks((3000, 100), 8)
    (1000, 100)
    """
    dims = [max(int(n), 1) for n in shape]
    if math.prod(shape) * itemsize <= max_nbytes:
        return tuple(dims)
    inner = max(int(itemsize), 1)  # bytes of one step along the axis looked at
    for axis in reversed(range(len(dims))):
        if inner * dims[axis] > max_nbytes:
            fit = max(max_nbytes // inner, 1)
            nslabs = -(-dims[axis] // fit)
            return (1,) * axis + (-(-dims[axis] // nslabs),) + tuple(dims[axis + 1 :])
        inner *= dims[axis]
    return tuple(dims)  # not reached: the array is larger than max_nbytes


# ------------------------------------------------------------------- h5py's checks


def as_dims(value: Any) -> Any:
    """An int (bool included, as h5py takes it) as a 1-tuple; anything else unchanged."""
    if isinstance(value, numbers.Integral):
        return (int(value),)
    return value


def check_rank(value: Any, name: str, ndim: int) -> None:
    """h5py's check of `chunks` or `maxshape`: None, True or a sequence of `ndim` entries.

    Raises
    ------
    TypeError
        If `value` is not a sequence (False included).
    ValueError
        If it has a length other than `ndim`.
    """
    if value is None or value is True:
        return
    try:
        entries = tuple(value)
    except TypeError:
        raise TypeError(f"{name!r} argument must be None or a sequence object, got "
                        f"{value!r}") from None
    if len(entries) != ndim:
        raise ValueError(f"{name!r} must have same rank as dataset shape: {len(entries)} "
                         f"entries for a {ndim}-d shape")


def check_chunks_fit(chunks: Any, shape: tuple[int, ...], maxshape: Any) -> None:
    """h5py's first check of a chunk tuple: no chunk longer than the maximum shape (or the
    shape) along an axis of fixed size. Only tuples are checked, as in h5py.

    Raises
    ------
    ValueError
        For a chunk longer than a fixed axis.
    TypeError
        For an entry that is not a number.
    """
    if not isinstance(chunks, tuple) or shape is None:
        return
    limits = shape if maxshape is None else maxshape
    for length, limit in zip(chunks, limits, strict=False):
        if limit is None:
            continue
        if not isinstance(length, numbers.Real) or not isinstance(limit, numbers.Real):
            raise TypeError(f"chunks {chunks} and maxshape/shape {tuple(limits)} must hold "
                            f"numbers, got {length!r} against {limit!r}")
        if length > limit:
            bound = "shape" if maxshape is None else "maxshape"
            raise ValueError(f"Chunk shape must not be greater than data shape in any "
                             f"dimension: chunks {chunks} exceed the {bound} "
                             f"{tuple(limits)}")


def chunk_lengths(chunks: Any) -> tuple[int, ...]:
    """A user's chunk tuple as positive ints (floats truncated, as HDF5 converts them).

    Raises
    ------
    ValueError
        If `chunks` is not a tuple (h5py refuses lists), or has a 0 entry.
    OverflowError
        For a negative entry (as h5py).
    TypeError
        For an entry that is not a number.
    """
    if not isinstance(chunks, tuple):
        raise ValueError(f"chunksize must be a tuple, got {type(chunks).__name__} {chunks!r}")
    out = tuple(_length(c, "chunks", i) for i, c in enumerate(chunks))
    if any(c == 0 for c in out):
        raise ValueError(f"All chunk dimensions must be positive, got chunks {out}")
    return out


def _length(value: Any, name: str, index: int) -> int:
    """One entry of a shape-like tuple as an int: HDF5's conversion to an unsigned 64-bit
    length (floats truncated; negative or too large → OverflowError)."""
    if isinstance(value, numbers.Real):
        if not math.isfinite(value):
            raise OverflowError(f"{name} entry {index} is {value!r}: expected a finite length")
        n = int(value) if isinstance(value, numbers.Integral) else math.trunc(float(value))
        if not 0 <= n < 2**64:
            raise OverflowError(f"{name} entry {index} is {value!r}: lengths must be from 0 "
                                "to 2**64 - 1")
        return n
    raise TypeError(f"{name} entry {index} is {value!r}: expected an integer length")


def dims_of(value: Any, name: str) -> tuple[int, ...]:
    """A shape as a tuple of non-negative ints (see `_length` for the conversions)."""
    return tuple(_length(v, name, i) for i, v in enumerate(value))


def maxshape_dims(maxshape: Any, shape: tuple[int, ...]) -> tuple[int | None, ...]:
    """The maximum shape as ints and None (unlimited), checked against `shape`.

    Raises
    ------
    ValueError
        If an axis' maximum is below its current length (h5py: "Maxdims is smaller than
        dims").
    OverflowError, TypeError
        For a negative or non-numeric entry.
    """
    out = tuple(None if m is None else _length(m, "maxshape", i)
                for i, m in enumerate(maxshape))
    for axis, (m, n) in enumerate(zip(out, shape, strict=True)):
        if m is not None and m < n:
            raise ValueError(f"Maxdims is smaller than dims: maxshape {out} is smaller than "
                             f"the shape {shape} on axis {axis}")
    return out


def layout(shape: tuple[int, ...] | None, chunks: Any, maxshape: Any, itemsize: int,
           filtered: bool) -> tuple[tuple[int, ...], bool]:
    """(chunk shape, contiguous): h5py's chunks, guessed when asked for (``chunks=True``)
    or needed (`filtered`: a filter, compressor or maxshape); else contiguous storage, as
    one chunk or C-order slabs."""
    if not shape:  # scalar and empty datasets are contiguous in HDF5
        return (), True
    if chunks is True or (chunks is None and filtered):
        return guess_chunk(shape, maxshape, itemsize), False
    if chunks is None:
        return contiguous_chunks(shape, itemsize), True
    return chunk_lengths(chunks), False


def dataset_shape(shape: Any, data_shape: Any) -> tuple[int, ...] | None:
    """The shape as ints: `shape`, else the data's; None for an empty dataset.

    Raises
    ------
    ValueError
        If `shape` cannot hold data of `data_shape` (another size).
    TypeError, OverflowError
        For a shape that is not ints, or a negative length.
    """
    if shape is None:
        return None if data_shape is None else dims_of(data_shape, "shape")
    shape = as_dims(shape)
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(f"shape must be an int or a tuple of ints, got {shape!r}")
    dims = dims_of(shape, "shape")
    if data_shape is not None and math.prod(dims) != math.prod(data_shape):
        raise ValueError(f"Shape tuple is incompatible with data: shape {dims} cannot hold "
                         f"data of shape {tuple(data_shape)}")
    return dims


def check_unchunked(shape: Any, chunks: Any, compression: Any, compression_opts: Any,
                    shuffle: Any, fletcher32: Any, scaleoffset: Any, maxshape: Any) -> None:
    """h5py's checks for scalar (shape ``()``) and empty (shape None) datasets."""
    kind = "Empty" if shape is None else "Scalar"
    if any((chunks, compression, compression_opts, shuffle, fletcher32,
            scaleoffset is not None)):
        raise TypeError(f"{kind} datasets don't support chunk/filter options")
    if maxshape and maxshape != ():
        raise TypeError(f"{kind} datasets cannot be extended (maxshape={maxshape!r})")
