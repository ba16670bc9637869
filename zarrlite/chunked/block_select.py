"""Selections on a block array, normalised into the two shapes its reads and writes take.

Every selection :class:`~zarrlite.chunked.blockarray.BlockArray` accepts becomes one of:

- an :class:`OrthogonalRequest`: per array dimension, the indices it takes (a ``range`` for
  an integer or a slice, an int64 array for an index array), whose outer product is the
  result (basic selections, ``oindex`` and numpy's one-array selections);
- a :class:`PointRequest`: one int64 coordinate array per dimension, the points in C order of
  the result (``vindex``, masks and numpy's several-array selections).

The validation and the error messages are zarrlite's own (:mod:`zarrlite.indexing`), so a
block array refuses what a zarrlite Array refuses, with the same words. A numpy-style
``a[sel]`` that zarrlite's router does not take (an N-d integer array, several arrays mixed
with slices) is handed to numpy itself on index grids, so it behaves exactly as numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from zarrlite.indexing.basic import (
    expand_selection,
    normalize_integer,
    normalize_slice,
)
from zarrlite.indexing.orthogonal import check_bool_array
from zarrlite.indexing.points import (
    CoordinateIndexer,
    IntArray,
    MaskIndexer,
    normalize_int_array,
)
from zarrlite.indexing.route import classify_selection

DimSelection = range | IntArray
"""The indices one dimension takes: a range (in bounds) or an int64 array (normalised)."""


class OrthogonalRequest(NamedTuple):
    """The outer product of per-dimension indices, then reshaped (and transposed).

    Reading gives an array of shape ``tuple(len(d) for d in dims)``, which
    ``.reshape(shape)`` then ``.transpose(axes)`` (when ``axes`` is not None) turn into the
    result; a result with ``scalar`` set is returned as a numpy scalar.
    """

    dims: tuple[DimSelection, ...]
    shape: tuple[int, ...]
    axes: tuple[int, ...] | None = None
    scalar: bool = False

    @property
    def sel_shape(self) -> tuple[int, ...]:
        """Per array dimension, the number of indices taken."""
        return tuple(len(d) for d in self.dims)

    @property
    def result_shape(self) -> tuple[int, ...]:
        """The shape of the result (after the transpose)."""
        if self.axes is None:
            return self.shape
        return tuple(self.shape[a] for a in self.axes)


class PointRequest(NamedTuple):
    """Points given by coordinates: ``coords[d][i]`` is point ``i``'s index along axis ``d``;
    the result has ``shape`` and holds the points in C order. A mask selection keeps its
    ``mask`` instead of coordinates (``coords`` None), as a dense mask is read faster as
    one: :meth:`points` finds its coordinates when they are needed."""

    coords: tuple[IntArray, ...] | None
    shape: tuple[int, ...]
    mask: np.ndarray | None = None

    def points(self) -> tuple[IntArray, ...]:
        """The coordinates of the points, one int64 array per dimension."""
        if self.coords is not None:
            return self.coords
        assert self.mask is not None
        return tuple(c.astype(np.int64, copy=False) for c in np.nonzero(self.mask))


def _int_range(i: int) -> range:
    return range(i, i + 1)


def _slice_range(s: slice, dim_len: int) -> range:
    start, step, count = normalize_slice(s, dim_len)
    return range(start, start + step * count, step)


def basic_request(selection: Any, shape: Sequence[int]) -> OrthogonalRequest:
    """Normalise a basic selection (ints, slices, ``...``, ``None``), as numpy takes it.

    Raises
    ------
    NotBasicSelection
        If the selection holds an integer or boolean array.
    IndexError, ValueError, TypeError
        As numpy, for an invalid or out-of-bounds selection or a zero step.

    Examples
    --------
    >>> basic_request((1, slice(None, None, -2)), (3, 5))
    OrthogonalRequest(dims=(range(1, 2), range(4, -2, -2)), shape=(3,), axes=None, scalar=False)
    """
    dim_sels, out_axes = expand_selection(selection, len(shape))
    dims = tuple(
        _int_range(normalize_integer(s, n, axis)) if type(s) is int else _slice_range(s, n)
        for axis, (s, n) in enumerate(zip(dim_sels, shape))
    )
    out_shape = tuple(1 if a is None else len(dims[a]) for a in out_axes)
    items = selection if isinstance(selection, tuple) else (selection,)
    scalar = not out_shape and not any(item is Ellipsis for item in items)
    return OrthogonalRequest(dims, out_shape, None, scalar)


def orthogonal_request(selection: Any, shape: Sequence[int]) -> OrthogonalRequest:
    """Normalise an orthogonal selection (``oindex``): per dimension an int, a slice, or a
    1-D integer or boolean array; integer dimensions are dropped from the result.

    Raises
    ------
    IndexError
        As :class:`~zarrlite.indexing.orthogonal.OrthogonalIndexer`: out-of-bounds indices,
        a boolean array of the wrong length, an array that is not 1-D, ``None``.

    Examples
    --------
    >>> r = orthogonal_request(([2, 0], 1), (3, 4))
    >>> [d.tolist() for d in r.dims[:1]], r.dims[1], r.shape
    ([[2, 0]], range(1, 2), (2,))
    """
    dim_sels, out_axes = expand_selection(selection, len(shape), allow_arrays=True)
    if None in out_axes:
        raise IndexError("orthogonal selection does not support numpy.newaxis (None)")
    dims: list[DimSelection] = []
    kept: list[int] = []
    for axis, (s, n) in enumerate(zip(dim_sels, shape)):
        if isinstance(s, np.ndarray):
            if s.ndim != 1:
                raise IndexError(
                    f"orthogonal selection needs 1-D integer or boolean arrays, got a {s.ndim}-d "
                    f"array for axis {axis}; use .vindex for coordinate and mask selection"
                )
            if s.dtype == np.bool_:
                check_bool_array(s, n, axis)
                dims.append(np.flatnonzero(s).astype(np.int64, copy=False))
            else:
                dims.append(normalize_int_array(s, n, axis))
            kept.append(axis)
        elif isinstance(s, slice):
            dims.append(_slice_range(s, n))
            kept.append(axis)
        else:
            dims.append(_int_range(normalize_integer(s, n, axis)))
    return OrthogonalRequest(tuple(dims), tuple(len(dims[a]) for a in kept))


def _one_chunk(shape: Sequence[int]) -> tuple[int, ...]:
    return tuple(max(int(n), 1) for n in shape)


def _collect_points(indexer: CoordinateIndexer | MaskIndexer, ndim: int) -> PointRequest:
    """The points of a zarrlite point indexer, back in the order of its result."""
    coords = np.empty((ndim, indexer.nitems), dtype=np.int64)
    for p in indexer:
        coords[:, p.out_side] = p.chunk_side.T
    return PointRequest(tuple(coords), tuple(indexer.out_shape))


def coordinate_request(selection: Any, shape: Sequence[int]) -> PointRequest:
    """Normalise a coordinate selection: one integer array per dimension, broadcast.

    Raises
    ------
    IndexError
        As :class:`~zarrlite.indexing.points.CoordinateIndexer`.

    Examples
    --------
    >>> r = coordinate_request(([2, 0], [-1, 1]), (3, 4))
    >>> [c.tolist() for c in r.coords], r.shape
    ([[2, 0], [3, 1]], (2,))
    """
    indexer = CoordinateIndexer(selection, shape, _one_chunk(shape))
    return _collect_points(indexer, len(shape))


def mask_request(mask: Any, shape: Sequence[int]) -> PointRequest:
    """Normalise a mask selection: a boolean array of the array's shape (1-D result).

    Raises
    ------
    IndexError
        As :class:`~zarrlite.indexing.points.MaskIndexer`.
    """
    shape = tuple(int(n) for n in shape)
    if isinstance(mask, tuple) and len(mask) == 1:
        mask = mask[0]
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != shape:  # zarrlite's error, with its words
        MaskIndexer(mask, shape, _one_chunk(shape))
        raise AssertionError("MaskIndexer accepted a mask of the wrong dtype or shape")
    if not shape:
        return PointRequest((), (int(mask),))
    return PointRequest(None, (int(np.count_nonzero(mask)),), mask)


def as_mask(selection: Any, ndim: int) -> np.ndarray | None:
    """The boolean mask ``vindex`` takes when `selection` is one (as zarrlite's Array: a
    boolean array, or a list of booleans, with the array's number of dimensions)."""
    sel = selection[0] if isinstance(selection, tuple) and len(selection) == 1 else selection
    if isinstance(sel, list) and sel and all(isinstance(b, (bool, np.bool_)) for b in sel):
        sel = np.asarray(sel)
    if isinstance(sel, np.ndarray) and sel.dtype == np.bool_ and sel.ndim == ndim:
        return sel
    return None


def vindex_request(selection: Any, shape: Sequence[int]) -> PointRequest:
    """Normalise a ``vindex`` selection: a mask, or one integer array per dimension."""
    mask = as_mask(selection, len(shape))
    if mask is not None:
        return mask_request(mask, shape)
    return coordinate_request(selection, shape)


def numpy_points(selection: Any, shape: Sequence[int]) -> PointRequest:
    """The points numpy's ``a[selection]`` takes, found by indexing index grids with it.

    For the advanced selections zarrlite's router leaves out (N-d integer arrays, several
    arrays mixed with slices, boolean scalars): numpy itself validates the selection and
    lays out the result, so both are exactly numpy's. Costs one int array of the result's
    size per dimension.

    Raises
    ------
    IndexError
        Whatever numpy raises for the selection.
    """
    ndim = len(shape)
    if not ndim:  # no index grids: numpy lays out the result of its only item
        return PointRequest((), np.zeros((), dtype=np.int8)[selection].shape)
    coords = []
    for axis, n in enumerate(shape):
        grid = np.arange(n, dtype=np.int64).reshape((n,) + (1,) * (ndim - 1 - axis))
        coords.append(np.asarray(np.broadcast_to(grid, tuple(shape))[selection]))
    out_shape = coords[0].shape
    return PointRequest(tuple(c.reshape(-1) for c in coords), out_shape)


def numpy_request(selection: Any, shape: Sequence[int]) -> OrthogonalRequest | PointRequest:
    """Normalise a numpy-style ``a[selection]`` that holds an integer or boolean array.

    Examples
    --------
    >>> r = numpy_request(([1, 0], slice(None), 0), (2, 3, 4))  # numpy: orthogonal, as is
    >>> r.shape, r.axes
    ((2, 3), None)
    >>> numpy_request((0, slice(None), [1, 3]), (2, 3, 4)).axes  # numpy moves [1, 3] first
    (1, 0)
    >>> numpy_request(np.ones((2, 3), bool), (2, 3)).shape
    (6,)
    """
    shape = tuple(int(n) for n in shape)
    if not shape:  # a 0-d array: only numpy's own rules for boolean scalars etc. apply
        return numpy_points(selection, shape)
    try:
        kind, sel, axes = classify_selection(selection, shape)
    except IndexError:
        return numpy_points(selection, shape)  # numpy's error if numpy refuses it too
    if kind == "mask":
        return mask_request(sel, shape)
    if kind == "points":
        return coordinate_request(sel, shape)
    if kind == "orthogonal":
        return orthogonal_request(sel, shape)._replace(axes=axes)
    return basic_request(sel, shape)
