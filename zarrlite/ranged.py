"""Byte-range reads of two-level (``zarrlite.b2nd``) chunks.

For a small selection out of a big chunk, a store that can read byte ranges
(``get_partial_values``) is asked for the frame's header, the chunk's block table, the
frame's trailer, and then only the bytes of the blocks the selection touches. These are laid
into a zero-filled buffer the size of the frame (untouched pages cost nothing), which the C
core then decodes with a block mask: the other blocks are never read or decompressed.
Anything unexpected falls back to reading the whole chunk.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _ext
from .stores.base import get_partial_values

#: First read of a frame: its header, the chunk header and (usually) the block table.
HEAD_NBYTES = 64 * 1024
#: Only chunks at least this big (decoded) are read by ranges.
MIN_CHUNK_NBYTES = 1 << 20
#: Read by ranges only when the selection touches at most this fraction of the blocks.
MAX_BLOCK_FRACTION = 0.5

MISSING = object()  # the chunk does not exist


def _frame_layout(head: bytes) -> tuple[int, int] | None:
    """(header length, frame length) of a C-Blosc2 contiguous frame, from its first bytes."""
    if (len(head) < 24 or head[0] != 0x9E or head[1:10] != b"\xa8b2frame\x00"
            or head[10] != 0xD2 or head[15] != 0xCF):
        return None
    return int.from_bytes(head[11:15], "big"), int.from_bytes(head[16:24], "big")


def fetch_blocks(store: Any, key: str, region: tuple, itemsize: int) -> Any:
    """A frame buffer holding what decoding `region` needs, MISSING, or None (read the
    whole chunk instead)."""
    head = get_partial_values(store, [(key, 0, HEAD_NBYTES)])[0]
    if head is None:
        return MISSING
    head = bytes(head)
    layout = _frame_layout(head)
    if layout is None:
        return None
    header_len, frame_len = layout
    if frame_len <= len(head):  # the whole frame came with the first read
        return head if frame_len == len(head) else None
    if header_len < 24 or header_len + 32 > len(head):
        return None
    chunk = np.frombuffer(head, dtype="<i4", count=3, offset=header_len + 4)
    nbytes, blocksize, cbytes = (int(v) for v in chunk)
    if nbytes <= 0 or blocksize <= 0:
        return None
    nblocks = -(-nbytes // blocksize)
    table_end = header_len + 32 + 4 * nblocks
    if table_end > len(head) or cbytes < 32 + 4 * nblocks or header_len + cbytes > frame_len:
        return None  # a special-value chunk, or a table beyond the first read
    tail = get_partial_values(store, [(key, header_len + cbytes, None)])[0]
    if tail is None or len(tail) != frame_len - header_len - cbytes:
        return None
    buf = np.zeros(frame_len, dtype=np.uint8)
    buf[: len(head)] = np.frombuffer(head, dtype=np.uint8)
    buf[header_len + cbytes :] = np.frombuffer(tail, dtype=np.uint8)
    wanted = _ext.b2nd_region_blocks(buf, region, itemsize)
    if len(wanted) != nblocks or wanted.sum() > MAX_BLOCK_FRACTION * nblocks:
        return None
    starts = np.frombuffer(head, dtype="<i4", count=nblocks, offset=header_len + 32)
    bounds = np.unique(np.append(starts.astype(np.int64), cbytes))
    ranges = []
    for b in np.nonzero(wanted)[0]:
        start = int(starts[b])
        after = bounds[bounds > start]
        if start < 32 + 4 * nblocks or not len(after) or after[0] > cbytes:
            return None
        ranges.append((start, int(after[0])))
    parts = get_partial_values(store, [(key, header_len + s, e - s) for s, e in ranges])
    for (s, e), part in zip(ranges, parts):
        if part is None or len(part) != e - s:
            return None
        buf[header_len + s : header_len + e] = np.frombuffer(part, dtype=np.uint8)
    # the chunk may have been replaced between the reads: its header and block table must
    # be the ones the block ranges were computed from (else read it whole, atomically)
    again = get_partial_values(store, [(key, 0, table_end)])[0]
    if again is None or bytes(again) != head[:table_end]:
        return None
    return buf
