"""Orthogonal selections (``oindex``): per dimension an integer, a slice or an index array.

:class:`OrthogonalIndexer` takes per dimension an integer, a slice or a 1-D integer or boolean
array, and selects the outer product of the per-dimension positions (zarr's ``oindex``, numpy's
``a[np.ix_(...)]``). Each dimension's positions are sorted once by array index (a stable sort,
vectorised) and cut at chunk boundaries; a projection per touched chunk is the product of the
per-dimension pieces. Block selections are in :mod:`zarrlite.indexing.blocks`, point
selections in :mod:`zarrlite.indexing.points`, and which of them a numpy-style ``z[sel]``
takes is decided in :mod:`zarrlite.indexing.route`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from zarrlite.indexing.basic import expand_selection, normalize_integer, normalize_slice
from zarrlite.indexing.points import (
    CoordinateIndexer,
    IntArray,
    MaskIndexer,
    check_shape_chunks,
    normalize_int_array,
    point_offsets,
    stable_argsort,
)
from zarrlite.indexing.projection import ChunkProjection

__all__ = [
    "CoordinateIndexer",
    "MaskIndexer",
    "OrthogonalIndexer",
    "ortho_offsets",
    "point_offsets",
]

def check_bool_array(arr: np.ndarray, dim_len: int, axis: int) -> None:
    if arr.ndim != 1 or arr.shape[0] != dim_len:
        raise IndexError(
            f"boolean index did not match indexed array along axis {axis}; size of axis is "
            f"{dim_len} but size of corresponding boolean axis is {arr.shape[0] if arr.ndim else 0}"
        )


def _dim_positions(dim_sel: Any, dim_len: int, axis: int) -> tuple[IntArray, IntArray]:
    """Selected array indices along one dimension sorted (stably), and their output positions.

    Returns ``(index, pos)``: ``index`` non-decreasing, and ``pos[i]`` the output position of
    ``index[i]``; positions of equal indices are increasing.
    """
    if isinstance(dim_sel, slice):
        start, step, count = normalize_slice(dim_sel, dim_len)
        pos = np.arange(count, dtype=np.int64)
        if step > 0:
            return start + step * pos, pos
        return (start + step * (count - 1)) - step * pos, pos[::-1].copy()
    if isinstance(dim_sel, np.ndarray) and dim_sel.dtype == np.bool_:
        check_bool_array(dim_sel, dim_len, axis)
        index = np.flatnonzero(dim_sel).astype(np.int64, copy=False)
        return index, np.arange(len(index), dtype=np.int64)
    index = normalize_int_array(dim_sel, dim_len, axis)
    if len(index) < 2 or bool((index[1:] >= index[:-1]).all()):
        return index, np.arange(len(index), dtype=np.int64)
    pos = stable_argsort(index, dim_len)
    return index[pos], pos


def _dim_pieces(
    dim_sel: Any, dim_len: int, chunk_len: int, axis: int
) -> tuple[int, list[tuple[int, IntArray, IntArray, bool]]]:
    """Split one dimension's selection along its chunks.

    Returns the number of selected positions and, per touched chunk in increasing order,
    ``(chunk index, local indices, output positions, covers the whole chunk)``.
    """
    if not isinstance(dim_sel, (slice, np.ndarray)):
        i = normalize_integer(dim_sel, dim_len, axis)
        chunk, offset = divmod(i, chunk_len)
        complete = min(chunk_len, dim_len - chunk * chunk_len) == 1
        return 1, [(chunk, np.array([offset], np.int64), np.zeros(1, np.int64), complete)]
    index, pos = _dim_positions(dim_sel, dim_len, axis)
    n = len(index)
    if n == 0:
        return 0, []
    chunk_ids = index // chunk_len
    local = index - chunk_ids * chunk_len
    cuts = np.flatnonzero(chunk_ids[1:] != chunk_ids[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    distinct = np.ones(n, dtype=np.int64)
    distinct[1:] = index[1:] != index[:-1]
    ndistinct = np.add.reduceat(distinct, starts)
    touched = chunk_ids[starts]
    complete = ndistinct == np.minimum(chunk_len, dim_len - touched * chunk_len)
    bounds = [*starts.tolist(), n]
    pieces = [
        (c, local[a:b], pos[a:b], f)
        for c, a, b, f in zip(touched.tolist(), bounds, bounds[1:], complete.tolist())
    ]
    return n, pieces


class OrthogonalIndexer:
    """An orthogonal selection (zarr's ``oindex``) against a chunked array.

    The result is the outer product of the per-dimension selections: numpy's
    ``a[np.ix_(*positions)]`` with integer dimensions then dropped. Iterating yields a
    :class:`~zarrlite.indexing.projection.ChunkProjection` per touched chunk, each once, in C
    order of chunk coordinates; ``len()`` counts them without iterating.

    Within each chunk, ``src[d]`` is sorted by array index, and equal indices keep their
    order in the selection (the sort is stable). A writer doing
    ``chunk[np.ix_(*src)] = value[np.ix_(*dst)]`` (or copying in that order) therefore
    writes the last occurrence of a repeated index last, as numpy's ``a[idx] = value`` does.

    Parameters
    ----------
    selection : object
        One item per dimension (missing trailing items and ``...`` mean ``:``): an integer, a
        slice with any step, a 1-D integer array (unsorted, repeated and negative indices
        allowed) or a 1-D boolean array of the dimension's length.
    shape, chunks : tuple of int
        Array shape and chunk shape.

    Attributes
    ----------
    sel_shape : tuple of int
        Per array dimension, the number of selected positions (1 for an integer).
    out_shape : tuple of int
        ``sel_shape`` without the integer dimensions.
    nitems : int
        Number of selected elements.

    Raises
    ------
    IndexError
        For an out-of-bounds index, a boolean array of the wrong length, an array that is not
        1-D, a float array, ``None`` or too many indices.
    ValueError
        For a zero slice step, or chunks that do not fit the shape.

    Examples
    --------
    >>> indexer = OrthogonalIndexer(([3, 0, 3], 1), (4, 5), (2, 5))
    >>> indexer.sel_shape, indexer.out_shape, len(indexer)
    ((3, 1), (3,), 2)
    >>> for p in indexer:
    ...     print(p.chunk_coords, [s.tolist() for s in p.chunk_side],
    ...           [d.tolist() for d in p.out_side])
    (0, 0) [[0], [1]] [[1], [0]]
    (1, 0) [[1, 1], [1]] [[0, 2], [0]]
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]) -> None:
        self.shape, self.chunks = check_shape_chunks(shape, chunks)
        dim_sels, out_axes = expand_selection(selection, len(self.shape), allow_arrays=True)
        if None in out_axes:
            raise IndexError("orthogonal selection does not support numpy.newaxis (None)")
        sel_shape, pieces = [], []
        for axis, (s, n, c) in enumerate(zip(dim_sels, self.shape, self.chunks)):
            if isinstance(s, np.ndarray) and s.ndim != 1:
                raise IndexError(
                    f"orthogonal selection needs 1-D integer or boolean arrays, got a {s.ndim}-d "
                    f"array for axis {axis}; use .vindex for coordinate and mask selection"
                )
            count, dim_pieces = _dim_pieces(s, n, c, axis)
            sel_shape.append(count)
            pieces.append(dim_pieces)
        self.sel_shape = tuple(sel_shape)
        self.out_shape = tuple(
            k for k, s in zip(sel_shape, dim_sels) if isinstance(s, (slice, np.ndarray))
        )
        self.nitems = math.prod(self.sel_shape)
        self._pieces = pieces

    def __len__(self) -> int:
        return math.prod(map(len, self._pieces))

    def __iter__(self) -> Iterator[ChunkProjection]:
        for parts in itertools.product(*self._pieces):
            coords, src, dst, flags = zip(*parts) if parts else ((), (), (), ())
            yield ChunkProjection(coords, src, dst, all(flags))


def ortho_offsets(
    proj: ChunkProjection, chunk_strides: Sequence[int], out_strides: Sequence[int]
) -> tuple[tuple[IntArray, ...], tuple[IntArray, ...]]:
    """Per-dimension byte offsets of an orthogonal projection, for a C copy loop.

    Element ``(i0, i1, ...)`` of the projection's outer product is copied from chunk byte
    ``sum(src_offsets[d][i_d])`` to output byte ``sum(dst_offsets[d][i_d])``.

    Parameters
    ----------
    proj : ChunkProjection
        One chunk's projection.
    chunk_strides : sequence of int
        Byte strides of a full chunk in its memory layout (C or F order).
    out_strides : sequence of int
        Byte strides of the output viewed with shape ``sel_shape``.

    Returns
    -------
    src_offsets, dst_offsets : tuple of ndarray of int64
        Per array dimension, ``src[d] * chunk_strides[d]`` and ``dst[d] * out_strides[d]``.

    Examples
    --------
    >>> p = ChunkProjection((0, 0), (np.array([2]), np.array([0, 3])),
    ...                     (np.array([0]), np.array([1, 0])), False)
    >>> src, dst = ortho_offsets(p, (32, 8), (16, 8))
    >>> [s.tolist() for s in src], [d.tolist() for d in dst]
    ([[64], [0, 24]], [[0], [8, 0]])
    """
    src = tuple(s * np.int64(k) for s, k in zip(proj.chunk_side, chunk_strides, strict=True))
    dst = tuple(d * np.int64(k) for d, k in zip(proj.out_side, out_strides, strict=True))
    return src, dst
