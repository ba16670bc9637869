"""Reading and writing basic selections (ints and slices) chunk by chunk.

`ChunkIO.read` and `ChunkIO.write` take chunk projections from an indexer and work in
batches spread over the worker threads; each batch does one store fetch and one store write.
Plain Blosc chunks (the common case) never go through Python one by one:

- reading: the batch's chunk files are read in C into a per-thread buffer (directory stores),
  then one C call decodes every chunk: straight into the output when the chunk is a
  contiguous block there, block by block when its Blosc blocks are whole rows (skipping the
  blocks the selection misses), else into scratch followed by one strided copy. Missing
  chunks are filled with the fill value.
- writing: the new chunks of a part of a batch are built side by side in a per-thread
  buffer (the old chunk decoded first for partial writes; region copies in one C call when
  the value is contiguous), one C call encodes them all (skipping chunks that hold only the
  fill value), and directory stores write the files in C, atomically.

Other pipelines (filters, other compressors, object dtypes) decode with their codecs into
scratch and copy with numpy. All C calls release the GIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zarrlite import _ext, config
from zarrlite.chunkio import ranged
from zarrlite.chunkio.buffers import (
    chunk_slices,
    decode_error,
    decoding,
    named_scratch,
    out_slices,
    scratch,
)
from zarrlite.chunkio.cached import read_cached
from zarrlite.chunkio.engine import ArrayChunks, run_batches
from zarrlite.codecs._buffers import raw_bytes
from zarrlite.errors import CodecError
from zarrlite.indexing.projection import ChunkProjection


class ChunkIO(ArrayChunks):
    """Reads and writes of one array's selections, in batches over the worker threads.

    Built by `Array` from its metadata; `Array` stays the only public face.
    """

    # ----------------------------------------------------------------- reading
    def read(self, projections: Sequence[ChunkProjection], out: np.ndarray) -> None:
        """Fill `out` (C-contiguous, the selection's per-dimension shape) from the chunks."""
        run_batches(projections, lambda batch, nthreads: self._read_batch(batch, out, nthreads),
                    self._decode_nbytes(projections))

    def _decode_nbytes(self, projections: Sequence[ChunkProjection]) -> int:
        """About how many decoded bytes a read of `projections` needs: per chunk, the run
        of the chunk's first dimension it spans times a slice of the others (what Blosc
        blocks, runs of the flattened chunk, hold; N-d blocks need about as much)."""
        if len(projections) > 64:
            return 1 << 62  # many chunks: the threads pay whatever they hold
        pipeline = self.pipeline
        if not (config.get("partial_decode") and (pipeline.is_blosc or pipeline.is_b2nd)
                and not pipeline.filters and self.order == "C"):  # fmt: skip
            return len(projections) * pipeline.nbytes  # whole chunks are decoded
        trailing = pipeline.nbytes // max(1, self.chunks[0]) if self.chunks else 0
        total = 0
        for proj in projections:
            if not proj.chunk_side:
                return 1 << 62
            _start, step, count = proj.chunk_side[0]
            total += max(1, (count - 1) * step + 1) * trailing
        return total

    def _read_batch(self, batch: Sequence[ChunkProjection], out: np.ndarray, nthreads: int) -> None:
        # bounded parts: the fetched bytes of one part must not grow without limit
        for part in self.parts(batch):
            self._read_part(part, out, nthreads)

    def _read_part(self, batch: Sequence[ChunkProjection], out: np.ndarray, nthreads: int) -> None:
        cache = self.cache()
        if cache is not None:
            batch = read_cached(self, cache, batch, out)
            if not batch:
                return
        b2nd = self.pipeline.is_b2nd and config.get("partial_decode")
        if ranged.applies(self):
            batch = ranged.read_basic(self, batch, out, nthreads)
        if not batch:
            return
        keys = [self.key_of(p.chunk_coords) for p in batch]
        cdatas = self.fetch(keys)
        if self.pipeline.is_blosc:
            self._read_blosc_batch(batch, keys, cdatas, out, nthreads)
            return
        for key, proj in zip(keys, batch):
            cdata = cdatas.get(key)
            if cdata is None:
                self.fill_out(out, proj)
                continue
            with decoding(key, store=self.store):
                if b2nd:
                    self.decode_b2nd_region(cdata, proj, out, nthreads)
                else:
                    self.decode_projection(cdata, proj, out, nthreads)

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
        regions = np.array([p.chunk_side for p in found], dtype=np.int64).reshape(n, ndim, 3)
        out_starts = np.array([[start for start, _ in p.out_side] for p in found],
                              dtype=np.int64).reshape(n, ndim)
        chunk_strides = np.array(self.chunk_strides, dtype=np.int64)
        try:
            self.count("chunks_decoded", n)
            _ext.blosc_decode_regions(
                found_cdata,
                scratch(self.pipeline.nbytes),
                src_offsets=(regions[:, :, 0] * chunk_strides).sum(axis=1),
                src_strides=np.ascontiguousarray(regions[:, :, 1] * chunk_strides),
                dst=out,
                dst_offsets=(out_starts * np.array(out.strides, dtype=np.int64)).sum(axis=1),
                dst_strides=out.strides,
                shapes=np.ascontiguousarray(regions[:, :, 2]),
                itemsize=self.dtype.itemsize,
                row_nbytes=(self.chunk_strides[0] if self.order == "C" and ndim and partial
                            else 0),
                nthreads=nthreads,
            )
        except CodecError as err:
            key = found_keys[getattr(err, "index", 0)]
            raise decode_error(key, err, store=self.store) from err

    # ----------------------------------------------------------------- writing
    def write(self, projections: Sequence[ChunkProjection], value: np.ndarray) -> None:
        """Write `value` (the selection's per-dimension shape; may be a broadcast view)."""
        run_batches(projections, lambda batch, nthreads: self.write_locked(
            batch, lambda part: self._write_batch(part, value)))

    def _write_batch(self, batch: Sequence[ChunkProjection], value: np.ndarray) -> None:
        if self.pipeline.is_blosc:
            for part in self.parts(batch):
                self._write_blosc_part(part, value)
            return
        keys = [self.key_of(p.chunk_coords) for p in batch]
        old = self._fetch_partial(keys, batch)
        encoded: dict[str, bytes] = {}
        empty: list[str] = []
        for key, proj in zip(keys, batch):
            chunk = self._build_chunk_checked(key, proj, value, old.get(key))
            if not self.write_empty_chunks and self.is_fill(chunk):
                empty.append(key)
            else:
                encoded[key] = self.pipeline.encode(chunk)
        self.store_batch(encoded, empty)

    def _write_blosc_part(self, part: Sequence[ChunkProjection], value: np.ndarray) -> None:
        """Plain Blosc: build the new chunks side by side in one per-thread buffer, then one
        C call encodes them all (skipping fill-only chunks) without the GIL."""
        keys = [self.key_of(p.chunk_coords) for p in part]
        old = self._fetch_partial(keys, part)
        pipeline, n = self.pipeline, len(part)
        chunk_nbytes = pipeline.nbytes
        src = named_scratch("encode_src", n * chunk_nbytes)
        if value.flags.c_contiguous and value.size:
            self._fill_slots_from_contiguous(keys, part, value, old, src)
        else:
            for i, (key, proj) in enumerate(zip(keys, part)):
                slot = src[i * chunk_nbytes : (i + 1) * chunk_nbytes]
                self._build_chunk_checked(key, proj, value, old.get(key), slot)
        slot_nbytes = _ext.blosc1_slot_nbytes(chunk_nbytes)
        dst = named_scratch("encode_dst", n * slot_nbytes)
        sizes = np.empty(n, dtype=np.int64)
        check = not self.write_empty_chunks and self.fill_value is not None
        typesize, cname, clevel, shuffle, blocksize = pipeline.blosc_params()
        _ext.blosc_encode_batch(
            src, n, chunk_nbytes, typesize=typesize, cname=cname, clevel=clevel,
            shuffle=shuffle, blocksize=blocksize,
            fill_value=self.fill_bytes if check else None, dst=dst, encoded_nbytes=sizes,
            nan_float_size=self.nan_float_size if check else 0,
            nan_big_endian=self.nan_big_endian)
        # views of our buffer only for stores whose own class promises to copy them
        keep = type(self.store).__dict__.get("copies_values", False)
        view = dst.data
        encoded: dict[str, Any] = {}
        empty: list[str] = []
        for i, (key, size) in enumerate(zip(keys, sizes.tolist())):
            if size == 0:
                empty.append(key)
            else:
                cdata = view[i * slot_nbytes : i * slot_nbytes + size]
                encoded[key] = cdata if keep else bytes(cdata)
        self.store_batch(encoded, empty)

    def _fill_slots_from_contiguous(self, keys: list[str], part: Sequence[ChunkProjection],
                                    value: np.ndarray, old: dict[str, Any],
                                    src: np.ndarray) -> None:
        """Build the part's chunks in `src`: slots of partial chunks get the old chunk (or
        the fill value), edge slots the fill value; then one C call copies every chunk's
        region of the contiguous `value` into its slot."""
        chunk_nbytes = self.pipeline.nbytes
        n, ndim = len(part), len(self.chunks)
        for i, (key, proj) in enumerate(zip(keys, part)):
            counts = tuple(count for _start, _step, count in proj.chunk_side)
            if proj.complete and counts == self.chunks:
                continue  # fully overwritten below
            slot = src[i * chunk_nbytes : (i + 1) * chunk_nbytes]
            cdata = old.get(key)
            if cdata is not None and not proj.complete:
                with decoding(key, "to update it", self.store):
                    self.pipeline.decode(cdata, out=slot)
            else:
                self.fill_chunk(slot.view(self.dtype))
        regions = np.array([p.chunk_side for p in part], dtype=np.int64).reshape(n, ndim, 3)
        out_starts = np.array([[start for start, _ in p.out_side] for p in part],
                              dtype=np.int64).reshape(n, ndim)
        chunk_strides = np.array(self.chunk_strides, dtype=np.int64)
        _ext.copy_regions(
            raw_bytes(value),
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
        return self.fetch(partial) if partial else {}

    def _build_chunk_checked(self, key: str, proj: ChunkProjection, value: np.ndarray,
                             old: Any, buf: np.ndarray | None = None) -> np.ndarray:
        with decoding(key, "to update it", self.store):
            return self._build_chunk(proj, value, old, buf)

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
                     else np.full(self.chunks, self.fill_value, dtype=self.dtype))
            chunk = np.array(chunk, dtype=self.dtype, order=self.order)
        else:
            if buf is None:
                buf = scratch(pipeline.nbytes)
            if old is not None and not proj.complete:
                chunk = pipeline.decode(old, out=buf)
            else:
                chunk = buf.view(self.dtype).reshape(self.chunks, order=self.order)
                if region.shape != self.chunks:  # an edge chunk: pad with the fill value
                    self.fill_chunk(chunk)
        chunk[chunk_slices(proj)] = region
        return chunk

def _is_forward(proj: ChunkProjection) -> bool:
    """True when the chunk region runs forwards (step 1) in every dimension."""
    return all(step == 1 for _start, step, _count in proj.chunk_side)


def _is_layout(arr: np.ndarray, order: str) -> bool:
    return arr.flags.c_contiguous if order == "C" else arr.flags.f_contiguous
