"""Which Blosc blocks of a plain Blosc chunk a selection needs.

A Blosc chunk is cut into blocks of ``blocksize`` bytes of the decoded chunk (C or F layout,
as the array's order), each compressed on its own, so a selection needs only the blocks
holding its items. These helpers give one uint8 flag per block, or None when decoding (or
reading) the whole chunk is the better deal.
"""

from __future__ import annotations

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


def _flags_of_runs(first: np.ndarray, last: np.ndarray, nblocks: int) -> np.ndarray | None:
    """Flags of the blocks covered by byte runs first..last (inclusive block numbers)."""
    edges = np.zeros(nblocks + 1, dtype=np.int64)
    np.add.at(edges, first, 1)
    np.add.at(edges, last + 1, -1)
    wanted = (np.cumsum(edges[:-1]) > 0).astype(np.uint8)
    return None if wanted.sum() > MAX_FRACTION * nblocks else wanted


def item_blocks(item_offsets: np.ndarray, itemsize: int, nbytes: int,
                blocksize: int) -> np.ndarray | None:
    """Flags of the blocks holding the items at these byte offsets of the decoded chunk."""
    if blocksize <= 0 or blocksize >= nbytes:
        return None
    nblocks = -(-nbytes // blocksize)
    # an item may straddle two blocks
    return _flags_of_runs(item_offsets // blocksize,
                          (item_offsets + itemsize - 1) // blocksize, nblocks)


def region_blocks(region: Sequence[tuple[int, int, int]], strides: Sequence[int],
                  itemsize: int, nbytes: int, blocksize: int) -> np.ndarray | None:
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
    if int(np.prod([c for _s, _st, c in outer], dtype=np.int64)) > MAX_RUNS:
        return None
    base = np.zeros((), dtype=np.int64)
    for (s, st, c), stride in zip(outer, outer_strides):
        base = np.add.outer(base, (s + st * np.arange(c, dtype=np.int64)) * stride)
    base = base.reshape(-1)
    return _flags_of_runs((base + lo) // blocksize, (base + hi) // blocksize,
                          -(-nbytes // blocksize))
