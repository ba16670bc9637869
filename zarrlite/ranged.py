"""Byte-range reads of two-level (``zarrlite.b2nd``) chunks.

For a small selection out of a big chunk, a store that can read byte ranges
(``get_partial_values``) is asked, in one call, for the frame's first bytes (its header, the
chunk header and the block table) and its last bytes (the trailer C-Blosc2 needs to open
the frame); a second call reads only the bytes of the blocks the selection touches, plus the
header and block table again, straight into a frame-sized per-thread buffer (directory
stores read them with ``preadv`` from one open file). The C core then decodes that buffer
with a block mask: the other blocks are never read or decompressed. Anything unexpected
falls back to reading the whole chunk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .stores.base import get_partial_values, read_ranges_into

#: First read of a frame: its header, the chunk header and (usually) the block table.
HEAD_NBYTES = 64 * 1024
#: Read from the end of the frame along with the head: the trailer is usually shorter.
TAIL_NBYTES = 4 * 1024
#: Only chunks at least this big (decoded) are read by ranges.
MIN_CHUNK_NBYTES = 1 << 20
#: Read by ranges only when the selection touches at most this fraction of the blocks.
MAX_BLOCK_FRACTION = 0.5

MISSING = object()  # the chunk does not exist

_local = threading.local()


def _frame_buffer(nbytes: int) -> np.ndarray:
    """A per-thread reusable buffer of `nbytes` (a fresh one would page-fault on every read).
    Bytes outside the fetched ranges are stale; the block mask keeps the decoder off them."""
    buf = getattr(_local, "frame", None)
    if buf is None or buf.nbytes < nbytes:
        buf = _local.frame = np.empty(nbytes, dtype=np.uint8)
    return buf[:nbytes]


def _frame_layout(head: bytes) -> tuple[int, int] | None:
    """(header length, frame length) of a C-Blosc2 contiguous frame, from its first bytes."""
    if (len(head) < 24 or head[0] != 0x9E or head[1:10] != b"\xa8b2frame\x00"
            or head[10] != 0xD2 or head[15] != 0xCF):
        return None
    return int.from_bytes(head[11:15], "big"), int.from_bytes(head[16:24], "big")


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


def fetch_blocks(store: Any, key: str,
                 wanted_of: Callable[[np.ndarray], np.ndarray | None]) -> Any:
    """A frame buffer holding the blocks that ``wanted_of(frame)`` flags (it is given the
    frame with only header, block table and trailer filled in), MISSING, or None (read
    the whole chunk instead: an unexpected layout, or too many blocks wanted)."""
    head, tail = get_partial_values(store, [(key, 0, HEAD_NBYTES), (key, -TAIL_NBYTES, None)])
    if head is None:
        return MISSING
    head = bytes(head)
    layout = _frame_layout(head)
    if layout is None or tail is None:
        return None
    header_len, frame_len = layout
    if frame_len <= len(head):  # the whole frame came with the first read
        return head if frame_len == len(head) else None
    if header_len < 24 or header_len + 32 > len(head) or len(tail) != min(TAIL_NBYTES,
                                                                          frame_len):
        return None
    chunk = np.frombuffer(head, dtype="<i4", count=3, offset=header_len + 4)
    nbytes, blocksize, cbytes = (int(v) for v in chunk)
    if nbytes <= 0 or blocksize <= 0:
        return None
    nblocks = -(-nbytes // blocksize)
    table_end = 32 + 4 * nblocks
    if header_len + table_end > len(head) or cbytes < table_end or header_len + cbytes > frame_len:
        return None  # a special-value chunk, or a table beyond the first read
    trailer_len = frame_len - header_len - cbytes
    if trailer_len > len(tail):
        tail = get_partial_values(store, [(key, header_len + cbytes, None)])[0]
        if tail is None or len(tail) != trailer_len:
            return None
    buf = _frame_buffer(frame_len)
    buf[: len(head)] = np.frombuffer(head, dtype=np.uint8)
    buf[frame_len - trailer_len :] = np.frombuffer(tail, dtype=np.uint8)[len(tail) - trailer_len :]
    wanted = wanted_of(buf)
    if wanted is None or len(wanted) != nblocks:
        return None
    if np.count_nonzero(wanted) > MAX_BLOCK_FRACTION * nblocks:
        return None
    starts = np.frombuffer(head, dtype="<i4", count=nblocks, offset=header_len + 32)
    ranges = _block_ranges(starts, wanted, table_end, cbytes)
    if ranges is None:
        return None
    # the chunk may have been replaced between the two calls: its header and block table
    # are read again after the blocks (over the same bytes of the buffer) and must be the
    # ones the ranges came from
    table_nbytes = header_len + table_end
    counts = read_ranges_into(store, key, [(header_len + s, e - s, header_len + s)
                                           for s, e in ranges] + [(0, table_nbytes, 0)], buf)
    if counts is None or counts != [e - s for s, e in ranges] + [table_nbytes]:
        return None
    if buf[:table_nbytes].tobytes() != head[:table_nbytes]:
        return None
    return buf
