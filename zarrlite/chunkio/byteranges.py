"""Byte-range reads of two-level (``zarrlite.b2nd``) and plain Blosc chunks.

For a small selection out of a big chunk, a store that can read byte ranges
(``get_partial_values``) is asked, in one call, for the frame's first bytes (its header, the
chunk header and the block table) and its last bytes (the trailer C-Blosc2 needs to open
the frame); a second call reads only the bytes of the blocks the selection touches, plus the
header and block table again, straight into a frame-sized per-thread buffer (directory
stores read them with ``preadv`` from one open file). The C core then decodes that buffer
with a block mask: the other blocks are never read or decompressed. Plain Blosc chunks work
the same way with the Blosc header (16 bytes) and block table in place of the frame's.
Anything unexpected falls back to reading the whole chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from zarrlite.chunkio.buffers import frame_scratch, holding_frame_scratch
from zarrlite.codecs.b2nd import frame_layout
from zarrlite.codecs.blosc import block_starts, is_blosc1_header, ranged_chunk_sizes
from zarrlite.stores.access import get_partial_values, read_ranges_into

#: First read of a frame: its header, the chunk header and (usually) the block table.
HEAD_NBYTES = 64 * 1024
#: Read from the end of the frame along with the head: the trailer is usually shorter.
TAIL_NBYTES = 4 * 1024
#: Only chunks at least this big (decoded) are read by ranges.
MIN_CHUNK_NBYTES = 1 << 20
#: Read by ranges only when the selection touches at most this fraction of the blocks.
MAX_BLOCK_FRACTION = 0.5
#: Longest frame trailer read (C-Blosc2 writes a few hundred bytes).
MAX_TRAILER_NBYTES = 1 << 20

MISSING = object()  # the chunk does not exist

def _block_ranges(starts: np.ndarray, wanted: np.ndarray, table_end: int,
                  cbytes: int) -> list[tuple[int, int]] | None:
    """Byte ranges (start, end) in the chunk of the wanted blocks, neighbours merged. A block
    ends where the next stored block starts (blocks need not be stored in order), or at
    cbytes. None when the table points outside the chunk."""
    bounds = np.sort(starts.astype(np.int64))
    ranges: list[tuple[int, int]] = []
    for b in np.flatnonzero(wanted).tolist():
        start = int(starts[b])
        i = int(np.searchsorted(bounds, start, side="right"))
        end = int(bounds[i]) if i < len(bounds) else cbytes
        if start < table_end or not start < end <= cbytes:
            return None
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def fetch_b2nd_blocks(store: Any, key: str, wanted_of: Callable[[np.ndarray], np.ndarray | None],
                      max_nbytes: int) -> Any:
    """(frame buffer holding the blocks that ``wanted_of(frame)`` wants, the wanted array),
    MISSING, or None (read the whole chunk instead: an unexpected layout, or too many blocks
    wanted).
    `wanted_of` is given the frame with only header, block table and trailer filled in.
    Chunks decoding to more than `max_nbytes` are read whole (and fail there if corrupt)."""
    head, tail = get_partial_values(store, [(key, 0, HEAD_NBYTES), (key, -TAIL_NBYTES, None)])
    if head is None:
        return MISSING
    head = bytes(head)
    layout = frame_layout(head)
    if layout is None or tail is None:
        return None
    header_len, frame_len = layout
    if frame_len <= len(head):  # the whole frame came with the first read
        return _whole(head, frame_len, wanted_of, np.frombuffer(head, dtype=np.uint8))
    if header_len < 24 or header_len + 32 > len(head) or len(tail) != min(TAIL_NBYTES,
                                                                          frame_len):
        return None
    sizes = ranged_chunk_sizes(head[header_len : header_len + 32], max_nbytes)
    if sizes is None:
        return None
    nbytes, blocksize, cbytes = sizes
    nblocks = -(-nbytes // blocksize)
    table_end = 32 + 4 * nblocks
    if header_len + table_end > len(head) or cbytes < table_end or header_len + cbytes > frame_len:
        return None  # a table beyond the first read, or sizes that do not add up
    trailer_len = frame_len - header_len - cbytes
    if trailer_len > MAX_TRAILER_NBYTES:
        return None
    if trailer_len > len(tail):
        tail = get_partial_values(store, [(key, header_len + cbytes, None)])[0]
        if tail is None or len(tail) != trailer_len:
            return None
    buf = frame_scratch(frame_len)
    buf[: len(head)] = np.frombuffer(head, dtype=np.uint8)
    buf[frame_len - trailer_len :] = np.frombuffer(tail, dtype=np.uint8)[len(tail) - trailer_len :]
    wanted = wanted_of(buf)
    if wanted is None or len(wanted) != nblocks:
        return None
    if np.count_nonzero(wanted) > MAX_BLOCK_FRACTION * nblocks:
        return None
    starts = block_starts(head, header_len + 32, nblocks)
    if not _read_blocks(store, key, head, buf, header_len, starts, wanted, table_end, cbytes):
        return None
    return buf, wanted


def fetch_blosc_blocks(store: Any, key: str, wanted_of: Callable[[int, int], np.ndarray | None],
                       max_nbytes: int) -> Any:
    """For a plain Blosc chunk (C-Blosc 1.x format): (a chunk-sized buffer holding its
    header, block table and the blocks that ``wanted_of(nbytes, blocksize)`` wants, the
    wanted array), MISSING, or None (read the whole chunk instead: a chunk stored uncompressed,
    another format version, or too many blocks wanted). Chunks decoding to more than
    `max_nbytes` are read whole (and fail there if corrupt)."""
    head = get_partial_values(store, [(key, 0, HEAD_NBYTES)])[0]
    if head is None:
        return MISSING
    head = bytes(head)
    if not is_blosc1_header(head):
        return None
    sizes = ranged_chunk_sizes(head[:32], max_nbytes)
    if sizes is None:
        return None
    nbytes, blocksize, cbytes = sizes
    if cbytes <= len(head):  # the whole chunk came with the first read
        return _whole(head, cbytes, wanted_of, nbytes, blocksize)
    nblocks = -(-nbytes // blocksize)
    table_end = 16 + 4 * nblocks
    if table_end > len(head) or cbytes < table_end:
        return None
    wanted = wanted_of(nbytes, blocksize)
    if wanted is None or len(wanted) != nblocks:
        return None
    if np.count_nonzero(wanted) > MAX_BLOCK_FRACTION * nblocks:
        return None
    buf = frame_scratch(cbytes)
    buf[: len(head)] = np.frombuffer(head, dtype=np.uint8)
    starts = block_starts(head, 16, nblocks)
    if not _read_blocks(store, key, head, buf, 0, starts, wanted, table_end, cbytes):
        return None
    return buf, wanted


def _whole(head: bytes, nbytes: int, wanted_of: Callable[..., np.ndarray | None],
           *args: Any) -> Any:
    """The result for a chunk that came whole with the first read: (chunk, wanted)."""
    if len(head) != nbytes:
        return None
    wanted = wanted_of(*args)
    return None if wanted is None else (head, wanted)


def _read_blocks(store: Any, key: str, head: bytes, buf: np.ndarray, base: int,
                 starts: np.ndarray, wanted: np.ndarray, table_end: int, cbytes: int) -> bool:
    """Read the wanted blocks of the chunk at `base` in the value into their places in buf.
    The chunk may have been replaced since `head` was read: its header and block table are
    read again after the blocks (over the same bytes of buf) and must be the ones the
    ranges came from. False when anything does not add up."""
    ranges = _block_ranges(starts, wanted, table_end, cbytes)
    if ranges is None:
        return False
    table_nbytes = base + table_end
    with holding_frame_scratch():  # buf is ours until we return
        counts = read_ranges_into(store, key, [(base + s, e - s, base + s) for s, e in ranges]
                                  + [(0, table_nbytes, 0)], buf)
    if counts is None or counts != [e - s for s, e in ranges] + [table_nbytes]:
        return False
    return buf[:table_nbytes].tobytes() == head[:table_nbytes]
