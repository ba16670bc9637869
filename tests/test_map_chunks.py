"""map_chunks: numpy as the oracle, on real zarrlite arrays (DirectoryStore) and h5py
datasets, on zarrlite's worker pool, a ThreadPoolExecutor, a ProcessPoolExecutor and an
in-process dask.distributed client."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask.array as da
import h5py
import numpy as np
import pytest

import zarrlite as zl
from zarrlite import config
from zarrlite.chunked.blockarray import BlockArray
from zarrlite.chunked.grid import regular_grid
from zarrlite.chunked.map_chunks import MapChunksError, _pickles_small, map_chunks
from zarrlite.stores import DirectoryStore

SHAPE, CHUNKS = (60, 50), (16, 20)  # edge chunks on both axes
BINS, RANGE = 12, (0.0, 1.0)

# ------------------------------------------------------------------------ module-level fns
# (process workers unpickle these by reference)


def histogram(block: np.ndarray) -> np.ndarray:
    return np.histogram(block, bins=BINS, range=RANGE)[0]


def add(acc: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return acc + counts


def double(block: np.ndarray) -> np.ndarray:
    return block * 2


def where_and_sum(block: np.ndarray, slices: tuple[slice, ...]) -> tuple[Any, float]:
    return slices, float(block.sum())


def fail_in_last_row(block: np.ndarray, slices: tuple[slice, ...]) -> float:
    if slices[0].stop == SHAPE[0]:
        raise ZeroDivisionError("no good")
    return float(block.sum())


# ------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return np.random.default_rng(42).random(SHAPE)


@pytest.fixture
def zarr_array(tmp_path: Path, data: np.ndarray) -> Any:
    return zl.array(data, chunks=CHUNKS, store=DirectoryStore(str(tmp_path / "src.zarr")))


@pytest.fixture
def h5_dataset(tmp_path: Path, data: np.ndarray) -> Iterator[Any]:
    with h5py.File(tmp_path / "src.h5", "w") as f:
        yield f.create_dataset("x", data=data, chunks=(7, 9))


@pytest.fixture(scope="module")
def process_pool() -> Iterator[concurrent.futures.Executor]:
    # forkserver: forking a process whose worker threads may hold locks is unsafe
    context = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        yield pool


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    import distributed

    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0"
    ) as client:
        yield client


EXECUTORS = ["pool", "threads", "processes", "distributed"]


@pytest.fixture(params=EXECUTORS)
def executor(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "pool":
        with config.set(threads=3):
            yield None
    elif request.param == "threads":
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            yield pool
    elif request.param == "processes":
        yield request.getfixturevalue("process_pool")
    else:
        yield request.getfixturevalue("dask_client")


def expected_histogram(data: np.ndarray) -> np.ndarray:
    return np.histogram(data, bins=BINS, range=RANGE)[0]


# ------------------------------------------------------------------------ results


def test_per_chunk_results_in_chunk_order(zarr_array: Any, data: np.ndarray) -> None:
    grid = regular_grid(SHAPE, CHUNKS)
    with config.set(threads=4):
        sums = map_chunks(np.sum, zarr_array)
    assert sums == pytest.approx([data[s].sum() for s in grid])
    with config.set(threads=4):
        pairs = map_chunks(where_and_sum, zarr_array, with_slices=True)
    assert [p[0] for p in pairs] == list(grid)


def test_reduce_runs_in_chunk_order(zarr_array: Any) -> None:
    # list concatenation does not commute: any other order would show
    with config.set(threads=4):
        corners = map_chunks(
            lambda b, s: [(s[0].start, s[1].start)],
            zarr_array,
            with_slices=True,
            reduce=lambda x, y: x + y,
        )
    grid = regular_grid(SHAPE, CHUNKS)
    assert corners == [(s[0].start, s[1].start) for s in grid]


def test_histogram_of_zarrlite_array(zarr_array: Any, data: np.ndarray, executor: Any) -> None:
    counts = map_chunks(histogram, zarr_array, reduce=add, executor=executor)
    np.testing.assert_array_equal(counts, expected_histogram(data))


def test_histogram_of_h5py_dataset(h5_dataset: Any, data: np.ndarray, executor: Any) -> None:
    # an h5py dataset does not pickle: process and cluster workers get the chunks' data
    counts = map_chunks(histogram, h5_dataset, reduce=add, executor=executor)
    np.testing.assert_array_equal(counts, expected_histogram(data))


def test_results_with_slices_on_every_executor(
    zarr_array: Any, data: np.ndarray, executor: Any
) -> None:
    pairs = map_chunks(where_and_sum, zarr_array, with_slices=True, executor=executor)
    grid = list(regular_grid(SHAPE, CHUNKS))
    assert [p[0] for p in pairs] == grid
    assert [p[1] for p in pairs] == pytest.approx([data[s].sum() for s in grid])


def test_other_sources(data: np.ndarray) -> None:
    expected = expected_histogram(data)
    big = np.random.default_rng(1).random((300, 200))  # pickles big: read here, data sent
    assert not _pickles_small(big)
    np.testing.assert_array_equal(
        map_chunks(histogram, big, reduce=add, max_bytes=20_000), expected_histogram(big)
    )
    dask_array = da.from_array(data, chunks=((20, 40), (25, 25)))
    np.testing.assert_array_equal(map_chunks(histogram, dask_array, reduce=add), expected)

    class Blocks(BlockArray):
        shape, dtype = data.shape, data.dtype

        def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
            out[...] = data[slices]

        def eachchunk(self) -> Any:
            return regular_grid(self.shape, (25, 25))

    assert len(map_chunks(np.sum, Blocks())) == 6
    np.testing.assert_array_equal(map_chunks(histogram, Blocks(), reduce=add), expected)


def test_numpy_blocks_are_read_only(data: np.ndarray) -> None:
    source = data.copy()

    def scribble(block: np.ndarray) -> None:
        block[...] = 0

    with pytest.raises(MapChunksError) as info:
        map_chunks(scribble, source, max_bytes=8 * 50 * 10)
    assert isinstance(info.value.__cause__, ValueError)
    np.testing.assert_array_equal(source, data)


def test_empty_and_0d_arrays() -> None:
    empty = np.zeros((0, 4))
    assert map_chunks(np.sum, empty) == []
    with pytest.raises(ValueError, match="nothing to reduce"):
        map_chunks(np.sum, empty, reduce=add)
    assert map_chunks(np.sum, empty, dtype="f8").shape == (0, 4)
    scalar = zl.array(np.float64(3.0))
    assert map_chunks(float, scalar) == [3.0]
    assert map_chunks(double, scalar, dtype="f8") == 6.0


# ------------------------------------------------------------------------ block to block


@pytest.mark.parametrize("out_chunks", [CHUNKS, (8, 10), (10, 15)], ids=["same", "finer", "other"])
def test_block_to_block_into_zarrlite_array(
    tmp_path: Path, zarr_array: Any, data: np.ndarray, out_chunks: tuple[int, int], executor: Any
) -> None:
    # "other" chunks are not inside one source chunk each: written one at a time
    out = zl.zeros(
        SHAPE, chunks=out_chunks, dtype="f8", store=DirectoryStore(str(tmp_path / "out.zarr"))
    )
    assert map_chunks(double, zarr_array, out=out, executor=executor) is out
    np.testing.assert_array_equal(zl.open_array(str(tmp_path / "out.zarr"))[...], data * 2)


def test_block_to_block_into_numpy(zarr_array: Any, data: np.ndarray) -> None:
    result = map_chunks(double, zarr_array, dtype="f4")
    assert isinstance(result, np.ndarray) and result.dtype == np.float32
    np.testing.assert_array_equal(result, (data * 2).astype("f4"))
    out = np.zeros(SHAPE, dtype="i8")
    map_chunks(lambda b, s: np.full(b.shape, s[0].start), zarr_array, out=out, with_slices=True)
    np.testing.assert_array_equal(out[:, 0], np.arange(60) // 16 * 16)


def test_bad_destinations(zarr_array: Any) -> None:
    with pytest.raises(ValueError, match="shape"):
        map_chunks(double, zarr_array, out=np.zeros((60, 49)))
    with pytest.raises(ValueError, match="not both"):
        map_chunks(double, zarr_array, out=np.zeros(SHAPE), reduce=add)
    with pytest.raises(ValueError, match="not both"):
        map_chunks(double, zarr_array, out=np.zeros(SHAPE), dtype="f8")
    with pytest.raises(ValueError, match=r"chunk at \[0:16, 0:20\] of shape \(16, 20\)"):
        map_chunks(lambda b: b[:3], zarr_array, dtype="f8")
    with pytest.raises(TypeError, match="executor"):
        map_chunks(np.sum, zarr_array, executor=object())


# ------------------------------------------------------------------------ errors


def test_fn_errors_name_the_chunk(zarr_array: Any, executor: Any) -> None:
    with pytest.raises(
        MapChunksError, match=r"ZeroDivisionError on the chunk at \[48:60, 0:20\]"
    ) as info:
        map_chunks(fail_in_last_row, zarr_array, with_slices=True, executor=executor)
    assert info.value.slices == (slice(48, 60), slice(0, 20))  # the first failing chunk
    assert info.value.__cause__ is not None
    assert "no good" in str(info.value)


def test_fn_error_cause_is_the_original(zarr_array: Any) -> None:
    with pytest.raises(MapChunksError) as info:
        map_chunks(fail_in_last_row, zarr_array, with_slices=True)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_error_stops_the_run(tmp_path: Path) -> None:
    z = zl.zeros((400, 10), chunks=(1, 10), store=DirectoryStore(str(tmp_path / "z.zarr")))
    calls = []
    lock = threading.Lock()

    def fail_first(block: np.ndarray, slices: tuple[slice, ...]) -> None:
        with lock:
            calls.append(slices)
        if slices[0].start == 0:
            raise KeyError("first")

    with config.set(threads=2), pytest.raises(MapChunksError):
        map_chunks(fail_first, z, with_slices=True)
    assert len(calls) < 400


# ------------------------------------------------------------------------ progress


def test_progress_with_tqdm(zarr_array: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import tqdm  # noqa: F401  (a test dependency: the bar, not the plain line)

    map_chunks(np.sum, zarr_array, progress=True)
    err = capsys.readouterr().err
    assert "map_chunks" in err and "12/12" in err


def test_progress_without_tqdm(
    zarr_array: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    map_chunks(np.sum, zarr_array, progress=True)
    err = capsys.readouterr().err
    assert err.startswith("\rmap_chunks: 0 of 12 chunks")
    assert err.endswith("\rmap_chunks: 12 of 12 chunks\n")


def test_no_progress_is_silent(zarr_array: Any, capsys: pytest.CaptureFixture[str]) -> None:
    map_chunks(np.sum, zarr_array)
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------------ memory


CHUNK_ROWS, NCOLS, NCHUNKS = 32, 1024, 40  # 256 KiB chunks, 10 MiB in all


@pytest.fixture
def big_array(tmp_path: Path) -> Any:
    z = zl.zeros(
        (CHUNK_ROWS * NCHUNKS, NCOLS),
        chunks=(CHUNK_ROWS, NCOLS),
        dtype="f8",
        store=DirectoryStore(str(tmp_path / "big.zarr")),
        compressor=None,
    )
    for i in range(NCHUNKS):  # chunk by chunk, not the whole array at once
        rows = slice(i * CHUNK_ROWS, (i + 1) * CHUNK_ROWS)
        z[rows] = np.random.default_rng(i).random((CHUNK_ROWS, NCOLS))
    return z


def peak_chunks(run: Any) -> float:
    """Peak traced memory while `run()` runs, in chunks."""
    tracemalloc.start()
    try:
        run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / (CHUNK_ROWS * NCOLS * 8)


@pytest.mark.parametrize("how", ["pool", "threads"])
def test_memory_stays_a_few_chunks(big_array: Any, tmp_path: Path, how: str) -> None:
    out = zl.zeros(
        big_array.shape,
        chunks=big_array.chunks,
        dtype="f8",
        compressor=None,
        store=DirectoryStore(str(tmp_path / "out.zarr")),
    )
    with config.set(threads=2), concurrent.futures.ThreadPoolExecutor(2) as pool:
        executor = None if how == "pool" else pool

        def column_sums() -> Any:
            return map_chunks(lambda b: b.sum(axis=0), big_array, reduce=np.add, executor=executor)

        def doubled() -> Any:
            return map_chunks(double, big_array, out=out, executor=executor)

        column_sums(), doubled()  # each thread's reusable scratch buffers, made once
        assert peak_chunks(column_sums) < 6  # 40 chunks in all
        assert peak_chunks(doubled) < 8
        np.testing.assert_allclose(column_sums(), big_array[...].sum(axis=0))
    np.testing.assert_array_equal(out[-CHUNK_ROWS:], big_array[-CHUNK_ROWS:] * 2)


def test_a_0d_numpy_array_is_one_chunk() -> None:
    assert map_chunks(np.sum, np.array(3.0)) == [3.0]
