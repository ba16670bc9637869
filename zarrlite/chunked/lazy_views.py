"""Basic selections and transposes as maps onto a source: the arithmetic of lazy views.

A :class:`ViewMap` says which items of a source array a view shows and in which order:

- ``index``: per *source* dimension, an ``int`` (the dimension is dropped) or a ``range``
  (any step, negative included) of the source positions it shows;
- ``layout``: per *view* dimension, the source dimension it shows (an ``int``), or a
  ``range`` over ``range(1)`` for an axis the view added (``None`` in the selection), of
  length 1 or 0.

Selecting from a view composes maps (a view of a view is one view of the source: Python's
``range`` slicing does the composition), and reading a block of a view becomes one
selection of the source, transposed and reshaped. Nothing here reads any data.

Examples
--------
>>> m = ViewMap.identity((10, 6)).select((slice(8, 1, -3), None, 2))
>>> m.shape, m.index, m.layout
((3, 1), (range(8, 1, -3), 2), (0, range(0, 1)))
>>> m.source_selection((slice(1, 3), slice(0, 1)))
(slice(5, 1, -3), 2)
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zarrlite.chunked.grid import DimChunks, GridChunks, RegularChunks, chunks_from_sizes
from zarrlite.indexing.basic import NotBasicSelection, expand_selection, normalize_integer

try:
    from numpy.exceptions import AxisError
except ImportError:  # numpy 1.24
    from numpy import AxisError  # type: ignore[attr-defined,no-redef]

__all__ = ["AxisError", "ViewMap", "normalize_axis", "restrict_dim"]

_NEW_AXIS = range(1)


def normalize_axis(axis: Any, ndim: int) -> int:
    """`axis` in ``range(ndim)`` (negative counts from the end), else numpy's AxisError
    (an IndexError and a ValueError)."""
    i = operator.index(axis)
    if not -ndim <= i < ndim:
        raise AxisError(i, ndim)
    return i % ndim


def _as_slice(r: range) -> slice:
    """The slice selecting exactly the positions of `r` (any step), from position 0."""
    if not r:
        return slice(0, 0)
    if r.step == 1:
        return slice(r[0], r[-1] + 1)
    stop: int | None = r[-1] + (1 if r.step > 0 else -1)
    if stop is not None and stop < 0:
        stop = None
    return slice(r[0], stop, r.step)


@dataclass(frozen=True)
class ViewMap:
    """Which source items a view shows: see the module's docstring."""

    index: tuple[int | range, ...]
    layout: tuple[int | range, ...]

    @classmethod
    def identity(cls, shape: Sequence[int]) -> ViewMap:
        """The map of a whole array of `shape` onto itself."""
        return cls(tuple(range(n) for n in shape), tuple(range(len(shape))))

    @property
    def shape(self) -> tuple[int, ...]:
        """The view's shape."""
        return tuple(len(e) if isinstance(e, range) else len(self._range(e))
                     for e in self.layout)

    def _range(self, dim: int) -> range:
        r = self.index[dim]
        assert isinstance(r, range), "a layout entry names a dimension the view keeps"
        return r

    @property
    def is_plain(self) -> bool:
        """The view shows step-1 boxes of the source as they are (no steps, dropped,
        added or permuted dimensions): its blocks are the source's blocks."""
        return (self.layout == tuple(range(len(self.index)))
                and all(isinstance(r, range) and r.step == 1 for r in self.index))

    def select(self, selection: Any) -> ViewMap | None:
        """The map of ``view[selection]``, or None when `selection` is not basic (it holds
        an integer or boolean array, or a boolean scalar).

        Raises
        ------
        IndexError
            For what numpy refuses (out-of-bounds ints, too many indices, ...).
        ValueError
            For a slice step of 0.
        """
        try:
            dim_sels, out_axes = expand_selection(selection, len(self.layout))
        except NotBasicSelection:
            return None
        index = list(self.index)
        kept: list[int | range | None] = []  # per view dimension, its entry (None: dropped)
        for axis, (entry, sel) in enumerate(zip(self.layout, dim_sels)):
            r = entry if isinstance(entry, range) else self._range(entry)
            if isinstance(sel, slice):
                if isinstance(entry, range):
                    kept.append(entry[sel])
                else:
                    index[entry] = r[sel]
                    kept.append(entry)
                continue
            position = normalize_integer(sel, len(r), axis)
            if not isinstance(entry, range):
                index[entry] = r[position]
            kept.append(None)
        layout: list[int | range] = []
        for a in out_axes:
            chosen = _NEW_AXIS if a is None else kept[a]
            assert chosen is not None, "ints drop their dimension from the result"
            layout.append(chosen)
        return ViewMap(tuple(index), tuple(layout))

    def transpose(self, axes: Sequence[Any] | None) -> ViewMap:
        """The map with its dimensions permuted as ``numpy.transpose(view, axes)``.

        Raises
        ------
        ValueError
            If `axes` is not a permutation of the dimensions (numpy's AxisError for an
            axis out of range).
        """
        ndim = len(self.layout)
        if axes is None:
            order = tuple(reversed(range(ndim)))
        else:
            order = tuple(normalize_axis(a, ndim) for a in axes)
            if sorted(order) != list(range(ndim)):
                raise ValueError("axes don't match array")
        return ViewMap(self.index, tuple(self.layout[a] for a in order))

    def source_selection(self, slices: Sequence[slice]) -> tuple[int | slice, ...]:
        """The source selection (ints and slices) holding the view's block at `slices`
        (step-1 slices within the view, one per view dimension)."""
        index = list(self.index)
        for entry, s in zip(self.layout, slices):
            if not isinstance(entry, range):
                index[entry] = self._range(entry)[s]
        return tuple(_as_slice(i) if isinstance(i, range) else i for i in index)

    def source_box(self, slices: Sequence[slice]
                   ) -> tuple[tuple[slice, ...], tuple[int | slice, ...]] | None:
        """For a view without steps other than 1 and -1: the step-1 source box holding
        the view's block at `slices`, and the selection of that box's items that
        :meth:`source_selection` would read (ints, and slices reversing where the step
        is -1). None when some step is larger."""
        selection = self.source_selection(slices)
        box: list[slice] = []
        local: list[int | slice] = []
        for sel in selection:
            if isinstance(sel, int):
                box.append(slice(sel, sel + 1))
                local.append(0)
            elif sel.step is None:
                box.append(sel)
                local.append(slice(None))
            elif sel.step == -1 and sel.start is not None:
                stop = -1 if sel.stop is None else sel.stop
                box.append(slice(stop + 1, sel.start + 1))
                local.append(slice(None, None, -1))
            else:
                return None
        return tuple(box), tuple(local)

    def arrange(self, data: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """`data` (what :meth:`source_selection` read: the kept source dimensions, in
        source order) rearranged into the view's block of `shape`."""
        kept = [d for d, i in enumerate(self.index) if isinstance(i, range)]
        order = [kept.index(e) for e in self.layout if not isinstance(e, range)]
        return data.transpose(order).reshape(shape)

    def unarrange(self, data: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`arrange`: a view's block as the source selection's
        shape (kept source dimensions, in source order)."""
        dims = [e for e in self.layout if not isinstance(e, range)]
        squeezed = data.reshape([data.shape[o] for o, e in enumerate(self.layout)
                                 if not isinstance(e, range)])
        return squeezed.transpose(np.argsort(dims))

    def grid(self, source: GridChunks) -> GridChunks:
        """The view's chunk grid: the source's chunks, restricted to the positions the
        view shows and permuted as its dimensions are (an added axis is one chunk)."""
        dims: list[DimChunks] = []
        for entry in self.layout:
            if isinstance(entry, range):
                dims.append(RegularChunks(1, 0, len(entry)))
            else:
                dims.append(restrict_dim(source.dims[entry], self._range(entry)))
        return GridChunks(*dims)


def restrict_dim(dim: DimChunks, r: range) -> DimChunks:
    """The chunks of a dimension seen through positions `r` (any step, in bounds): the
    view's chunk ``i`` holds the positions of `r` that lie in one chunk of `dim`.

    >>> restrict_dim(RegularChunks(4, 0, 10), range(9, 0, -2)).sizes  # 9 | 7 5 | 3 1
    (1, 2, 2)
    >>> restrict_dim(RegularChunks(4, 0, 10), range(0, 10, 3)).sizes  # 0 3 | 6 | 9
    (2, 1, 1)
    >>> restrict_dim(RegularChunks(4, 0, 100), range(6, 50))
    RegularChunks(chunksize=4, offset=2, size=44)
    """
    if not r:
        return RegularChunks(1, 0, 0)
    if r.step == 1 and isinstance(dim, RegularChunks):
        return RegularChunks(dim.chunksize, (dim.offset + r.start) % dim.chunksize, len(r))
    ascending = r if r.step > 0 else r[::-1]
    first, step, count = ascending.start, ascending.step, len(ascending)
    sizes = []
    for c in dim.chunks_touching(ascending):
        chunk = dim[c]
        lo = max(0, -(-(chunk.start - first) // step))
        hi = min(count, -(-(chunk.stop - first) // step))
        if hi > lo:
            sizes.append(hi - lo)
    if r.step < 0:
        sizes.reverse()
    return chunks_from_sizes(sizes)
