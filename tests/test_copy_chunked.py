"""copy_chunked and from_array: numpy as the oracle, real HDF5 files (read through a file
object that records every read, so chunk reads are measured, not inferred), real zarrlite
arrays on DirectoryStores behind a CountingStore, dask arrays."""

from __future__ import annotations

import io
import math
import re
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dask.array as da
import h5py
import numpy as np
import pytest
from conftest import CountingStore

import zarrlite as zl
from zarrlite import config
from zarrlite.chunked.blockarray import BlockArray
from zarrlite.chunked.copying import CopyStats, copy_chunked
from zarrlite.chunked.grid import GridChunks, regular_grid
from zarrlite.convenience.from_array import from_array
from zarrlite.stores import DirectoryStore

# ------------------------------------------------------------------------ helpers


def chunk_counts(requests: list[tuple[slice, ...]], shape: tuple[int, ...],
                 chunks: tuple[int, ...]) -> np.ndarray:
    """How many of the requested boxes touch each chunk of a regular grid."""
    counts = np.zeros([-(-n // c) for n, c in zip(shape, chunks)], dtype=np.int64)
    for box in requests:
        if all(s.stop > s.start for s in box):
            counts[tuple(slice(s.start // c, (s.stop - 1) // c + 1)
                         for s, c in zip(box, chunks))] += 1
    return counts


class CountingBlocks:
    """A chunked source over a numpy array that records every block it is asked for
    (through ``readblock`` or indexing); `fail_after` makes the n-th read raise."""

    def __init__(self, data: np.ndarray, chunks: tuple[int, ...], readblock: bool = True,
                 fail_after: int | None = None) -> None:
        self.data, self.chunks = data, chunks
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim
        self.requests: list[tuple[slice, ...]] = []
        self.fail_after = fail_after
        self.lock = threading.Lock()
        if readblock:
            self.readblock = self._readblock

    def _record(self, box: tuple[slice, ...]) -> None:
        with self.lock:  # workers read at the same time
            if self.fail_after is not None and len(self.requests) >= self.fail_after:
                raise RuntimeError("the source broke")
            self.requests.append(box)

    def _readblock(self, out: np.ndarray, box: tuple[slice, ...]) -> None:
        self._record(box)
        out[...] = self.data[box]

    def __getitem__(self, box: tuple[slice, ...]) -> np.ndarray:
        self._record(box)
        return self.data[box].copy()

    def chunk_reads(self) -> np.ndarray:
        return chunk_counts(self.requests, self.shape, self.chunks)


class RecordingFile(io.FileIO):
    """A file whose reads are recorded as (offset, length)."""

    def __init__(self, path: Any) -> None:
        super().__init__(path, "r")
        self.reads: list[tuple[int, int]] = []

    def readinto(self, buffer: Any) -> int | None:
        self.reads.append((self.tell(), len(memoryview(buffer))))
        return super().readinto(buffer)


class MeasuredH5:
    """An HDF5 dataset opened through a RecordingFile without a chunk cache, so every
    chunk HDF5 decodes is one file read: `chunk_reads()` counts them per chunk."""

    def __init__(self, file: RecordingFile, ds: h5py.Dataset) -> None:
        self.file, self.ds = file, ds
        nchunks = [-(-n // c) for n, c in zip(ds.shape, ds.chunks)]
        self.offsets = {}
        for i in range(ds.id.get_num_chunks()):
            info = ds.id.get_chunk_info(i)
            coords = tuple(o // c for o, c in zip(info.chunk_offset, ds.chunks))
            self.offsets[info.byte_offset] = coords
        assert len(self.offsets) == math.prod(nchunks)  # every chunk stored
        self.nchunks = nchunks
        self.file.reads.clear()

    def chunk_reads(self) -> np.ndarray:
        counts = np.zeros(self.nchunks, dtype=np.int64)
        for offset, _ in self.file.reads:
            if offset in self.offsets:
                counts[self.offsets[offset]] += 1
        return counts


def write_h5(path: Any, data: np.ndarray, chunks: tuple[int, ...], **kw: Any) -> None:
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=data, chunks=chunks, compression="gzip", **kw)


@contextmanager
def measured_h5(path: Any) -> Iterator[MeasuredH5]:
    with RecordingFile(path) as raw, h5py.File(raw, "r", rdcc_nbytes=0) as f:
        yield MeasuredH5(raw, f["x"])


def key_counts(counter: Any, nchunks: tuple[int, ...], prefix: str = "") -> np.ndarray:
    """A CountingStore counter of chunk keys ('i.j') as an array over the chunk grid."""
    counts = np.zeros(nchunks, dtype=np.int64)
    for key, n in counter.items():
        name = key[len(prefix):]
        if key.startswith(prefix) and re.fullmatch(r"\d+(\.\d+)*", name):
            counts[tuple(int(c) for c in name.split("."))] += n
    return counts


def nchunks_of(shape: tuple[int, ...], chunks: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(-(-n // c) for n, c in zip(shape, chunks))


@pytest.fixture(autouse=True)
def two_threads() -> Iterator[None]:
    with config.set(threads=2):
        yield


def data_of(shape: tuple[int, ...], dtype: str = "f8") -> np.ndarray:
    return np.arange(math.prod(shape), dtype=dtype).reshape(shape)


# ------------------------------------------------------------------- numpy oracle


@pytest.mark.parametrize("shape, src_chunks, dest_chunks", [
    ((23, 17), (5, 5), (5, 5)),
    ((23, 17), (5, 5), (7, 3)),
    ((23, 17), (5, 5), (23, 17)),
    ((23, 17), (23, 17), (4, 4)),
    ((9, 10, 11), (4, 3, 5), (3, 4, 4)),
    ((9, 10, 11), (9, 1, 11), (2, 10, 3)),
    ((50,), (7,), (5,)),
])
@pytest.mark.parametrize("max_bytes", [None, 1, 500, 4000])
def test_copy_matches_numpy_and_writes_each_chunk_once(tmp_path, shape, src_chunks,
                                                      dest_chunks, max_bytes):
    data = data_of(shape)
    src = CountingBlocks(data, src_chunks)
    store = CountingStore(DirectoryStore(str(tmp_path / "z")))
    dest = zl.zeros(shape, chunks=dest_chunks, dtype="f8", store=store)
    store.reset()
    stats = copy_chunked(dest, src, max_bytes=max_bytes)
    assert not store.chunk_reads()  # whole chunks written: none read back
    dest_nchunks = nchunks_of(shape, dest_chunks)
    assert (key_counts(store.writes, dest_nchunks) == 1).all()
    np.testing.assert_array_equal(dest[...], data)
    assert stats.chunks_written == math.prod(dest_nchunks)
    assert stats.nbytes == data.nbytes
    assert stats.units == len(src.requests)
    np.testing.assert_array_equal(stats.source_chunk_reads, src.chunk_reads())
    if src_chunks == dest_chunks:
        assert (stats.source_chunk_reads == 1).all()


def test_matching_grids_read_each_chunk_once_even_on_a_tiny_budget():
    data = data_of((40, 30))
    src = CountingBlocks(data, (10, 10))
    dest = zl.zeros((40, 30), chunks=(10, 10), dtype="f8")
    stats = copy_chunked(dest, src, max_bytes=1)  # one chunk per unit
    assert stats.units == 12 and len(src.requests) == 12
    assert (src.chunk_reads() == 1).all()
    np.testing.assert_array_equal(dest[...], data)


def test_units_end_on_source_chunk_boundaries_when_that_is_cheap():
    # dest chunks of 7 over source chunks of 5: a budget of 45 items per unit would end
    # the first unit at 42, inside a source chunk; it ends at 35 instead
    data = data_of((100,))
    src = CountingBlocks(data, (5,))
    dest = zl.zeros(100, chunks=7, dtype="f8")
    workers = config.get("threads")
    stats = copy_chunked(dest, src, max_bytes=workers * 45 * 8)
    assert [(b[0].start, b[0].stop) for b in sorted(src.requests, key=lambda b: b[0].start)] \
        == [(0, 35), (35, 70), (70, 100)]
    assert stats.max_reads_per_source_chunk == 1
    np.testing.assert_array_equal(dest[...], data)


def test_sources_read_by_indexing_and_numpy_destinations():
    data = data_of((13, 11), "i4")
    src = CountingBlocks(data, (4, 4), readblock=False)
    dest = np.zeros((13, 11), dtype="i8")  # int32 into int64: a safe cast
    stats = copy_chunked(dest, src)
    np.testing.assert_array_equal(dest, data)
    assert stats.units == len(src.requests) == 1 and stats.nbytes == dest.nbytes


def test_edge_and_degenerate_shapes(tmp_path):
    for shape in [(0, 5), (5, 0), (0,)]:
        dest = zl.zeros(shape, chunks=(2,) * len(shape), dtype="f8")
        stats = copy_chunked(dest, np.zeros(shape))
        assert (stats.units, stats.chunks_written, stats.nbytes) == (0, 0, 0)
        assert stats.max_reads_per_source_chunk == 0
    dest = zl.zeros((), dtype="f8", store=str(tmp_path / "scalar"))
    stats = copy_chunked(dest, np.array(2.5))
    assert dest[()] == 2.5 and stats.units == 1 and stats.chunks_written == 1
    one = zl.zeros((1, 1), chunks=(1, 1), dtype="u1")
    copy_chunked(one, np.full((1, 1), 7, "u1"))
    assert one[0, 0] == 7


def test_shape_and_dtype_mismatches_are_value_errors():
    dest = zl.zeros((4, 5), chunks=(2, 2), dtype="i4")
    with pytest.raises(ValueError, match=r"shape \(4, 5\) differs from the source's \(5, 4\)"):
        copy_chunked(dest, np.zeros((5, 4), "i4"))
    with pytest.raises(ValueError, match="cannot copy float64 into int32 with casting='safe'"):
        copy_chunked(dest, np.zeros((4, 5)))
    assert dest.nchunks_initialized == 0  # refused before writing anything
    copy_chunked(dest, np.full((4, 5), 2.7), casting="unsafe")
    assert (dest[...] == 2).all()


def test_an_error_in_a_worker_stops_the_copy_and_is_raised():
    src = CountingBlocks(data_of((40, 40)), (4, 4), fail_after=5)
    dest = zl.zeros((40, 40), chunks=(4, 4), dtype="f8")
    with pytest.raises(RuntimeError, match="the source broke"):
        copy_chunked(dest, src, max_bytes=1)
    assert len(src.requests) == 5
    assert dest.nchunks_initialized == 5  # every unit read was written, then all stopped


def test_copies_on_pool_threads_do_not_wait_for_the_pool():
    data = data_of((30, 30))
    pairs = [(zl.zeros((30, 30), chunks=(4, 4), dtype="f8"), CountingBlocks(data, (3, 3)))
             for _ in range(4)]
    futures = [config.thread_pool().submit(copy_chunked, d, s, max_bytes=1) for d, s in pairs]
    for future, (dest, _) in zip(futures, pairs):
        assert isinstance(future.result(timeout=60), CopyStats)
        np.testing.assert_array_equal(dest[...], data)


def test_one_thread_gives_the_same_result():
    data = data_of((21, 19))
    src = CountingBlocks(data, (5, 5))
    dest = zl.zeros((21, 19), chunks=(7, 3), dtype="f8")
    with config.set(threads=1):
        stats = copy_chunked(dest, src, max_bytes=7 * 19 * 8)
    np.testing.assert_array_equal(dest[...], data)
    assert stats.units == 3  # one unit per row of destination chunks


# ----------------------------------------------------------------------- HDF5


def test_h5py_into_zarr_keeping_its_chunks_reads_each_chunk_once(tmp_path):
    data = np.random.default_rng(1).random((53, 47))
    write_h5(tmp_path / "a.h5", data, (5, 5))
    with measured_h5(tmp_path / "a.h5") as h5:
        z = from_array(h5.ds, str(tmp_path / "a.zarr"))
        reads = h5.chunk_reads()
    assert z.chunks == (5, 5) and z.dtype == data.dtype
    np.testing.assert_array_equal(z[...], data)
    assert reads.shape == (11, 10) and (reads == 1).all()


def test_h5py_into_other_chunks_writes_each_chunk_once(tmp_path):
    data = np.random.default_rng(2).random((53, 47))
    write_h5(tmp_path / "a.h5", data, (5, 5))
    store = CountingStore(DirectoryStore(str(tmp_path / "b.zarr")))
    dest = zl.zeros((53, 47), chunks=(7, 3), dtype="f8", store=store)
    store.reset()
    workers = config.get("threads")
    with measured_h5(tmp_path / "a.h5") as h5:
        # a budget of one row of destination chunks (7 x 47 items) per unit
        stats = copy_chunked(dest, h5.ds, max_bytes=workers * 7 * 47 * 8)
        reads = h5.chunk_reads()
    np.testing.assert_array_equal(dest[...], data)
    assert (key_counts(store.writes, (8, 16)) == 1).all()
    np.testing.assert_array_equal(reads, stats.source_chunk_reads)
    # source rows of chunks cut by a unit edge (at 7, 14, 21, 28, 42, 49) are read twice
    per_row = reads.max(axis=1)
    assert per_row.tolist() == [1, 2, 2, 1, 2, 2, 1, 1, 2, 2, 1]
    assert (reads == per_row[:, None]).all()
    assert stats.units == 8 and stats.max_reads_per_source_chunk == 2
    # with the default budget the whole array is one unit: every chunk read once
    with measured_h5(tmp_path / "a.h5") as h5:
        stats = copy_chunked(dest, h5.ds)
        assert (h5.chunk_reads() == 1).all() and stats.units == 1


def test_h5py_fill_value_attributes_and_contiguous_datasets(tmp_path):
    data = data_of((12, 10), "i2")
    with h5py.File(tmp_path / "a.h5", "w") as f:
        ds = f.create_dataset("x", data=data, chunks=(4, 5), fillvalue=-1)
        ds.attrs["int"] = 3
        ds.attrs["float"] = np.float32(1.5)
        ds.attrs["text"] = "metres"
        ds.attrs["fixed"] = np.bytes_(b"abc")
        ds.attrs["vector"] = np.arange(3, dtype="u2")
        ds.attrs["matrix"] = np.eye(2)
        ds.attrs["complex"] = 1 + 2j
        ds.attrs["names"] = ["a", "bc"]
        ds.attrs["record"] = np.array((1, 2.0), dtype=[("a", "i4"), ("b", "f8")])
        f.create_dataset("flat", data=data)  # contiguous: chunks is None
    with h5py.File(tmp_path / "a.h5", "r") as f:
        with pytest.warns(UserWarning, match=r"attributes \['record'\] were not copied"):
            z = from_array(f["x"], str(tmp_path / "a.zarr"))
        flat = from_array(f["flat"])
    assert z.chunks == (4, 5) and z.fill_value == -1 and z.dtype == np.dtype("i2")
    np.testing.assert_array_equal(z[...], data)
    assert z.attrs.asdict() == {
        "int": 3, "float": 1.5, "text": "metres", "fixed": "abc", "vector": [0, 1, 2],
        "matrix": [[1.0, 0.0], [0.0, 1.0]], "complex": [1.0, 2.0], "names": ["a", "bc"],
    }
    np.testing.assert_array_equal(flat[...], data)
    assert flat.fill_value == 0  # h5py's default fill value


def test_h5py_vlen_strings(tmp_path):
    with h5py.File(tmp_path / "s.h5", "w") as f:
        f.create_dataset("s", data=np.array(["a", "bcd", "é", ""], dtype=object),
                         dtype=h5py.string_dtype(), chunks=(2,))
    with h5py.File(tmp_path / "s.h5", "r") as f:
        z = from_array(f["s"])
    assert z[...].tolist() == ["a", "bcd", "é", ""] and z.chunks == (2,)


def test_zarr_object_arrays_keep_their_object_codec(tmp_path):
    words = zl.array(["a", "bb", "ccc", "dddd", ""], dtype=str, chunks=2)
    z = from_array(words, str(tmp_path / "w"))
    assert z[...].tolist() == ["a", "bb", "ccc", "dddd", ""]
    assert z.chunks == (2,) and z.filters == words.filters


# ---------------------------------------------------------------- other sources


def test_dask_source_with_irregular_chunks(tmp_path):
    data = data_of((25, 24))
    counted = CountingBlocks(data, (1, 1), readblock=False)  # counts dask's block reads
    src = da.from_array(counted, chunks=((10, 10, 5), (7, 7, 7, 3)), asarray=True)
    z = from_array(src, str(tmp_path / "d.zarr"))
    assert z.chunks == (10, 7)  # the largest chunk along each axis
    np.testing.assert_array_equal(z[...], data)
    dask_blocks = [b for b in counted.requests if all(s.stop > s.start for s in b)]  # no meta
    assert sorted((b[0].start, b[1].start) for b in dask_blocks) == sorted(
        (i, j) for i in (0, 10, 20) for j in (0, 7, 14, 21))  # each block computed once
    dest = zl.zeros((25, 24), chunks=(6, 6), dtype="f8")
    stats = copy_chunked(dest, src, max_bytes=1)
    np.testing.assert_array_equal(dest[...], data)
    assert stats.source_chunk_reads.shape == (3, 4) and stats.units == 20


def test_zarrlite_to_zarrlite_with_other_chunks_measured_at_the_store(tmp_path):
    data = data_of((30, 26), "f4")
    src_store = CountingStore(DirectoryStore(str(tmp_path / "src")))
    src = zl.array(data, chunks=(6, 4), store=src_store)
    src.attrs["units"] = "K"
    dest_store = CountingStore(DirectoryStore(str(tmp_path / "dest")))
    dest = zl.zeros((30, 26), chunks=(4, 6), dtype="f4", store=dest_store)
    src_store.reset()
    dest_store.reset()
    workers = config.get("threads")
    stats = copy_chunked(dest, src, max_bytes=workers * 4 * 26 * 4)  # a row per unit
    np.testing.assert_array_equal(dest[...], data)
    reads = key_counts(src_store.reads, (5, 7))
    np.testing.assert_array_equal(reads, stats.source_chunk_reads)
    assert (reads == 2).all()  # every row of source chunks is cut by a unit edge
    assert (key_counts(dest_store.writes, (8, 5)) == 1).all()
    copied = from_array(src, str(tmp_path / "copy"), chunks=(10, 10), path="a/b")
    assert copied.chunks == (10, 10) and copied.attrs["units"] == "K"
    np.testing.assert_array_equal(copied[...], data)


def test_three_dimensional_zarrlite_to_zarrlite(tmp_path):
    data = np.random.default_rng(3).integers(0, 1000, (17, 13, 11)).astype("i8")
    src_store = CountingStore(DirectoryStore(str(tmp_path / "s")))
    src = zl.array(data, chunks=(5, 4, 3), store=src_store)
    dest = zl.zeros(data.shape, chunks=(3, 5, 4), dtype="i8", store=str(tmp_path / "d"))
    src_store.reset()
    # units of 3 x 5 x 11 items: one destination chunk along axes 0 and 1, axis 2 whole
    stats = copy_chunked(dest, src, max_bytes=config.get("threads") * 3 * 5 * 11 * 8)
    np.testing.assert_array_equal(dest[...], data)
    assert stats.chunks_written == 6 * 3 * 3 and stats.units == 6 * 3
    reads = key_counts(src_store.reads, (4, 4, 4))
    np.testing.assert_array_equal(reads, stats.source_chunk_reads)
    # source chunk [5, 10) on axis 0 meets 3 destination chunks, [4, 8) on axis 1 two
    assert reads[1, 1, 0] == 6 and stats.max_reads_per_source_chunk == 6
    assert reads[0, 0, 0] == 2 and reads[3, 3, 3] == 1


def test_from_array_of_numpy_with_keywords(tmp_path):
    data = data_of((40, 30))
    z = from_array(data, str(tmp_path / "n"), chunks=(16, 16), dtype="f4",
                   compressor=None, fill_value=-1, read_only=True)
    assert (z.chunks, z.dtype, z.fill_value, z.compressor) == ((16, 16), np.dtype("f4"), -1, None)
    assert z.read_only
    np.testing.assert_array_equal(z[...], data.astype("f4"))
    guessed = from_array(data)  # no chunks of its own: zarrlite's guess
    np.testing.assert_array_equal(guessed[...], data)
    with pytest.raises(ValueError):
        from_array(data, str(tmp_path / "n"))  # something is there already
    again = from_array(data[:2], str(tmp_path / "n"), overwrite=True)
    assert again.shape == (2, 30)


# ------------------------------------------------------------------- progress


def test_progress_with_tqdm(capsys):
    copy_chunked(np.zeros((64, 64)), np.ones((64, 64)), progress=True)
    err = capsys.readouterr().err
    assert "copy_chunked" in err and "100%" in err and "32.0k" in err


def test_progress_without_tqdm_is_one_line(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    copy_chunked(np.zeros((1024, 256)), np.ones((1024, 256)), progress=True, max_bytes=1)
    err = capsys.readouterr().err
    assert err.startswith("\rcopy_chunked:   0% (0.0 of 2.0 MiB)")
    assert err.endswith("\rcopy_chunked: 100% (2.0 of 2.0 MiB)\n")
    assert err.count("\n") == 1


def test_no_progress_by_default(capsys):
    copy_chunked(np.zeros(10), np.ones(10))
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------- memory


def test_memory_stays_bounded_for_a_copy_20_times_the_budget(tmp_path):
    budget = 1 << 20
    shape, h5_chunks = (1600, 1700), (100, 100)  # 20.75 MiB of float64
    rows = np.arange(1700, dtype="f8")
    with h5py.File(tmp_path / "big.h5", "w") as f:
        ds = f.create_dataset("x", shape=shape, dtype="f8", chunks=h5_chunks)
        for start in range(0, shape[0], 100):
            ds[start : start + 100] = rows + np.arange(start, start + 100)[:, None] * 1e4
    dest = zl.zeros(shape, chunks=(128, 96), dtype="f8", store=str(tmp_path / "big.zarr"))
    with h5py.File(tmp_path / "big.h5", "r") as f:
        src = f["x"]
        assert src.size * 8 >= 20 * budget
        tracemalloc.start()
        try:
            stats = copy_chunked(dest, src, max_bytes=budget)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4 * budget, f"peak {peak / 2**20:.2f} MiB for a 1 MiB budget"
    assert stats.units > 20
    for start in range(0, shape[0], 400):
        expected = rows + np.arange(start, start + 400)[:, None] * 1e4
        np.testing.assert_array_equal(dest[start : start + 400], expected)


# ---------------------------------------------------------------- block arrays


class Tiles(BlockArray):
    """A block array over numpy data, chunked or not, recording its block calls."""

    def __init__(self, data: np.ndarray, chunks: tuple[int, ...] | None) -> None:
        self.data, self.shape, self.dtype, self.chunk_shape = data, data.shape, data.dtype, chunks
        self.reads: list[tuple[slice, ...]] = []
        self.writes: list[tuple[slice, ...]] = []

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        self.reads.append(slices)
        out[...] = self.data[slices]

    def writeblock(self, data: np.ndarray, slices: tuple[slice, ...]) -> None:
        self.writes.append(slices)
        self.data[slices] = data

    def eachchunk(self) -> GridChunks:
        if self.chunk_shape is None:
            return super().eachchunk()
        return regular_grid(self.shape, self.chunk_shape)


def test_block_array_source_and_destination(tmp_path):
    data = data_of((23, 31))
    src = Tiles(data, (5, 5))
    z = from_array(src, str(tmp_path / "t.zarr"))
    assert z.chunks == (5, 5)
    assert (chunk_counts(src.reads, data.shape, (5, 5)) == 1).all()
    np.testing.assert_array_equal(z[...], data)
    dest = Tiles(np.zeros_like(data), (4, 6))
    stats = copy_chunked(dest, src, max_bytes=1)  # one destination chunk per unit
    np.testing.assert_array_equal(dest.data, data)
    assert (chunk_counts(dest.writes, data.shape, (4, 6)) == 1).all()
    assert len(dest.writes) == stats.units == stats.chunks_written == 6 * 6


def test_unchunked_block_array_gets_zarr_chunks_of_a_sensible_size(tmp_path):
    data = data_of((3000, 2000))
    src = Tiles(data, None)  # one chunk: the whole 46 MiB array
    z = from_array(src, str(tmp_path / "u.zarr"))
    assert z.chunks != data.shape and z.nchunks > 1
    np.testing.assert_array_equal(z[...], data)


def test_review_mends_empty_dataset_fill_value_with_dtype_numpy_destination(tmp_path):
    import tracemalloc

    with h5py.File(tmp_path / "e.h5", "w") as f:
        empty = f.create_dataset("e", shape=(0, 4), chunks=(2, 2), maxshape=(None, 4),
                                 dtype="f4")
        assert zl.from_array(empty, zl.MemoryStore()).chunks == (2, 2)  # not (1, 2)
        filled = f.create_dataset("g", data=np.ones((4, 4)), fillvalue=-9.0)
        assert zl.from_array(filled, zl.MemoryStore(), dtype="f4").fill_value == -9.0
        assert zl.from_array(filled, zl.MemoryStore(), dtype="u1").fill_value == 0
    src = zl.array(np.ones((2048, 2048)), chunks=(512, 512))
    dest = np.zeros((2048, 2048))  # no chunks of its own: cut to the budget
    tracemalloc.start()
    try:
        zl.copy_chunked(dest, src, max_bytes=4 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (dest == 1).all() and peak < 16 << 20
