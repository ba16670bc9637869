"""Lazy views, concatenation and elementwise expressions (zarrlite.chunked.lazy), numpy as
the oracle.

Sections: a counting block array; views (nothing read until read, view of view, negative
steps, new axes, transposes, the grid they report, writes through them); concatenate and
stack (twelve months of different lengths, read across the seams); arithmetic (operators,
ufuncs, broadcasting, scalars, mixed dtypes, where, astype); reductions, iteration and
stores of expressions; real sources (zarrlite arrays on DirectoryStores, h5py, dask);
memory; errors.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import h5py
import numpy as np
import pytest

import zarrlite as zl
from zarrlite import config
from zarrlite.chunked import reductions as R
from zarrlite.chunked.blockarray import BlockArray
from zarrlite.chunked.grid import GridChunks, IrregularChunks, RegularChunks, regular_grid
from zarrlite.chunked.lazy import (
    LazyArray,
    LazyView,
    concatenate,
    lazy,
    permute_dims,
    stack,
    where,
)
from zarrlite.errors import ReadOnlyError


class Counting(BlockArray):
    """A block array over a numpy array that records every block call and checks what
    the block-array contract promises (step-1 non-empty slices, C-contiguous buffers)."""

    def __init__(self, data: np.ndarray, chunks: tuple[int, ...] | None = None) -> None:
        self.data = data
        self.shape = data.shape
        self.dtype = data.dtype
        self.chunks = chunks
        self.reads: list[tuple[slice, ...]] = []
        self.writes: list[tuple[slice, ...]] = []

    def _check(self, arr: np.ndarray, slices: tuple[slice, ...]) -> None:
        assert len(slices) == self.data.ndim
        for s, n in zip(slices, self.data.shape):
            assert type(s.start) is int and type(s.stop) is int and s.step is None
            assert 0 <= s.start < s.stop <= n, (s, n)
        assert arr.flags.c_contiguous and arr.dtype == self.data.dtype
        assert arr.shape == tuple(s.stop - s.start for s in slices)

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        self._check(out, slices)
        self.reads.append(slices)
        out[...] = self.data[slices]

    def writeblock(self, data: np.ndarray, slices: tuple[slice, ...]) -> None:
        self._check(data, slices)
        self.writes.append(slices)
        self.data[slices] = data

    def eachchunk(self) -> GridChunks:
        if self.chunks is None:
            return super().eachchunk()
        return regular_grid(self.shape, self.chunks)


def counting(shape: tuple[int, ...], chunks: tuple[int, ...], dtype: str = "f8",
             seed: int = 0) -> Counting:
    rng = np.random.default_rng(seed)
    data = (rng.standard_normal(shape) * 100).astype(dtype)
    return Counting(data, chunks)


def assert_equal(result: Any, expected: np.ndarray) -> None:
    result = np.asarray(result)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    np.testing.assert_array_equal(result, expected)


# ------------------------------------------------------------------ views
VIEW_SELECTIONS = [
    (slice(None),),
    (slice(2, 17), slice(3, 9)),
    (slice(None, None, -1),),
    (slice(18, 1, -3), slice(None, None, 2)),
    (5,),
    (-1, slice(2, None, 4)),
    (None, slice(1, 4), None, 2),
    (Ellipsis, None),
    (slice(None), Ellipsis, -3),
    (slice(5, 5),),
    (np.int64(3), np.int32(-2)),
]


@pytest.mark.parametrize("selection", VIEW_SELECTIONS)
def test_view_reads_nothing_until_read(selection: tuple[Any, ...]) -> None:
    a = counting((20, 11), (6, 4))
    view = lazy(a)[selection]
    assert isinstance(view, LazyView) and a.reads == []
    expected = a.data[selection]
    assert view.shape == expected.shape and view.dtype == expected.dtype
    assert view.eachchunk().size == expected.shape and a.reads == []
    assert_equal(view, expected)
    assert_equal(view.compute(), expected)


@pytest.mark.parametrize("first", VIEW_SELECTIONS)
@pytest.mark.parametrize("second", [(slice(None, None, -2),), (0,), (Ellipsis, slice(1, 3)),
                                    (None, Ellipsis, slice(None, None, -1))])
def test_view_of_view(first: tuple[Any, ...], second: tuple[Any, ...]) -> None:
    a = counting((20, 11), (6, 4))
    expected = a.data[first]
    try:
        expected = expected[second]
    except IndexError:
        with pytest.raises(IndexError):
            lazy(a)[first][second]
        return
    view = lazy(a)[first][second]
    assert isinstance(view, LazyView) and not isinstance(view.source, LazyView)  # flattened
    assert a.reads == []
    assert_equal(view, expected)


def test_view_read_calls_are_the_sources() -> None:
    a = counting((20, 12), (5, 4))
    view = lazy(a)[3:8, 1:7]  # inside rows 0-1 of chunks, columns 0-1
    np.asarray(view)
    assert a.reads == [(slice(3, 8), slice(1, 7))]  # one dense block: one call
    a.reads.clear()
    np.asarray(lazy(a)[::-1, 2][7:9])  # rows 12 and 11 of column 2: in one chunk
    assert a.reads == [(slice(11, 13), slice(2, 3))]
    a.reads.clear()
    view = lazy(a)[1:4, 5]
    assert float(view[1]) == a.data[2, 5] and len(a.reads) == 1  # the item alone


def test_view_grid_is_the_source_grid_restricted() -> None:
    a = counting((20, 12), (5, 4))
    assert lazy(a)[3:, ::-1].eachchunk() == GridChunks(IrregularChunks([2, 5, 5, 5]),
                                                     IrregularChunks([4, 4, 4]))
    assert lazy(a)[::5].eachchunk().dims[0] == RegularChunks(1, 0, 4)
    assert lazy(a)[None, 2:9].eachchunk().dims[:2] == (RegularChunks(1, 0, 1),
                                                        IrregularChunks([3, 4]))
    assert lazy(a).T.eachchunk() == regular_grid((12, 20), (4, 5))


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1), (-1, -3, -2)])
def test_transpose_and_permute_dims(axes: tuple[int, ...] | None) -> None:
    a = counting((6, 7, 8), (2, 3, 5))
    expected = np.transpose(a.data, axes)
    view = lazy(a).transpose(axes) if axes is not None else lazy(a).T
    assert isinstance(view, LazyView) and a.reads == []
    assert_equal(view, expected)
    assert_equal(np.transpose(lazy(a), axes), expected)
    if axes is not None:
        assert_equal(permute_dims(a, axes), expected)
        assert_equal(lazy(a).transpose(*axes)[1:, ::-2, 3], expected[1:, ::-2, 3])
        axes4 = tuple(ax % 3 for ax in axes) + (3,)
        assert_equal(lazy(a)[::-1, 2:, ..., None].transpose(axes4)[..., 0],
                     a.data[::-1, 2:, ..., None].transpose(axes4)[..., 0])


def test_fancy_selection_reads_at_once() -> None:
    a = counting((20, 12), (5, 4))
    view = lazy(a)[::-2]
    result = view[[0, 3, 3], 1:4]
    assert isinstance(result, np.ndarray)
    assert_equal(result, a.data[::-2][[0, 3, 3], 1:4])
    assert_equal(view[view[:, 0].compute() > 0], a.data[::-2][a.data[::-2, 0] > 0])
    assert_equal(view.oindex[[1, 2], [0, 5]], a.data[::-2][np.ix_([1, 2], [0, 5])])
    assert_equal(view.vindex[[1, 2], [0, 5]], a.data[::-2][[1, 2], [0, 5]])


def test_writes_through_views() -> None:
    a = counting((20, 12), (5, 4))
    expected = a.data.copy()
    lazy(a)[0, :3] = [1, 2, 3]
    expected[0, :3] = [1, 2, 3]
    view = lazy(a)[::-3, None, 1:].T  # steps, a new axis and a transpose
    view[2:5, 0, 1] = -7.0
    expected[::-3, None, 1:].T[2:5, 0, 1] = -7.0
    view[..., -1] = np.arange(11.0)[:, None]
    expected[::-3, None, 1:].T[..., -1] = np.arange(11.0)[:, None]
    np.testing.assert_array_equal(a.data, expected)
    with pytest.raises(ReadOnlyError, match="read-only"):
        (lazy(a) + 1)[0] = 1
    with pytest.raises(ReadOnlyError, match="read-only"):
        lazy(a).astype("f4")[0, 0] = 1
    with pytest.raises(ReadOnlyError):
        concatenate([a, a])[0] = 1
    with pytest.raises(ReadOnlyError):
        (lazy(a) * 2)[1:][0] = 1  # a view of an expression
    frozen = np.zeros(4)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        lazy(frozen)[1] = 1.0


# ------------------------------------------------------------------ concatenate and stack
MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def test_twelve_months_of_different_lengths_read_across_the_seams() -> None:
    months = [counting((days, 4, 3), (10, 4, 3), "f4", seed=i)
              for i, days in enumerate(MONTH_DAYS)]
    year = concatenate(months, axis=0)
    whole = np.concatenate([m.data for m in months])
    assert year.shape == (365, 4, 3) and year.dtype == np.float32
    expected_sizes = [n for days in MONTH_DAYS for n in ([10] * (days // 10) + [days % 10])
                      if n]
    assert year.eachchunk().dims[0] == IrregularChunks(expected_sizes)
    assert all(m.reads == [] for m in months)
    # a window across the January/February seam reads January's end and February's start
    assert_equal(year[25:40], whole[25:40])
    assert [len(m.reads) for m in months] == [1, 1] + [0] * 10
    assert months[0].reads == [(slice(25, 31), slice(0, 4), slice(0, 3))]
    assert months[1].reads == [(slice(0, 9), slice(0, 4), slice(0, 3))]
    # across every seam, with steps, backwards, and picking items
    for selection in [(slice(None),), (slice(20, 350, 7), 1), (slice(None, None, -1), 3, 2),
                      (slice(58, 61),), (-1,), (slice(300, 100, -11), slice(None, None, -1))]:
        assert_equal(year[selection], whole[selection])
    seams = np.cumsum(MONTH_DAYS)[:-1]
    assert_equal(year[seams - 1, 2], whole[seams - 1, 2])  # the last day of each month
    assert_equal(year.oindex[seams, [0, 3]], whole[seams][:, [0, 3]])
    np.testing.assert_allclose(year.mean(axis=0), whole.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(R.max(year[:, 1:3], axis=(0, 2)), whole[:, 1:3].max(axis=(0, 2)))


def test_concatenate_any_axis_mixed_sources_and_dtypes() -> None:
    a = counting((6, 5), (4, 2), "i2")
    b = np.arange(6 * 3, dtype="f4").reshape(6, 3)
    c = counting((6, 4), (3, 3), "u1", seed=2)
    joined = concatenate([a, b, lazy(c)[:, ::-1]], axis=-1)
    expected = np.concatenate([a.data, b, c.data[:, ::-1]], axis=-1)
    assert joined.dtype == expected.dtype  # float32
    assert_equal(joined, expected)
    assert_equal(joined[::-2, 3:9], expected[::-2, 3:9])
    assert_equal(np.concatenate([lazy(a), b], axis=1), np.concatenate([a.data, b], axis=1))
    assert joined.eachchunk().dims[1].sizes == (2, 2, 1, 3, 1, 3)
    assert_equal(concatenate([a, a], dtype="f8"), np.concatenate([a.data] * 2, dtype="f8"))


def test_stack() -> None:
    members = [counting((5, 7), (2, 3), seed=i) for i in range(4)]
    datas = [m.data for m in members]
    for axis in (0, 1, 2, -1, -3):
        stacked = stack(members, axis=axis)
        expected = np.stack(datas, axis=axis)
        assert stacked.shape == expected.shape
        assert_equal(stacked, expected)
        assert_equal(stacked[..., ::-2], expected[..., ::-2])
    assert stack(members, axis=1).eachchunk().dims[1] == RegularChunks(1, 0, 4)
    assert_equal(np.stack([lazy(d) for d in datas]), np.stack(datas))
    with pytest.raises(ValueError, match="same shape"):
        stack([datas[0], datas[0][:3]])


# ------------------------------------------------------------------ arithmetic
def test_operators_broadcasting_and_scalars() -> None:
    a = counting((8, 6), (3, 4))
    b = counting((6,), (4,), seed=1)
    x, y = lazy(a), lazy(b)
    A, B = a.data, b.data
    cases = [
        (x * 2 + np.sin(y), A * 2 + np.sin(B)),
        (x - y, A - B), (2 - x, 2 - A), (x / y, A / B), (1.5 / x, 1.5 / A),
        (x // 7, A // 7), (x % 7.0, A % 7.0), (abs(x) ** 0.5, abs(A) ** 0.5), (-x, -A),
        (+x, +A), (x[:, :1] * y, A[:, :1] * B), (x > y, A > B), (x <= 0, A <= 0),
        (x == x[0], A == A[0]), (x != 3, A != 3), (x[None, :, 2:3] + y, A[None, :, 2:3] + B),
        (np.maximum(x, 0), np.maximum(A, 0)), (np.hypot(x, y), np.hypot(A, B)),
        (np.exp(x / 100) * np.cos(y), np.exp(A / 100) * np.cos(B)),
        (A + x, A + A), (B * x, B * A),  # numpy on the left: __array_ufunc__
    ]
    assert not a.reads and not b.reads
    for result, expected in cases:
        assert isinstance(result, LazyArray)
        assert result.shape == expected.shape and result.dtype == expected.dtype
        np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-14)


def test_integer_bitwise_and_mixed_dtypes() -> None:
    i1 = lazy(np.arange(-5, 7, dtype="i1").reshape(3, 4))
    u2 = lazy(np.arange(4, dtype="u2"))
    f4 = lazy(np.linspace(0, 1, 4, dtype="f4"))
    I1, U2, F4 = (v.compute() for v in (i1, u2, f4))
    cases = [
        (i1 + u2, I1 + U2), (i1 * f4, I1 * F4), (i1 + 3, I1 + 3), (i1 * 2.5, I1 * 2.5),
        (f4 + np.float64(1), F4 + np.float64(1)), (i1 + np.int16(3), I1 + np.int16(3)),
        (~i1, ~I1), (i1 & 6, I1 & 6), (u2 | i1, U2 | I1), (i1 ^ u2, I1 ^ U2),
        (i1 << 1, I1 << 1), (64 >> u2, 64 >> U2), (i1 > f4, I1 > F4),
        ((i1 > 0) & (u2 < 3), (I1 > 0) & (U2 < 3)), (np.logical_not(i1), np.logical_not(I1)),
        (f4 + 1j, F4 + 1j), (np.float32(2) ** u2, np.float32(2) ** U2),
    ]
    for result, expected in cases:
        assert result.dtype == expected.dtype, (result, expected.dtype)
        assert_equal(result, expected)
    with pytest.raises(OverflowError):  # as numpy 2: a Python int out of range
        i1 + 300


def test_where_and_astype() -> None:
    a = counting((7, 9), (3, 4))
    x, A = lazy(a), a.data
    for result, expected in [
        (where(x > 0, x, 0), np.where(A > 0, A, 0)),
        (np.where(x > 0, 0, x), np.where(A > 0, 0, A)),
        (where(A[:, :1] > 0, x.astype("f4"), -1), np.where(A[:, :1] > 0, A.astype("f4"), -1)),
        (where(True, x[0], np.arange(9)), np.where(True, A[0], np.arange(9))),
        (x.astype("i4"), A.astype("i4")), (x.astype(bool), A.astype(bool)),
        (getattr(np, "astype", LazyArray.astype)(x, "f4"), A.astype("f4")),  # numpy >= 2.1
    ]:
        assert isinstance(result, LazyArray)
        assert_equal(result, expected)
    assert x.astype(A.dtype) is x
    with pytest.raises(TypeError, match="Cannot cast"):
        x.astype("i4", casting="safe")
    (positions,) = np.where(x[0] > 0)  # one argument: evaluated, as numpy's
    assert_equal(positions, np.where(A[0] > 0)[0])


def test_expressions_read_chunk_by_chunk_when_sliced() -> None:
    a = counting((20, 12), (5, 4))
    b = counting((20, 12), (5, 4), seed=1)
    expr = lazy(a) * 2 + np.sin(lazy(b))
    assert expr.eachchunk() == a.eachchunk()
    part = expr[6:9, 5:7]
    assert isinstance(part, LazyView) and not a.reads
    assert_equal(part, (a.data * 2 + np.sin(b.data))[6:9, 5:7])
    assert a.reads == b.reads == [(slice(6, 9), slice(5, 7))]
    a.reads.clear()
    assert_equal(expr[[2, 18], 3], (a.data * 2 + np.sin(b.data))[[2, 18], 3])
    assert len(a.reads) == 2  # two chunks apart: one block each


def test_grid_of_an_expression() -> None:
    a = counting((20, 12), (5, 4))
    row = counting((12,), (3,))
    col = lazy(np.ones((20, 1)))
    assert (lazy(a) + row).eachchunk() == regular_grid((20, 12), (5, 4))
    assert (row + lazy(a)).eachchunk() == regular_grid((20, 12), (5, 3))  # first: row
    assert (col * row).eachchunk() == GridChunks(RegularChunks(20, 0, 20),
                                                 RegularChunks(3, 0, 12))


# ------------------------------------------------------------------ evaluating expressions
def test_reductions_iteration_and_store() -> None:
    a = counting((23, 17), (5, 4))
    x, A = lazy(a), a.data
    expr = x * 2 - x[:, ::-1]
    expected = A * 2 - A[:, ::-1]
    np.testing.assert_allclose((x * 2).sum(axis=0), (A * 2).sum(axis=0))
    np.testing.assert_allclose(np.sum(expr, axis=1), expected.sum(axis=1))
    np.testing.assert_allclose(np.add.reduce(expr), np.add.reduce(expected))
    assert np.maximum.reduce(expr, axis=None) == expected.max()
    assert expr.argmax() == expected.argmax() and R.nanmin(expr) == expected.min()
    np.testing.assert_allclose(expr.std(axis=(0, 1), ddof=1), expected.std(ddof=1))
    assert (x > 0).any() and not (x > 1e9).all() and (x > 0).sum() == (A > 0).sum()
    rows = list(expr)
    assert len(rows) == 23 and all(isinstance(r, np.ndarray) for r in rows)
    assert_equal(np.array(rows), expected)
    assert list(lazy(np.arange(4.0))[::-1]) == [3.0, 2.0, 1.0, 0.0]
    dest = np.zeros(expected.shape)
    stats = expr.store(dest)
    assert_equal(dest, expected)
    assert stats.chunks_written == 1
    assert float(expr[3, 4]) == expected[3, 4] and int(lazy(np.arange(3))[2]) == 2
    assert bool(x[0, 0] == A[0, 0])
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x == 0)


def test_reduction_reads_each_chunk_once() -> None:
    a = counting((40, 30), (10, 10))
    with config.set(threads=2):
        np.testing.assert_allclose((lazy(a) * 2 + 1).sum(axis=0), (a.data * 2 + 1).sum(axis=0))
    touched = np.zeros((4, 3), dtype=int)
    grid = a.eachchunk()
    for slices in a.reads:
        for coords in grid.chunks_touching(slices):
            touched[coords] += 1
    assert (touched == 1).all(), touched


def test_zarrlite_arrays_on_directory_stores(tmp_path: Any) -> None:
    rng = np.random.default_rng(5)
    za = zl.open_array(str(tmp_path / "a.zarr"), mode="w", shape=(30, 40), chunks=(8, 16),
                       dtype="f4")
    zb = zl.open_array(str(tmp_path / "b.zarr"), mode="w", shape=(40,), chunks=(16,),
                       dtype="f8")
    za[...] = A = rng.standard_normal((30, 40)).astype("f4")
    zb[...] = B = rng.standard_normal(40)
    expr = lazy(za)[::-1] * 2 + np.sin(lazy(zb))
    expected = A[::-1] * 2 + np.sin(B)
    assert expr.eachchunk().dims[1] == RegularChunks(16, 0, 40)
    np.testing.assert_allclose(expr.compute(), expected, rtol=1e-6)
    np.testing.assert_allclose(expr.mean(axis=0), expected.mean(axis=0), rtol=1e-5)
    out = zl.open_array(str(tmp_path / "out.zarr"), mode="w", shape=(30, 40), chunks=(10, 10),
                        dtype="f8")
    expr.store(out)
    np.testing.assert_allclose(out[...], expected, rtol=1e-6)
    copied = zl.from_array(where(lazy(za) > 0, za, 0), str(tmp_path / "copy.zarr"))
    assert copied.chunks == (8, 16) and copied.dtype == np.float32
    assert_equal(copied[...], np.where(A > 0, A, 0))
    lazy(za)[::-2, 0] = 0  # a write through a view, to the store
    assert (za[::-2, 0] == 0).all() and za[-2, 0] == A[-2, 0]
    year = concatenate([za, np.zeros((5, 40), "f4"), za[:3]])
    assert_equal(year[28:36:2, ::7], np.concatenate([za[...], np.zeros((5, 40), "f4"),
                                                     za[:3]])[28:36:2, ::7])


def test_h5py_and_dask_sources(tmp_path: Any) -> None:
    da = pytest.importorskip("dask.array")
    data = np.arange(20 * 15, dtype="f8").reshape(20, 15)
    with h5py.File(tmp_path / "x.h5", "w") as f:
        ds = f.create_dataset("x", data=data, chunks=(5, 5))
        view = lazy(ds)[::-3, 1::4]  # h5py itself refuses negative steps
        assert view.eachchunk().dims[1] == IrregularChunks([1, 2, 1])  # 1 | 5 9 | 13
        assert_equal(view, data[::-3, 1::4])
        d = da.from_array(data[:, :1] * 10, chunks=(7, 1))
        expr = lazy(ds) + d
        assert expr.eachchunk().dims[0] == RegularChunks(5, 0, 20)  # ds comes first
        np.testing.assert_allclose(expr.compute(), data + data[:, :1] * 10)
        assert (lazy(d) + lazy(ds)).eachchunk().dims == (IrregularChunks([7, 7, 6]),
                                                         RegularChunks(5, 0, 15))
        z = zl.from_array(lazy(ds) * 2, str(tmp_path / "x.zarr"))
        assert z.chunks == (5, 5)
        assert_equal(z[...], data * 2)
        lazy(ds)[0, ::-1] = -1.0
        assert (ds[0] == -1).all()


def test_memory_bounded_when_reducing_a_big_expression() -> None:
    class Generated(BlockArray):
        """A 256 MiB float32 array computed on the fly, in 256 x 256 chunks."""

        shape, dtype = (16384, 4096), np.dtype("f4")

        def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
            rows, cols = np.ogrid[slices]
            np.add(rows % 7, cols % 5, out=out, casting="unsafe")

        def eachchunk(self) -> GridChunks:
            return regular_grid(self.shape, (256, 256))

    a = Generated()
    bound = 40 << 20  # about 5 blocks of 4 MiB per thread; measured: 25 MiB
    assert a.nbytes >= 6 * bound
    expr = lazy(a) * 2 + np.sqrt(lazy(a)[:, ::-1])
    with config.set(threads=2):
        tracemalloc.start()
        try:
            result = expr.sum(axis=0)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < bound, f"peak {peak / 2**20:.1f} MiB"
    rows, cols = np.arange(16384)[:, None], np.arange(4096)
    column = ((rows % 7) * 2).sum() + 16384 * 2 * (cols % 5)
    column = column + np.sqrt((rows % 7) + (cols[::-1] % 5)).sum(axis=0)
    np.testing.assert_allclose(result, column, rtol=1e-4)


# ------------------------------------------------------------------ errors
def test_errors() -> None:
    x = lazy(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"could not be broadcast together with shapes \(3,4\) "
                                         r"\(3,\)"):
        x + np.zeros(3)
    with pytest.raises(ValueError, match="could not be broadcast"):
        where(x > 0, np.zeros(5), 0)
    with pytest.raises(TypeError, match="accumulate"):
        np.add.accumulate(x)
    with pytest.raises(TypeError, match="outer"):
        np.multiply.outer(x, x)
    with pytest.raises(TypeError, match="one output"):
        np.divmod(x, 2)
    with pytest.raises(TypeError, match="not elementwise"):
        np.matmul(x, x.T)
    with pytest.raises(TypeError, match="out="):
        np.sin(x, out=np.zeros((3, 4)))
    with pytest.raises(TypeError, match="reduce is not supported"):
        np.subtract.reduce(x)
    with pytest.raises(TypeError):  # numpy's own: no loop for strings
        np.sin(lazy(np.array(["a", "b"])))
    with pytest.raises(IndexError, match="out of bounds"):
        x[3]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(ValueError, match="axes don't match"):
        x.transpose(0, 0)
    with pytest.raises(np.exceptions.AxisError):
        x.transpose(0, 2)
    with pytest.raises(ValueError, match="at least one array"):
        concatenate([])
    with pytest.raises(ValueError, match="zero-dimensional"):
        concatenate([np.float64(1.0), np.float64(2.0)])
    with pytest.raises(ValueError, match="along dimension 1"):
        concatenate([x, np.zeros((3, 5))])
    with pytest.raises(ValueError, match="same number of dimensions"):
        concatenate([x, np.zeros(4)])
    with pytest.raises(np.exceptions.AxisError):
        concatenate([x, x], axis=2)
    with pytest.raises(TypeError, match="Cannot cast"):
        concatenate([x, x], dtype="i4", casting="safe")
    with pytest.raises(TypeError, match="length-1"):
        float(x)


def test_other_numpy_functions_evaluate() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = lazy(a)
    assert np.shape(x) == (3, 4) and np.ndim(x) == 2 and np.size(x) == 12
    assert np.allclose(x, a) and np.array_equal(x[::-1], a[::-1])
    assert_equal(np.cumsum(x * 2, axis=1), np.cumsum(a * 2, axis=1))
    assert_equal(np.concatenate([x, a], axis=None), np.concatenate([a, a], axis=None))


def test_lazy_needs_an_array():
    for not_an_array in (None, 5, "text"):
        with pytest.raises(TypeError, match="lazy\\(\\) needs an array"):
            zl.lazy(not_an_array)
