"""The chunk grid of any array: its own chunking when it has one, else a memory-bounded
default.

:func:`eachchunk` asks, in order:

1. a callable ``eachchunk()`` method (BlockArray subclasses, zarrlite's Array) — its grid;
2. ``chunks`` as a tuple of tuples of ints (dask) — one :class:`IrregularChunks` per
   axis, or :class:`RegularChunks` where the lengths fit one;
3. ``chunks`` as a tuple of ints (zarrlite, zarr-python, chunked h5py datasets) — the
   regular grid;
4. anything else with ``shape`` and ``dtype`` (numpy, contiguous h5py datasets, whose
   ``chunks`` is None) — whole rows of the last axes, the first axes split so that one
   chunk holds at most `max_bytes` (C order, which is also how a contiguous HDF5 dataset
   lies on disk).

:func:`haschunks` says whether the array has its own chunking (cases 1 to 3). This is
DiskArrays.jl's ``eachchunk``/``haschunks`` pair.

Examples
--------
>>> import numpy as np
>>> a = np.zeros((1000, 300), dtype="f8")
>>> grid = eachchunk(a, max_bytes=1 << 20)
>>> grid.shape, grid.max_chunk_shape  # 436 rows fit in 1 MiB: 3 chunks of about 334
((3, 1), (334, 300))
>>> haschunks(a)
False
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zarrlite import config
from zarrlite.chunked.grid import GridChunks, chunks_from_sizes, regular_grid

__all__ = ["eachchunk", "haschunks", "memory_bounded_grid", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 128 << 20
"""The chunk size bound for arrays without chunks, when the ``chunked_max_bytes`` setting
does not exist."""

_MAX_BYTES_SETTING = "chunked_max_bytes"


def _default_max_bytes() -> int:
    try:
        value = config.get(_MAX_BYTES_SETTING)
    except KeyError:  # the setting is not defined (yet)
        return DEFAULT_MAX_BYTES
    return DEFAULT_MAX_BYTES if value is None else int(value)


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _shape_of(a: Any) -> tuple[int, ...]:
    shape = getattr(a, "shape", None)
    if shape is None:
        raise TypeError(
            f"eachchunk needs an array with a shape (and a dtype), got {type(a).__name__}"
        )
    try:
        return tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(
            f"{type(a).__name__}.shape must be a tuple of ints, got {shape!r}"
        ) from None


def _own_grid(a: Any) -> GridChunks | None:
    """The grid the array declares itself (cases 1 to 3 above), or None."""
    method = getattr(a, "eachchunk", None)
    if getattr(method, "unchunked_default", False):  # BlockArray's "no chunks": not its own
        method = None
    if callable(method):
        grid = method()
        if not isinstance(grid, GridChunks):
            raise TypeError(
                f"{type(a).__name__}.eachchunk() must return a GridChunks, "
                f"got {type(grid).__name__}"
            )
        return grid
    chunks = getattr(a, "chunks", None)
    if not isinstance(chunks, tuple):
        return None
    shards = getattr(a, "shards", None)  # zarr-python 3's sharded arrays: a shard is the
    if isinstance(shards, tuple) and shards and all(_is_int(c) for c in shards):  # unit
        chunks = shards  # of writing (two writers of one shard would lose data)
    if all(isinstance(c, (tuple, list)) for c in chunks):  # dask: lengths per axis
        for axis, lengths in enumerate(chunks):
            if not all(_is_int(n) for n in lengths):
                raise ValueError(
                    f"{type(a).__name__} has unknown chunk lengths {tuple(lengths)} along "
                    f"axis {axis}; compute them first (dask: a.compute_chunk_sizes())"
                )
        # dask lists a 0-size axis as one chunk of length 0: keep only chunks with items
        return GridChunks(*(chunks_from_sizes([n for n in c if n]) for c in chunks))
    if all(_is_int(c) for c in chunks):
        return regular_grid(_shape_of(a), tuple(int(c) for c in chunks))
    raise TypeError(
        f"{type(a).__name__}.chunks must be a tuple of ints or a tuple of tuples of ints, "
        f"got {chunks!r}"
    )


def memory_bounded_grid(shape: Sequence[int], itemsize: int, max_bytes: int) -> GridChunks:
    """A regular grid over `shape` whose chunks hold at most `max_bytes` each: whole rows
    of the last axes, the first axes split (into chunks of even length).

    Only when one item along the last axis alone is over the bound is an axis cut to
    chunks of length 1; a chunk is never smaller than one item.

    Parameters
    ----------
    shape : sequence of int
        The array's shape.
    itemsize : int
        Bytes per item (0 counts as 1).
    max_bytes : int
        The most bytes one chunk may hold (at least 1).

    Examples
    --------
    >>> memory_bounded_grid((10, 4, 5), itemsize=8, max_bytes=8 * 45).dims[:2]
    (RegularChunks(chunksize=2, offset=0, size=10), RegularChunks(chunksize=4, offset=0, size=4))
    >>> memory_bounded_grid((10, 100), itemsize=8, max_bytes=8 * 30).dims
    (RegularChunks(chunksize=1, offset=0, size=10), RegularChunks(chunksize=25, offset=0, size=100))
    """
    shape = tuple(shape)
    budget = max(1, max_bytes // max(1, itemsize))  # items per chunk
    chunk = [max(1, n) for n in shape]
    if 0 in shape:
        return regular_grid(shape, chunk)
    trailing = 1  # items in one chunk from the axes after the current one
    for axis in reversed(range(len(shape))):
        n = shape[axis]
        if trailing * n <= budget:
            trailing *= n
            continue
        fitting = max(1, budget // trailing)
        chunk[axis] = -(-n // -(-n // fitting))  # balanced: n over the fewest chunks
        chunk[:axis] = [1] * axis
        break
    return regular_grid(shape, chunk)


def eachchunk(a: Any, *, max_bytes: int | None = None) -> GridChunks:
    """The chunk grid to work through array `a` by.

    Parameters
    ----------
    a : array-like
        Anything with ``shape`` and ``dtype``, or with an ``eachchunk()`` method.
    max_bytes : int, optional
        The chunk size bound for arrays without their own chunks (default: the
        ``chunked_max_bytes`` setting, else :data:`DEFAULT_MAX_BYTES`, 128 MiB). Arrays
        with chunks keep them whatever their size.

    Returns
    -------
    GridChunks
        Covering ``a.shape``.

    Raises
    ------
    TypeError
        If `a` has no shape or dtype, or its ``chunks`` or ``eachchunk()`` is malformed.
    ValueError
        If the chunks do not cover the shape, dask chunk lengths are unknown, or
        `max_bytes` is not positive.

    Examples
    --------
    >>> class Tiles:
    ...     shape, dtype = (6, 6), np.dtype("u1")
    ...     def eachchunk(self):
    ...         return regular_grid(self.shape, (3, 3))
    >>> len(eachchunk(Tiles()))
    4
    """
    if max_bytes is not None:
        if not _is_int(max_bytes) or max_bytes < 1:
            raise ValueError(f"max_bytes must be a positive int, got {max_bytes!r}")
    grid = _own_grid(a)
    if grid is not None:
        shape = getattr(a, "shape", None)
        if shape is not None and grid.size != tuple(int(n) for n in shape):
            raise ValueError(
                f"the chunk grid of {type(a).__name__} covers {grid.size}, "
                f"but its shape is {tuple(shape)}"
            )
        return grid
    shape = _shape_of(a)
    dtype = getattr(a, "dtype", None)
    if dtype is None:
        raise TypeError(f"eachchunk needs an array with a dtype, got {type(a).__name__}")
    if max_bytes is None:
        max_bytes = _default_max_bytes()
    return memory_bounded_grid(shape, np.dtype(dtype).itemsize, int(max_bytes))


def haschunks(a: Any) -> bool:
    """Whether `a` has its own chunking (an ``eachchunk()`` method or a ``chunks`` tuple)
    rather than the memory-bounded default :func:`eachchunk` gives other arrays.

    >>> class Tiled:
    ...     shape, dtype, chunks = (4, 4), np.dtype("f4"), (2, 2)
    >>> haschunks(np.zeros(3)), haschunks(Tiled())
    (False, True)
    """
    method = getattr(a, "eachchunk", None)
    if callable(method) and not getattr(method, "unchunked_default", False):
        return True
    chunks = getattr(a, "chunks", None)
    if not isinstance(chunks, tuple):
        return False
    return all(isinstance(c, (tuple, list)) for c in chunks) or all(_is_int(c) for c in chunks)
