"""Byte-range reads of two-level (``zarrlite.b2nd``) and plain Blosc chunks, a batch of
chunks at a time.

For small selections out of big chunks, a store that can read byte ranges
(``get_partial_values``) is asked, in one call for every chunk of the batch, for each value's
first bytes: the frame header, the chunk header and the block table (sized for the block
count the array's metadata predicts). A second call reads only the bytes of the blocks the
selections touch, plus each header and block table again, to check that the chunk was not
replaced in between (a replaced chunk is read whole). Ranges of a value that are close
together are read as one (:data:`GAP_NBYTES`), so blocks next to the table come with the check.
A remote store sends each call's requests at once: a read of many chunks costs two round
trips, and a window in one row of blocks of one chunk three requests (four with
:data:`READ_TRAILER` set).

C-Blosc2 opens a frame only with its trailer (the offsets index and the trailer proper,
after the chunk). A frame holding one chunk stored right after its header, as zarrlite and
python-blosc2 write them, has the trailer C-Blosc2 writes for every such frame: it is laid in
place instead of being read first. Other frames have theirs read in a call between the two,
along with the rest of any block table longer than the first read.

A batch of one chunk reads its blocks straight into a frame-sized per-thread buffer
(directory stores read them with ``preadv`` from one open file); bigger batches get the
blocks' bytes and lay each chunk out in that buffer when it is decoded. The C core then
decodes the buffer with a block mask: the other blocks are never read or decompressed.
Plain Blosc chunks work the same way with the Blosc header (16 bytes) and block table in
place of the frame's, and no trailer. Anything unexpected falls back to reading the whole
chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from zarrlite.chunkio.buffers import frame_scratch, holding_frame_scratch
from zarrlite.codecs.b2nd import frame_layout
from zarrlite.codecs.blosc import block_starts, is_blosc1_header, ranged_chunk_sizes
from zarrlite.stores.access import get_partial_values, read_ranges_into

#: Longest first read of a value (its header, the chunk header and the block table; a longer
#: table is read in a second step), and the first read when the block count is not known.
HEAD_NBYTES = 64 * 1024
#: First read beyond the block table the array's metadata predicts: the frame header with
#: its metalayers, and the chunk header.
HEAD_SLACK_NBYTES = 4 * 1024
#: Unused: the trailer is read by its exact range, known from the frame header (or not at
#: all). Kept for the callers that set it.
TAIL_NBYTES = 4 * 1024
#: Only chunks at least this big (decoded) are read by ranges.
MIN_CHUNK_NBYTES = 1 << 20
#: Read by ranges only when the selection touches at most this fraction of the blocks.
MAX_BLOCK_FRACTION = 0.5
#: Longest frame trailer read (C-Blosc2 writes a few hundred bytes).
MAX_TRAILER_NBYTES = 1 << 20
#: Longest header and block table read by ranges (a chunk with a longer one is read whole).
MAX_TABLE_NBYTES = 1 << 20
#: Two ranges of a value at most this many bytes apart are read as one request...
GAP_NBYTES = 256 * 1024
#: ...as long as all the bytes read between ranges of a value stay under this fraction of it.
GAP_FRACTION = 0.01
#: Read each frame's trailer with its blocks (one more range per chunk) even where the
#: trailer C-Blosc2 writes is laid in place. Only that read shows that a frame is as long as
#: its header says: without it (the default, so that a window costs three requests), a
#: truncated chunk gives the values of the intact blocks a selection touches, which are
#: right (reads of blocks past the cut, and whole reads, still fail).
READ_TRAILER = False

MISSING = object()  # the chunk does not exist

# C-Blosc2's contiguous frame header (blosc/frame.h): msgpack with fields at fixed places.
_FRAME_HEADER_MINLEN = 87
_FLAGS, _TYPE = 25, 26  # format version in the low 4 bits; variable chunks 0x40, blocks 0x80
_FIELDS = ((29, 0xD3), (38, 0xD3), (57, 0xD2))  # int64 nbytes, int64 cbytes, int32 chunksize
#: The offsets index C-Blosc2 writes for a frame of one chunk at offset 0: a Blosc2 chunk of
#: one int64, stored as is; then the trailer proper: version 1, no variable-length
#: metalayers, its length (35) and an empty fingerprint.
_OFFSETS_INDEX = bytes.fromhex("0501070808000000080000002800000000000000000100000000000000000000"
                               "0000000000000000")
_TRAILER = bytes.fromhex("940193cd0006de0000dc0000ce00000023d800") + bytes(16)


def first_read_nbytes(nblocks: int) -> int:
    """First read for chunks of about `nblocks` blocks: their header and block table, with
    :data:`HEAD_SLACK_NBYTES` to spare (the read is cut to :data:`HEAD_NBYTES`)."""
    return HEAD_SLACK_NBYTES + 4 * max(0, nblocks)


class Fetched:
    """One chunk of a batch of byte-range reads: what its first bytes said, the blocks
    wanted, and (after the second read) their bytes. :meth:`take` gives the result."""

    __slots__ = ("key", "wanted_of", "result", "error", "head", "trailer", "trailer_read",
                 "read_apart", "base", "size", "nbytes", "blocksize", "cbytes", "nblocks",
                 "table_end", "wanted", "reads", "parts")

    def __init__(self, key: str, wanted_of: Callable[..., np.ndarray | None]) -> None:
        self.key = key
        self.wanted_of = wanted_of
        #: (buffer, wanted), MISSING, or None (read the chunk whole) once known.
        self.result: Any = None
        #: An error of this chunk (a corrupt header, say), raised by take().
        self.error: BaseException | None = None
        self.head = b""  # the value's first bytes: header and block table at least
        self.trailer = b""  # b2nd: the frame's bytes after the chunk, laid in or read
        self.trailer_read = False  # ... and which of the two
        #: Its table or trailer came in a call after the first (maybe from a newer value).
        self.read_apart = False
        self.base = 0  # where the Blosc chunk starts in the value (the frame header's end)
        self.size = 0  # bytes of the value: of the buffer it is laid out in
        self.nbytes = self.blocksize = self.cbytes = self.nblocks = self.table_end = 0
        self.wanted: np.ndarray | None = None
        #: (start, end) in the value read by the second call, in order: the first starts
        #: at 0 and holds the header and table again.
        self.reads: list[tuple[int, int]] = []
        #: The bytes of `reads` (batches of several), laid out by take().
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
        parts = self.parts
        assert parts is not None
        found = [part for part in parts if part is not None]
        if [len(part) for part in found] != [end - start for start, end in self.reads]:
            return None  # gone, or shorter than its header says
        table_nbytes = self.base + self.table_end
        if found and bytes(found[0][:table_nbytes]) != self.head[:table_nbytes]:
            return None  # replaced since the first read
        buf = self.frame_with_head()
        for (start, end), part in zip(self.reads, found):
            buf[start:end] = np.frombuffer(part, dtype=np.uint8)
        return buf, self.wanted


def fetch_b2nd_batch(store: Any, requests: Sequence[tuple[str, Callable[[np.ndarray], Any]]],
                     max_nbytes: int, head_nbytes: int | None = None) -> list[Fetched]:
    """Read by byte ranges the wanted blocks of several two-level chunks: ``(key,
    wanted_of)`` each, where ``wanted_of(frame)`` gives the wanted flags (or None) from the
    frame with only its header, block table and trailer filled in. Chunks decoding to more
    than `max_nbytes` are read whole (and fail there if corrupt). The first read of each
    value is `head_nbytes` long (see :func:`first_read_nbytes`; :data:`HEAD_NBYTES` at most,
    and when None). Two store calls in all; three when a block table is longer than the first
    read, or a frame's trailer cannot be laid in place."""
    chunks = [Fetched(key, wanted_of) for key, wanted_of in requests]
    first = _first_nbytes(head_nbytes)
    heads = get_partial_values(store, [(c.key, 0, first) for c in chunks])
    wants = [(c, _checked(c, _plan_b2nd, head, first, max_nbytes))
             for c, head in zip(chunks, heads)]
    _read_more(store, [(c, w) for c, w in wants if w])
    for c in chunks:
        if c.size and c.result is None and c.error is None:
            _checked(c, _choose_b2nd_blocks)
    _read_blocks(store, chunks)
    return chunks


def fetch_blosc_batch(store: Any, requests: Sequence[tuple[str, Callable[[int, int], Any]]],
                      max_nbytes: int, head_nbytes: int | None = None) -> list[Fetched]:
    """For plain Blosc chunks (C-Blosc 1.x format): as :func:`fetch_b2nd_batch`, with
    ``wanted_of(nbytes, blocksize)``. Chunks stored uncompressed, or of another format
    version, are read whole."""
    chunks = [Fetched(key, wanted_of) for key, wanted_of in requests]
    first = _first_nbytes(head_nbytes)
    heads = get_partial_values(store, [(c.key, 0, first) for c in chunks])
    wants = [(c, _checked(c, _plan_blosc, head, first, max_nbytes))
             for c, head in zip(chunks, heads)]
    _read_more(store, [(c, w) for c, w in wants if w])
    for c in chunks:
        if c.size and c.result is None and c.error is None:
            _checked(c, _choose_blosc_blocks)
    _read_blocks(store, chunks)
    return chunks


def _first_nbytes(head_nbytes: int | None) -> int:
    return HEAD_NBYTES if head_nbytes is None else max(1, min(HEAD_NBYTES, head_nbytes))


def _checked(chunk: Fetched, step: Callable[..., Any], *args: Any) -> Any:
    """Run one planning step of a chunk; an error is kept for take() to raise (inside the
    caller's handler naming the chunk), and the chunk read no further. A chunk whose
    first bytes came in two calls is read whole instead (it may have been replaced in
    between: the whole read raises if it is corrupt)."""
    try:
        return step(chunk, *args)
    except Exception as err:
        if not chunk.read_apart:
            chunk.error = err
        chunk.size = 0
        chunk.reads = []
        return None


def _plan_b2nd(c: Fetched, head: Any, first: int, max_nbytes: int) -> list[tuple[str, int, int]]:
    """Take in a frame's first bytes (`first` asked for). Sets ``c.size`` for a chunk to
    read by ranges (``c.result`` when the first read settled it). Returns what must be read
    before its blocks can be chosen: ``("table", start, end)`` for the rest of a block table
    longer than the first read, ``("trailer", start, end)`` for a trailer that cannot be
    laid in place."""
    if head is None:
        c.result = MISSING
        return []
    head = bytes(head)
    layout = frame_layout(head)
    if layout is None:
        return []
    header_len, frame_len = layout
    if frame_len <= len(head) or len(head) < first:  # the whole value came
        c.result = _whole(head, frame_len, c.wanted_of, np.frombuffer(head, dtype=np.uint8))
        return []
    if not _FRAME_HEADER_MINLEN <= header_len <= len(head) - 32:
        return []
    sizes = ranged_chunk_sizes(head[header_len : header_len + 32], max_nbytes)
    if sizes is None:
        return []
    nbytes, blocksize, cbytes = sizes
    nblocks = -(-nbytes // blocksize)
    table_end = 32 + 4 * nblocks
    trailer_len = frame_len - header_len - cbytes
    if (cbytes < table_end or not 0 < trailer_len <= MAX_TRAILER_NBYTES
            or header_len + table_end > MAX_TABLE_NBYTES):
        return []  # sizes that do not add up
    c.head, c.base, c.size, c.cbytes = head, header_len, frame_len, cbytes
    c.nblocks, c.table_end = nblocks, table_end
    wants = []
    if header_len + table_end > len(head):
        wants.append(("table", len(head), header_len + table_end))
    c.trailer = _laid_in_trailer(head, header_len, trailer_len, nbytes, cbytes) or b""
    if not c.trailer:
        wants.append(("trailer", header_len + cbytes, frame_len))
    return wants


def _laid_in_trailer(head: bytes, header_len: int, trailer_len: int, nbytes: int,
                     cbytes: int) -> bytes | None:
    """The `trailer_len` bytes after the chunk of a frame holding exactly one chunk, stored
    right after the header (`nbytes` decoded, `cbytes` stored), as C-Blosc2 writes them for
    every such frame (C-Blosc2 reads only the offsets index at their start and the trailer
    proper at their end; longer trailers carry variable-length metalayers, not needed to
    decode). None unless the frame header says so: frame format 2, fixed-size chunks and
    blocks, and its sizes (decoded, stored, chunk size) those of the chunk at
    `header_len` (else that chunk is not the frame's chunk 0: the offsets index may point
    elsewhere, or hold a special value)."""
    room = trailer_len - len(_OFFSETS_INDEX) - len(_TRAILER)
    if (header_len < _FRAME_HEADER_MINLEN or len(head) < _FRAME_HEADER_MINLEN or room < 0
            or head[_FLAGS] & 0xCF != 2 or head[_TYPE] != 0
            or any(head[at] != marker for at, marker in _FIELDS)):
        return None
    frame_nbytes = int.from_bytes(head[30:38], "big", signed=True)
    frame_cbytes = int.from_bytes(head[39:47], "big", signed=True)
    chunksize = int.from_bytes(head[58:62], "big", signed=True)
    if not frame_nbytes == chunksize == nbytes or frame_cbytes != cbytes:
        return None
    return _OFFSETS_INDEX + bytes(room) + _TRAILER


def _choose_b2nd_blocks(c: Fetched) -> None:
    """Ask which blocks of a planned frame are wanted (given the frame with its header,
    block table and trailer in place), and where their bytes are."""
    wanted = c.wanted_of(c.frame_with_head())
    if wanted is not None and len(wanted) == c.nblocks:
        _note_blocks(c, wanted, block_starts(c.head, c.base + 32, c.nblocks))


def _plan_blosc(c: Fetched, head: Any, first: int, max_nbytes: int
                ) -> list[tuple[str, int, int]]:
    """Take in a Blosc chunk's first bytes (`first` asked for); as :func:`_plan_b2nd`."""
    if head is None:
        c.result = MISSING
        return []
    head = bytes(head)
    if not is_blosc1_header(head):
        return []
    sizes = ranged_chunk_sizes(head[:32], max_nbytes)
    if sizes is None:
        return []
    nbytes, blocksize, cbytes = sizes
    if cbytes <= len(head) or len(head) < first:  # the whole value came
        c.result = _whole(head, cbytes, c.wanted_of, nbytes, blocksize)
        return []
    nblocks = -(-nbytes // blocksize)
    table_end = 16 + 4 * nblocks
    if cbytes < table_end or table_end > MAX_TABLE_NBYTES:
        return []
    c.head, c.size, c.cbytes, c.nblocks, c.table_end = head, cbytes, cbytes, nblocks, table_end
    c.nbytes, c.blocksize = nbytes, blocksize
    return [("table", len(head), table_end)] if table_end > len(head) else []


def _choose_blosc_blocks(c: Fetched) -> None:
    """Ask which blocks of a planned Blosc chunk are wanted, and where their bytes are."""
    wanted = c.wanted_of(c.nbytes, c.blocksize)
    if wanted is not None and len(wanted) == c.nblocks:
        _note_blocks(c, wanted, block_starts(c.head, 16, c.nblocks))


def _read_more(store: Any, wants: list[tuple[Fetched, list[tuple[str, int, int]]]]) -> None:
    """Between the two reads, when some chunks need it: the rest of their block tables and
    the trailers that cannot be laid in place, in one store call. A chunk whose bytes did not
    all come is read whole."""
    if not wants:
        return
    parts = get_partial_values(store, [(c.key, start, end - start)
                                       for c, ranges in wants for _, start, end in ranges])
    at = 0
    for c, ranges in wants:
        c.read_apart = True
        for kind, start, end in ranges:
            part, at = parts[at], at + 1
            if part is None or len(part) != end - start:
                c.size = 0
            elif kind == "table":
                c.head += bytes(part)
            else:
                c.trailer, c.trailer_read = bytes(part), True


def _note_blocks(c: Fetched, wanted: np.ndarray, starts: np.ndarray) -> None:
    """Keep the wanted flags and plan the second read of their blocks; nothing when too
    many blocks are wanted (then the chunk is read whole) or the table does not add up."""
    if np.count_nonzero(wanted) > MAX_BLOCK_FRACTION * c.nblocks:
        return
    ranges = _block_ranges(starts, wanted, c.table_end, c.cbytes)
    if ranges is not None:
        c.wanted = wanted
        c.reads = _plan_reads(c, [(c.base + start, c.base + end) for start, end in ranges])


def _plan_reads(c: Fetched, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ranges of the second read of a chunk: its wanted blocks' bytes not in the first
    read, the header and table again (the check), and a laid-in trailer when
    :data:`READ_TRAILER` says so; ranges a little apart merged (:data:`GAP_NBYTES`). Empty
    when the first read holds everything."""
    have = len(c.head)
    needed = [(max(start, have), end) for start, end in ranges if end > have]
    if READ_TRAILER and c.trailer and not c.trailer_read:
        needed.append((c.size - len(c.trailer), c.size))
    if not needed:
        return []
    return _coalesce([(0, c.base + c.table_end)] + needed, GAP_FRACTION * c.size)


def _coalesce(ranges: list[tuple[int, int]], budget: float) -> list[tuple[int, int]]:
    """`ranges` in order, neighbours at most :data:`GAP_NBYTES` apart merged while the bytes
    between merged ranges add up to at most `budget`."""
    merged: list[list[int]] = []
    spent = 0
    for start, end in sorted(ranges):
        if merged:
            gap = start - merged[-1][1]
            if gap <= 0 or (gap <= GAP_NBYTES and spent + gap <= budget):
                spent += max(gap, 0)
                merged[-1][1] = max(merged[-1][1], end)
                continue
        merged.append([start, end])
    return [(start, end) for start, end in merged]


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
    """The second read: the planned ranges of every chunk with wanted blocks, in one store
    call (a chunk replaced since the first read, or shorter than it says, is then read
    whole). A batch of one chunk is read straight into the frame scratch."""
    pending = [c for c in chunks if c.wanted is not None and c.error is None
               and c.result is None and c.size]
    if len(pending) == 1 and pending[0].reads:
        c = pending[0]
        buf = c.frame_with_head()
        table_nbytes = c.base + c.table_end
        with holding_frame_scratch():  # buf is ours until we return
            counts = read_ranges_into(store, c.key, [(s, e - s, s) for s, e in c.reads], buf)
        if (counts == [e - s for s, e in c.reads]
                and buf[:table_nbytes].tobytes() == c.head[:table_nbytes]):
            c.result = (buf, c.wanted)
        return
    ranges = [(c.key, s, e - s) for c in pending for s, e in c.reads]
    parts = get_partial_values(store, ranges) if ranges else []
    at = 0
    for c in pending:
        c.parts = parts[at : at + len(c.reads)]
        at += len(c.reads)
