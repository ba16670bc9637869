"""Array reads whose chunk bytes come from the fuzzer: byte-range reads of small windows and
of points (``zarrlite.chunkio.ranged`` and ``byteranges``: header, block table and trailer
first, then the touched blocks), partial decodes, and whole reads, for plain Blosc and
two-level chunks in C and F order.

Input: array byte, first-read sizes byte, window (row, rows, column, columns), point count
and points, then the bytes of chunk ``0.0`` (the array's other chunk stays valid). A window
and points that both read must equal the same items of a whole read, when that reads too.

Allowed: CodecError, which every read raises for a chunk it cannot decode.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import numpy as np

import zarrlite as zl
from fuzz.contract import CORRUPT, REFUSED, Finding, InputReader, bucket, expect, note, same_bytes
from zarrlite.chunkio import byteranges

SHAPE, CHUNKS = (48, 64), (32, 64)
COMPRESSORS = (zl.Blosc(cname="lz4", shuffle=1, blocksize=1024),
               zl.Blosc(cname="zstd", shuffle=2, blocksize=512),
               zl.B2ND(cname="lz4", blocks=(8, 16)),
               zl.B2ND(cname="zstd", shuffle=2, blocks=(5, 9)))


@functools.cache
def _stores() -> tuple[dict[str, bytes], ...]:
    """The valid arrays (compressor x order), as store contents."""
    data = (np.arange(SHAPE[0] * SHAPE[1]) % 1009).astype("<f4").reshape(SHAPE)
    stores = []
    for compressor in COMPRESSORS:
        for order in "CF":
            store = zl.MemoryStore()
            zl.array(data, chunks=CHUNKS, order=order, compressor=compressor, store=store)
            stores.append(dict(store.items()))
    return tuple(stores)


#: First-read sizes (head, tail) tried: block tables, blocks and trailers read apart even
#: in these small chunks, or the whole chunk in the first read.
READ_SIZES = ((256, 64), (512, 16), (1024, 16), (1024, 4096), (65536, 4096))


@contextlib.contextmanager
def small_ranges(head_nbytes: int, tail_nbytes: int) -> Iterator[None]:
    """Read chunks of any size by ranges, with first reads of these sizes."""
    saved = byteranges.MIN_CHUNK_NBYTES, byteranges.HEAD_NBYTES, byteranges.TAIL_NBYTES
    byteranges.MIN_CHUNK_NBYTES = 0
    byteranges.HEAD_NBYTES, byteranges.TAIL_NBYTES = head_nbytes, tail_nbytes
    try:
        yield
    finally:
        byteranges.MIN_CHUNK_NBYTES, byteranges.HEAD_NBYTES, byteranges.TAIL_NBYTES = saved


def check_reads(data: bytes) -> None:
    """The contract of an array's reads over one fuzzed chunk."""
    reader = InputReader(data)
    stores = _stores()
    contents = dict(stores[reader.uint() % len(stores)])
    read_sizes = READ_SIZES[reader.uint() % len(READ_SIZES)]
    row, rows = reader.uint() % SHAPE[0], 1 + reader.uint() % 8
    col, cols = reader.uint() % SHAPE[1], 1 + reader.uint() % 16
    npoints = 1 + reader.uint() % 4
    points = [(reader.uint() % SHAPE[0], reader.uint() % SHAPE[1]) for _ in range(npoints)]
    contents["0.0"] = reader.rest()
    z = zl.open_array(zl.MemoryStore(contents), mode="r")
    window = np.s_[row : row + rows, col : col + cols]
    rows_at, cols_at = (list(axis) for axis in zip(*points))
    with small_ranges(*read_sizes):
        part = expect(CORRUPT, z.__getitem__, window)
        items = expect(CORRUPT, lambda: z.vindex[rows_at, cols_at])
    note("stats", *sorted((name, bucket(count)) for name, count in z.stats.items()))
    whole = expect(CORRUPT, z.__getitem__, Ellipsis)
    if whole is REFUSED:
        return
    if part is not REFUSED and not same_bytes(part, np.ascontiguousarray(whole[window])):
        raise Finding("a window read by ranges differs from the same window of a whole read")
    if items is not REFUSED and not same_bytes(items, whole[rows_at, cols_at]):
        raise Finding("points read by ranges differ from the same points of a whole read")


def seeds() -> Iterator[bytes]:
    """Each valid array's chunk with a few windows and points."""
    selections = [bytes([3, 4, 10, 5, 2, 1, 2, 30, 40]), bytes([0, 7, 0, 15, 3, 0, 0, 31, 63,
                                                                  8, 8]),
                  bytes([20, 2, 50, 13, 0, 25, 60])]
    for index, contents in enumerate(_stores()):
        for number, selection in enumerate(selections):
            yield bytes([index, (index + number) % len(READ_SIZES)]) + selection + contents["0.0"]
