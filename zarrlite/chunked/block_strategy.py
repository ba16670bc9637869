"""Batch strategies: which blocks a block array reads or writes for one request.

A request is either orthogonal (per dimension, the indices it takes) or a set of points
(see :mod:`zarrlite.chunked.block_select`). This module cuts it into *blocks*, step-1 boxes
of the array handed to ``readblock``/``writeblock``. The model is DiskArrays.jl's batch
strategies: ``NoBatch`` reads one bounding block, ``ChunkRead`` reads a sparse index chunk
by chunk, and a density threshold (0.5) picks between them. Two differences: the choice is
made per dimension and may merge runs of neighbouring chunks rather than all or nothing;
and an unchunked array, being one chunk, is always read in one call (DiskArrays'
``SubRanges`` would read it run by run).

**Reads, orthogonal, one dimension at a time.** The indices a dimension takes are sorted and
grouped by the chunk holding them; each group needs the span from its first to its last
index. Groups then merge, left to right, into one span while the merged span stays at least
``density_threshold`` full of items the per-chunk spans would read anyway. So a step-1
slice is always one span (no gaps), as is ``::2`` (gaps of one item); ``[0, 999]`` is two
spans of one item; and a selection inside one chunk is one span. The blocks are the product
of the spans of every dimension: one ``readblock`` for anything dense, one per touched chunk
(or run of neighbouring chunks) for anything sparse.

**Reads, points.** Points are read as one bounding block when they (counted with repeats)
fill at least ``density_threshold`` of it. Otherwise they are grouped by chunk, each group
needing its bounding box, and still read as one bounding block when the groups' boxes hold
at least ``density_threshold`` of its items (or there is one group); else one box per
touched chunk. (:mod:`.block_io` also tries the outer product of the points' distinct
coordinates, which reads whole rows picked by a mask or an N-d index array orthogonally.)

**Writes** never merge across chunks: each touched chunk gets one ``writeblock`` of the
bounding box of what is written in it (the whole selection when the array is unchunked,
since then everything lies in one chunk). A chunked format stores, and often compresses,
each chunk on its own, so a block spanning chunks would be split there anyway, and one call
per chunk lets it re-encode each chunk once. When the selection covers the box completely
(a step-1 box, an index list without gaps, points filling it) the block is built from the
value alone, with no read. Otherwise (steps, gaps, scattered points) the box is read first
and patched, since the items between the written ones must keep their values: a
read-modify-write of one box inside one chunk, never of the whole chunk, and never of a
block spanning chunks.

The threshold: ``density_threshold=0`` always reads one bounding block; above 1 nothing
merges (a step-1 slice is still one block); the default 0.5 reads at most twice the items a
per-chunk read would along each dimension.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from zarrlite.chunked.grid import DimChunks, GridChunks, RegularChunks
from zarrlite.indexing.points import IntArray, stable_argsort

Index = slice | IntArray
"""Positions along one axis: a slice or an int64 array."""


@dataclass(frozen=True)
class BatchStrategy:
    """How a block array batches a request into ``readblock`` calls.

    Parameters
    ----------
    density_threshold : float
        Neighbouring reads merge into one block while the block stays at least this full
        of items the separate reads would read anyway (0 always merges into one bounding
        block; above 1 never merges, though a step-1 slice is still one block).

    Raises
    ------
    ValueError
        If the threshold is negative (or NaN).

    Examples
    --------
    A subclass of BlockArray that would rather read more than call often:

    >>> from zarrlite.chunked.blockarray import BlockArray
    >>> class RemoteArray(BlockArray):
    ...     batch_strategy = BatchStrategy(density_threshold=0.1)
    ...     def readblock(self, out, slices): ...
    """

    density_threshold: float = 0.5

    def __post_init__(self) -> None:
        if not self.density_threshold >= 0:
            raise ValueError(
                f"density_threshold must be a number >= 0, got {self.density_threshold!r}"
            )


class DimPiece(NamedTuple):
    """One dimension of a block: the block spans array indices ``lo`` to ``hi``; along this
    dimension ``block[src]`` goes to ``request[dst]`` (and back for writes). ``complete``:
    the request takes every index of the span, so a write needs no read first."""

    lo: int
    hi: int
    src: Index
    dst: Index
    complete: bool


class PointBatch(NamedTuple):
    """One block of a point request: the box ``lo`` to ``hi``; the points ``positions`` of
    the request (a slice or an int64 array) are at ``local`` (per dimension, coordinates in
    the box); ``complete``: the points cover the box."""

    lo: tuple[int, ...]
    hi: tuple[int, ...]
    local: tuple[IntArray, ...]
    positions: Index
    complete: bool


# ------------------------------------------------------------------------ chunk lookups
def _chunk_index(dim: DimChunks, index: IntArray) -> IntArray:
    """The chunk holding each (in-bounds) index."""
    if isinstance(dim, RegularChunks):
        return (index + dim.offset) // dim.chunksize
    starts = np.cumsum((0, *dim.sizes), dtype=np.int64)
    return np.searchsorted(starts, index, side="right").astype(np.int64) - 1


def _chunk_bounds(dim: DimChunks, chunks: IntArray) -> tuple[IntArray, IntArray]:
    """Where each chunk starts and stops."""
    if isinstance(dim, RegularChunks):
        start = chunks * dim.chunksize - dim.offset
        return np.maximum(start, 0), np.minimum(start + dim.chunksize, dim.size)
    starts = np.cumsum((0, *dim.sizes), dtype=np.int64)
    return starts[chunks], starts[chunks + 1]


# ------------------------------------------------------------------------ one dimension
class _SortedDim:
    """A dimension's indices in ascending order: value ``k`` is ``first + k * step`` for
    a range, ``values[k]`` for an array; ``order[k]`` is its position in the request
    (``None``: the identity; ``reverse``: ``n - 1 - k``)."""

    def __init__(self, sel: range | IntArray) -> None:
        self.n = n = len(sel)
        self.values: IntArray | None = None
        self.order: IntArray | None = None
        self.reverse = False
        if isinstance(sel, range):
            self.step = abs(sel.step) if n > 1 else 1
            self.first = min(sel[0], sel[-1]) if n else 0
            self.reverse = n > 1 and sel.step < 0
            return
        self.step = 0
        self.original = sel
        if n > 1 and not bool((sel[1:] >= sel[:-1]).all()):
            self.order = stable_argsort(sel, int(sel.max()) + 1)
            self.values = sel[self.order]
        else:
            self.values = sel

    def at(self, k: IntArray) -> IntArray:
        if self.values is None:
            return self.first + k * self.step
        return self.values[k]

    def groups(self, dim: DimChunks) -> tuple[IntArray, IntArray]:
        """Cut the sorted positions by chunk: group ``g`` is positions ``a[g]:b[g]``."""
        values = self.values
        if values is None:
            last = self.first + (self.n - 1) * self.step
            c0, c1 = (int(c) for c in _chunk_index(dim, np.array([self.first, last])))
            if c1 - c0 < self.n:  # a range over fewer chunks than items: per chunk, arithmetic
                lo, hi = _chunk_bounds(dim, np.arange(c0, c1 + 1, dtype=np.int64))
                a = -(-(np.maximum(lo, self.first) - self.first) // self.step)
                b = -(-(np.minimum(hi, last + 1) - self.first) // self.step)
                keep = b > a
                return a[keep], b[keep]
            values = self.at(np.arange(self.n, dtype=np.int64))
        chunk = _chunk_index(dim, values)
        cuts = np.flatnonzero(chunk[1:] != chunk[:-1]) + 1
        return np.concatenate(([0], cuts)), np.concatenate((cuts, [self.n]))

    def distinct(self, a: int, b: int) -> int:
        """How many distinct indices positions ``a:b`` hold."""
        if self.values is None:
            return b - a
        v = self.values[a:b]
        return b - a - int(np.count_nonzero(v[1:] == v[:-1]))

    def piece(self, a: int, b: int) -> DimPiece:
        """The block dimension for sorted positions ``a:b``."""
        lo = int(self.at(np.int64(a)))
        hi = int(self.at(np.int64(b - 1))) + 1
        complete = self.distinct(a, b) == hi - lo
        if self.values is None:
            src = slice(0, hi - lo, self.step)
            if self.reverse:
                stop = self.n - 1 - b
                return DimPiece(lo, hi, src, slice(self.n - 1 - a, None if stop < 0 else stop, -1),
                                complete)
            return DimPiece(lo, hi, src, slice(a, b), complete)
        if self.order is None:
            return DimPiece(lo, hi, self.values[a:b] - lo, slice(a, b), complete)
        if a == 0 and b == self.n:  # every index: take them in the request's order
            return DimPiece(lo, hi, self.original - lo, slice(0, self.n), complete)
        return DimPiece(lo, hi, self.values[a:b] - lo, self.order[a:b], complete)


def plan_dim(
    sel: range | IntArray, dim: DimChunks, density_threshold: float, merge: bool,
    max_span: int | None = None,
) -> list[DimPiece]:
    """Cut one dimension of an orthogonal request into block dimensions.

    Parameters
    ----------
    sel : range or ndarray of int64
        The in-bounds indices the request takes along the dimension (not empty).
    dim : RegularChunks or IrregularChunks
        The dimension's chunks.
    density_threshold : float
        See :class:`BatchStrategy`.
    merge : bool
        Merge neighbouring chunks' spans by density (reads), or keep one per chunk (writes).
    max_span : int, optional
        Longest merged span (a sparse request must not become one block much bigger than
        a few chunks: see :func:`merge_spans`); a step-1 span is never cut.

    Returns
    -------
    list of DimPiece
        In ascending order of ``lo``.

    Examples
    --------
    >>> dim = RegularChunks(5, 0, 20)
    >>> [(p.lo, p.hi) for p in plan_dim(range(0, 20, 2), dim, 0.5, merge=True)]
    [(0, 19)]
    >>> [(p.lo, p.hi) for p in plan_dim(np.array([13, 0, 1]), dim, 0.5, merge=True)]
    [(0, 2), (13, 14)]
    >>> [(p.lo, p.hi, p.complete) for p in plan_dim(range(3, 9), dim, 0.5, merge=False)]
    [(3, 5, True), (5, 9, True)]
    """
    sorted_dim = _SortedDim(sel)
    if merge and sorted_dim.values is None and sorted_dim.step == 1:
        return [sorted_dim.piece(0, sorted_dim.n)]  # a step-1 span: one block, no gaps
    starts, stops = sorted_dim.groups(dim)
    if not merge:
        return [sorted_dim.piece(a, b) for a, b in zip(starts.tolist(), stops.tolist())]
    lows = sorted_dim.at(starts).tolist()
    highs = (sorted_dim.at(stops - 1) + 1).tolist()
    pieces = []
    run_a, run_lo, run_items = 0, lows[0], highs[0] - lows[0]
    for a, lo, hi in zip(starts.tolist()[1:], lows[1:], highs[1:]):
        items = run_items + hi - lo  # what reading the chunks' spans apart would read
        if (items >= density_threshold * (hi - run_lo)
                and (max_span is None or hi - run_lo <= max_span)):
            run_items = items
        else:
            pieces.append(sorted_dim.piece(run_a, a))
            run_a, run_lo, run_items = a, lo, hi - lo
    pieces.append(sorted_dim.piece(run_a, sorted_dim.n))
    return pieces


#: A block merged from the spans of neighbouring chunks holds at most this many bytes, or
#: MERGE_MAX_CHUNKS chunks when chunks are bigger than a quarter of it.
MERGE_MAX_NBYTES = 16 << 20
MERGE_MAX_CHUNKS = 4


def merge_spans(grid: GridChunks, itemsize: int) -> list[int]:
    """The longest merged span per dimension, so that a block merged from the spans of
    neighbouring chunks holds at most max(MERGE_MAX_NBYTES, MERGE_MAX_CHUNKS chunks) bytes
    (one chunk's length per dimension at least): a strided or sparse request over a huge
    array then reads a few chunks at a time, never one block the size of the array.

    Examples
    --------
    >>> from zarrlite.chunked.grid import regular_grid
    >>> merge_spans(regular_grid((65536, 65536), (1024, 1024)), 8)  # 8 MiB chunks
    [2048, 2048]
    >>> merge_spans(regular_grid((100, 100), (10, 10)), 8)[0] >= 100  # small: no limit
    True
    """
    chunk_items = max(1, math.prod(max(1, d.max_chunksize) for d in grid.dims))
    chunk_nbytes = chunk_items * max(1, itemsize)
    nchunks = max(MERGE_MAX_CHUNKS, MERGE_MAX_NBYTES // chunk_nbytes)
    per_dim = max(1, int(nchunks ** (1 / max(1, grid.ndim)) + 1e-9))
    return [max(1, d.max_chunksize) * per_dim for d in grid.dims]


# ------------------------------------------------------------------------------- points
def plan_points(
    coords: Sequence[IntArray], dims: Sequence[DimChunks], density_threshold: float, merge: bool
) -> list[PointBatch]:
    """Cut a point request (at least one point, at least one dimension) into boxes.

    Parameters
    ----------
    coords : sequence of ndarray of int64
        Per dimension, the points' in-bounds coordinates.
    dims : sequence of RegularChunks or IrregularChunks
        The array's chunk dimensions.
    density_threshold : float
        See :class:`BatchStrategy`.
    merge : bool
        Read one bounding box when dense enough (reads), or one box per chunk (writes).

    Examples
    --------
    >>> dims = [RegularChunks(5, 0, 20), RegularChunks(7, 0, 21)]
    >>> far = [np.array([0, 19]), np.array([0, 20])]
    >>> [(b.lo, b.hi) for b in plan_points(far, dims, 0.5, merge=True)]
    [((0, 0), (1, 1)), ((19, 20), (20, 21))]
    >>> near = [np.array([4, 5]), np.array([6, 7])]
    >>> [(b.lo, b.hi) for b in plan_points(near, dims, 0.5, merge=True)]
    [((4, 6), (6, 8))]
    """
    npoints = len(coords[0])
    lo_all = tuple(int(c.min()) for c in coords)
    hi_all = tuple(int(c.max()) + 1 for c in coords)
    bounding = math.prod(h - lo for lo, h in zip(lo_all, hi_all))
    if merge and npoints >= density_threshold * bounding:  # dense: no need to group them
        return [_point_batch(coords, lo_all, hi_all, slice(None), slice(None), False)]
    linear = np.zeros(npoints, dtype=np.int64)
    for c, dim in zip(coords, dims):
        linear *= len(dim)
        linear += _chunk_index(dim, c)
    if npoints > 1 and not bool((linear[1:] >= linear[:-1]).all()):
        order: IntArray | None = stable_argsort(linear, math.prod(len(d) for d in dims))
        linear = linear[order]
        coords = [c[order] for c in coords]
    else:
        order = None
    cuts = np.flatnonzero(linear[1:] != linear[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    lows = [np.minimum.reduceat(c, starts) for c in coords]
    highs = [np.maximum.reduceat(c, starts) + 1 for c in coords]
    box_items = np.prod([h - lo for lo, h in zip(lows, highs)], axis=0)
    if merge and (len(starts) == 1 or int(box_items.sum()) >= density_threshold * bounding):
        positions: Index = slice(None) if order is None else order
        return [_point_batch(coords, lo_all, hi_all, positions, slice(None), False)]
    bounds = [*starts.tolist(), npoints]
    batches = []
    for g, (a, b) in enumerate(zip(bounds, bounds[1:])):
        lo = tuple(int(x[g]) for x in lows)
        hi = tuple(int(x[g]) for x in highs)
        positions = slice(a, b) if order is None else order[a:b]
        batches.append(_point_batch(coords, lo, hi, positions, slice(a, b), not merge))
    return batches


def _point_batch(
    coords: Sequence[IntArray], lo: tuple[int, ...], hi: tuple[int, ...],
    positions: Index, part: slice, check_complete: bool,
) -> PointBatch:
    """The batch of the (sorted) points ``part`` in the box ``lo`` to ``hi``; whether they
    cover it is found out only when asked (writes)."""
    local = tuple(c[part] - start for c, start in zip(coords, lo))
    box = tuple(h - start for start, h in zip(lo, hi))
    complete = False
    if check_complete and len(local[0]) >= math.prod(box):  # enough points: distinct?
        flat = np.ravel_multi_index(local, box)
        complete = len(np.unique(flat)) == math.prod(box)
    return PointBatch(lo, hi, local, positions, complete)
