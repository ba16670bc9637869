"""Fancy selections: orthogonal (``oindex``), block and numpy-style ``z[sel]`` routing.

:class:`OrthogonalIndexer` takes per dimension an integer, a slice or a 1-D integer or boolean
array, and selects the outer product of the per-dimension positions (zarr's ``oindex``, numpy's
``a[np.ix_(...)]``). Each dimension's positions are sorted once by array index (a stable sort,
vectorised) and cut at chunk boundaries; a projection per touched chunk is the product of the
per-dimension pieces. :class:`BlockIndexer` turns a selection over the chunk grid into a basic
selection, and :func:`classify_selection` decides which indexer a numpy-style ``z[sel]`` needs.
Point selections live in :mod:`zarrlite.indexing_points` and are re-exported here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from zarrlite.indexing.basic import expand_selection, normalize_integer, normalize_slice
from zarrlite.indexing.points import (
    CoordinateIndexer,
    IntArray,
    MaskIndexer,
    PointProjection,
    check_shape_chunks,
    normalize_int_array,
    point_offsets,
    stable_argsort,
)

__all__ = [
    "BlockIndexer",
    "CoordinateIndexer",
    "MaskIndexer",
    "OrthoProjection",
    "OrthogonalIndexer",
    "PointProjection",
    "classify_selection",
    "ortho_offsets",
    "point_offsets",
]

_HINT = "use .oindex for orthogonal selection or .vindex for coordinate and mask selection"


class OrthoProjection(NamedTuple):
    """How one chunk maps onto the output of an orthogonal selection.

    Attributes
    ----------
    chunk_coords : tuple of int
        Coordinates of the chunk in the chunk grid.
    src : tuple of ndarray of int64
        Per array dimension, indices local to the chunk.
    dst : tuple of ndarray of int64
        Per array dimension, positions in an output of shape ``sel_shape``; ``dst[d]`` has the
        length of ``src[d]``, so ``out[np.ix_(*dst)] = chunk[np.ix_(*src)]``.
    complete : bool
        Every in-bounds element of the chunk is selected, so a writer need not read it.
    """

    chunk_coords: tuple[int, ...]
    src: tuple[IntArray, ...]
    dst: tuple[IntArray, ...]
    complete: bool


def _check_bool_array(arr: np.ndarray, dim_len: int, axis: int) -> None:
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
        _check_bool_array(dim_sel, dim_len, axis)
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
    ``a[np.ix_(*positions)]`` with integer dimensions then dropped. Iterating yields an
    :class:`OrthoProjection` per touched chunk, each once, in C order of chunk coordinates;
    ``len()`` counts them without iterating.

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
    ...     print(p.chunk_coords, [s.tolist() for s in p.src], [d.tolist() for d in p.dst])
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

    def __iter__(self) -> Iterator[OrthoProjection]:
        for parts in itertools.product(*self._pieces):
            coords, src, dst, flags = zip(*parts) if parts else ((), (), (), ())
            yield OrthoProjection(coords, src, dst, all(flags))


def ortho_offsets(
    proj: OrthoProjection, chunk_strides: Sequence[int], out_strides: Sequence[int]
) -> tuple[tuple[IntArray, ...], tuple[IntArray, ...]]:
    """Per-dimension byte offsets of an orthogonal projection, for a C copy loop.

    Element ``(i0, i1, ...)`` of the projection's outer product is copied from chunk byte
    ``sum(src_offsets[d][i_d])`` to output byte ``sum(dst_offsets[d][i_d])``.

    Parameters
    ----------
    proj : OrthoProjection
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
    >>> p = OrthoProjection((0, 0), (np.array([2]), np.array([0, 3])),
    ...                     (np.array([0]), np.array([1, 0])), False)
    >>> src, dst = ortho_offsets(p, (32, 8), (16, 8))
    >>> [s.tolist() for s in src], [d.tolist() for d in dst]
    ([[64], [0, 24]], [[0], [8, 0]])
    """
    src = tuple(s * np.int64(k) for s, k in zip(proj.src, chunk_strides, strict=True))
    dst = tuple(d * np.int64(k) for d, k in zip(proj.dst, out_strides, strict=True))
    return src, dst


class BlockIndexer:
    """A selection over the chunk grid (``z.blocks[...]``), as a basic selection.

    Integers and step-1 slices pick chunks along each dimension; the result keeps every
    dimension (an integer picks one whole chunk, clipped at the array's edge).

    Parameters
    ----------
    selection : object
        Integers (negative allowed) and slices with step 1, at most one ``...``.
    shape, chunks : tuple of int
        Array shape and chunk shape.

    Attributes
    ----------
    basic_selection : tuple of slice
        Step-1 slices in array coordinates, for :class:`~zarrlite.indexing.BasicIndexer`.
    out_shape : tuple of int
        Shape of the selected region.
    nitems : int
        Number of selected elements.

    Raises
    ------
    IndexError
        For an out-of-bounds block index, a slice step other than 1, an array or ``None``.

    Examples
    --------
    >>> BlockIndexer((-1, slice(0, 2)), (10, 10), (4, 3)).basic_selection
    (slice(8, 10, None), slice(0, 6, None))
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]) -> None:
        self.shape, self.chunks = check_shape_chunks(shape, chunks)
        dim_sels, out_axes = expand_selection(selection, len(self.shape), allow_arrays=True)
        if None in out_axes:
            raise IndexError("block selection does not support numpy.newaxis (None)")
        slices = []
        for axis, (s, n, c) in enumerate(zip(dim_sels, self.shape, self.chunks)):
            nblocks = -(-n // c)
            if isinstance(s, slice):
                if s.step not in (None, 1):
                    raise IndexError(
                        f"block selection needs slices with step 1, got step {s.step} for axis "
                        f"{axis}"
                    )
                first, stop, _ = s.indices(nblocks)
                stop = max(first, stop)
            elif isinstance(s, np.ndarray):
                raise IndexError(
                    f"block selection accepts only integers and slices, got an array for axis "
                    f"{axis}"
                )
            else:
                first = normalize_integer(s, nblocks, axis)
                stop = first + 1
            slices.append(slice(min(first * c, n), min(stop * c, n)))
        self.basic_selection = tuple(slices)
        self.out_shape = tuple(max(0, s.stop - s.start) for s in slices)
        self.nitems = math.prod(self.out_shape)


def _is_plain(item: Any) -> bool:
    return item is None or item is Ellipsis or isinstance(item, slice)


def _unsupported(what: str) -> IndexError:
    return IndexError(f"unsupported selection for z[...]: {what}; {_HINT}")


def classify_selection(
    selection: Any, shape: Sequence[int]
) -> tuple[str, Any, tuple[int, ...] | None]:
    """Decide how to carry out a numpy-style ``z[selection]``.

    Parameters
    ----------
    selection : object
        What the user passed to ``__getitem__`` or ``__setitem__``.
    shape : tuple of int
        Array shape.

    Returns
    -------
    kind : str
        ``"basic"``, ``"orthogonal"`` or ``"mask"``.
    selection : object
        ``"basic"``: the selection unchanged. ``"orthogonal"``: one item per dimension
        (integers normalized, the array as an ndarray) for :class:`OrthogonalIndexer`.
        ``"mask"``: the boolean array, for :class:`MaskIndexer`.
    axes : tuple of int or None
        For ``"orthogonal"``, the transpose turning the orthogonal result into numpy's (numpy
        moves the array's axis first when the array and the integers around it are not
        adjacent); None when no transpose is needed.

    Raises
    ------
    IndexError
        For what numpy rejects (numpy's messages for out-of-bounds indices, boolean lengths
        and float arrays) and for what numpy allows but zarrlite does not: several arrays,
        N-d integer arrays, boolean arrays of other shapes, arrays with ``None``.

    Notes
    -----
    A 1-D boolean array on a 1-D array is routed to ``"orthogonal"``, which gives the same
    result as a mask and also knows which chunks are completely covered.

    Examples
    --------
    >>> classify_selection((0, slice(None), [1, 2]), (4, 5, 6))[0::2]
    ('orthogonal', (1, 0))
    """
    shape = tuple(map(int, shape))
    ndim = len(shape)
    dim_sels, _ = expand_selection(selection, ndim, allow_arrays=True)
    arrays = [s for s in dim_sels if isinstance(s, np.ndarray)]
    if not arrays:
        return "basic", selection, None
    if len(arrays) > 1:
        raise _unsupported(f"{len(arrays)} array indices (only one is supported)")
    arr = arrays[0]
    raw = selection if isinstance(selection, tuple) else (selection,)
    adv_raw = [i for i, item in enumerate(raw) if not _is_plain(item)]
    if any(item is None for item in raw):
        raise IndexError(f"numpy.newaxis (None) can't be combined with array indices; {_HINT}")
    if arr.dtype == np.bool_ and arr.ndim == ndim and ndim >= 2:
        if len(adv_raw) > 1 or any(item is not Ellipsis for item in raw if _is_plain(item)):
            raise _unsupported("a boolean mask combined with other indices")
        return "mask", arr, None
    if arr.ndim == 0:
        raise _unsupported("a boolean scalar index")
    if arr.ndim != 1:
        kind = "boolean" if arr.dtype == np.bool_ else "integer"
        raise _unsupported(f"a {arr.ndim}-d {kind} array index")
    ortho = []
    for axis, (s, n) in enumerate(zip(dim_sels, shape)):
        if isinstance(s, np.ndarray):
            if s.dtype == np.bool_:
                _check_bool_array(s, n, axis)
            else:
                s = normalize_int_array(s, n, axis)
        elif not isinstance(s, slice):
            s = normalize_integer(s, n, axis)
        ortho.append(s)
    axes = None
    if max(adv_raw) - min(adv_raw) + 1 != len(adv_raw):  # numpy moves the array's axis first
        kept = [s for s in ortho if isinstance(s, (slice, np.ndarray))]
        k = next(i for i, s in enumerate(kept) if isinstance(s, np.ndarray))
        if k:
            axes = (k, *range(k), *range(k + 1, len(kept)))
    return "orthogonal", tuple(ortho), axes
