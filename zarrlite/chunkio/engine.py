"""The chunk I/O engine: batches of chunks spread over the worker threads
(:func:`run_batches`), and :class:`ArrayChunks`, one array's chunks: where they are, how
they are laid out and coded, and what every read and write path does to a single chunk
(fetch, fill, decode into the output, store). The basic, fancy and byte-range paths
(:mod:`~zarrlite.chunkio.basic`, :mod:`~zarrlite.chunkio.fancy`,
:mod:`~zarrlite.chunkio.ranged`) build on it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from zarrlite import _ext, config
from zarrlite.chunkio import chunkcache
from zarrlite.chunkio.buffers import (
    b2nd_call,
    chunk_slices,
    fetch_scratch,
    keep_fetch_scratch,
    out_offset_shape,
    out_slices,
    scratch,
)
from zarrlite.chunkio.pipeline import ChunkPipeline
from zarrlite.codecs._buffers import raw_bytes
from zarrlite.codecs.abc import RegionCodec
from zarrlite.codecs.b2nd import stores_transposed
from zarrlite.errors import BufferSizeError
from zarrlite.indexing.projection import ChunkProjection
from zarrlite.metadata.array_meta import ArrayMeta
from zarrlite.stores.abc import ensure_bytes
from zarrlite.stores.access import delitems, getitems, reads_byte_ranges, setitems
from zarrlite.stores.adapter import inside_store_call

#: Most chunk bytes (decoded size) a worker handles at once: a batch is cut into parts of
#: at most this much (one chunk at least), which bounds the per-thread buffers for fetched
#: and encoded bytes.
PART_NBYTES = 32 << 20


#: Reads that decode fewer bytes than this (as estimated by the caller) run on the calling
#: thread, with one codec thread: handing a few small chunks, or a few blocks of big ones,
#: to the worker threads costs more in wake-ups than it saves (a 64x64 window in a 4096²
#: chunk: 0.49 -> 0.24 ms; a 16-row band across two: 0.37 -> 0.23 ms).
SMALL_WORK_NBYTES = 2 << 20


def run_batches(items: Sequence[Any], work: Callable[[Sequence[Any], int], None],
                work_nbytes: int | None = None) -> None:
    """Split items into batches and run ``work(batch, codec_threads)`` on the worker pool.

    With fewer items than threads, the spare threads go to the codec (C-Blosc's own
    threads inside one chunk). Work of fewer than :data:`SMALL_WORK_NBYTES` decoded bytes
    (`work_nbytes`, the caller's estimate) runs here, on one thread.
    """
    threads = config.get("threads")
    n = len(items)
    if n == 0:
        return
    if work_nbytes is not None and work_nbytes < SMALL_WORK_NBYTES:
        work(items, 1)
        return
    if (threading.current_thread().name.startswith(config.POOL_THREAD_PREFIX)
            or inside_store_call()):
        threads = 1  # a store reading another array: never wait on the pool from there
    if threads == 1 or n == 1:
        work(items, threads)
        return
    nbatches = min(n, 4 * threads)
    size = -(-n // nbatches)
    batches = [items[i : i + size] for i in range(0, n, size)]
    codec_threads = max(1, threads // n)
    futures = [config.thread_pool().submit(work, b, codec_threads) for b in batches[1:]]
    error: BaseException | None = None
    try:
        work(batches[0], codec_threads)
    except BaseException as exc:  # finish the others before raising
        error = exc
    for batch, future in zip(batches[1:], futures):
        # a batch no worker has started yet runs here: the workers may all be busy with
        # work that waits for this very call (a store reading another array on a thread
        # of its own), and the pool would never get to it
        if future.cancel():
            if error is None:
                try:
                    work(batch, codec_threads)
                except BaseException as exc:
                    error = exc
            continue
        try:
            future.result()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


#: Chunks written under one set of held locks (see ArrayChunks.write_locked).
_LOCKED_GROUP = 32


class ArrayChunks:
    """What chunk I/O knows about one array: store, keys, layout, codecs, statistics."""

    def __init__(self, store: Any, key_of: Callable[[tuple[int, ...]], str], meta: ArrayMeta,
                 pipeline: ChunkPipeline, write_empty_chunks: bool,
                 synchronizer: Any = None,
                 chunk_cache: chunkcache.ChunkCache | bool | None = None) -> None:
        self.store = store
        #: Gives a context manager per chunk key that writes hold (None: no locks).
        self.synchronizer = synchronizer
        self.key_of = key_of
        self.shape = meta.shape
        self.chunks = meta.chunks
        self.dtype = meta.dtype
        self.order = meta.order
        self.fill_value = meta.fill_value
        self.pipeline = pipeline
        self.write_empty_chunks = write_empty_chunks
        #: Instrumentation: chunks decoded (whole or in part) and decoded in part only.
        self.stats: dict[str, int] = {"chunks_decoded": 0, "partial_decodes": 0,
                                      "blocks_decoded": 0, "ranged_reads": 0,
                                      "chunk_cache_hits": 0, "chunk_cache_misses": 0}
        self._stats_lock = threading.Lock()
        #: The store part of decoded-chunk cache keys (None: the store is not cached).
        self.store_ref = None if self.dtype.hasobject else chunkcache.store_ref(store)
        self.decode_token = chunkcache.decode_token(self.dtype, self.chunks, self.order,
                                                    (meta.compressor, meta.filters))
        #: The array's own cache (None: the shared one; False: none for this array).
        self._own_cache = chunk_cache
        itemsize = self.dtype.itemsize
        # byte strides of a full chunk in its own layout
        self.chunk_strides = _layout_strides(self.chunks, itemsize, self.order)
        self.fill_bytes = _fill_bytes(self.fill_value, self.dtype)
        # a NaN fill value matches every NaN, whatever its sign and payload bits
        self.nan_float_size, self.nan_big_endian = _nan_fill(self.fill_value, self.dtype)
        #: For guessing whether byte-range reads pay: the Blosc block size of the last chunk
        #: read by ranges, and the (shape, block shape) the b2nd codec stores chunks with.
        self.blosc_blocksize_seen: int | None = None
        #: Scratch for point reads decoding one block at a time: the block size last seen.
        self.point_block_nbytes = 1 << 16
        #: Frame scratch for two-level chunks read from files: the last frame size seen.
        self.frame_nbytes_seen = 1 << 16
        self.b2nd_layout = None
        #: F-ordered chunks (with more than one dimension over 1) are stored transposed.
        self.b2nd_transposed = stores_transposed(self.chunks, self.order)
        if pipeline.is_b2nd:
            try:
                self.b2nd_layout = cast(RegionCodec, pipeline.compressor).stored_layout(
                    self.chunks, itemsize, self.b2nd_transposed)
            except ValueError:
                pass  # a config that cannot encode these chunks: reading will say so
        #: Largest decoded chunk (padded to whole blocks for b2nd) read by byte ranges;
        #: chunks claiming more are read whole.
        self.ranged_max_nbytes = pipeline.nbytes
        if self.b2nd_layout is not None:
            shape, blocks = self.b2nd_layout
            padded = int(np.prod([-(-n // b) * b for n, b in zip(shape, blocks)], dtype=np.int64))
            self.ranged_max_nbytes = max(pipeline.nbytes, padded * itemsize)

    def parts(self, batch: Sequence[Any]) -> list[Sequence[Any]]:
        """`batch` cut into consecutive parts of at most :data:`PART_NBYTES` of chunks."""
        size = max(1, PART_NBYTES // max(1, self.pipeline.nbytes))
        return [batch[i : i + size] for i in range(0, len(batch), size)]

    def cache(self) -> chunkcache.ChunkCache | None:
        """The decoded-chunk cache reads of this array use now, or None (also when a chunk
        would not fit in it: then reads decode only what they need, as without a cache)."""
        if self.store_ref is None or self._own_cache is False:
            return None
        if self._own_cache is not None:
            cache: chunkcache.ChunkCache | None = cast(chunkcache.ChunkCache, self._own_cache)
        else:
            cache = chunkcache.shared_cache()
        if cache is None or self.pipeline.nbytes > cache.max_nbytes:
            return None
        return cache

    def cached_item(self, index: tuple[Any, ...]) -> Any:
        """The item at `index` as a numpy scalar when `index` is one in-bounds int (negative
        ones count from the end) per dimension and its chunk is in the decoded-chunk cache
        (counted as a hit); else None, and the usual route reads it (or raises)."""
        if len(index) != len(self.shape):
            return None
        cache = self.cache()
        if cache is None:
            return None
        coords, inner = [], []
        for i, n, c in zip(index, self.shape, self.chunks):
            if type(i) is not int:
                return None
            if i < 0:
                i += n
            if not 0 <= i < n:
                return None
            q, r = divmod(i, c)
            coords.append(q)
            inner.append(r)
        chunk = cache.get((self.store_ref, self.key_of(tuple(coords))), self.decode_token)
        if chunk is None:
            return None
        with self._stats_lock:
            self.stats["chunk_cache_hits"] += 1
        return chunk[tuple(inner)]

    def count(self, name: str, n: int = 1) -> None:
        """Add n to a `stats` counter (safe from several threads)."""
        with self._stats_lock:
            self.stats[name] += n

    def fetch(self, keys: list[str]) -> dict[str, Any]:
        """Values of the keys present. Stores that can read into a reusable buffer do so
        (into this thread's fetch scratch): the values are then views, valid until the next fetch
        on this thread."""
        if not self.store.reads_into_buffer:
            return getitems(self.store, keys)
        values, buf = self.store.getitems_into(keys, fetch_scratch())
        keep_fetch_scratch(buf, sum(len(v) for v in values.values()))
        return values

    def fill_out(self, out: np.ndarray, proj: ChunkProjection) -> None:
        if self.fill_bytes is None:
            out[out_slices(proj)] = self.fill_value
            return
        offset, shape = out_offset_shape(out, proj)
        _ext.fill_region(out, offset, out.strides, shape, self.fill_bytes)

    def decode_b2nd_region(self, cdata: Any, proj: ChunkProjection, out: np.ndarray,
                           nthreads: int, whole: bool = True) -> None:
        """Two-level chunk: C decodes only the blocks the region touches, straight into out.
        An F-ordered chunk is stored transposed: its region and strides are reversed. A
        whole chunk (`whole`) whose frame does not have the expected shape (another
        writer's layout) is decoded whole instead."""
        region = proj.chunk_side or ((0, 1, 1),)
        offset, _shape = out_offset_shape(out, proj)
        strides = out.strides or (self.dtype.itemsize,)
        if self.b2nd_transposed:
            region, strides = region[::-1], strides[::-1]
        self.count("chunks_decoded")
        try:
            nblocks = b2nd_call(lambda buf: _ext.b2nd_decode_region(
                cdata, tuple(region), out, offset, tuple(strides), self.dtype.itemsize, buf,
                nthreads), cdata)
        except BufferSizeError:
            raise
        except ValueError:
            if not whole:
                raise
            self.count("chunks_decoded", -1)
            self.decode_projection(cdata, proj, out, nthreads)
            return
        self.count("blocks_decoded", nblocks)

    def decode_blocks(self, cdata: Any, wanted: np.ndarray, nthreads: int) -> np.ndarray:
        """Decode only the flagged blocks of a plain Blosc or b2nd chunk, each into its place
        in this thread's scratch (other items are left unset), and return the chunk (a view
        of the scratch in the array's layout)."""
        buf = scratch(self.pipeline.nbytes)
        self.count("partial_decodes")
        if self.pipeline.is_b2nd:
            nblocks = b2nd_call(lambda block_scratch: _ext.b2nd_decode_blocks(
                cdata, wanted, self.dtype.itemsize, buf, block_scratch, nthreads), cdata)
            self.count("blocks_decoded", nblocks)
        else:
            _ext.blosc_decode_blocks(cdata, buf, wanted, nthreads)
        return buf.view(self.dtype).reshape(self.chunks, order=self.order)

    def decode_projection(self, cdata: Any, proj: ChunkProjection, out: np.ndarray,
                           nthreads: int) -> None:
        """Any pipeline but plain Blosc: codecs decode the chunk, numpy copies the region."""
        pipeline = self.pipeline
        buf = None if pipeline.is_object else scratch(pipeline.nbytes)
        self.count("chunks_decoded")
        chunk = pipeline.decode(cdata, out=buf)
        out[out_slices(proj)] = chunk[chunk_slices(proj)]

    @property
    def reads_byte_ranges(self) -> bool:
        """Whether the store reads parts of values (then a few blocks of a big chunk are
        fetched by byte ranges). Asked at each read: a store may find out that its
        server ignores ranges."""
        return reads_byte_ranges(self.store)

    def write_locked(self, batch: Sequence[Any], write: Callable[[Sequence[Any]], None]) -> None:
        """Run ``write(batch)`` holding the synchronizer's lock of every chunk it touches.

        Without a synchronizer, one call. With one, the batch goes in key order, a few
        chunks at a time (each lock may be an open file), each group's locks taken in
        key order and released before the next group's: no writer ever waits while
        holding a lock another writer waits for.
        """
        if self.synchronizer is None:
            write(batch)
            return
        keyed = sorted(((self.key_of(p.chunk_coords), p) for p in batch), key=lambda kp: kp[0])
        for start in range(0, len(keyed), _LOCKED_GROUP):
            group = keyed[start : start + _LOCKED_GROUP]
            with contextlib.ExitStack() as held:
                for key, _ in group:
                    held.enter_context(self.synchronizer[key])
                write([p for _, p in group])

    def store_batch(self, encoded: dict[str, Any], empty: list[str]) -> None:
        """Write `encoded` chunks and delete `empty` ones, dropping both from the decoded-chunk
        caches (before and after the store call: a read between the two must not keep the
        old chunk)."""
        changed = [*encoded, *empty]
        chunkcache.invalidate(self.store_ref, changed)
        try:
            self._store_batch(encoded, empty)
        finally:
            chunkcache.invalidate(self.store_ref, changed)

    def _store_batch(self, encoded: dict[str, Any], empty: list[str]) -> None:
        if empty and not self.store.supports_deletes:
            # a store that cannot delete (a zip archive): stored chunks that became all
            # fill value are overwritten with an encoded fill chunk; absent ones stay absent
            stored = [key for key in empty if key in self.store]
            if stored:
                encoded = {**encoded, **dict.fromkeys(stored, self.encoded_fill_chunk())}
            empty = []
        if encoded:
            setitems(self.store, encoded)
        if empty:
            delitems(self.store, empty)

    def encoded_fill_chunk(self) -> bytes:
        """A whole chunk of the fill value, encoded: what a store that cannot delete keys
        holds in place of a deleted chunk."""
        if self.dtype.hasobject:
            chunk = np.full(self.chunks, self.fill_value, dtype=self.dtype, order=self.order)
        else:
            chunk = np.empty(self.chunks, dtype=self.dtype, order=self.order)
            self.fill_chunk(chunk)
        return bytes(ensure_bytes(self.pipeline.encode(chunk)))

    def fill_chunk(self, chunk: np.ndarray) -> None:
        if self.fill_bytes is None:
            chunk[...] = 0 if self.fill_value is None else self.fill_value
            return
        flat = chunk.reshape(-1, order="A")
        _ext.fill_region(flat.view(np.uint8), 0, (self.dtype.itemsize,), (flat.size,),
                         self.fill_bytes)

    def is_fill(self, chunk: np.ndarray) -> bool:
        if self.fill_value is None:
            return False
        if self.pipeline.is_object:
            return all(_equals(item, self.fill_value) for item in chunk.flat)
        raw = raw_bytes(chunk)
        if self.nan_float_size:
            return _ext.is_all_nan(raw, self.nan_float_size, self.nan_big_endian)
        return _ext.is_uniform(raw, self.fill_bytes)



def _equals(item: Any, fill_value: Any) -> bool:
    """True only if `item == fill_value` gives a plain true: an ndarray item compares
    element-wise, and must count as different, not raise or (with one element) match."""
    try:  # records compare field by field: an ndarray field raises when it is truth-tested
        result = item == fill_value
        return isinstance(result, (bool, np.bool_)) and bool(result)
    except (ValueError, TypeError):
        return False


def _layout_strides(shape: tuple[int, ...], itemsize: int, order: str) -> tuple[int, ...]:
    strides = [0] * len(shape)
    acc = itemsize
    dims = range(len(shape) - 1, -1, -1) if order == "C" else range(len(shape))
    for d in dims:
        strides[d] = acc
        acc *= shape[d]
    return tuple(strides)


def _fill_bytes(fill_value: Any, dtype: np.dtype) -> bytes | None:
    """The fill value as raw item bytes, or None when numpy must do the filling."""
    if dtype.hasobject:
        return None
    if fill_value is None:
        return bytes(dtype.itemsize)
    return np.array(fill_value, dtype=dtype).tobytes()


def _nan_fill(fill_value: Any, dtype: np.dtype) -> tuple[int, bool]:
    """(float size, big-endian) when the fill value is all NaN (floats, or complex with both
    parts NaN), else (0, False)."""
    if fill_value is None or dtype.kind not in "fc" or dtype.fields is not None:
        return 0, False
    value = np.asarray(fill_value, dtype=dtype)
    if not (np.isnan(value.real) and np.isnan(value.imag if dtype.kind == "c" else value)):
        return 0, False
    size = dtype.itemsize // 2 if dtype.kind == "c" else dtype.itemsize
    if size not in (2, 4, 8):  # long double: compare bytes
        return 0, False
    big = dtype.byteorder == ">" or (dtype.byteorder == "=" and sys.byteorder == "big")
    return size, big
