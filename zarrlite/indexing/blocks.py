"""Block selections (``z.blocks[...]``): whole chunks picked by their grid position."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from zarrlite.errors import BoundsCheckError
from zarrlite.indexing.basic import expand_selection, normalize_integer
from zarrlite.indexing.points import check_shape_chunks


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
        For an out-of-bounds block index or slice start, a slice step other than 1, an
        array or ``None``.

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
                if s.start is not None and not -nblocks <= s.start < nblocks:
                    # as zarr-python 2: a block slice must start at a block that exists
                    raise BoundsCheckError(f"block slice start {s.start} is out of bounds for axis "
                                     f"{axis} with {nblocks} blocks")
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
