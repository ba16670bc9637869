"""Which blocks of a chunk a selection needs.

A plain Blosc chunk is cut into blocks of ``blocksize`` bytes of the decoded chunk (C or F
layout, as the array's order), each compressed on its own, so a selection needs only the
blocks holding its items: `region_blocks` and `item_blocks` give one uint8 flag per block,
or None when decoding (or reading) the whole chunk is the better deal. For two-level
chunks the C core finds the blocks from the frame itself; `nd_region_fraction` and
`nd_items_fraction` only predict, from the codec's block shape, whether reading a chunk by
byte ranges is worth a try.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Decode only the blocks holding requested items when they are at most this fraction of
#: the chunk's blocks; else the whole chunk. Measured (4096² float32 chunk, lz4, one
#: thread): a masked decode costs in proportion to its blocks (Blosc: 10% of the blocks
#: 1.7 ms, 50% 11 ms, all 21 ms = a whole decode; b2nd: 10% 4 ms, 50% 20 ms, 75% 29 ms,
#: all 38 ms vs 31 ms whole), so partial pays up to about three quarters.
MAX_FRACTION = 0.75
#: Regions with more separate byte runs than this are not mapped run by run.
MAX_RUNS = 1 << 16


def _wanted_of_runs(first: np.ndarray, last: np.ndarray, nblocks: int,
                   max_fraction: float) -> np.ndarray | None:
    """Flags of the blocks covered by byte runs first..last (inclusive block numbers)."""
    edges = (np.bincount(first, minlength=nblocks + 1)
             - np.bincount(last + 1, minlength=nblocks + 1))  # +1 where a run starts, -1 after
    wanted = (np.cumsum(edges[:nblocks]) > 0).astype(np.uint8)
    return None if wanted.sum() > max_fraction * nblocks else wanted


def item_blocks(item_offsets: np.ndarray, itemsize: int, nbytes: int, blocksize: int,
                max_fraction: float = MAX_FRACTION) -> np.ndarray | None:
    """Flags of the blocks holding the items at these byte offsets of the decoded chunk."""
    if blocksize <= 0 or blocksize >= nbytes:
        return None
    nblocks = -(-nbytes // blocksize)
    # an item may straddle two blocks
    return _wanted_of_runs(item_offsets // blocksize,
                          (item_offsets + itemsize - 1) // blocksize, nblocks, max_fraction)


def region_blocks(region: Sequence[tuple[int, int, int]], strides: Sequence[int],
                  itemsize: int, nbytes: int, blocksize: int,
                  max_fraction: float = MAX_FRACTION) -> np.ndarray | None:
    """Flags of the blocks a region ((start, step, count) per dimension) of the decoded
    chunk touches; `strides` are the chunk's byte strides, the last one the item size
    (reverse both for an F-ordered chunk)."""
    if blocksize <= 0 or blocksize >= nbytes or not region:
        return None
    *outer, (start, step, count) = region
    *outer_strides, inner_stride = strides
    if abs(step) != 1 and count > 1:  # a strided inner dimension: every item is a run
        outer, outer_strides = [*outer, (start, step, count)], [*outer_strides, inner_stride]
        lo, hi = 0, itemsize - 1
    else:
        ends = (start, start + step * (count - 1))
        lo, hi = min(ends) * inner_stride, max(ends) * inner_stride + itemsize - 1
    if math.prod([c for _s, _st, c in outer]) > MAX_RUNS:
        return None
    base: np.ndarray = np.zeros((), dtype=np.int64)
    for (s, st, c), stride in zip(outer, outer_strides):
        base = np.add.outer(base, (s + st * np.arange(c, dtype=np.int64)) * stride)
    base = base.reshape(-1)
    return _wanted_of_runs((base + lo) // blocksize, (base + hi) // blocksize,
                          -(-nbytes // blocksize), max_fraction)


def region_blocks_bound(region: Sequence[tuple[int, int, int]], strides: Sequence[int],
                        itemsize: int, blocksize: int) -> int:
    """An upper bound, in O(dimensions), of how many Blosc blocks a region touches (as in
    `region_blocks`): its byte runs (rows of the innermost dimension) can touch no more
    blocks than lie between its first and last byte, nor more than each run's share."""
    *outer, (start, step, count) = region
    ends = (start, start + step * (count - 1))
    if abs(step) == 1 or count == 1:
        runs, run_nbytes = 1, (max(ends) - min(ends) + 1) * itemsize
    else:
        runs, run_nbytes = count, itemsize
    lo = hi = 0
    for (s, st, c), stride in zip(region, strides):
        first, last = s, s + st * (c - 1)
        lo += min(first, last) * stride
        hi += max(first, last) * stride
    for _s, _st, c in outer:
        runs *= c
    spanned = (hi + itemsize - 1) // blocksize - lo // blocksize + 1
    return min(spanned, runs * (run_nbytes // blocksize + 2))


def nd_region_fraction(region: Sequence[tuple[int, int, int]], shape: Sequence[int],
                       blocks: Sequence[int]) -> float:
    """About what fraction of the N-d blocks (`blocks` tiling `shape`) a region touches
    (counting every block between its first and last index per dimension)."""
    touched = total = 1
    for (start, step, count), n, b in zip(region, shape, blocks):
        ends = (start, start + step * (count - 1))
        touched *= max(ends) // b - min(ends) // b + 1
        total *= -(-n // b)
    return touched / total


def nd_items_fraction(item_offsets: np.ndarray, itemsize: int, shape: Sequence[int],
                      blocks: Sequence[int]) -> float:
    """The fraction of the N-d blocks (`blocks` tiling `shape`, C order) holding the items
    at these byte offsets."""
    nblocks = math.prod([-(-n // b) for n, b in zip(shape, blocks)])
    if len(item_offsets) * 8 < nblocks:  # few items: no need to count their blocks
        return len(item_offsets) / nblocks
    coords = np.unravel_index(item_offsets // itemsize, tuple(shape))
    grid = tuple(-(-n // b) for n, b in zip(shape, blocks))
    block_ids = np.ravel_multi_index(tuple(c // b for c, b in zip(coords, blocks)), grid)
    return len(np.unique(block_ids)) / int(np.prod(grid, dtype=np.int64))
