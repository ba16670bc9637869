"""Reading and writing selections chunk by chunk.

`ChunkIO.read` and `ChunkIO.write` take chunk projections from an indexer and work in
batches spread over the worker threads; each batch does one store fetch and one store write.
Plain Blosc chunks (the common case) never go through Python one by one:

- reading: the batch's chunk files are read in C into a per-thread buffer (directory stores),
  then one C call decodes every chunk: straight into the output when the chunk is a
  contiguous block there, block by block when its Blosc blocks are whole rows (skipping the
  blocks the selection misses), else into scratch followed by one strided copy. Missing
  chunks are filled with the fill value.
- writing: the new chunks of a group are built side by side in a per-thread buffer (the old
  chunk decoded first for partial writes; region copies in one C call when the value is
  contiguous), one C call encodes them all (skipping chunks that hold only the fill value),
  and directory stores write the files in C, atomically.

Other pipelines (filters, other compressors, object dtypes) decode with their codecs into
scratch and copy with numpy. All C calls release the GIL.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from zarrlite import _ext, config
from zarrlite.chunkio import byteranges as ranged
from zarrlite.chunkio import ranged as rangedio
from zarrlite.chunkio.buffers import (
    arena,
    b2nd_call,
    chunk_slices,
    decoding,
    out_offset_shape,
    out_slices,
    scratch,
)
from zarrlite.codecs.b2nd import stores_transposed
from zarrlite.errors import BufferSizeError, CodecError
from zarrlite.indexing.basic import ChunkProjection
from zarrlite.stores.access import delitems, getitems, reads_byte_ranges, setitems
from zarrlite.stores.adapter import inside_store_call

_local = threading.local()  # this thread's fetch arena (see ChunkIO._fetch)

#: Most chunk bytes (decoded size) one group of a batch handles at once: bounds the
#: per-thread buffers for fetched and encoded bytes.
GROUP_NBYTES = 32 << 20


def run_batches(items: Sequence[Any], work: Callable[[Sequence[Any], int], None]) -> None:
    """Split items into batches and run ``work(batch, codec_threads)`` on the worker pool.

    With fewer items than threads, the spare threads go to the codec (C-Blosc's own
    threads inside one chunk).
    """
    threads = config.get("threads")
    n = len(items)
    if n == 0:
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
    for future in futures:
        try:
            future.result()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


class ChunkIO:
    """What chunk I/O needs to know about one array: store, keys, layout, codecs.

    Built by `Array` from its metadata; `Array` stays the only public face.
    """

    def __init__(self, store: Any, key_of: Callable[[tuple[int, ...]], str], meta: Any,
                 pipeline: Any, write_empty_chunks: bool) -> None:
        self.store = store
        #: Whether the store reads parts of values (then a few blocks of a big chunk are
        #: fetched by byte ranges).
        self.reads_byte_ranges = reads_byte_ranges(store)
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
                                      "blocks_decoded": 0, "ranged_reads": 0}
        self._stats_lock = threading.Lock()
        itemsize = self.dtype.itemsize
        # byte strides of a full chunk in its own layout
        self.chunk_strides = _layout_strides(self.chunks, itemsize, self.order)
        self.fill_bytes = _fill_bytes(self.fill_value, self.dtype)
        # a NaN fill value matches every NaN, whatever its sign and payload bits
        self.nan_float_size, self.nan_big_endian = _nan_fill(self.fill_value, self.dtype)
        #: For guessing whether byte-range reads pay: the Blosc block size of the last chunk
        #: read by ranges, and the (shape, block shape) the b2nd codec stores chunks with.
        self.blosc_blocksize_seen: int | None = None
        self.b2nd_layout = None
        #: F-ordered chunks (with more than one dimension over 1) are stored transposed.
        self.b2nd_transposed = stores_transposed(self.chunks, self.order)
        if pipeline.is_b2nd:
            try:
                self.b2nd_layout = pipeline.compressor.stored_layout(
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

    # ----------------------------------------------------------------- reading
    def read(self, projections: Sequence[ChunkProjection], out: np.ndarray) -> None:
        """Fill `out` (C-contiguous, the selection's per-dimension shape) from the chunks."""
        run_batches(projections, lambda batch, nthreads: self._read_batch(batch, out, nthreads))

    def _read_batch(self, batch: Sequence[ChunkProjection], out: np.ndarray, nthreads: int) -> None:
        # bounded groups: the fetched bytes of a group must not grow without limit
        per_group = max(1, GROUP_NBYTES // max(1, self.pipeline.nbytes))
        for start in range(0, len(batch), per_group):
            self._read_group(batch[start : start + per_group], out, nthreads)

    def _read_group(self, batch: Sequence[ChunkProjection], out: np.ndarray, nthreads: int) -> None:
        b2nd = self.pipeline.is_b2nd and config.get("partial_decode")
        if (self.pipeline.nbytes >= ranged.MIN_CHUNK_NBYTES and config.get("partial_decode")
                and self.reads_byte_ranges):
            batch = rangedio.read_basic(self, batch, out, nthreads)
        if not batch:
            return
        keys = [self.key_of(p.chunk_coords) for p in batch]
        cdatas = self._fetch(keys)
        if self.pipeline.is_blosc:
            self._read_blosc_batch(batch, keys, cdatas, out, nthreads)
            return
        for key, proj in zip(keys, batch):
            cdata = cdatas.get(key)
            if cdata is None:
                self.fill_out(out, proj)
                continue
            with decoding(key):
                if b2nd:
                    self.decode_b2nd_region(cdata, proj, out, nthreads)
                else:
                    self._decode_projection(cdata, proj, out, nthreads)

    def count(self, name: str, n: int = 1) -> None:
        """Add n to a `stats` counter (safe from several threads)."""
        with self._stats_lock:
            self.stats[name] += n

    def _fetch(self, keys: list[str]) -> dict[str, Any]:
        """Values of the keys present. Stores that can read into a reusable buffer do so
        (into this thread's arena): the values are then views, valid until the next fetch
        on this thread."""
        read_into = getattr(self.store, "getitems_into", None)
        if read_into is None:
            return getitems(self.store, keys)
        values, _local.arena = read_into(keys, getattr(_local, "arena", None))
        return values

    def _read_blosc_batch(self, batch: Sequence[ChunkProjection], keys: list[str],
                          cdatas: dict[str, Any], out: np.ndarray, nthreads: int) -> None:
        """Plain Blosc chunks: one C call decodes the whole batch into `out`."""
        found: list[ChunkProjection] = []
        found_keys: list[str] = []
        found_cdata: list[bytes] = []
        for key, proj in zip(keys, batch):
            cdata = cdatas.get(key)
            if cdata is None:
                self.fill_out(out, proj)
            else:
                found.append(proj)
                found_keys.append(key)
                found_cdata.append(cdata)
        if not found:
            return
        n, ndim = len(found), len(self.chunks)
        partial = config.get("partial_decode")
        regions = np.array([p.chunk_region for p in found], dtype=np.int64).reshape(n, ndim, 3)
        out_starts = np.array([[start for start, _ in p.out_region] for p in found],
                              dtype=np.int64).reshape(n, ndim)
        chunk_strides = np.array(self.chunk_strides, dtype=np.int64)
        try:
            self.count("chunks_decoded", n)
            _ext.blosc_decode_regions(
                found_cdata,
                scratch(self.pipeline.nbytes),
                (regions[:, :, 0] * chunk_strides).sum(axis=1),
                np.ascontiguousarray(regions[:, :, 1] * chunk_strides),
                out,
                (out_starts * np.array(out.strides, dtype=np.int64)).sum(axis=1),
                out.strides,
                np.ascontiguousarray(regions[:, :, 2]),
                self.dtype.itemsize,
                self.chunk_strides[0] if self.order == "C" and ndim and partial else 0,
                nthreads,
            )
        except CodecError as err:
            key = found_keys[getattr(err, "index", 0)]
            raise CodecError(f"cannot decode chunk {key!r}: {err}", err.code) from err

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
        region = proj.chunk_region or ((0, 1, 1),)
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
            self._decode_projection(cdata, proj, out, nthreads)
            return
        self.count("blocks_decoded", nblocks)

    def _decode_projection(self, cdata: Any, proj: ChunkProjection, out: np.ndarray,
                           nthreads: int) -> None:
        """Any pipeline but plain Blosc: codecs decode the chunk, numpy copies the region."""
        pipeline = self.pipeline
        buf = None if pipeline.is_object else scratch(pipeline.nbytes)
        self.count("chunks_decoded")
        chunk = pipeline.decode(cdata, out=buf)
        out[out_slices(proj)] = chunk[chunk_slices(proj)]

    # ----------------------------------------------------------------- writing
    def write(self, projections: Sequence[ChunkProjection], value: np.ndarray) -> None:
        """Write `value` (the selection's per-dimension shape; may be a broadcast view)."""
        run_batches(projections, lambda batch, nthreads: self._write_batch(batch, value))

    def _write_batch(self, batch: Sequence[ChunkProjection], value: np.ndarray) -> None:
        if self.pipeline.is_blosc:
            per_group = max(1, GROUP_NBYTES // max(1, self.pipeline.nbytes))
            for start in range(0, len(batch), per_group):
                self._write_blosc_group(batch[start : start + per_group], value)
            return
        keys = [self.key_of(p.chunk_coords) for p in batch]
        old = self._fetch_partial(keys, batch)
        encoded: dict[str, bytes] = {}
        empty: list[str] = []
        for key, proj in zip(keys, batch):
            chunk = self._build_chunk_checked(key, proj, value, old.get(key))
            if not self.write_empty_chunks and self._is_fill(chunk):
                empty.append(key)
            else:
                encoded[key] = self.pipeline.encode(chunk)
        self._store_batch(encoded, empty)

    def _write_blosc_group(self, group: Sequence[ChunkProjection], value: np.ndarray) -> None:
        """Plain Blosc: build the new chunks side by side in one per-thread buffer, then one
        C call encodes them all (skipping fill-only chunks) without the GIL."""
        keys = [self.key_of(p.chunk_coords) for p in group]
        old = self._fetch_partial(keys, group)
        pipeline, n = self.pipeline, len(group)
        chunk_nbytes = pipeline.nbytes
        src = arena("encode_src", n * chunk_nbytes)
        if value.flags.c_contiguous and value.size:
            self._fill_slots_from_contiguous(keys, group, value, old, src)
        else:
            for i, (key, proj) in enumerate(zip(keys, group)):
                slot = src[i * chunk_nbytes : (i + 1) * chunk_nbytes]
                self._build_chunk_checked(key, proj, value, old.get(key), slot)
        codec = pipeline.compressor
        typesize = codec._typesize or self.dtype.itemsize
        slot_nbytes = _ext.blosc1_slot_nbytes(chunk_nbytes)
        dst = arena("encode_dst", n * slot_nbytes)
        sizes = np.empty(n, dtype=np.int64)
        check = not self.write_empty_chunks and self.fill_value is not None
        _ext.blosc_encode_batch(src, n, chunk_nbytes, typesize, codec._cname_code, codec.clevel,
                                codec.shuffle_for(typesize), codec.blocksize,
                                self.fill_bytes if check else None, dst, sizes,
                                self.nan_float_size if check else 0, self.nan_big_endian)
        # views of our buffer only for stores whose own class promises to copy them
        keep = type(self.store).__dict__.get("copies_values", False)
        view = memoryview(dst)
        encoded: dict[str, Any] = {}
        empty: list[str] = []
        for i, (key, size) in enumerate(zip(keys, sizes.tolist())):
            if size == 0:
                empty.append(key)
            else:
                part = view[i * slot_nbytes : i * slot_nbytes + size]
                encoded[key] = part if keep else bytes(part)
        self._store_batch(encoded, empty)

    def _fill_slots_from_contiguous(self, keys: list[str], group: Sequence[ChunkProjection],
                                    value: np.ndarray, old: dict[str, Any],
                                    src: np.ndarray) -> None:
        """Build the group's chunks in `src`: slots of partial chunks get the old chunk (or
        the fill value), edge slots the fill value; then one C call copies every chunk's
        region of the contiguous `value` into its slot."""
        chunk_nbytes = self.pipeline.nbytes
        n, ndim = len(group), len(self.chunks)
        for i, (key, proj) in enumerate(zip(keys, group)):
            counts = tuple(count for _start, _step, count in proj.chunk_region)
            if proj.complete and counts == self.chunks:
                continue  # fully overwritten below
            slot = src[i * chunk_nbytes : (i + 1) * chunk_nbytes]
            cdata = old.get(key)
            if cdata is not None and not proj.complete:
                try:
                    self.pipeline.decode(cdata, out=slot)
                except (CodecError, ValueError) as err:
                    raise CodecError(f"cannot decode chunk {key!r} to update it: {err}",
                                     getattr(err, "code", 0)) from err
            else:
                self._fill_chunk(slot.view(self.dtype))
        regions = np.array([p.chunk_region for p in group], dtype=np.int64).reshape(n, ndim, 3)
        out_starts = np.array([[start for start, _ in p.out_region] for p in group],
                              dtype=np.int64).reshape(n, ndim)
        chunk_strides = np.array(self.chunk_strides, dtype=np.int64)
        _ext.copy_regions(
            value.reshape(-1).view(np.uint8),
            (out_starts * np.array(value.strides, dtype=np.int64)).sum(axis=1),
            value.strides,
            src,
            np.arange(n, dtype=np.int64) * chunk_nbytes
            + (regions[:, :, 0] * chunk_strides).sum(axis=1),
            np.ascontiguousarray(regions[:, :, 1] * chunk_strides),
            np.ascontiguousarray(regions[:, :, 2]),
            self.dtype.itemsize,
        )

    def _fetch_partial(self, keys: list[str], batch: Sequence[ChunkProjection]
                       ) -> dict[str, Any]:
        partial = [k for k, p in zip(keys, batch) if not p.complete]
        return self._fetch(partial) if partial else {}

    def _build_chunk_checked(self, key: str, proj: ChunkProjection, value: np.ndarray,
                             old: Any, buf: np.ndarray | None = None) -> np.ndarray:
        try:
            return self._build_chunk(proj, value, old, buf)
        except (CodecError, ValueError) as err:
            raise CodecError(f"cannot decode chunk {key!r} to update it: {err}",
                             getattr(err, "code", 0)) from err

    def _store_batch(self, encoded: dict[str, Any], empty: list[str]) -> None:
        if encoded:
            setitems(self.store, encoded)
        if empty:
            delitems(self.store, empty)

    def _build_chunk(self, proj: ChunkProjection, value: np.ndarray, old: Any,
                     buf: np.ndarray | None = None) -> np.ndarray:
        """The new full chunk, contiguous in the array's order: in `buf` (uint8, the chunk's
        size) when given, else in scratch or, when possible, a view of the value."""
        region = value[out_slices(proj)]
        if (buf is None and proj.complete and region.shape == self.chunks
                and _is_forward(proj) and _is_layout(region, self.order)):
            return region
        pipeline = self.pipeline
        if pipeline.is_object:
            chunk = (pipeline.decode(old) if old is not None
                     else np.full(self.chunks, self.fill_value, dtype=object))
            chunk = np.array(chunk, dtype=object, order=self.order)
        else:
            if buf is None:
                buf = scratch(pipeline.nbytes)
            if old is not None and not proj.complete:
                chunk = pipeline.decode(old, out=buf)
            else:
                chunk = buf.view(self.dtype).reshape(self.chunks, order=self.order)
                if region.shape != self.chunks:  # an edge chunk: pad with the fill value
                    self._fill_chunk(chunk)
        chunk[chunk_slices(proj)] = region
        return chunk

    def _fill_chunk(self, chunk: np.ndarray) -> None:
        if self.fill_bytes is None:
            chunk[...] = 0 if self.fill_value is None else self.fill_value
            return
        flat = chunk.reshape(-1, order="A")
        _ext.fill_region(flat.view(np.uint8), 0, (self.dtype.itemsize,), (flat.size,),
                         self.fill_bytes)

    def _is_fill(self, chunk: np.ndarray) -> bool:
        if self.fill_value is None:
            return False
        if self.pipeline.is_object:
            return all(_equals(item, self.fill_value) for item in chunk.flat)
        raw = chunk.reshape(-1, order="A").view(np.uint8)
        if self.nan_float_size:
            return _ext.is_all_nan(raw, self.nan_float_size, self.nan_big_endian)
        return _ext.is_uniform(raw, self.fill_bytes)


def _equals(item: Any, fill_value: Any) -> bool:
    """True only if `item == fill_value` gives a plain true: an ndarray item compares
    element-wise, and must count as different, not raise or (with one element) match."""
    result = item == fill_value
    return isinstance(result, (bool, np.bool_)) and bool(result)


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


def _is_forward(proj: ChunkProjection) -> bool:
    """True when the chunk region runs forwards (step 1) in every dimension."""
    return all(step == 1 for _start, step, _count in proj.chunk_region)


def _is_layout(arr: np.ndarray, order: str) -> bool:
    return arr.flags.c_contiguous if order == "C" else arr.flags.f_contiguous
