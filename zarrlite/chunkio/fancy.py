"""Chunk I/O for fancy selections: orthogonal (``oindex``), coordinate (``vindex``) and mask.

Projections come from `zarrlite.indexing` (orthogonal and points); each touched chunk
appears once, however the requested positions are ordered or repeated, so each chunk is
fetched once (in batches, through the store's ``getitems``) and decoded once. From a store
that reads byte ranges, a few items of a big chunk come by fetching only their blocks, with
two store calls for all such chunks of a batch (`zarrlite.chunkio.byteranges`). The gather
out of a decoded chunk and the scatter into one run in C without the GIL
(`_ext.copy_outer` for orthogonal selections, `_ext.copy_points` for points), on the
worker threads. Object arrays use numpy instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from zarrlite import _ext, config
from zarrlite.chunkio import byteranges, plan, ranged
from zarrlite.chunkio.buffers import decoding, named_scratch, scratch
from zarrlite.chunkio.engine import PART_NBYTES, ArrayChunks, run_batches
from zarrlite.codecs._buffers import raw_bytes
from zarrlite.codecs.blosc import block_sizes
from zarrlite.errors import BufferSizeError
from zarrlite.indexing.orthogonal import ortho_offsets
from zarrlite.indexing.points import point_offsets


def read_orthogonal(io: ArrayChunks, projections: Sequence[Any], out: np.ndarray) -> None:
    """Fill `out` (C-contiguous, the selection's per-dimension shape) from the chunks."""
    run_batches(projections, lambda batch, nthreads: _read_batch(io, batch, out, nthreads,
                                                                   _gather_outer))


def read_points(io: ArrayChunks, projections: Sequence[Any], out: np.ndarray) -> None:
    """Fill `out` (C-contiguous, any shape; points land at flat positions) from the chunks."""
    run_batches(projections, lambda batch, nthreads: _read_batch(io, batch, out, nthreads,
                                                                   _gather_points))


def write_orthogonal(io: ArrayChunks, projections: Sequence[Any], value: np.ndarray) -> None:
    """Write `value` (C-contiguous, the selection's per-dimension shape)."""
    run_batches(projections, lambda batch, _n: io.write_locked(
        batch, lambda part: _write_batch(io, part, value, _scatter_outer)))


def write_points(io: ArrayChunks, projections: Sequence[Any], value: np.ndarray) -> None:
    """Write `value` (C-contiguous; point k takes flat item k)."""
    run_batches(projections, lambda batch, _n: io.write_locked(
        batch, lambda part: _write_batch(io, part, value, _scatter_points)))


#: Orthogonal selections larger than this (items per chunk) skip the block analysis.
PARTIAL_DECODE_MAX_ITEMS = 1 << 20


def _decode(io: ArrayChunks, key: str, cdata: Any, nthreads: int,
            item_offsets: np.ndarray | None = None) -> np.ndarray:
    """The chunk, decoded into this thread's scratch (a new array for objects). With the
    byte offsets of the items wanted, a plain Blosc chunk may decode only their blocks."""
    pipeline = io.pipeline
    with decoding(key, store=io.store):
        if pipeline.is_blosc:
            buf = scratch(pipeline.nbytes)
            wanted = None if item_offsets is None else _wanted_blosc_blocks(io, cdata,
                                                                            item_offsets)
            io.count("chunks_decoded")
            if wanted is None:
                _ext.blosc_decode(cdata, buf, nthreads)
                return buf.view(io.dtype).reshape(io.chunks, order=io.order)
            return io.decode_blocks(cdata, wanted, nthreads)
        io.count("chunks_decoded")
        if pipeline.is_object:  # into a new array of objects
            return pipeline.decode(cdata, out=None)
        buf = scratch(pipeline.nbytes)
        if pipeline.is_b2nd and item_offsets is not None:
            try:
                wanted, touched = _ext.b2nd_item_blocks(cdata, item_offsets, io.dtype.itemsize)
            except BufferSizeError:  # more blocks than a wanted array holds: decode it whole
                wanted, touched = np.zeros(1, np.uint8), 1
            if touched <= plan.MAX_FRACTION * len(wanted):  # the cost rule (plan.py)
                return io.decode_blocks(cdata, wanted, nthreads)
        return pipeline.decode(cdata, out=buf)


def _read_ranged(io: ArrayChunks, batch: Sequence[Any], out: np.ndarray, nthreads: int,
                 gather: Any) -> list[Any]:
    """Big chunks of a store that reads byte ranges: the few items a projection needs are
    read by fetching only their blocks' bytes, two store calls for all the chunks of a part
    whose fetched bytes (bounded before any I/O) stay under the engine's part size.
    Returns the projections left over."""
    if not ranged.applies(io):
        return list(batch)
    rest: list[Any] = []
    part: list[tuple[Any, np.ndarray]] = []
    part_nbytes = 0
    for proj in batch:
        offsets = _ranged_offsets(io, proj)
        if offsets is None:
            rest.append(proj)
            continue
        nbytes = ranged.fetched_nbytes_bound(io, len(offsets)) + offsets.nbytes
        if part and part_nbytes + nbytes > PART_NBYTES:
            rest += _read_ranged_part(io, part, out, nthreads, gather)
            part, part_nbytes = [], 0
        part.append((proj, offsets))
        part_nbytes += nbytes
    if part:
        rest += _read_ranged_part(io, part, out, nthreads, gather)
    return rest


def _ranged_offsets(io: ArrayChunks, proj: Any) -> np.ndarray | None:
    """The byte offsets of the items a projection needs, when reading their blocks by
    ranges probably pays (few items, few blocks); else None."""
    count = (len(proj.chunk_side) if isinstance(proj.chunk_side, np.ndarray)
             else math.prod([len(s) for s in proj.chunk_side]))
    if count * io.dtype.itemsize * 4 > io.pipeline.nbytes:
        return None
    offsets = _item_offsets(io, proj)
    if offsets is None or not ranged.worth_trying(io, offsets=offsets):
        return None
    return offsets


def _read_ranged_part(io: ArrayChunks, part: list[tuple[Any, np.ndarray]], out: np.ndarray,
                      nthreads: int, gather: Any) -> list[Any]:
    """Read these projections' items by ranges, in one batch; returns those to read whole."""
    itemsize = io.dtype.itemsize
    requests = [(io.key_of(proj.chunk_coords), _b2nd_wanted(offsets, itemsize),
                 _blosc_wanted(offsets, itemsize)) for proj, offsets in part]
    rest = []
    for (proj, _offsets), (key, _, _), fetched in zip(part, requests,
                                                      ranged.fetch_batch(io, requests)):
        with decoding(key, store=io.store):
            found = fetched.take()
            if found is None:
                rest.append(proj)
            elif found is byteranges.MISSING:
                gather(io, None, proj, out)
            else:
                io.count("ranged_reads")
                cdata, wanted = found
                if gather is not _gather_points or not _gather_coded(io, key, cdata, proj, out):
                    io.count("chunks_decoded")
                    gather(io, io.decode_blocks(cdata, wanted, nthreads), proj, out)
    return rest


def _blosc_wanted(offsets: np.ndarray, itemsize: int) -> Any:
    """For ranged reads: the wanted Blosc blocks of a chunk, those holding these items."""
    return lambda nbytes, blocksize: plan.item_blocks(
        offsets, itemsize, nbytes, blocksize, byteranges.MAX_BLOCK_FRACTION)


def _b2nd_wanted(offsets: np.ndarray, itemsize: int) -> Any:
    """For ranged reads: the wanted blocks of a frame, those holding these items (None for too
    many blocks to flag, or items outside the frame: the chunk is then read whole)."""
    def wanted(frame: np.ndarray) -> np.ndarray | None:
        try:
            return _ext.b2nd_item_blocks(frame, offsets, itemsize)[0]
        except ValueError:  # BufferSizeError included
            return None
    return wanted


def _wanted_blosc_blocks(io: ArrayChunks, cdata: Any, item_offsets: np.ndarray
                         ) -> np.ndarray | None:
    """Flags of the Blosc blocks holding the items at these byte offsets of the chunk, or
    None when decoding the whole chunk is the better deal (see the cost rule above)."""
    nbytes, blocksize = block_sizes(cdata)
    return plan.item_blocks(item_offsets, io.dtype.itemsize, nbytes, blocksize)


def _item_offsets(io: ArrayChunks, proj: Any) -> np.ndarray | None:
    """Byte offsets in the decoded chunk of every item a projection needs (None: too many
    to list, or a selection that needs the whole chunk anyway)."""
    if not (io.pipeline.is_blosc or io.pipeline.is_b2nd) or not config.get("partial_decode"):
        return None
    if isinstance(proj.chunk_side, np.ndarray):  # points
        return point_offsets(proj, io.chunk_strides, io.dtype.itemsize)[0]
    count = math.prod([len(s) for s in proj.chunk_side])
    if count > PARTIAL_DECODE_MAX_ITEMS or proj.complete:
        return None
    total = np.zeros((), dtype=np.int64)
    for s, stride in zip(proj.chunk_side, io.chunk_strides):
        total = np.add.outer(total, s * stride)
    return total.reshape(-1)


def _read_batch(io: ArrayChunks, batch: Sequence[Any], out: np.ndarray, nthreads: int,
                gather: Any) -> None:
    """The chunks read by byte ranges first, then the others whole, a part of bounded size
    at a time."""
    for part in io.parts(_read_ranged(io, batch, out, nthreads, gather)):
        _read_whole(io, part, out, nthreads, gather)


def _read_whole(io: ArrayChunks, batch: Sequence[Any], out: np.ndarray, nthreads: int,
                gather: Any) -> None:
    keys = [io.key_of(proj.chunk_coords) for proj in batch]
    cdatas = io.fetch(keys)
    for key, proj in zip(keys, batch):
        cdata = cdatas.get(key)
        if cdata is None:
            gather(io, None, proj, out)
        elif gather is not _gather_points or not _gather_coded(io, key, cdata, proj, out):
            gather(io, _decode(io, key, cdata, nthreads, _item_offsets(io, proj)), proj, out)


def _fill_value_for(io: ArrayChunks) -> Any:
    return 0 if io.fill_value is None and not io.dtype.hasobject else io.fill_value


def _gather_outer(io: ArrayChunks, chunk: np.ndarray | None, proj: Any, out: np.ndarray) -> None:
    if chunk is None:
        out[np.ix_(*proj.out_side)] = _fill_value_for(io)
    elif io.dtype.hasobject:
        out[np.ix_(*proj.out_side)] = chunk[np.ix_(*proj.chunk_side)]
    else:
        src, dst = ortho_offsets(proj, io.chunk_strides, out.strides)
        _ext.copy_outer(raw_bytes(chunk), list(src), raw_bytes(out), list(dst),
                        io.dtype.itemsize)


def _gather_coded(io: ArrayChunks, key: str, cdata: Any, proj: Any, out: np.ndarray) -> bool:
    """Points of a plain Blosc or b2nd chunk gathered straight from its coded bytes: C
    decodes only the blocks holding them, one at a time into a block-sized scratch that
    stays in cache, and copies each block's items out before the next. False when this
    does not apply (other pipelines, partial decoding off, blocks that cannot be decoded
    apart): the chunk is then decoded as usual."""
    pipeline = io.pipeline
    if (not (pipeline.is_blosc or pipeline.is_b2nd) or io.dtype.hasobject
            or not config.get("partial_decode")):
        return False
    src, dst = point_offsets(proj, io.chunk_strides, io.dtype.itemsize)
    flat = raw_bytes(out.reshape(-1))
    with decoding(key, store=io.store):
        while True:
            found = _ext.gather_points(cdata, pipeline.is_b2nd, src, flat, dst,
                                       io.dtype.itemsize,
                                       named_scratch("point blocks", io.point_block_nbytes))
            if not isinstance(found, int):
                break
            io.point_block_nbytes = -found  # a block is bigger than the scratch
    if found is None:
        return False
    decoded, nblocks = found
    io.count("chunks_decoded")
    if decoded < nblocks:
        io.count("partial_decodes")
    if pipeline.is_b2nd:
        io.count("blocks_decoded", decoded)
    return True


def _gather_points(io: ArrayChunks, chunk: np.ndarray | None, proj: Any, out: np.ndarray) -> None:
    flat = out.reshape(-1)
    if chunk is None:
        flat[proj.out_side] = _fill_value_for(io)
    elif io.dtype.hasobject:
        flat[proj.out_side] = chunk[tuple(proj.chunk_side.T)]
    else:
        src, dst = point_offsets(proj, io.chunk_strides, io.dtype.itemsize)
        _ext.copy_points(raw_bytes(chunk), src, raw_bytes(flat), dst, io.dtype.itemsize)


def _scatter_outer(io: ArrayChunks, chunk: np.ndarray, proj: Any, value: np.ndarray) -> None:
    if io.dtype.hasobject:
        chunk[np.ix_(*proj.chunk_side)] = value[np.ix_(*proj.out_side)]
        return
    src, dst = ortho_offsets(proj, io.chunk_strides, value.strides)
    _ext.copy_outer(raw_bytes(value), list(dst), raw_bytes(chunk), list(src), io.dtype.itemsize)


def _scatter_points(io: ArrayChunks, chunk: np.ndarray, proj: Any, value: np.ndarray) -> None:
    flat = value.reshape(-1)
    if io.dtype.hasobject:
        chunk[tuple(proj.chunk_side.T)] = flat[proj.out_side]
        return
    src, dst = point_offsets(proj, io.chunk_strides, io.dtype.itemsize)
    _ext.copy_points(raw_bytes(flat), dst, raw_bytes(chunk), src, io.dtype.itemsize)


def _write_batch(io: ArrayChunks, batch: Sequence[Any], value: np.ndarray, scatter: Any) -> None:
    for part in io.parts(batch):
        _write_part(io, part, value, scatter)


def _write_part(io: ArrayChunks, batch: Sequence[Any], value: np.ndarray, scatter: Any) -> None:
    """One read-modify-write per chunk: fetch the chunks not wholly overwritten in one
    batch, patch each, encode, then one store write and one delete."""
    keys = [io.key_of(p.chunk_coords) for p in batch]
    partial = [k for k, p in zip(keys, batch) if not p.complete]
    old = io.fetch(partial) if partial else {}
    encoded: dict[str, Any] = {}
    empty: list[str] = []
    for key, proj in zip(keys, batch):
        cdata = old.get(key)
        if cdata is not None:
            chunk = _decode(io, key, cdata, 1)
            if io.dtype.hasobject:
                chunk = np.array(chunk, dtype=io.dtype, order=io.order)
        elif io.dtype.hasobject:
            chunk = np.full(io.chunks, io.fill_value, dtype=io.dtype, order=io.order)
        else:
            chunk = scratch(io.pipeline.nbytes).view(io.dtype).reshape(io.chunks,
                                                                         order=io.order)
            io.fill_chunk(chunk)
        scatter(io, chunk, proj, value)
        if not io.write_empty_chunks and io.is_fill(chunk):
            empty.append(key)
        else:
            encoded[key] = io.pipeline.encode(chunk)
    io.store_batch(encoded, empty)
