"""Byte-range reads of two-level (``zarrlite.b2nd``) and plain Blosc chunks, a batch of
chunks at a time.

For small selections out of big chunks, a store that can read byte ranges
(``get_partial_values``) is asked, in one call for every chunk of the batch, for each frame's
first bytes (its header, the chunk header and the block table) and its last bytes (the
trailer C-Blosc2 needs to open the frame). A second call reads only the bytes of the blocks
the selections touch, plus each header and block table again (to check that the chunk was
not replaced in between). A remote store sends each call's requests at once, so a read of
many chunks costs two round trips, not two per chunk. A batch of one chunk reads its
blocks straight into a frame-sized per-thread buffer (directory stores read them with
``preadv`` from one open file); bigger batches get the blocks' bytes and lay each chunk out
in that buffer when it is decoded. The C core then decodes the buffer with a block mask:
the other blocks are never read or decompressed. Plain Blosc chunks work the same way with
the Blosc header (16 bytes) and block table in place of the frame's, and no trailer.
Anything unexpected falls back to reading the whole chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


class Fetched:
    """One chunk of a batch of byte-range reads: what its first bytes said, the blocks
    wanted, and (after the second read) their bytes. :meth:`take` gives the result."""

    __slots__ = ("key", "wanted_of", "result", "error", "head", "trailer", "base", "size",
                 "cbytes", "nblocks", "table_end", "wanted", "ranges", "parts")

    def __init__(self, key: str, wanted_of: Callable[..., np.ndarray | None]) -> None:
        self.key = key
        self.wanted_of = wanted_of
        #: (buffer, wanted), MISSING, or None (read the chunk whole) once known.
        self.result: Any = None
        #: An error of this chunk (a corrupt header, say), raised by take().
        self.error: BaseException | None = None
        self.head = b""
        self.trailer = b""  # b2nd: the frame's bytes after the chunk
        self.base = 0  # where the Blosc chunk starts in the value (the frame header's end)
        self.size = 0  # bytes of the value: of the buffer it is laid out in
        self.cbytes = self.nblocks = self.table_end = 0
        self.wanted: np.ndarray | None = None
        #: (start, end) in the value of the wanted blocks, neighbours merged.
        self.ranges: list[tuple[int, int]] = []
        #: The blocks' bytes, then the header and table read again (batches of several).
        self.parts: list[bytes | None] | None = None

    def take(self) -> Any:
        """``(buffer, wanted)``: the value's wanted blocks, header, block table (and
        trailer) at their offsets in a value-sized buffer, with the wanted flags;
        ``MISSING``; or None (read the chunk whole instead). The buffer may be this
        thread's frame scratch, valid until its next ranged read or take()."""
        if self.error is not None:
            raise self.error
        if self.parts is not None:
            return self._lay_out()
        return self.result

    def frame_with_head(self) -> np.ndarray:
        """This thread's frame scratch, sized for the value, holding its first bytes (and
        trailer) at their offsets."""
        buf = frame_scratch(self.size)
        buf[: len(self.head)] = np.frombuffer(self.head, dtype=np.uint8)
        if self.trailer:
            buf[self.size - len(self.trailer) :] = np.frombuffer(self.trailer, dtype=np.uint8)
        return buf

    def _lay_out(self) -> Any:
        assert self.parts is not None
        *blocks, table = self.parts
        table_nbytes = self.base + self.table_end
        if table is None or bytes(table) != self.head[:table_nbytes]:
            return None  # replaced since the first read (or gone)
        found = [part for part in blocks if part is not None]
        if [len(part) for part in found] != [end - start for start, end in self.ranges]:
            return None
        buf = self.frame_with_head()
        for (start, end), part in zip(self.ranges, found):
            buf[start:end] = np.frombuffer(part, dtype=np.uint8)
        return buf, self.wanted


def fetch_b2nd_batch(store: Any, requests: Sequence[tuple[str, Callable[[np.ndarray], Any]]],
                     max_nbytes: int) -> list[Fetched]:
    """Read by byte ranges the wanted blocks of several two-level chunks: ``(key,
    wanted_of)`` each, where ``wanted_of(frame)`` gives the wanted flags (or None) from the
    frame with only its header, block table and trailer filled in. Chunks decoding to more
    than `max_nbytes` are read whole (and fail there if corrupt). Two store calls in all
    (three when a trailer is longer than :data:`TAIL_NBYTES`)."""
    chunks = [Fetched(key, wanted_of) for key, wanted_of in requests]
    parts = get_partial_values(store, [r for c in chunks for r in ((c.key, 0, HEAD_NBYTES),
                                                                   (c.key, -TAIL_NBYTES, None))])
    long_trailers = [c for i, c in enumerate(chunks)
                     if _checked(c, _plan_b2nd, parts[2 * i], parts[2 * i + 1], max_nbytes)]
    if long_trailers:
        tails = get_partial_values(store, [(c.key, c.base + c.cbytes, None)
                                           for c in long_trailers])
        for c, tail in zip(long_trailers, tails):
            if tail is not None and len(tail) == c.size - c.base - c.cbytes:
                c.trailer = bytes(tail)
            else:
                c.size = 0
    for c in chunks:
        if c.size and c.result is None:
            _checked(c, _choose_b2nd_blocks)
    _read_blocks(store, chunks)
    return chunks


def fetch_blosc_batch(store: Any, requests: Sequence[tuple[str, Callable[[int, int], Any]]],
                      max_nbytes: int) -> list[Fetched]:
    """For plain Blosc chunks (C-Blosc 1.x format): as :func:`fetch_b2nd_batch`, with
    ``wanted_of(nbytes, blocksize)``. Chunks stored uncompressed, or of another format
    version, are read whole."""
    chunks = [Fetched(key, wanted_of) for key, wanted_of in requests]
    heads = get_partial_values(store, [(c.key, 0, HEAD_NBYTES) for c in chunks])
    for c, head in zip(chunks, heads):
        _checked(c, _plan_blosc, head, max_nbytes)
    _read_blocks(store, chunks)
    return chunks


def _checked(chunk: Fetched, step: Callable[..., Any], *args: Any) -> Any:
    """Run one planning step of a chunk; an error is kept for take() to raise (inside the
    caller's handler naming the chunk), and the chunk read no further."""
    try:
        return step(chunk, *args)
    except Exception as err:
        chunk.error = err
        chunk.size = 0
        chunk.ranges = []
        return None


def _plan_b2nd(c: Fetched, head: Any, tail: Any, max_nbytes: int) -> bool:
    """Take in a frame's first and last bytes. Sets ``c.size`` for a chunk to read by
    ranges (``c.result`` when the first read settled it). True when the trailer is longer
    than the tail read, and must be read on its own."""
    if head is None:
        c.result = MISSING
        return False
    head = bytes(head)
    layout = frame_layout(head)
    if layout is None or tail is None:
        return False
    header_len, frame_len = layout
    if frame_len <= len(head):  # the whole frame came with the first read
        c.result = _whole(head, frame_len, c.wanted_of, np.frombuffer(head, dtype=np.uint8))
        return False
    if header_len < 24 or header_len + 32 > len(head) or len(tail) != min(TAIL_NBYTES,
                                                                          frame_len):
        return False
    sizes = ranged_chunk_sizes(head[header_len : header_len + 32], max_nbytes)
    if sizes is None:
        return False
    nbytes, blocksize, cbytes = sizes
    nblocks = -(-nbytes // blocksize)
    table_end = 32 + 4 * nblocks
    if header_len + table_end > len(head) or cbytes < table_end or header_len + cbytes > frame_len:
        return False  # a table beyond the first read, or sizes that do not add up
    trailer_len = frame_len - header_len - cbytes
    if trailer_len > MAX_TRAILER_NBYTES:
        return False
    c.head, c.base, c.size, c.cbytes = head, header_len, frame_len, cbytes
    c.nblocks, c.table_end = nblocks, table_end
    if trailer_len > len(tail):
        return True
    c.trailer = bytes(tail)[len(tail) - trailer_len :]
    return False


def _choose_b2nd_blocks(c: Fetched) -> None:
    """Ask which blocks of a planned frame are wanted (given the frame with its header,
    block table and trailer in place), and where their bytes are."""
    wanted = c.wanted_of(c.frame_with_head())
    if wanted is not None and len(wanted) == c.nblocks:
        _note_blocks(c, wanted, block_starts(c.head, c.base + 32, c.nblocks))


def _plan_blosc(c: Fetched, head: Any, max_nbytes: int) -> None:
    """Take in a Blosc chunk's first bytes, and choose its wanted blocks."""
    if head is None:
        c.result = MISSING
        return
    head = bytes(head)
    if not is_blosc1_header(head):
        return
    sizes = ranged_chunk_sizes(head[:32], max_nbytes)
    if sizes is None:
        return
    nbytes, blocksize, cbytes = sizes
    if cbytes <= len(head):  # the whole chunk came with the first read
        c.result = _whole(head, cbytes, c.wanted_of, nbytes, blocksize)
        return
    nblocks = -(-nbytes // blocksize)
    table_end = 16 + 4 * nblocks
    if table_end > len(head) or cbytes < table_end:
        return
    wanted = c.wanted_of(nbytes, blocksize)
    if wanted is not None and len(wanted) == nblocks:
        c.head, c.size, c.cbytes, c.nblocks, c.table_end = head, cbytes, cbytes, nblocks, table_end
        _note_blocks(c, wanted, block_starts(head, 16, nblocks))


def _note_blocks(c: Fetched, wanted: np.ndarray, starts: np.ndarray) -> None:
    """Keep the wanted flags and the byte ranges of the wanted blocks; none when too many
    blocks are wanted (then the chunk is read whole) or the table does not add up."""
    if np.count_nonzero(wanted) > MAX_BLOCK_FRACTION * c.nblocks:
        return
    ranges = _block_ranges(starts, wanted, c.table_end, c.cbytes)
    if ranges is not None:
        c.wanted = wanted
        c.ranges = [(c.base + start, c.base + end) for start, end in ranges]


def _whole(head: bytes, nbytes: int, wanted_of: Callable[..., np.ndarray | None],
           *args: Any) -> Any:
    """The result for a chunk that came whole with the first read: (chunk, wanted)."""
    if len(head) != nbytes:
        return None
    wanted = wanted_of(*args)
    return None if wanted is None else (head, wanted)


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


def _read_blocks(store: Any, chunks: list[Fetched]) -> None:
    """The second read: the wanted blocks of every chunk that has some, with its header
    and block table again (a chunk replaced since the first read is then read whole), in
    one store call. A single chunk is read straight into the frame scratch."""
    pending = [c for c in chunks if c.ranges and c.error is None]
    if len(pending) == 1:
        c = pending[0]
        buf = c.frame_with_head()
        table_nbytes = c.base + c.table_end
        with holding_frame_scratch():  # buf is ours until we return
            counts = read_ranges_into(store, c.key, [(s, e - s, s) for s, e in c.ranges]
                                      + [(0, table_nbytes, 0)], buf)
        if (counts == [e - s for s, e in c.ranges] + [table_nbytes]
                and buf[:table_nbytes].tobytes() == c.head[:table_nbytes]):
            c.result = (buf, c.wanted)
    elif pending:
        key_ranges = []
        for c in pending:
            key_ranges += [(c.key, s, e - s) for s, e in c.ranges]
            key_ranges.append((c.key, 0, c.base + c.table_end))
        parts = get_partial_values(store, key_ranges)
        at = 0
        for c in pending:
            n = len(c.ranges) + 1
            c.parts = parts[at : at + n]
            at += n
