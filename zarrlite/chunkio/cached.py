"""Basic reads through the decoded-chunk cache (:mod:`zarrlite.chunkio.chunkcache`).

A projection whose chunk is cached is copied from memory. One that covers only part of a
chunk that is not cached reads the whole chunk, decodes it whole into a new array, keeps
it and copies from it: with the cache on, the partial decodes (blocks, byte ranges) are
traded for one whole decode that later reads of the chunk reuse; a partially decoded chunk
is never kept. A projection covering its chunk whole takes the usual route (decoded
straight into the output) and is not kept: reading it again would cost a decode as it
would a copy of the whole chunk out of the cache, and keeping it costs a copy now.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zarrlite.chunkio.buffers import chunk_slices, decoding, out_slices
from zarrlite.chunkio.chunkcache import ChunkCache
from zarrlite.chunkio.engine import ArrayChunks
from zarrlite.indexing.projection import ChunkProjection


def read_cached(io: ArrayChunks, cache: ChunkCache, batch: Sequence[ChunkProjection],
                out: np.ndarray) -> list[ChunkProjection]:
    """Fill `out` for the projections of `batch` the cache serves or will serve, and return
    the others (whole chunks that are not cached) for the usual route.

    Parameters
    ----------
    io : ArrayChunks
        The array's chunk I/O (its `stats` count the hits and misses).
    cache : ChunkCache
        The cache to look in and to fill.
    batch : sequence of ChunkProjection
        Projections of one batch.
    out : numpy.ndarray
        The read's output.

    Returns
    -------
    list of ChunkProjection
        Projections left to read as if there were no cache.
    """
    ref = io.store_ref
    rest: list[ChunkProjection] = []
    misses: list[tuple[tuple[object, str], ChunkProjection, int]] = []
    hits = 0
    for proj in batch:
        key = (ref, io.key_of(proj.chunk_coords))
        chunk = cache.get(key, io.decode_token)
        if chunk is not None:
            out[out_slices(proj)] = chunk[chunk_slices(proj)]
            hits += 1
        elif _covers_chunk(io, proj):
            rest.append(proj)
        else:
            misses.append((key, proj, cache.epoch(key)))
    if hits:
        io.count("chunk_cache_hits", hits)
    nmisses = len(batch) - hits
    if nmisses:
        io.count("chunk_cache_misses", nmisses)
    if misses:
        _decode_and_keep(io, cache, misses, out)
    return rest


def _covers_chunk(io: ArrayChunks, proj: ChunkProjection) -> bool:
    return proj.complete and all(
        step == 1 and count == n for (_start, step, count), n in zip(proj.chunk_side, io.chunks))


def _decode_and_keep(io: ArrayChunks, cache: ChunkCache,
                     misses: list[tuple[tuple[object, str], ChunkProjection, int]],
                     out: np.ndarray) -> None:
    """Fetch the missed chunks whole, decode each into a new array, keep it, copy from it."""
    cdatas = io.fetch([key for (_ref, key), _proj, _epoch in misses])
    pipeline = io.pipeline
    for cache_key, proj, epoch in misses:
        key = cache_key[1]
        cdata = cdatas.get(key)
        if cdata is None:
            io.fill_out(out, proj)
            continue
        buf = np.empty(pipeline.nbytes, dtype=np.uint8)
        with decoding(key, store=io.store):
            chunk = pipeline.decode(cdata, out=buf)
        io.count("chunks_decoded")
        out[out_slices(proj)] = chunk[chunk_slices(proj)]
        cache.put(cache_key, io.decode_token, chunk, epoch)
