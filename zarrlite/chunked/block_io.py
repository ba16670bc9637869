"""Carrying out a block array's requests: blocks planned by :mod:`.block_strategy` are
read with ``readblock`` into scratch (or straight into the result) and copied out, or
built (read first when incomplete) and written with ``writeblock``.

Every ``out`` handed to ``readblock`` and every ``data`` handed to ``writeblock`` is a
C-contiguous numpy array of the array's dtype with the block's shape; the block's slices
have step 1 and lie within the array. Empty requests make no call.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from zarrlite.chunked.block_select import DimSelection
from zarrlite.chunked.block_strategy import DimPiece, Index, merge_spans, plan_dim, plan_points
from zarrlite.chunked.grid import GridChunks
from zarrlite.indexing.points import IntArray

#: Points are read as the outer product of their coordinates only when they fill at least
#: this fraction of it (so the scratch holds at most twice the result).
HULL_MIN_FILL = 0.5


class BlockIO(Protocol):
    """What the functions here need of a block array."""

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None: ...
    def writeblock(self, data: np.ndarray, slices: tuple[slice, ...]) -> None: ...


def _take(arr: np.ndarray, index: Sequence[Index]) -> np.ndarray:
    """``arr`` at the outer product of per-axis positions (slices or int arrays)."""
    result = arr[tuple(slice(None) if isinstance(i, np.ndarray) else i for i in index)]
    for axis, i in enumerate(index):
        if isinstance(i, np.ndarray):
            result = np.take(result, i, axis=axis)
    return result


def _put(arr: np.ndarray, index: Sequence[Index], data: np.ndarray) -> None:
    """Assign ``data`` to ``arr`` at the outer product of per-axis positions (for repeated
    positions the last one wins, as numpy)."""
    if sum(isinstance(i, np.ndarray) for i in index) <= 1:
        arr[tuple(index)] = data
        return
    axes = [
        np.arange(n, dtype=np.int64)[i] if isinstance(i, slice) else i
        for n, i in zip(arr.shape, index)
    ]
    arr[np.ix_(*axes)] = data


def _is_identity(piece: DimPiece, n: int) -> bool:
    """The block dimension is exactly the request's dimension, in order."""
    src, dst = piece.src, piece.dst
    return (
        isinstance(src, slice) and src == slice(0, n, 1)
        and isinstance(dst, slice) and dst == slice(0, n)
    )


def _block_slices(pieces: Sequence[DimPiece]) -> tuple[slice, ...]:
    return tuple(slice(p.lo, p.hi) for p in pieces)


def read_orthogonal(
    array: BlockIO, grid: GridChunks, dims: Sequence[DimSelection], dtype: np.dtype,
    density_threshold: float,
) -> np.ndarray:
    """Read the outer product of per-dimension indices into an array of their lengths."""
    if any(len(d) == 0 for d in dims):
        return np.empty(tuple(len(d) for d in dims), dtype=dtype)
    spans = merge_spans(grid, dtype.itemsize)
    plans = [plan_dim(d, g, density_threshold, merge=True, max_span=m)
             for d, g, m in zip(dims, grid.dims, spans)]
    return _read_planned(array, plans, dims, dtype)


def _read_planned(
    array: BlockIO, plans: Sequence[Sequence[DimPiece]], dims: Sequence[DimSelection],
    dtype: np.dtype,
) -> np.ndarray:
    out = np.empty(tuple(len(d) for d in dims), dtype=dtype)
    if all(len(p) == 1 and _is_identity(p[0], len(d)) for p, d in zip(plans, dims)):
        array.readblock(out, _block_slices([p[0] for p in plans]))
        return out
    for pieces in itertools.product(*plans):
        block = np.empty(tuple(p.hi - p.lo for p in pieces), dtype=dtype)
        array.readblock(block, _block_slices(pieces))
        _put(out, [p.dst for p in pieces], _take(block, [p.src for p in pieces]))
    return out


def write_orthogonal(
    array: BlockIO, grid: GridChunks, dims: Sequence[DimSelection], values: np.ndarray,
    density_threshold: float,
) -> None:
    """Write ``values`` (of the per-dimension lengths) to the outer product of the indices:
    one ``writeblock`` per touched chunk, read first where the chunk's box is incomplete."""
    if values.size == 0:
        return
    plans = [plan_dim(d, g, density_threshold, merge=False) for d, g in zip(dims, grid.dims)]
    dtype = values.dtype
    if all(len(p) == 1 and _is_identity(p[0], len(d)) for p, d in zip(plans, dims)):
        data = np.require(values, requirements="C")  # keeps 0-d arrays 0-d
        array.writeblock(data, _block_slices([p[0] for p in plans]))
        return
    for pieces in itertools.product(*plans):
        slices = _block_slices(pieces)
        block = np.empty(tuple(p.hi - p.lo for p in pieces), dtype=dtype)
        if not all(p.complete for p in pieces):
            array.readblock(block, slices)
        _put(block, [p.src for p in pieces], _take(values, [p.dst for p in pieces]))
        array.writeblock(block, slices)


def read_points(
    array: BlockIO, grid: GridChunks, coords: Sequence[IntArray], shape: tuple[int, ...],
    dtype: np.dtype, density_threshold: float,
) -> np.ndarray:
    """Read the points at ``coords`` into an array of ``shape`` (points in C order).

    The points are read by :func:`~.block_strategy.plan_points`, unless they fill at least
    :data:`HULL_MIN_FILL` of the outer product of their coordinates (rows picked by an N-d
    index array, a mask of whole rows) and reading that product orthogonally takes fewer
    calls.
    """
    out = np.empty(math.prod(shape), dtype=dtype)
    if out.size == 0:
        return out.reshape(shape)
    if not coords:  # a 0-d array: every point is its one item
        item = np.empty((), dtype=dtype)
        array.readblock(item, ())
        out[...] = item
        return out.reshape(shape)
    batches = plan_points(coords, grid.dims, density_threshold, merge=True)
    if len(batches) > 1:
        hull = _read_hull(array, grid, coords, dtype, density_threshold, len(batches))
        if hull is not None:
            return hull.reshape(shape)
    for batch in batches:
        block = np.empty(tuple(h - lo for lo, h in zip(batch.lo, batch.hi)), dtype=dtype)
        array.readblock(block, tuple(slice(lo, h) for lo, h in zip(batch.lo, batch.hi)))
        out[batch.positions] = block[batch.local]
    return out.reshape(shape)


def read_mask(
    array: BlockIO, grid: GridChunks, mask: np.ndarray, nitems: int, dtype: np.dtype,
    density_threshold: float,
) -> np.ndarray:
    """Read the items where a boolean array of the array's shape (1-D or more) is True, in
    C order: as one bounding block when they fill ``density_threshold`` of it (then
    ``block[mask[box]]``, with no coordinates computed), else by :func:`read_points`."""
    if nitems == 0:
        return np.empty(0, dtype=dtype)
    box = []
    for axis in range(mask.ndim):
        along = np.flatnonzero(mask.any(axis=tuple(d for d in range(mask.ndim) if d != axis)))
        box.append(slice(int(along[0]), int(along[-1]) + 1))
    if nitems < density_threshold * math.prod(s.stop - s.start for s in box):
        coords = tuple(c.astype(np.int64, copy=False) for c in np.nonzero(mask))
        return read_points(array, grid, coords, (nitems,), dtype, density_threshold)
    block = np.empty(tuple(s.stop - s.start for s in box), dtype=dtype)
    array.readblock(block, tuple(box))
    return block[mask[tuple(box)]]


def _read_hull(
    array: BlockIO, grid: GridChunks, coords: Sequence[IntArray], dtype: np.dtype,
    density_threshold: float, max_calls: int,
) -> np.ndarray | None:
    """The points, read as the outer product of their distinct coordinates, when that is
    dense enough and takes fewer than `max_calls` calls; else None."""
    distinct = [np.unique(c) for c in coords]
    if math.prod(len(u) for u in distinct) * HULL_MIN_FILL > len(coords[0]):
        return None
    spans = merge_spans(grid, dtype.itemsize)
    plans = [plan_dim(u, g, density_threshold, merge=True, max_span=m)
             for u, g, m in zip(distinct, grid.dims, spans)]
    if math.prod(len(p) for p in plans) >= max_calls:
        return None
    hull = _read_planned(array, plans, distinct, dtype)
    return hull[tuple(np.searchsorted(u, c) for u, c in zip(distinct, coords))]


def write_points(
    array: BlockIO, grid: GridChunks, coords: Sequence[IntArray], npoints: int,
    values: np.ndarray, density_threshold: float,
) -> None:
    """Write ``values`` (``npoints`` of them in C order, or one 0-d array for all) at the
    points ``coords``; for repeated points the last value wins, as numpy."""
    if npoints == 0:
        return
    if not coords:  # a 0-d array: the last point's value wins
        array.writeblock(np.array(values.reshape(-1)[-1], dtype=values.dtype), ())
        return
    flat = values.reshape(-1) if values.ndim else values
    for batch in plan_points(coords, grid.dims, density_threshold, merge=False):
        slices = tuple(slice(lo, h) for lo, h in zip(batch.lo, batch.hi))
        block = np.empty(tuple(h - lo for lo, h in zip(batch.lo, batch.hi)), dtype=values.dtype)
        if not batch.complete:
            array.readblock(block, slices)
        block[batch.local] = flat if not values.ndim else flat[batch.positions]
        array.writeblock(block, slices)
