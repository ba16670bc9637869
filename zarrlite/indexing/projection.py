"""Chunk projections: what one chunk contributes to one selection, for every kind of selection.

A projection names a chunk by its grid coordinates and says which of its items a selection
takes (the *chunk side*), where they go in the selection-shaped output (the *out side*), and
whether the selection covers the chunk completely (then a writer need not read it first).
The two sides take the form the selection's kind needs:

============  ======================================  ======================================
kind          chunk side                              out side
============  ======================================  ======================================
basic         a region ``(start, step, count)`` per   ``(start, count)`` per dimension (the
              dimension, local to the chunk           step is 1)
orthogonal    an int64 index array per dimension,     an int64 position array per
              local to the chunk                      dimension (``out[np.ix_(*out_side)]``)
points        an int64 array of shape (k, ndim):      an int64 array of shape (k,): flat
              the points' coordinates in the chunk    positions in the C-order raveled output
============  ======================================  ======================================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

Region = tuple[int, int, int]  # (start, step, count) along one dimension
OutRegion = tuple[int, int]  # (start, count) along one output dimension; the step is 1

__all__ = ["ChunkProjection", "OutRegion", "Region", "out_region_to_slices", "region_to_slices"]


class ChunkProjection(NamedTuple):
    """What one chunk contributes to one selection (see the module docstring for the forms
    of the two sides).

    Attributes
    ----------
    chunk_coords : tuple of int
        Coordinates of the chunk in the chunk grid.
    chunk_side : tuple or ndarray
        Which items of the chunk the selection takes.
    out_side : tuple or ndarray
        Where they go in the output.
    complete : bool
        The selection covers every in-bounds item of the chunk, so a writer need not read
        the old chunk (always False for point selections).
    """

    chunk_coords: tuple[int, ...]
    chunk_side: Any
    out_side: Any
    complete: bool


def region_to_slices(region: Iterable[Region]) -> tuple[slice, ...]:
    """Turn ``(start, step, count)`` regions into slices selecting the same elements.

    Examples
    --------
    >>> region_to_slices([(4, -2, 3), (1, 1, 0)])
    (slice(4, None, -2), slice(1, 1, 1))
    """
    slices = []
    for start, step, count in region:
        stop = start + step * count
        slices.append(slice(start, None if stop < 0 else stop, step))
    return tuple(slices)


def out_region_to_slices(out_region: Iterable[OutRegion]) -> tuple[slice, ...]:
    """Turn ``(start, count)`` output regions into step-1 slices.

    Examples
    --------
    >>> out_region_to_slices([(2, 3), (0, 1)])
    (slice(2, 5, None), slice(0, 1, None))
    """
    return tuple(slice(start, start + count) for start, count in out_region)
