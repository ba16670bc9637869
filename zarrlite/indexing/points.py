"""Point selections: coordinate (``vindex``) and mask selections, grouped by chunk.

A point selection picks ``n`` individual elements, each given by ``ndim`` coordinates. The
indexers here normalize the coordinates, then group the points by the chunk holding them with
one stable sort, so that each touched chunk is yielded once, in C order of chunk coordinates,
as a :class:`~zarrlite.indexing.projection.ChunkProjection`. Everything is vectorised with
numpy: there is no Python loop over points, only over touched chunks.

Repeated points keep their original relative order inside a chunk (the sort is stable), so a
writer that assigns ``chunk[tuple(src.T)] = value.ravel()[dst]`` in order, or copies element
by element in order, ends with the last occurrence, as numpy's ``a[idx] = value`` does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from zarrlite.errors import BoundsCheckError, VindexInvalidSelectionError
from zarrlite.indexing.projection import ChunkProjection

_INVALID_ARRAY_MSG = "arrays used as indices must be of integer (or boolean) type"

IntArray = npt.NDArray[np.int64]


def check_shape_chunks(shape: Sequence[int], chunks: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    """Validate an array shape and chunk shape; return both as tuples of int.

    Raises
    ------
    ValueError
        If the lengths differ, a chunk length is not positive or a dimension is negative.
    """
    shape_t = tuple(map(int, shape))
    chunks_t = tuple(map(int, chunks))
    if len(chunks_t) != len(shape_t):
        raise ValueError(
            f"expected {len(shape_t)} chunk lengths for shape {shape_t}, got {chunks_t}"
        )
    if min(chunks_t, default=1) < 1 or min(shape_t, default=0) < 0:
        raise ValueError(f"invalid shape {shape_t} or chunks {chunks_t}")
    return shape_t, chunks_t


def as_index_array(item: Any) -> np.ndarray:
    """Turn an integer, a sequence or an array into an integer or boolean ndarray.

    Raises
    ------
    IndexError
        If the result is neither integer nor boolean (numpy's message); an empty sequence is
        taken as integers, as numpy does.
    """
    arr = np.asarray(item)
    if arr.dtype.kind not in "biu":
        if arr.size == 0 and not isinstance(item, np.ndarray):
            return arr.astype(np.int64)
        raise IndexError(_INVALID_ARRAY_MSG)
    return arr


def normalize_int_array(arr: np.ndarray, dim_len: int, axis: int = 0) -> IntArray:
    """Check an integer index array against a dimension and resolve negative indices.

    Parameters
    ----------
    arr : ndarray
        Integer indices of any shape, possibly negative.
    dim_len, axis : int
        The dimension's length, and its axis for the error message.

    Returns
    -------
    ndarray of int64
        Indices in ``range(dim_len)``, same shape (a new array, or ``arr`` itself when it is
        already int64 and non-negative).

    Raises
    ------
    IndexError
        For the first out-of-bounds index, with numpy's message.
    """
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < -dim_len or hi >= dim_len:
            flat = arr.ravel()
            bad = flat[np.argmax((flat < -dim_len) | (flat >= dim_len))]
            raise BoundsCheckError(
                f"index {bad} is out of bounds for axis {axis} with size {dim_len}")
        if lo < 0:
            arr = arr.astype(np.int64)  # a copy, so the caller's array is left alone
            arr[arr < 0] += dim_len
            return arr
    return arr.astype(np.int64, copy=False)


def stable_argsort(keys: IntArray, bound: int) -> IntArray:
    """Stable argsort of non-negative integer keys below ``bound``, as int64.

    Keys that fit in 16 bits are sorted as such, so that numpy uses its linear-time radix sort.
    """
    if bound <= 1 << 8:
        keys = keys.astype(np.uint8)
    elif bound <= 1 << 16:
        keys = keys.astype(np.uint16)
    return np.argsort(keys, kind="stable").astype(np.int64, copy=False)


class _PointGroups:
    """Points grouped by chunk: the shared core of the point indexers.

    Parameters
    ----------
    coords : list of ndarray of int64
        One 1-D array of normalized coordinates per dimension, all of length ``npoints``.
    npoints : int
        Number of points (needed when there are no dimensions: then it is 1).
    shape, chunks : tuple of int
        Array and chunk shapes.
    """

    def __init__(
        self, coords: list[IntArray], npoints: int, shape: tuple[int, ...], chunks: tuple[int, ...]
    ) -> None:
        ndim = len(shape)
        grid = [-(-n // c) for n, c in zip(shape, chunks)]
        linear = np.zeros(npoints, dtype=np.int64)
        chunk_ids = []
        for d in range(ndim):
            cid = coords[d] // chunks[d]
            chunk_ids.append(cid)
            linear *= grid[d]
            linear += cid
        if npoints < 2 or bool((linear[1:] >= linear[:-1]).all()):
            order = np.arange(npoints, dtype=np.int64)
        else:
            order = stable_argsort(linear, math.prod(grid))
            linear = linear[order]
        local = np.empty((npoints, ndim), dtype=np.int64)
        for d in range(ndim):
            local[:, d] = (coords[d] - chunk_ids[d] * chunks[d])[order]
        starts = np.flatnonzero(linear[1:] != linear[:-1]) + 1
        bounds = np.concatenate(([0], starts, [npoints])) if npoints else np.zeros(1, np.int64)
        firsts = order[bounds[:-1]]
        self.chunk_coords = (
            list(zip(*[cid[firsts].tolist() for cid in chunk_ids])) if ndim else [()] * len(firsts)
        )
        self.bounds = bounds.tolist()
        self.local = local
        self.order = order

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def __iter__(self) -> Iterator[ChunkProjection]:
        local, order, bounds = self.local, self.order, self.bounds
        for i, coords in enumerate(self.chunk_coords):
            start, stop = bounds[i], bounds[i + 1]
            yield ChunkProjection(coords, local[start:stop], order[start:stop], False)


class CoordinateIndexer:
    """A coordinate selection (``vindex``): one integer array per dimension, broadcast.

    Point ``i`` (in C order of the broadcast shape) is the element at
    ``(sel[0].flat[i], ..., sel[ndim-1].flat[i])``, as in numpy's ``a[tuple(sel)]``.
    Iterating yields a :class:`~zarrlite.indexing.projection.ChunkProjection` per touched
    chunk, each chunk once, in C order of chunk coordinates; ``len()`` counts them. Inside a
    chunk, points keep their order in the selection, so for repeated points the last
    occurrence is applied last by a writer.

    Parameters
    ----------
    selection : tuple
        ``ndim`` integers, sequences or integer arrays (negative indices allowed), which
        must broadcast together. For a 1-d array a single array may be given alone.
    shape, chunks : tuple of int
        Array shape and chunk shape.

    Attributes
    ----------
    out_shape : tuple of int
        The broadcast shape of the coordinate arrays.
    nitems : int
        Number of points.

    Raises
    ------
    IndexError
        For a wrong number of arrays, a non-integer item (slice, boolean or float array) or an
        out-of-bounds coordinate, or arrays that do not broadcast together (as numpy).

    Examples
    --------
    >>> indexer = CoordinateIndexer(([3, 0, 1], [-1, 0, 2]), (4, 4), (2, 2))
    >>> [(p.chunk_coords, p.chunk_side.tolist(), p.out_side.tolist()) for p in indexer]
    [((0, 0), [[0, 0]], [1]), ((0, 1), [[1, 0]], [2]), ((1, 1), [[1, 1]], [0])]
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]) -> None:
        self.shape, self.chunks = check_shape_chunks(shape, chunks)
        ndim = len(self.shape)
        items = selection if isinstance(selection, tuple) else (selection,)
        if len(items) != ndim:
            raise VindexInvalidSelectionError(
                f"coordinate selection needs one integer array per dimension: expected {ndim}, "
                f"got {len(items)}"
            )
        arrays = []
        for axis, item in enumerate(items):
            if isinstance(item, slice) or item is None or item is Ellipsis:
                raise VindexInvalidSelectionError(
                    f"coordinate selection accepts only integer arrays, got {item!r} for axis "
                    f"{axis}; use .oindex or basic indexing for slices"
                )
            arr = as_index_array(item)
            if arr.dtype.kind == "b":
                raise VindexInvalidSelectionError(
                    f"coordinate selection accepts only integer arrays, got a boolean array for "
                    f"axis {axis}; use a mask selection (.vindex[mask]) or .oindex"
                )
            arrays.append(arr)
        try:
            self.out_shape = np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            shapes = " ".join(str(a.shape) for a in arrays)
            raise IndexError(
                f"shape mismatch: indexing arrays could not be broadcast together with shapes "
                f"{shapes}"
            ) from None
        self.nitems = math.prod(self.out_shape)
        coords = [
            normalize_int_array(np.broadcast_to(a, self.out_shape).ravel(), n, axis)
            for axis, (a, n) in enumerate(zip(arrays, self.shape))
        ]
        self._groups = _PointGroups(coords, self.nitems, self.shape, self.chunks)

    def __len__(self) -> int:
        return len(self._groups)

    def __iter__(self) -> Iterator[ChunkProjection]:
        return iter(self._groups)


class MaskIndexer:
    """A mask selection: a boolean array of the array's shape, as numpy's ``a[mask]``.

    The output is 1-D, the selected elements in C order. Iterating yields a
    :class:`~zarrlite.indexing.projection.ChunkProjection` per touched chunk, each once, in C
    order of chunk coordinates.

    Parameters
    ----------
    mask : array_like of bool
        Exactly the shape of the array.
    shape, chunks : tuple of int
        Array shape and chunk shape.

    Attributes
    ----------
    out_shape : tuple of int
        ``(number of True elements,)``.
    nitems : int
        Number of True elements.

    Raises
    ------
    IndexError
        If the mask is not boolean or its shape differs from the array's.
    """

    def __init__(self, mask: Any, shape: Sequence[int], chunks: Sequence[int]) -> None:
        self.shape, self.chunks = check_shape_chunks(shape, chunks)
        if isinstance(mask, tuple) and len(mask) == 1:
            mask = mask[0]
        mask = np.asarray(mask)
        if mask.dtype != np.bool_:
            raise VindexInvalidSelectionError(
                f"mask selection needs a boolean array, got dtype {mask.dtype}")
        if mask.shape != self.shape:
            raise VindexInvalidSelectionError(
                f"mask selection needs a boolean array of the array's shape {self.shape}, got "
                f"shape {mask.shape}"
            )
        if self.shape:
            coords = [c.astype(np.int64, copy=False) for c in np.nonzero(mask)]
            self.nitems = len(coords[0])
        else:  # numpy refuses nonzero() on 0-d arrays
            coords, self.nitems = [], int(mask)
        self.out_shape = (self.nitems,)
        self._groups = _PointGroups(coords, self.nitems, self.shape, self.chunks)

    def __len__(self) -> int:
        return len(self._groups)

    def __iter__(self) -> Iterator[ChunkProjection]:
        return iter(self._groups)


def point_offsets(
    proj: ChunkProjection, chunk_strides: Sequence[int], itemsize: int
) -> tuple[IntArray, IntArray]:
    """Byte offsets of a point projection, for a C copy loop.

    Parameters
    ----------
    proj : ChunkProjection
        One chunk's points.
    chunk_strides : sequence of int
        Byte strides of a full chunk in its memory layout (C or F order).
    itemsize : int
        Bytes per element of the contiguous, C-order raveled output.

    Returns
    -------
    src_offsets, dst_offsets : ndarray of int64, shape (k,)
        Offsets of the points in the chunk buffer and in the output buffer.

    Examples
    --------
    >>> p = ChunkProjection((0, 1), np.array([[1, 2]]), np.array([5]), False)
    >>> [o.tolist() for o in point_offsets(p, (32, 8), 8)]
    [[48], [40]]
    """
    strides = np.asarray(chunk_strides, dtype=np.int64).reshape(-1)
    src = proj.chunk_side.reshape(len(proj.out_side), len(strides))
    return src @ strides, proj.out_side * np.int64(itemsize)
