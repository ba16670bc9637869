"""Chunked reductions (zarrlite.chunked.reductions) with numpy as the oracle.

Every function over every axis combination of 1-d to 4-d arrays whose shapes do not divide
into their chunks, for integer, bool, float and complex data with and without NaNs; over
zarrlite arrays on DirectoryStores, numpy arrays, h5py datasets and block arrays. A result
must match numpy's in type (scalar or array), dtype and shape; in value exactly for
integers, bools, minima, maxima and positions, and to within rounding for floating-point
sums, means and variances; and raise numpy's errors and numpy's named warnings. Also:
empty and 0-d arrays, dtype and ddof arguments, numerical stability, memory bounded by a
few chunks while reducing an array 20 times that size, and the parallel runner.
"""

from __future__ import annotations

import itertools
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import h5py
import numpy as np
import pytest

import zarrlite as zl
from zarrlite import config
from zarrlite.chunked import reductions as R
from zarrlite.chunked.blockarray import BlockArray
from zarrlite.chunked.grid import GridChunks, regular_grid
from zarrlite.chunked.reduce_run import BLOCK_NBYTES, block_slices, run_ordered

PLAIN = ["sum", "prod", "mean", "var", "std", "min", "max", "any", "all", "count_nonzero"]
NAN = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax"]
ARG = ["argmin", "argmax", "nanargmin", "nanargmax"]
#: Results that are exact whatever the order of the arithmetic.
EXACT = {"min", "max", "any", "all", "count_nonzero", "nanmin", "nanmax", *ARG}
#: The warnings numpy names itself (not the floating-point ones).
NAMED_WARNINGS = ("Mean of empty slice", "All-NaN slice encountered",
                  "Degrees of freedom <= 0 for slice")

SHAPES = [((10,), (3,)), ((7, 9), (3, 4)), ((5, 6, 7), (2, 4, 3)), ((3, 4, 5, 6), (2, 3, 2, 4))]
DTYPES = ["f8", "f4", "f2", "c16", "i1", "u2", "i8", "?"]


# ------------------------------------------------------------------------------ helpers
def make_data(shape: tuple[int, ...], dtype: str, nans: bool = False, seed: int = 0) -> np.ndarray:
    """Values that do not cancel (floats in [0.5, 1.5)), small integers with many ties,
    and, with `nans`, scattered NaNs plus one all-NaN line along the last axis."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.random(shape) < 0.3
    if dt.kind in "iu":
        low = -5 if dt.kind == "i" else 0
        data = rng.integers(low, 6, shape)
        if dt.itemsize == 8:
            data = data * 1_000_003 + rng.integers(0, 3, shape)
        return data.astype(dt)
    data = rng.uniform(0.5, 1.5, shape)
    if dt.kind == "c":
        data = data + 1j * rng.uniform(-1.0, 1.0, shape)
    data = data.astype(dt)
    if nans:
        data[rng.random(shape) < 0.1] = np.nan
        if data.ndim:
            data[(0,) * (data.ndim - 1)] = np.nan
        if dt.kind == "c":  # NaN in one part only counts as NaN too
            data.flat[1] = complex(1.0, np.nan)
    return data


def zarrlite_array(path: Any, data: np.ndarray, chunks: tuple[int, ...]) -> Any:
    z = zl.open_array(str(path), mode="w", shape=data.shape, chunks=chunks, dtype=data.dtype)
    z[...] = data
    return z


def all_axes(ndim: int) -> list[Any]:
    """None, every int axis (and its negative), every tuple of axes (in two orders)."""
    axes: list[Any] = [None, *range(ndim), *range(-ndim, 0)]
    for n in range(ndim + 1):
        axes.extend(itertools.combinations(range(ndim), n))
    if ndim >= 2:
        axes.append((ndim - 1, 0))  # unsorted
        axes.append((-1, -2))
    return axes


def outcome(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """The result (or the exception raised) and the named warnings given."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = function(*args, **kwargs)
        except Exception as exc:  # the outcome to compare
            value = exc
    named = sorted({str(w.message) for w in caught if str(w.message).startswith(NAMED_WARNINGS)})
    return value, named


def tolerance(name: str, source: np.dtype, result: np.dtype) -> float:
    """How close a result of `name` must be to numpy's, for data of dtype `source`."""
    if name in EXACT or result.kind in "biumM":
        return 0.0
    bits = 8 * np.empty(0, result).real.itemsize
    if source.kind in "fc":  # numpy rounds some steps to the source's precision
        bits = min(bits, 8 * np.empty(0, source).real.itemsize)
    if bits == 16:
        return 1e-1 if "prod" in name else 3e-2
    if bits == 32:
        return 1e-4 if "prod" in name else 2e-5
    return 1e-11


def assert_like_numpy(got: Any, expected: Any, rtol: float, what: str) -> None:
    if isinstance(expected, Exception):
        assert type(got) is type(expected), f"{what}: {got!r}, numpy raised {expected!r}"
        return
    assert not isinstance(got, Exception), f"{what}: raised {got!r}, numpy gave {expected!r}"
    assert type(got) is type(expected), f"{what}: {type(got)} vs numpy's {type(expected)}"
    got_array, expected_array = np.asarray(got), np.asarray(expected)
    assert got_array.dtype == expected_array.dtype, f"{what}: dtype {got_array.dtype}"
    assert got_array.shape == expected_array.shape, f"{what}: shape {got_array.shape}"
    if rtol == 0:
        np.testing.assert_array_equal(got_array, expected_array, err_msg=what)
    else:
        np.testing.assert_allclose(got_array, expected_array, rtol=rtol, atol=0,
                                   equal_nan=True, err_msg=what)


def check_call(name: str, source: Any, data: np.ndarray, **kwargs: Any) -> None:
    """One reduction of `source` (holding `data`) against numpy's of `data`."""
    expected, expected_warnings = outcome(getattr(np, name), data, **kwargs)
    got, got_warnings = outcome(getattr(R, name), source, **kwargs)
    what = f"{name}({data.dtype}{data.shape}, {kwargs})"
    rtol = 0.0 if isinstance(expected, Exception) else tolerance(
        name, data.dtype, np.asarray(expected).dtype)
    assert_like_numpy(got, expected, rtol, what)
    assert got_warnings == expected_warnings, f"{what}: warnings {got_warnings}"


def check_all_axes(source: Any, data: np.ndarray, names: list[str]) -> None:
    for name in names:
        for axis in all_axes(data.ndim):
            if name in ARG and isinstance(axis, tuple):
                continue  # numpy's arg functions take one axis (a tuple: test_arg_errors)
            check_call(name, source, data, axis=axis)


# ------------------------------------------------------------- all axes, all dtypes
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,chunks", SHAPES, ids=[f"{len(s)}d" for s, _ in SHAPES])
def test_all_axes_zarrlite(tmp_path: Any, shape: tuple[int, ...], chunks: tuple[int, ...],
                           dtype: str) -> None:
    data = make_data(shape, dtype)
    z = zarrlite_array(tmp_path / "a", data, chunks)
    check_all_axes(z, data, PLAIN + NAN + ARG)


@pytest.mark.parametrize("dtype", ["f8", "f4", "f2", "c16"])
@pytest.mark.parametrize("shape,chunks", SHAPES, ids=[f"{len(s)}d" for s, _ in SHAPES])
def test_all_axes_with_nans_zarrlite(tmp_path: Any, shape: tuple[int, ...],
                                     chunks: tuple[int, ...], dtype: str) -> None:
    data = make_data(shape, dtype, nans=True)
    z = zarrlite_array(tmp_path / "a", data, chunks)
    check_all_axes(z, data, PLAIN + NAN + ARG)


@pytest.mark.parametrize("dtype", ["f8", "i2"])
@pytest.mark.parametrize("nans", [False, True])
def test_all_axes_numpy(dtype: str, nans: bool) -> None:
    data = make_data((5, 6, 7), dtype, nans=nans and dtype == "f8")
    with config.set(chunked_max_bytes=96):  # unchunked: cut into blocks of a few rows
        check_all_axes(data, data, PLAIN + NAN + ARG)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "contiguous"])
@pytest.mark.parametrize("dtype", ["f4", "i8"])
def test_all_axes_h5py(tmp_path: Any, chunked: bool, dtype: str) -> None:
    data = make_data((6, 7, 5), dtype, nans=dtype == "f4")
    with h5py.File(tmp_path / "a.h5", "w") as f:
        dataset = f.create_dataset("x", data=data, chunks=(4, 3, 2) if chunked else None)
        with config.set(chunked_max_bytes=256):
            check_all_axes(dataset, data, PLAIN + NAN + ARG)


class Squares(BlockArray):
    """A block array computing its items, in 3x4 chunks."""

    shape, dtype = (7, 10), np.dtype("i4")

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        rows, cols = np.ogrid[slices]
        out[...] = (rows * 7 - cols * cols) % 13

    def eachchunk(self) -> GridChunks:
        return regular_grid(self.shape, (3, 4))


def test_all_axes_block_array() -> None:
    source = Squares()
    check_all_axes(source, source[...], PLAIN + NAN + ARG)


@pytest.mark.parametrize("name", PLAIN + NAN + ARG)
def test_methods(name: str) -> None:
    source = Squares()
    data = source[...]
    expected = getattr(np, name)(data, axis=0, keepdims=True)
    rtol = tolerance(name, data.dtype, expected.dtype)
    assert_like_numpy(getattr(source, name)(axis=0, keepdims=True), expected, rtol, name)
    assert_like_numpy(getattr(source, name)(), getattr(np, name)(data), rtol, name)


# ------------------------------------------------------------------ keepdims, dtypes
@pytest.mark.parametrize("name", PLAIN + NAN + ARG)
def test_keepdims(tmp_path: Any, name: str) -> None:
    data = make_data((5, 6, 7), "f8", nans=True)
    z = zarrlite_array(tmp_path / "a", data, (2, 4, 3))
    for axis in ([None, 0, 2, -2] if name in ARG else [None, 1, -1, (0, 2), (), (0, 1, 2)]):
        check_call(name, z, data, axis=axis, keepdims=True)


@pytest.mark.parametrize("name,source_dtype,dtype", [
    ("sum", "i1", "i2"), ("sum", "i1", "u1"), ("sum", "f8", "f4"), ("sum", "?", "f8"),
    ("sum", "f4", "c8"), ("prod", "u1", "u1"), ("prod", "f4", "f8"), ("mean", "i8", "f4"),
    ("mean", "f4", "f8"), ("mean", "f8", "f4"), ("mean", "c16", "c8"), ("var", "f4", "f8"),
    ("var", "i4", "f4"), ("std", "f8", "f4"), ("var", "c8", "c16"), ("nansum", "f4", "f8"),
    ("nansum", "i2", "i1"), ("nanprod", "f8", "f4"), ("nanmean", "f4", "f8"),
    ("nanmean", "f2", "f4"), ("nanmean", "i4", "f4"), ("nanvar", "f4", "f8"),
    ("nanstd", "f8", "f4"), ("nanmean", "f8", "i8"), ("nanvar", "f4", "i4"),
    ("sum", "f8", "M8[s]"), ("mean", "c16", "f8"),
])
def test_dtype_argument(tmp_path: Any, name: str, source_dtype: str, dtype: str) -> None:
    data = make_data((6, 5), source_dtype, nans=name.startswith("nan"))
    z = zarrlite_array(tmp_path / "a", data, (4, 2))
    for axis in (None, 0, (0, 1)):
        check_call(name, z, data, axis=axis, dtype=dtype)


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("ddof", [0, 1, 2.5, 6, 7, 40])
def test_ddof(tmp_path: Any, name: str, ddof: float) -> None:
    data = make_data((6, 7), "f8", nans=True)
    data[2, :] = 1.0  # a constant row: M2 is exactly zero
    z = zarrlite_array(tmp_path / "a", data, (4, 3))
    for axis in (None, 0, 1, (0, 1)):
        check_call(name, z, data, axis=axis, ddof=ddof)


def test_float16_mean_sums_in_float32(tmp_path: Any) -> None:
    # 20000 times 1.1: a float16 sum would get stuck at 2048
    data = np.full((20000,), 1.1, dtype="f2")
    z = zarrlite_array(tmp_path / "a", data, (3000,))
    check_call("mean", z, data)
    assert abs(float(R.mean(z)) - 1.1) < 1e-3


# ------------------------------------------------------------------ empty and 0-d
@pytest.mark.parametrize("shape,chunks", [((0,), (3,)), ((3, 0), (2, 2)), ((0, 4, 2), (2, 2, 2))])
@pytest.mark.parametrize("dtype", ["f8", "i4"])
def test_empty(tmp_path: Any, shape: tuple[int, ...], chunks: tuple[int, ...], dtype: str) -> None:
    data = np.zeros(shape, dtype=dtype)
    z = zarrlite_array(tmp_path / "a", data, chunks)
    for name in PLAIN + NAN + ARG:
        for axis in all_axes(len(shape)):
            if name in ARG and isinstance(axis, tuple):
                continue
            check_call(name, z, data, axis=axis)
            check_call(name, data, data, axis=axis, keepdims=True)


@pytest.mark.parametrize("kind", ["zarrlite", "numpy", "h5py"])
def test_zero_dimensional(tmp_path: Any, kind: str) -> None:
    data = np.array(2.5)
    with h5py.File(tmp_path / "a.h5", "w") as f:
        source: Any = {"numpy": data, "h5py": f.create_dataset("x", data=data)}.get(kind)
        if kind == "zarrlite":
            source = zarrlite_array(tmp_path / "a", data, ())
        for name in PLAIN + NAN + ARG:
            for axis in [None, 0, ()] if name in ARG else [None, ()]:
                check_call(name, source, data, axis=axis)
                check_call(name, source, data, axis=axis, keepdims=True)


def test_nan_zero_dimensional(tmp_path: Any) -> None:
    data = np.array(np.nan)
    z = zarrlite_array(tmp_path / "a", data, ())
    for name in PLAIN + NAN + ARG:
        check_call(name, z, data)


# ----------------------------------------------------------- errors, NaNs, ties, order
def test_arg_errors(tmp_path: Any) -> None:
    data = make_data((4, 5), "f8")
    z = zarrlite_array(tmp_path / "a", data, (3, 3))
    for name in ARG:
        check_call(name, z, data, axis=(0,))  # TypeError: one axis only
        check_call(name, z, data, axis=2)  # AxisError
    for name in PLAIN + NAN:
        check_call(name, z, data, axis=(0, 0))  # repeated axis
        check_call(name, z, data, axis=-3)
        check_call(name, z, data, axis=1.0)


def test_all_nan_slices(tmp_path: Any) -> None:
    data = make_data((6, 7), "f8")
    data[:, 2] = np.nan  # an all-NaN column
    data[4, :] = np.nan  # and an all-NaN row
    z = zarrlite_array(tmp_path / "a", data, (4, 3))
    for name in NAN + ARG:
        for axis in (None, 0, 1):
            check_call(name, z, data, axis=axis)  # warnings for the column, errors for arg*
    everything = np.full((5, 4), np.nan)
    z = zarrlite_array(tmp_path / "b", everything, (2, 3))
    for name in NAN + ARG:
        check_call(name, z, everything)


def test_first_nan_and_first_extreme_win(tmp_path: Any) -> None:
    # in C order of the blocks, (0:2, 0:3) comes before (0:2, 3:6), but the NaN at
    # flat index 4 (block 2) comes before the one at flat index 6 (block 1)
    data = np.ones((4, 6))
    data[1, 0] = data[0, 4] = np.nan
    z = zarrlite_array(tmp_path / "a", data, (2, 3))
    for name in ("argmin", "argmax"):
        assert getattr(R, name)(z) == 4
        check_call(name, z, data, axis=0)
    ties = np.zeros((4, 6), dtype="i4")
    ties[3, 1] = ties[1, 5] = ties[2, 2] = -1
    z = zarrlite_array(tmp_path / "b", ties, (2, 3))
    assert R.argmin(z) == 11 and R.argmax(z) == 0
    for axis in (None, 0, 1):
        check_call("argmin", z, ties, axis=axis)
    infinities = np.array([[np.inf, np.nan], [np.inf, 1.0]])  # nanargmin: NaN counts as inf
    z = zarrlite_array(tmp_path / "c", infinities, (1, 1))
    negated = zarrlite_array(tmp_path / "d", -infinities, (1, 1))
    for axis in (None, 0, 1):
        check_call("nanargmin", z, infinities, axis=axis)
        check_call("nanargmax", negated, -infinities, axis=axis)


def test_datetimes(tmp_path: Any) -> None:
    data = np.array(["2001-01-01", "NaT", "1999-05-05", "2020-02-02", "1999-05-05", "NaT"],
                    dtype="M8[D]").reshape(2, 3)
    for name in ("min", "max", "nanmin", "nanmax", "argmin", "argmax", "any", "sum", "mean"):
        for axis in (None, 0, 1):
            check_call(name, _Chunked(data, (1, 2)), data, axis=axis)
    deltas = np.arange(12).astype("m8[s]").reshape(3, 4)
    for name in ("sum", "mean", "min", "max", "argmax", "count_nonzero"):
        for axis in (None, 0, 1):
            check_call(name, _Chunked(deltas, (2, 3)), deltas, axis=axis)


class _Chunked:
    """A numpy array behind the plain array protocol, with a ``chunks`` tuple."""

    def __init__(self, data: np.ndarray, chunks: tuple[int, ...]) -> None:
        self.data, self.chunks = data, chunks
        self.shape, self.dtype = data.shape, data.dtype
        self.threads: set[str] = set()
        self.reads = 0
        self.active = self.most_active = 0
        self._lock = threading.Lock()

    def __getitem__(self, key: Any) -> np.ndarray:
        with self._lock:
            self.reads += 1
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            self.threads.add(threading.current_thread().name)
        try:
            return self.data[key]
        finally:
            with self._lock:
                self.active -= 1


# ------------------------------------------------------------------ numerical quality
def test_variance_is_stable_with_a_large_offset(tmp_path: Any) -> None:
    rng = np.random.default_rng(3)
    data = 1e9 + rng.standard_normal((300, 40))  # a one-pass sum of squares loses it all
    z = zarrlite_array(tmp_path / "a", data, (7, 9))
    for axis in (None, 0, 1):
        np.testing.assert_allclose(R.var(z, axis=axis), np.var(data, axis=axis), rtol=1e-6)
        np.testing.assert_allclose(R.nanstd(z, axis=axis), np.std(data, axis=axis), rtol=1e-6)


def test_float_sum_accuracy(tmp_path: Any) -> None:
    import math

    rng = np.random.default_rng(5)
    data = rng.uniform(-1, 1, 400_000)
    z = zarrlite_array(tmp_path / "a", data, (10_000,))
    exact = math.fsum(data)
    scale = float(np.abs(data).sum())
    assert abs(float(R.sum(z)) - exact) <= 1e-14 * scale
    assert abs(float(R.mean(z)) * data.size - exact) <= 1e-14 * scale


def test_same_result_whatever_the_threads(tmp_path: Any) -> None:
    data = make_data((60, 50), "f4", nans=True)
    z = zarrlite_array(tmp_path / "a", data, (7, 6))
    results = []
    for threads in (1, 2, 3):
        with config.set(threads=threads):
            results.append([getattr(R, name)(z, axis=0).tobytes() for name in ("sum", "var",
                                                                                "nanmean")])
    assert results[0] == results[1] == results[2]


# ------------------------------------------------------------------ memory and threads
def test_memory_bounded_by_a_few_chunks(tmp_path: Any) -> None:
    rows = BLOCK_NBYTES // (1024 * 4)  # one chunk: a whole block, 4 MiB of float32
    chunk_nbytes = rows * 1024 * 4
    nchunks = 120  # 480 MiB: 20 times a bound of 6 chunks
    z = zl.open_array(str(tmp_path / "big"), mode="w", shape=(rows * 12, 1024 * 10),
                      chunks=(rows, 1024), dtype="f4")
    rng = np.random.default_rng(11)
    column_sums = np.zeros(z.shape[1])
    for i in range(12):  # zeros plus sparse noise: compresses to almost nothing
        band = np.zeros((rows, z.shape[1]), dtype="f4")
        band.flat[rng.integers(0, band.size, 2000)] = rng.uniform(1, 2, 2000)
        z[i * rows : (i + 1) * rows] = band
        column_sums += band.sum(axis=0, dtype="f8")
    del band
    assert z.nchunks == nchunks
    bound = 6 * chunk_nbytes
    assert z.nbytes >= 20 * bound
    with config.set(threads=2):
        for name, axis in [("sum", 0), ("max", None), ("mean", 1), ("nanargmax", None)]:
            tracemalloc.start()
            try:
                result = getattr(R, name)(z, axis=axis)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert peak < bound, f"{name}: peak {peak / 2**20:.1f} MiB"
            if name == "sum":
                np.testing.assert_allclose(result, column_sums, rtol=1e-5)
        tracemalloc.start()
        try:
            R.var(z, axis=0)  # float64 deviations: two chunks more per thread
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 2 * bound, f"var: peak {peak / 2**20:.1f} MiB"


def test_parallel_reads_on_pool_and_caller() -> None:
    class Slow(_Chunked):
        def __getitem__(self, key: Any) -> np.ndarray:
            time.sleep(0.002)
            return super().__getitem__(key)

    data = make_data((40, 30), "f8")
    source = Slow(data, (5, 6))
    with config.set(threads=3):
        np.testing.assert_allclose(R.sum(source, axis=0), data.sum(axis=0), rtol=1e-12)
    assert source.reads == len(list(itertools.product(*block_slices(regular_grid(
        data.shape, source.chunks), 8))))
    assert threading.current_thread().name in source.threads
    assert any(name.startswith(config.POOL_THREAD_PREFIX) for name in source.threads)
    assert source.most_active <= 3


def test_run_ordered_merges_in_order_with_bounded_window() -> None:
    merged: list[int] = []
    started: list[int] = []
    lock = threading.Lock()
    most_ahead = 0

    def compute(task: int) -> int:
        nonlocal most_ahead
        with lock:
            started.append(task)
            most_ahead = max(most_ahead, len(started) - len(merged))
        time.sleep(0.001 * (task % 3))
        return task * 10

    with config.set(threads=3):
        run_ordered(range(60), compute, lambda task, result: merged.append(result // 10))
    assert merged == list(range(60))
    assert most_ahead <= 2 * 3


def test_error_in_a_block_is_raised_and_the_pool_stays_usable() -> None:
    class Broken(_Chunked):
        def __getitem__(self, key: Any) -> np.ndarray:
            if key[0].start >= 20:
                raise OSError("unreadable block")
            return super().__getitem__(key)

    data = make_data((40, 30), "f8")
    with config.set(threads=2):
        with pytest.raises(OSError, match="unreadable block"):
            R.mean(Broken(data, (5, 6)), axis=1)
        np.testing.assert_allclose(R.mean(_Chunked(data, (5, 6)), axis=1), data.mean(axis=1))


def test_reduction_from_a_pool_thread_runs_there(tmp_path: Any) -> None:
    data = make_data((30, 20), "f8")
    z = zarrlite_array(tmp_path / "a", data, (4, 4))
    with config.set(threads=2):
        futures = [config.thread_pool().submit(R.sum, z, 0) for _ in range(4)]
        for future in futures:
            np.testing.assert_allclose(future.result(timeout=60), data.sum(axis=0))


def test_block_slices_join_small_chunks_only() -> None:
    grid = regular_grid((8192, 8192), (1024, 1024))
    assert [len(s) for s in block_slices(grid, 4)] == [8, 8]  # 4 MiB chunks: alone
    grid = regular_grid((4096, 4096), (64, 64))
    rows, columns = block_slices(grid, 4)
    assert columns == [slice(0, 4096)] and rows[0] == slice(0, 256)  # 4 MiB blocks
    grid = regular_grid((10, 10), (3, 3))
    rows, columns = block_slices(grid, 8)
    assert rows == [slice(0, 3), slice(3, 6), slice(6, 9), slice(9, 10)]
    assert columns == [slice(0, 3), slice(3, 6), slice(6, 9), slice(9, 10)]


def test_numpy_functions_find_the_methods(tmp_path):
    # np.sum(z), np.max(ds), ... call z.sum(axis=, dtype=, out=): they must keep working
    data = np.arange(12.0).reshape(3, 4)
    z = zl.array(data, chunks=(2, 2))
    with zl.File(tmp_path / "f.zarr", "w") as f:
        ds = f.create_dataset("d", data=data, chunks=(2, 2))
        for a in (z, ds):
            assert np.sum(a) == 66.0 and np.max(a) == 11.0 and np.argmax(a) == 11
            np.testing.assert_allclose(np.mean(a, axis=0), data.mean(axis=0))
            np.testing.assert_allclose(np.std(a, ddof=1), data.std(ddof=1))
            assert np.all(np.min(a, axis=1) == data.min(axis=1)) and np.any(a)
            out = np.empty(4)
            assert np.sum(a, axis=0, out=out) is out
            np.testing.assert_array_equal(out, data.sum(axis=0))


def test_object_arrays_reduce_as_numpy_does():
    strings = np.array(["b", "a", "c"], dtype=object)
    z = zl.array(strings, chunks=(2,), dtype=object, object_codec=zl.VLenUTF8())
    assert z.max() == np.max(strings) == "c" and z.min() == "a"
    assert z.sum() == np.sum(strings) == "bac"
    with pytest.raises(TypeError):
        z.mean()
    with pytest.raises(TypeError):
        z.prod()
    numbers = np.array([1, 2.5, 4], dtype=object)
    o = zl.array(numbers, chunks=(2,), dtype=object, object_codec=zl.JSON())
    assert o.mean() == np.mean(numbers) and o.sum() == np.sum(numbers)
