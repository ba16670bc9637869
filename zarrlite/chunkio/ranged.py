"""Byte-range reads of basic selections, and what both basic and fancy reads use: one batch
of ranged reads (:func:`fetch_batch`), whether a selection probably needs few enough blocks
for a ranged read to pay, how many bytes one may fetch, and the wanted blocks of Blosc
chunks (noting each array's Blosc block size). The store calls themselves are in
`zarrlite.chunkio.byteranges`; fancy selections' ranged reads are in
`zarrlite.chunkio.fancy`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from zarrlite import _ext, config
from zarrlite.chunkio import byteranges, plan
from zarrlite.chunkio.buffers import (
    chunk_slices,
    decoding,
    frame_scratch,
    named_scratch,
    out_offset_shape,
    out_slices,
    scratch,
)
from zarrlite.chunkio.engine import ArrayChunks
from zarrlite.indexing.projection import ChunkProjection


def applies(io: ArrayChunks) -> bool:
    """Whether byte-range reads may pay for this array at all: plain Blosc or b2nd chunks
    of at least ``MIN_CHUNK_NBYTES``, partial decoding on, a store that reads ranges."""
    pipeline = io.pipeline
    return ((pipeline.is_b2nd or pipeline.is_blosc)
            and pipeline.nbytes >= byteranges.MIN_CHUNK_NBYTES
            and bool(config.get("partial_decode")) and io.reads_byte_ranges)


def fetch_batch(io: ArrayChunks, requests: Sequence[tuple[str, Callable[[np.ndarray], Any],
                                                          Callable[[int, int], Any]]]
                ) -> list[byteranges.Fetched]:
    """Fetch by byte ranges the wanted blocks of chunks ``(key, b2nd_wanted, blosc_wanted)``,
    chosen by ``b2nd_wanted(frame)`` for two-level chunks, ``blosc_wanted(nbytes,
    blocksize)`` for Blosc chunks, in two store calls for them all (the first read sized for
    the block table the metadata predicts). ``take()`` each result in turn: ``(cdata,
    wanted)``, ``byteranges.MISSING``, or None (read the chunk whole instead); it may raise
    the chunk's decoding error."""
    if io.pipeline.is_b2nd:
        return byteranges.fetch_b2nd_batch(io.store, [(key, b2nd) for key, b2nd, _ in requests],
                                           io.ranged_max_nbytes, _first_read_nbytes(io))
    return byteranges.fetch_blosc_batch(
        io.store, [(key, blosc_wanted_of(io, blosc)) for key, _, blosc in requests],
        io.pipeline.nbytes, _first_read_nbytes(io))


def _blocks_per_chunk(io: ArrayChunks) -> tuple[int, int] | None:
    """(blocks, decoded bytes of a block) of this array's chunks as its metadata (or, for
    Blosc, the last chunk read) says; None when not known yet."""
    if io.pipeline.is_b2nd:
        if io.b2nd_layout is None:
            return None
        shape, blocks = io.b2nd_layout
        nblocks = math.prod([-(-n // b) for n, b in zip(shape, blocks)])
        return nblocks, math.prod(blocks) * io.dtype.itemsize
    blocksize = io.blosc_blocksize_seen
    if blocksize is None:
        return None
    return -(-io.pipeline.nbytes // blocksize), blocksize


def _first_read_nbytes(io: ArrayChunks) -> int | None:
    """First read of a chunk's value: its header and block table, sized for the block count
    expected (None: not known)."""
    known = _blocks_per_chunk(io)
    return None if known is None else byteranges.first_read_nbytes(known[0])


def fetched_nbytes_bound(io: ArrayChunks, nitems: int) -> int:
    """About the most bytes a ranged read of `nitems` items of a chunk fetches: their blocks
    (an item may straddle two Blosc blocks), at most the fraction of blocks a ranged read
    reads, and the first read."""
    known = _blocks_per_chunk(io)
    most = int(byteranges.MAX_BLOCK_FRACTION * io.pipeline.nbytes)
    if known is not None:
        most = min(most, 2 * nitems * known[1])
    return most + byteranges.HEAD_NBYTES


def worth_trying(io: ArrayChunks, region: Sequence[tuple[int, int, int]] | None = None,
                 strides: Sequence[int] | None = None,
                 offsets: np.ndarray | None = None) -> bool:
    """Whether a region (with the chunk's byte strides, both in C order of the stored
    chunk) or the items at these byte offsets probably need few enough blocks for a
    byte-range read to pay; guessed cheaply before any I/O from bounds (the read itself
    decides exactly). Give either `region` and `strides`, or `offsets`."""
    itemsize, limit = io.dtype.itemsize, byteranges.MAX_BLOCK_FRACTION
    if io.pipeline.is_b2nd:
        if io.b2nd_layout is None:
            return True
        shape, blocks = io.b2nd_layout
        if offsets is None:
            assert region is not None, "a region or offsets"
            return plan.nd_region_fraction(region, shape, blocks) <= limit
        return plan.nd_items_fraction(offsets, itemsize, shape, blocks) <= limit
    blocksize = io.blosc_blocksize_seen
    if blocksize is None:
        return True
    nblocks = -(-io.pipeline.nbytes // blocksize)
    if offsets is None:
        assert region is not None and strides is not None, "a region and strides, or offsets"
        bound = plan.region_blocks_bound(region, strides, itemsize, blocksize)
    else:
        bound = 2 * len(offsets)  # an item may straddle two blocks
    return min(bound, nblocks) <= limit * nblocks


def blosc_wanted_of(io: ArrayChunks, choose: Callable[[int, int], np.ndarray | None]
                    ) -> Callable[[int, int], np.ndarray | None]:
    """For ranged reads of Blosc chunks: `choose(nbytes, blocksize)` (the wanted blocks) for
    chunks of this array's size (others are read whole, and fail clearly), noting the block
    size."""
    def wanted_of(nbytes: int, blocksize: int) -> np.ndarray | None:
        if nbytes != io.pipeline.nbytes:
            return None
        io.blosc_blocksize_seen = blocksize
        return choose(nbytes, blocksize)
    return wanted_of


def read_basic(io: ArrayChunks, batch: Sequence[ChunkProjection], out: np.ndarray,
               nthreads: int) -> list[ChunkProjection]:
    """Read small regions of big chunks (two-level or plain Blosc) by byte ranges: only
    the touched blocks' bytes, for the whole batch in two store calls. Returns the
    projections left for whole-chunk reads."""
    pipeline, itemsize = io.pipeline, io.dtype.itemsize
    if not (pipeline.is_b2nd or pipeline.is_blosc):
        return list(batch)
    rest = []
    chosen: list[ChunkProjection] = []
    requests = []
    # a directory store's chunks: one C call per chunk, from its file to `out`
    direct = getattr(io.store, "reads_files_directly", None)
    file_of = io.store.file_of if direct is not None and direct() else None
    for proj in batch:
        items = math.prod([c for _s, _st, c in proj.chunk_side])
        if items * itemsize * 4 > pipeline.nbytes:
            rest.append(proj)
            continue
        region = tuple(proj.chunk_side or ((0, 1, 1),))
        strides = io.chunk_strides or (itemsize,)
        if io.b2nd_transposed or (io.order == "F" and pipeline.is_blosc):
            # the chunk's bytes are those of its transpose in C order
            region, strides = region[::-1], strides[::-1]
        if not worth_trying(io, region, strides):
            rest.append(proj)
            continue
        if file_of is not None and _read_file(io, file_of, proj, region, strides, out,
                                              nthreads):
            continue
        chosen.append(proj)
        requests.append((io.key_of(proj.chunk_coords), _region_blocks(region, itemsize),
                         _blosc_region_blocks(region, strides, itemsize)))
    if not chosen:
        return rest
    for proj, (key, _, _), fetched in zip(chosen, requests, fetch_batch(io, requests)):
        with decoding(key, store=io.store):
            found = fetched.take()
            if found is None:
                rest.append(proj)
            elif found is byteranges.MISSING:
                io.fill_out(out, proj)
            else:
                io.count("ranged_reads")
                if pipeline.is_b2nd:
                    io.decode_b2nd_region(found[0], proj, out, nthreads, whole=False)
                else:  # only the flagged blocks are present: decode those, copy the region
                    io.count("chunks_decoded")
                    cdata, wanted = found
                    chunk = io.decode_blocks(cdata, wanted, nthreads)
                    out[out_slices(proj)] = chunk[chunk_slices(proj)]
    return rest


def _read_file(io: ArrayChunks, file_of: Callable[[str], bytes], proj: ChunkProjection,
               region: tuple, strides: tuple, out: np.ndarray, nthreads: int) -> bool:
    """Read a small region of a two-level or plain Blosc chunk from its file in one C call:
    the header and block table, then only the touched blocks' bytes from the same open
    file, decoded into `out`. `region` and the chunk's byte `strides` are in the C order of
    its bytes. False when the general byte-range reader should read it instead (another
    layout, most blocks touched, a file that cannot be read this way)."""
    key = io.key_of(proj.chunk_coords)
    offset, _shape = out_offset_shape(out, proj)
    out_strides = out.strides or (io.dtype.itemsize,)
    if io.b2nd_transposed or (io.order == "F" and io.pipeline.is_blosc):
        out_strides = out_strides[::-1]
    first = _first_read_nbytes(io) or byteranges.HEAD_NBYTES
    frame_nbytes = io.frame_nbytes_seen
    with decoding(key, store=io.store):
        path = file_of(key)
        while True:
            frame = frame_scratch(frame_nbytes)
            if io.pipeline.is_b2nd:
                found = _ext.b2nd_read_region_file(
                    path, first, io.ranged_max_nbytes, region, out, offset, tuple(out_strides),
                    io.dtype.itemsize, frame, named_scratch("b2nd blocks", io.ranged_max_nbytes),
                    byteranges.MAX_BLOCK_FRACTION, nthreads)
            else:
                found = _ext.blosc_read_region_file(
                    path, first, region, tuple(strides), out, offset, tuple(out_strides),
                    io.dtype.itemsize, frame, scratch(io.pipeline.nbytes),
                    byteranges.MAX_BLOCK_FRACTION, nthreads)
            if not isinstance(found, tuple):
                break
            if found[0] != "frame" or found[1] <= frame_nbytes:
                return False  # a frame whose blocks need more scratch: not ours to read
            frame_nbytes = io.frame_nbytes_seen = found[1]
    if found is None:
        return False
    if found == "missing":
        io.fill_out(out, proj)
        return True
    io.count("ranged_reads")
    io.count("chunks_decoded")
    if io.pipeline.is_b2nd:
        io.count("blocks_decoded", int(found))
    else:
        io.count("partial_decodes")
    return True


def _region_blocks(region: tuple, itemsize: int) -> Callable[[np.ndarray], np.ndarray | None]:
    """For ranged reads: the wanted blocks of a frame, those a region touches (None
    for a frame of too many blocks to flag, or whose geometry does not fit the region:
    such chunks are read whole)."""
    def wanted(frame: np.ndarray) -> np.ndarray | None:
        try:
            return _ext.b2nd_region_blocks(frame, region, itemsize)
        except ValueError:  # BufferSizeError included
            return None
    return wanted


def _blosc_region_blocks(region: tuple, strides: tuple, itemsize: int
                         ) -> Callable[[int, int], np.ndarray | None]:
    """For ranged reads: the wanted Blosc blocks, those a region touches."""
    return lambda nbytes, blocksize: plan.region_blocks(
        region, strides, itemsize, nbytes, blocksize, byteranges.MAX_BLOCK_FRACTION)
