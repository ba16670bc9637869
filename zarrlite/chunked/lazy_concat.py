"""Lazy concatenation and stacking: one virtual array over many arrays (files, months,
tiles), whose chunks are the members' chunks, read member by member when read.

Examples
--------
>>> import numpy as np
>>> months = [np.full((n, 2), i) for i, n in enumerate([31, 28, 31])]
>>> year = concatenate(months)
>>> year.shape, year.eachchunk().dims[0]
((90, 2), IrregularChunks([31, 28, 31]))
>>> year[29:33, 0].compute().tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from zarrlite.chunked.grid import GridChunks, chunks_from_sizes
from zarrlite.chunked.lazy_array import LazyArray, as_lazy, evaluate_call
from zarrlite.chunked.lazy_views import normalize_axis

__all__ = ["LazyConcat", "concatenate", "stack"]


class LazyConcat(LazyArray):
    """Arrays joined along one axis, read from the members a block overlaps.

    Along the axis, the chunks are the members' chunks one after another (an
    :class:`~zarrlite.chunked.grid.IrregularChunks` unless they happen to be regular);
    along the other axes, the first member's. Read-only.
    """

    def __init__(self, members: Sequence[LazyArray], axis: int, dtype: np.dtype) -> None:
        self.members = list(members)
        self.axis = axis
        self.dtype = dtype
        self._starts = [0, *itertools.accumulate(m._shape[axis] for m in self.members)]
        shape = list(self.members[0]._shape)
        shape[axis] = self._starts[-1]
        self.shape = tuple(shape)
        self._own_chunks = any(m._own_chunks for m in self.members)
        self._chunks: GridChunks | None = None

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        axis = self.axis
        lo, hi = slices[axis].start, slices[axis].stop
        first = bisect.bisect_right(self._starts, lo) - 1
        for i in range(first, len(self.members)):
            start, stop = self._starts[i], self._starts[i + 1]
            if start >= hi:
                break
            a, b = max(lo, start), min(hi, stop)
            if a >= b:
                continue
            member = self.members[i]
            local = slices[:axis] + (slice(a - start, b - start),) + slices[axis + 1:]
            target = out[(slice(None),) * axis + (slice(a - lo, b - lo),)]
            if target.flags.c_contiguous and member._dtype == out.dtype:
                member.readblock(target, local)
            else:
                block = np.empty(target.shape, dtype=member._dtype)
                member.readblock(block, local)
                target[...] = block

    def eachchunk(self) -> GridChunks:
        if self._chunks is None:
            dims = list(self.members[0]._grid().dims)
            sizes = [n for m in self.members for n in m._grid().dims[self.axis].sizes]
            dims[self.axis] = chunks_from_sizes(sizes)
            self._chunks = GridChunks(*dims)
        return self._chunks

    def _describe(self) -> str:
        return "lazy concatenation"


def _members(arrays: Sequence[Any], verb: str) -> list[LazyArray]:
    if isinstance(arrays, (str, bytes)) or not hasattr(arrays, "__iter__"):
        raise TypeError(f"{verb} takes a sequence of arrays, got {type(arrays).__name__}")
    members = [as_lazy(a) for a in arrays]
    if not members:
        raise ValueError(f"need at least one array to {verb}")
    return members


def concatenate(arrays: Sequence[Any], axis: int | None = 0, *,
                dtype: npt.DTypeLike | None = None, casting: Any = "same_kind") -> LazyArray:
    """Join arrays along an existing axis, lazily (``numpy.concatenate``): reads nothing
    until read, then reads each member's part of a block with its ``readblock``.

    Parameters
    ----------
    arrays : sequence of array-like
        Arrays of the same shape but along `axis` (anything :func:`lazy` takes: zarrlite
        Arrays, h5py datasets, numpy, block arrays, lazy arrays).
    axis : int
        The axis to join along (negative counts from the end). ``None`` (numpy's
        flattening) is not lazy: the arrays are read and numpy concatenates them.
    dtype : dtype, optional
        The result's dtype (default ``numpy.result_type`` of the members').
    casting : str
        As numpy's (default 'same_kind'), checked for each member.

    Returns
    -------
    LazyArray
        A member alone when there is one and no conversion.

    Raises
    ------
    ValueError
        With numpy's messages: no arrays, 0-d arrays, different numbers of dimensions,
        shapes that differ off the axis.
    numpy.exceptions.AxisError
        For an axis out of range.
    TypeError
        If `casting` refuses a member's conversion to `dtype`.
    """
    if axis is None:
        return evaluate_call(np.concatenate, (arrays,),
                             {"axis": None, "dtype": dtype, "casting": casting})
    members = _members(arrays, "concatenate")
    ndim = members[0].ndim
    if ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, ndim)
    for i, m in enumerate(members[1:], 1):
        if m.ndim != ndim:
            raise ValueError(
                f"all the input arrays must have same number of dimensions, but the array "
                f"at index 0 has {ndim} dimension(s) and the array at index {i} has "
                f"{m.ndim} dimension(s)")
        for d in range(ndim):
            if d != axis and m._shape[d] != members[0]._shape[d]:
                raise ValueError(
                    f"all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {d}, the array at index 0 has size "
                    f"{members[0]._shape[d]} and the array at index {i} has size "
                    f"{m._shape[d]}")
    target = np.result_type(*(m._dtype for m in members)) if dtype is None else np.dtype(dtype)
    for m in members:
        if not np.can_cast(m._dtype, target, casting=casting):
            raise TypeError(f"Cannot cast array data from {m._dtype!r} to {target!r} "
                            f"according to the rule {casting!r}")
    if len(members) == 1:
        return members[0].astype(target)
    return LazyConcat(members, axis, target)


def stack(arrays: Sequence[Any], axis: int = 0, *, dtype: npt.DTypeLike | None = None,
          casting: Any = "same_kind") -> LazyArray:
    """Join arrays of one shape along a new axis, lazily (``numpy.stack``): each array
    becomes one chunk along the new axis.

    Raises
    ------
    ValueError
        If there are no arrays or their shapes differ (numpy's messages).
    numpy.exceptions.AxisError
        For an axis out of range (``-ndim - 1 <= axis <= ndim``).
    """
    members = _members(arrays, "stack")
    shape = members[0]._shape
    if any(m._shape != shape for m in members):
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis(axis, len(shape) + 1)
    expanded = [m[(slice(None),) * axis + (None,)] for m in members]
    return concatenate(expanded, axis, dtype=dtype, casting=casting)
