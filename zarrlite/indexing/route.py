"""Which indexer a numpy-style ``z[selection]`` takes: basic, orthogonal or points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zarrlite.indexing.basic import expand_selection, normalize_integer
from zarrlite.indexing.orthogonal import check_bool_array
from zarrlite.indexing.points import normalize_int_array

_HINT = "use .oindex for orthogonal selection or .vindex for coordinate and mask selection"


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
        ``"basic"``, ``"orthogonal"``, ``"mask"`` or ``"points"``.
    selection : object
        ``"basic"``: the selection unchanged. ``"orthogonal"``: one item per dimension
        (integers normalized, the array as an ndarray) for :class:`OrthogonalIndexer`.
        ``"mask"``: the boolean array, for :class:`MaskIndexer`. ``"points"``: one integer
        array (or int) per dimension, for :class:`CoordinateIndexer`.
    axes : tuple of int or None
        For ``"orthogonal"``, the transpose turning the orthogonal result into numpy's (numpy
        moves the array's axis first when the array and the integers around it are not
        adjacent); None when no transpose is needed.

    Raises
    ------
    IndexError
        For what numpy rejects (numpy's messages for out-of-bounds indices, boolean lengths
        and float arrays) and for what numpy allows but zarrlite does not: several arrays
        mixed with slices, N-d integer arrays, boolean arrays of other shapes, arrays with ``None``.

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
        raw_items = selection if isinstance(selection, tuple) else (selection,)
        if any(item is None for item in raw_items):  # numpy keeps the new axes around
            raise _unsupported("array indices combined with np.newaxis")  # the points
        if all(s.dtype != np.bool_ for s in arrays) and all(
                not isinstance(s, slice) for s in dim_sels):
            # integer arrays (and ints) for every dimension: numpy picks the points where
            # they broadcast together, as vindex does
            return "points", tuple(dim_sels), None
        raise _unsupported(f"{len(arrays)} array indices mixed with slices or booleans "
                           "(arrays for every dimension select points)")
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
                check_bool_array(s, n, axis)
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
