"""BlockArray: numpy-exact indexing (get and set) over readblock/writeblock, in the fewest calls.

Sections: a counting subclass over a numpy array; the number of readblock/writeblock calls
for hand-picked requests (2-d with 5x7 chunks, 0-d, 1-d, 3-d, unchunked); numpy as the
oracle for hypothesis-generated and seeded random selections on random grids (regular,
offset, irregular); errors and the numpy protocols; the strategy's unit rules.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import assert_same, numpy_orthogonal, ortho_selections
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import zarrlite as zl
from zarrlite.chunked.block_strategy import BatchStrategy, plan_dim, plan_points
from zarrlite.chunked.blockarray import BlockArray
from zarrlite.chunked.eachchunk import eachchunk
from zarrlite.chunked.grid import GridChunks, IrregularChunks, RegularChunks, regular_grid
from zarrlite.errors import ReadOnlyError


class Counting(BlockArray):
    """A block array over a numpy array that records (and checks) every block call."""

    def __init__(self, data: np.ndarray, grid: GridChunks | None = None) -> None:
        self.data = data
        self.shape = data.shape
        self.dtype = data.dtype
        self.grid = grid
        self.reads: list[tuple[slice, ...]] = []
        self.writes: list[tuple[slice, ...]] = []

    def _check(self, arr: np.ndarray, slices: tuple[slice, ...]) -> None:
        assert isinstance(slices, tuple) and len(slices) == self.data.ndim
        for s, n in zip(slices, self.data.shape):
            assert type(s.start) is int and type(s.stop) is int and s.step is None
            assert 0 <= s.start < s.stop <= n, (s, n)
        assert arr.flags.c_contiguous and arr.dtype == self.data.dtype
        assert arr.shape == tuple(s.stop - s.start for s in slices)

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        self._check(out, slices)
        assert out.flags.writeable
        self.reads.append(slices)
        out[...] = self.data[slices]

    def writeblock(self, data: np.ndarray, slices: tuple[slice, ...]) -> None:
        self._check(data, slices)
        self.writes.append(slices)
        self.data[slices] = data

    def eachchunk(self) -> GridChunks:
        return super().eachchunk() if self.grid is None else self.grid

    def calls(self) -> tuple[int, int]:
        counts = len(self.reads), len(self.writes)
        self.reads.clear()
        self.writes.clear()
        return counts


class ReadOnly(BlockArray):
    """A read-only block array (no writeblock), unchunked."""

    def __init__(self, data: np.ndarray) -> None:
        self.data, self.shape, self.dtype = data, data.shape, data.dtype
        self.reads = 0

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        self.reads += 1
        out[...] = self.data[slices]


def grid_2d() -> Counting:
    """20x21 items in 5x7 chunks: a 4x3 chunk grid."""
    data = np.arange(20 * 21, dtype="i4").reshape(20, 21)
    return Counting(data, regular_grid(data.shape, (5, 7)))


def check_read(a: Counting, sel: Any, reads: int, accessor: str = "") -> None:
    """``a[sel]`` (or ``a.oindex``/``a.vindex``) equals numpy's and makes `reads` calls."""
    a.calls()
    if accessor == "oindex":
        got, expected = a.oindex[sel], numpy_orthogonal(a.data, sel)
    elif accessor == "vindex":
        got = a.vindex[sel]
        expected = a.data[sel]
    else:
        got, expected = a[sel], a.data[sel]
    assert_same(got, expected)
    assert a.calls() == (reads, 0), sel


def rows(*indices: int) -> np.ndarray:
    mask = np.zeros(20, bool)
    mask[list(indices)] = True
    return mask


def points_mask(*points: tuple[int, int]) -> np.ndarray:
    mask = np.zeros((20, 21), bool)
    for p in points:
        mask[p] = True
    return mask


DENSE_MASK = np.random.default_rng(1).random((20, 21)) < 0.6

# --------------------------------------------------------------------------- call counts
READS_2D = [
    # (selection, accessor, readblock calls)
    ((slice(1, 4), slice(2, 6)), "", 1),  # inside one chunk
    ((3, 9), "", 1),  # one item
    ((slice(3, 12), slice(5, 16)), "", 1),  # a box over 9 chunks: one block
    (Ellipsis, "", 1),  # everything
    ((), "", 1),
    ((slice(None), 4), "", 1),
    ((slice(None, None, 2), slice(None, None, 3)), "", 1),  # small steps: dense enough
    ((slice(None, None, -1), slice(None, None, -2)), "", 1),  # negative steps
    ((slice(18, 2, -3), 5), "", 1),
    ((slice(None, None, 10), 0), "", 2),  # rows 0 and 10: two chunks, far apart
    ((slice(None, None, 10), slice(None, None, 10)), "", 6),  # 2 x 3 far-apart items
    ((slice(1, 2, 7), slice(None, None, -7)), "", 3),
    ([0, 1, 2], "", 1),  # a sorted list inside one chunk
    ([3, 4, 5, 6], "", 1),  # sorted, over a chunk boundary, no gaps
    ([0, 19], "", 2),  # sparse: one block per touched chunk
    ([12, 0, 12, 1], "", 2),  # unsorted, repeated
    ([4, 4, 4], "", 1),
    (([0, 19], slice(2, 9)), "", 2),
    ((slice(0, 3), [20, 0, 1]), "", 2),
    (([0, 19], [0, 20]), "oindex", 4),
    (([1, 3], [2, 5]), "oindex", 1),
    (([0, 2, 4, 6, 8], [1, 3]), "oindex", 1),
    ((rows(0, 19),), "", 2),  # a sparse boolean array along an axis
    ((~rows(7),), "", 1),  # a dense one
    ((slice(None), np.arange(21) % 2 == 0), "", 1),
    (points_mask((0, 0), (19, 20)), "", 2),  # a sparse mask: a block per touched chunk
    (points_mask((1, 1), (3, 5)), "", 1),  # a mask inside one chunk
    (DENSE_MASK, "", 1),  # a dense mask: one bounding block
    (points_mask((0, 0), (19, 20)), "vindex", 2),
    (DENSE_MASK, "vindex", 1),
    (([0, 19], [0, 20]), "", 2),  # numpy's points
    (([0, 19], [0, 20]), "vindex", 2),
    (([4, 5], [6, 7]), "vindex", 1),  # neighbours across a chunk corner
    (([2, 2, 0], [3, 3, 6]), "vindex", 1),  # repeated points in one chunk
    ((np.array([[0, 19], [1, 18]]), np.array([[0, 20], [1, 19]])), "vindex", 2),
    ((np.array([[0, 19], [1, 18]]),), "", 2),  # an N-d integer array: numpy's rules
    (([0, 19], slice(None), None), "", 2),
]

EMPTY_2D = [
    (slice(5, 5), ""),
    ((slice(None), slice(3, 3)), ""),
    ((slice(None, None, -1), slice(3, 1)), ""),
    ([], ""),
    ((np.array([], int), slice(None)), ""),
    ((rows(),), ""),
    (points_mask(), ""),
    (([], []), "vindex"),
    (points_mask(), "vindex"),
    (([], [1, 2]), "oindex"),
]


@pytest.mark.parametrize("sel, accessor, reads", READS_2D)
def test_reads_2d(sel: Any, accessor: str, reads: int) -> None:
    check_read(grid_2d(), sel, reads, accessor)


@pytest.mark.parametrize("sel, accessor", EMPTY_2D)
def test_empty_selections_make_no_call(sel: Any, accessor: str) -> None:
    a = grid_2d()
    check_read(a, sel, 0, accessor)
    if accessor == "oindex":
        a.oindex[sel] = 7
    elif accessor == "vindex":
        a.vindex[sel] = 7
    else:
        a[sel] = 7
    assert a.calls() == (0, 0)


def test_full_reads() -> None:
    a = grid_2d()
    assert_same(np.asarray(a), a.data)
    assert a.calls() == (1, 0)
    assert_same(np.array(a, dtype="f8"), a.data.astype("f8"))
    assert a.calls() == (1, 0)
    assert_same(a[...], a.data)
    assert a.calls() == (1, 0)


WRITES_2D = [
    # (selection, accessor, (reads, writes))
    ((slice(1, 4), slice(2, 6)), "", (0, 1)),  # a box inside one chunk: written as is
    ((3, 9), "", (0, 1)),
    ((slice(3, 12), slice(5, 16)), "", (0, 9)),  # a writeblock per touched chunk
    (Ellipsis, "", (0, 12)),
    ((slice(None, None, 2), 0), "", (4, 4)),  # gaps: read-modify-write of each chunk's box
    ((slice(None, None, -1), slice(None, None, -1)), "", (0, 12)),  # reversed: complete
    (([0, 1], 3), "", (0, 1)),
    (([1, 0, 1], 3), "", (0, 1)),  # repeated, no gaps: complete
    (([0, 2], 3), "", (1, 1)),  # a gap: read first
    (([0, 19], 3), "", (0, 2)),
    ([0, 19], "", (0, 6)),  # two rows: 2 x 3 chunks
    (([0, 19], [0, 20]), "oindex", (0, 4)),
    (([0, 19], [0, 20]), "vindex", (0, 2)),
    (([0, 2], [0, 2]), "vindex", (1, 1)),  # two points, box 3x3: read first
    (([0, 1, 0, 1], [0, 0, 1, 1]), "vindex", (0, 1)),  # four points filling a box
    (points_mask((0, 0), (19, 20)), "", (0, 2)),
    (DENSE_MASK, "", (12, 12)),
    ((rows(0, 19), 3), "", (0, 2)),
]


@pytest.mark.parametrize("sel, accessor, calls", WRITES_2D)
@pytest.mark.parametrize("scalar", [True, False])
def test_writes_2d(sel: Any, accessor: str, calls: tuple[int, int], scalar: bool) -> None:
    a = grid_2d()
    expected = a.data.copy()
    if accessor == "oindex":
        shape = numpy_orthogonal(expected, sel).shape
    else:
        shape = expected[sel].shape
    value = -1 if scalar else -np.arange(1, math.prod(shape) + 1).reshape(shape)
    if accessor == "oindex":
        a.oindex[sel] = value
        axes = [np.arange(n)[s] if isinstance(s, slice) else np.atleast_1d(s)
                for n, s in zip(expected.shape, sel)]
        expected[np.ix_(*axes)] = np.broadcast_to(value, [len(x) for x in axes])
    elif accessor == "vindex":
        a.vindex[sel] = value
        expected[sel] = value
    else:
        a[sel] = value
        expected[sel] = value
    assert a.calls() == calls
    np.testing.assert_array_equal(a.data, expected)


def test_repeated_indices_last_value_wins() -> None:
    a = grid_2d()
    expected = a.data.copy()
    a[[1, 0, 1], 3] = [10, 20, 30]
    expected[[1, 0, 1], 3] = [10, 20, 30]
    a.vindex[[7, 7, 19], [8, 8, 0]] = [1, 2, 3]
    expected[[7, 7, 19], [8, 8, 0]] = [1, 2, 3]
    np.testing.assert_array_equal(a.data, expected)
    assert a.data[1, 3] == 30 and a.data[7, 8] == 2


def test_0d() -> None:
    a = Counting(np.array(3.5))
    for sel in [(), Ellipsis, None, (Ellipsis, None)]:
        check_read(a, sel, 1)
    for sel in [True, False, np.array(True), np.array(False)]:
        check_read(a, sel, 1 if np.asarray(a.data[sel]).size else 0)
    assert_same(np.asarray(a), a.data)
    assert a.calls() == (1, 0)
    a[()] = 7
    assert a.calls() == (0, 1) and a.data[()] == 7
    a[...] = np.array(8)
    a[True] = 9
    assert a.calls() == (0, 2) and a.data[()] == 9
    a[False] = 10
    assert a.calls() == (0, 0) and a.data[()] == 9
    with pytest.raises(TypeError, match="unsized"):
        len(a)
    with pytest.raises(TypeError, match="0-d"):
        iter(a)
    assert a.ndim == 0 and a.size == 1 and a.nbytes == 8


def test_1d() -> None:
    data = np.arange(23, dtype="f4")
    a = Counting(data, regular_grid(data.shape, (5,)))
    cases = [(3, 1), (-1, 1), (slice(None), 1), (slice(None, None, -1), 1), ([0, 22], 2),
             ([22, 0, 22], 2), (np.arange(23) % 7 == 0, 4), (slice(2, 20, 9), 2),
             (np.arange(23) > 4, 1), (np.array([[1, 2], [3, 4]]), 1)]
    for sel, reads in cases:
        check_read(a, sel, reads)
    check_read(a, ([0, 22],), 2, "vindex")
    check_read(a, (np.arange(23) % 2 == 0,), 1, "vindex")
    a[[0, 22]] = [5, 6]
    assert a.calls() == (0, 2)
    assert list(a) == list(data)
    assert a.calls() == (5, 0)  # one slab per chunk of the first axis


def test_3d() -> None:
    data = np.arange(6 * 7 * 8, dtype="i8").reshape(6, 7, 8)
    a = Counting(data, regular_grid(data.shape, (2, 3, 4)))
    cases = [((1, 2, 3), 1), (Ellipsis, 1), ((slice(None), [0, 6], slice(None, None, 7)), 4),
             ((0, slice(None), [1, 7]), 2), (([0, 1], slice(None), 0), 1),
             ((slice(None), [0, 6], [1, 7]), 4), ((0, Ellipsis, None, 5), 1),
             (data % 5 == 0, 1), ((slice(1, 2), slice(3, 5), slice(4, 8)), 1)]
    for sel, reads in cases:
        check_read(a, sel, reads)
    check_read(a, ([0, 5], [0, 6], [0, 7]), 2, "vindex")
    check_read(a, ([0, 5], slice(None), [0, 7]), 4, "oindex")
    a[:, 0, 0] = 1
    assert a.calls() == (0, 3)
    assert [row.tolist() for row in a] == data.tolist()
    assert a.calls() == (3, 0)


def test_unchunked_is_one_call() -> None:
    data = np.arange(20 * 21, dtype="u2").reshape(20, 21)
    a = Counting(data)
    for sel in [(slice(None, None, 10), slice(None, None, 10)), [0, 19], [19, 0, 5],
                points_mask((0, 0), (19, 20)), ([0, 19], [0, 20]), Ellipsis, (3, 4)]:
        check_read(a, sel, 1)
    expected = data.copy()
    for sel, calls in [((slice(2, 5),), (0, 1)), ((slice(None, None, 2), 0), (1, 1)),
                       (([0, 19], [0, 20]), (1, 1)), (Ellipsis, (0, 1))]:
        a[sel] = 9
        expected[sel] = 9
        assert a.calls() == calls
    np.testing.assert_array_equal(a.data, expected)
    assert a.eachchunk() == GridChunks(RegularChunks(20, 0, 20), RegularChunks(21, 0, 21))


def test_density_threshold_is_tunable() -> None:
    class Merging(Counting):
        batch_strategy = BatchStrategy(density_threshold=0.0)

    class Splitting(Counting):
        batch_strategy = BatchStrategy(density_threshold=2.0)

    data = np.arange(20 * 21).reshape(20, 21)
    merging = Merging(data, regular_grid(data.shape, (5, 7)))
    check_read(merging, [0, 19], 1)
    check_read(merging, points_mask((0, 0), (19, 20)), 1)
    splitting = Splitting(data, regular_grid(data.shape, (5, 7)))
    check_read(splitting, (slice(None, None, 2), 0), 4)
    check_read(splitting, (slice(3, 17), 0), 1)  # a step-1 span is one block anyway
    with pytest.raises(ValueError, match="density_threshold"):
        BatchStrategy(density_threshold=-1)


def test_irregular_and_offset_grids() -> None:
    data = np.arange(10 * 9).reshape(10, 9)
    grid = GridChunks(IrregularChunks([1, 6, 3]), RegularChunks(4, 3, 9))  # cols: 0 | 1-4 | 5-8
    a = Counting(data, grid)
    check_read(a, (slice(1, 7), slice(1, 5)), 1)
    check_read(a, ([0, 9], [0, 8]), 4, "oindex")
    check_read(a, ([0, 9], [0, 8]), 2, "vindex")
    a[0:7, 0:5] = 0
    assert a.calls() == (0, 4)


# --------------------------------------------------------------------------- numpy oracle
@st.composite
def grids(draw: Any, shape: tuple[int, ...]) -> GridChunks:
    """A random grid for `shape`: per dimension regular (with an offset) or irregular."""
    dims: list[RegularChunks | IrregularChunks] = []
    for n in shape:
        if n and draw(st.booleans()):
            sizes = []
            while sum(sizes) < n:
                sizes.append(min(draw(st.integers(1, 4)), n - sum(sizes)))
            dims.append(IrregularChunks(sizes))
        else:
            size = draw(st.integers(1, 6))
            dims.append(RegularChunks(size, draw(st.integers(0, size - 1)), n))
    return GridChunks(*dims)


@st.composite
def arrays(draw: Any, max_dims: int = 3) -> Counting:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=9))
    data = (np.arange(math.prod(shape), dtype="i4") * 3 - 50).reshape(shape)
    grid = draw(st.none() | grids(shape))
    return Counting(data, grid)


def touched_chunks(a: Counting, positions: np.ndarray) -> int:
    """The number of distinct chunks holding the selected items (positions: (k, ndim))."""
    grid = a.eachchunk()
    return len({grid.chunk_of(tuple(int(i) for i in p)) for p in positions})


def check_counts(a: Counting, selected: np.ndarray) -> None:
    """Reads made: none for nothing, one for items inside one chunk, at most one per chunk."""
    reads, _ = a.calls()
    flat = np.argwhere(selected)
    touched = touched_chunks(a, flat) if len(flat) else 0
    assert reads <= touched, (reads, touched)
    assert (reads == 0) == (touched == 0)
    if touched == 1:
        assert reads == 1


def selected_mask(shape: tuple[int, ...], sel: Any, orthogonal: bool = False) -> np.ndarray:
    """Which items of an array of `shape` a selection takes."""
    marks = np.zeros(shape, bool)
    if orthogonal:
        axes = [np.arange(n)[s] if isinstance(s, slice) else np.atleast_1d(np.arange(n)[s])
                for n, s in zip(shape, sel)]
        marks[np.ix_(*axes)] = True
    else:
        marks[sel] = True
    return marks


SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(st.data())
def test_basic_matches_numpy(data: st.DataObject) -> None:
    a = data.draw(arrays())
    sel = data.draw(hnp.basic_indices(a.shape, min_dims=0, allow_newaxis=True,
                                      allow_ellipsis=True))
    a.calls()
    assert_same(a[sel], a.data[sel])
    check_counts(a, selected_mask(a.shape, sel))
    expected = a.data.copy()
    value = np.asarray(a.data[sel]) * -1 - 1
    a[sel] = value
    expected[sel] = value
    np.testing.assert_array_equal(a.data, expected)
    reads, writes = a.calls()
    assert writes <= max(1, len(a.eachchunk())) and reads <= writes


@SETTINGS
@given(st.data())
def test_integer_arrays_match_numpy(data: st.DataObject) -> None:
    a = data.draw(arrays())
    assume(a.ndim > 0 and all(a.shape))
    sel = data.draw(hnp.integer_array_indices(a.shape, result_shape=hnp.array_shapes(
        min_dims=0, max_dims=2, min_side=0, max_side=4)))
    a.calls()
    assert_same(a[sel], a.data[sel])
    check_counts(a, selected_mask(a.shape, sel))
    assert_same(a.vindex[sel], np.asarray(a.data[sel]))
    value = np.arange(np.asarray(a.data[sel]).size).reshape(np.shape(a.data[sel])) + 1000
    expected = a.data.copy()
    expected[sel] = value
    a.vindex[sel] = value
    np.testing.assert_array_equal(a.data, expected)


@SETTINGS
@given(st.data())
def test_orthogonal_matches_numpy(data: st.DataObject) -> None:
    a = data.draw(arrays())
    assume(all(a.shape))
    sel = data.draw(ortho_selections(a.shape))
    a.calls()
    expected = numpy_orthogonal(a.data, sel)
    assert_same(a.oindex[sel], np.asarray(expected))  # a 0-d array for ints alone
    check_counts(a, selected_mask(a.shape, sel, orthogonal=True))
    expected = a.data.copy()
    value = -numpy_orthogonal(a.data, sel) - 7
    a.oindex[sel] = value
    axes = [np.arange(n)[s] if isinstance(s, slice) else np.atleast_1d(np.arange(n)[s])
            for n, s in zip(a.shape, sel)]
    expected[np.ix_(*axes)] = value.reshape([len(x) for x in axes])
    np.testing.assert_array_equal(a.data, expected)


@SETTINGS
@given(st.data())
def test_masks_match_numpy(data: st.DataObject) -> None:
    a = data.draw(arrays())
    mask = data.draw(hnp.arrays(bool, a.shape))
    a.calls()
    assert_same(a[mask], a.data[mask])
    check_counts(a, mask)
    if a.ndim:
        assert_same(a.vindex[mask], a.data[mask])
    expected = a.data.copy()
    expected[mask] = 5
    a[mask] = 5
    np.testing.assert_array_equal(a.data, expected)


@SETTINGS
@given(st.data())
def test_one_array_with_slices_matches_numpy(data: st.DataObject) -> None:
    """numpy's rules for one index array (or several) among ints and slices."""
    a = data.draw(arrays(max_dims=3))
    assume(a.ndim >= 2 and all(a.shape))
    items: list[Any] = []
    for n in a.shape:
        kind = data.draw(st.sampled_from(["int", "slice", "array"]))
        if kind == "int":
            items.append(data.draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            items.append(slice(data.draw(st.none() | st.integers(-n, n)), None,
                               data.draw(st.sampled_from([None, 2, -1]))))
        else:
            items.append(data.draw(st.lists(st.integers(-n, n - 1), max_size=5)))
    sel = tuple(items)
    try:
        expected = a.data[sel]
    except IndexError:  # arrays that do not broadcast together
        with pytest.raises(IndexError):
            a[sel]
        return
    a.calls()
    assert_same(a[sel], expected)
    check_counts(a, selected_mask(a.shape, sel))
    target = a.data.copy()
    value = np.asarray(expected) + 100
    target[sel] = value
    a[sel] = value
    np.testing.assert_array_equal(a.data, target)


@pytest.mark.parametrize("seed", range(6))
def test_seeded_random_selections(seed: int) -> None:
    """Bigger arrays than hypothesis draws, with random sparse and dense selections."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in rng.integers(30, 70, size=2))
    data = rng.integers(-1000, 1000, shape).astype("i8")
    chunks = tuple(int(c) for c in rng.integers(3, 12, 2))
    a = Counting(data, regular_grid(shape, chunks))
    nchunks = len(a.eachchunk())
    for density in [0.01, 0.05, 0.3, 0.9]:
        rows = np.flatnonzero(rng.random(shape[0]) < density)
        cols = rng.permutation(shape[1])[: max(1, int(shape[1] * density))]
        mask = rng.random(shape) < density
        points = (rng.integers(0, shape[0], 9), rng.integers(0, shape[1], 9))
        steps = (slice(None, None, int(rng.integers(1, 9))),
                 slice(None, None, -int(rng.integers(1, 9))))
        cases: list[tuple[Any, str, np.ndarray]] = [
            (rows, "", data[rows]),
            ((rows, cols), "oindex", data[np.ix_(rows, cols)]),
            (mask, "", data[mask]),
            (points, "vindex", data[points]),
            (steps, "", data[steps]),
        ]
        for sel, accessor, expected in cases:
            a.calls()
            assert_same(getattr(a, accessor)[sel] if accessor else a[sel], expected)
            reads, _ = a.calls()
            assert reads <= nchunks
            if density == 0.9 and not isinstance(sel, tuple):  # dense: one bounding block
                assert reads == 1
        value = rng.integers(-9, 9, int(mask.sum()))
        expected = data.copy()
        expected[mask] = value
        a[mask] = value
        np.testing.assert_array_equal(a.data, expected)
        reads, writes = a.calls()
        assert reads <= writes <= nchunks


# --------------------------------------------------------------------------- errors, protocols
@pytest.mark.parametrize("sel", [
    (20,), (0, 21), (0, 0, 0), (slice(None), [21]), [[True, False]], (Ellipsis, Ellipsis),
    (1.5,), (slice(0, 5, 0),), "a", ([0, 1], [0, 1, 2]),
])
def test_errors_as_numpy(sel: Any) -> None:
    a = grid_2d()
    with pytest.raises(Exception) as theirs:
        a.data[sel]
    with pytest.raises(type(theirs.value)):
        a[sel]
    with pytest.raises(type(theirs.value)):
        a[sel] = 1
    assert a.calls() == (0, 0)


def test_write_errors_come_before_any_call() -> None:
    a = grid_2d()
    with pytest.raises(ValueError):
        a[0:2, 0:2] = np.ones((3, 3))
    with pytest.raises(OverflowError):
        Counting(np.zeros(3, np.int8))[0] = 300
    assert a.calls() == (0, 0)
    ro = ReadOnly(np.arange(6).reshape(2, 3))
    with pytest.raises(ReadOnlyError, match="ReadOnly is read-only"):
        ro[0, ::2] = 1
    with pytest.raises(PermissionError):
        ro.vindex[[0], [0]] = 1
    assert ro.reads == 0
    assert ro[1, 2] == 5 and ro.reads == 1


def test_grid_must_cover_the_array() -> None:
    a = Counting(np.zeros((4, 4)), regular_grid((4, 5), (2, 2)))
    with pytest.raises(ValueError, match=r"covers shape \(4, 5\)"):
        a[0]


def test_oindex_vindex_errors() -> None:
    a = grid_2d()
    with pytest.raises(IndexError):
        a.oindex[None]
    with pytest.raises(IndexError):
        a.oindex[np.zeros((2, 2), int)]
    with pytest.raises(IndexError):
        a.vindex[0:2, [0]]
    with pytest.raises(IndexError):
        a.vindex[[0, 20], [0, 0]]
    assert a.calls() == (0, 0)


def test_protocols() -> None:
    a = grid_2d()
    assert (a.ndim, a.size, a.itemsize, a.nbytes, len(a)) == (2, 420, 4, 1680, 20)
    assert repr(a) == "<Counting shape=(20, 21) dtype=int32 chunks=(5, 7)>"
    assert eachchunk(a) == a.eachchunk() == regular_grid((20, 21), (5, 7))
    with pytest.raises(ValueError, match="without a copy"):
        np.asarray(a, copy=False)  # type: ignore[call-overload]
    assert_same(np.asarray(a, dtype="i8"), a.data.astype("i8"))
    assert [r.tolist() for r in a] == a.data.tolist()
    assert a.calls() == (5, 0)  # one read per chunk of the first axis (4), and np.asarray
    a.oindex[0, 0] = 5
    assert a.oindex[0, 0].shape == () and int(a.oindex[0, 0]) == 5  # 0-d, as zarrlite's


def test_reductions_are_methods() -> None:
    data = np.arange(20 * 21, dtype="f8").reshape(20, 21) % 17
    a = Counting(data, regular_grid(data.shape, (5, 7)))
    np.testing.assert_allclose(a.sum(axis=0), data.sum(axis=0))
    np.testing.assert_allclose(a.std(axis=1, ddof=1), data.std(axis=1, ddof=1))
    assert a.argmax() == data.argmax() and a.max() == data.max()
    assert all(s == tuple(slice(x.start, x.stop) for x in s) for s in a.reads)


def test_dask_reads_a_block_array() -> None:
    import dask.array as da

    a = grid_2d()
    d = da.from_array(a, chunks=(5, 7), asarray=True)
    np.testing.assert_array_equal(d.sum(axis=0).compute(), a.data.sum(axis=0))
    assert len(a.reads) == 12


# --------------------------------------------------------------------------- strategy rules
def test_plan_dim_rules() -> None:
    dim = RegularChunks(5, 0, 40)
    spans = [(p.lo, p.hi) for p in plan_dim(np.array([0, 1, 5, 6, 30, 31]), dim, 0.5, True)]
    assert spans == [(0, 7), (30, 32)]  # 0-1 and 5-6 merge (gap 3 < 4 items), 30-31 apart
    assert len(plan_dim(range(0, 40, 7), dim, 0.5, True)) == 6  # one item per chunk, far apart
    assert len(plan_dim(range(0, 40, 3), dim, 0.5, True)) == 1
    assert len(plan_dim(range(39, -1, -3), dim, 0.5, True)) == 1
    pieces = plan_dim(range(39, 0, -2), dim, 0.5, merge=False)
    assert [(p.lo, p.hi, p.complete) for p in pieces][:2] == [(1, 4, False), (5, 10, False)]
    assert len(plan_dim(range(0, 40, 13), RegularChunks(1, 0, 40), 0.5, True)) == 4


def test_plan_points_rules() -> None:
    dims = [RegularChunks(5, 0, 20), RegularChunks(7, 0, 21)]
    rng = np.random.default_rng(0)
    dense = [rng.integers(0, 20, 400), rng.integers(0, 21, 400)]
    assert len(plan_points(dense, dims, 0.5, merge=True)) == 1
    assert len(plan_points(dense, dims, 0.5, merge=False)) == 12
    far = [np.array([0, 19, 0]), np.array([0, 20, 0])]
    batches = plan_points(far, dims, 0.5, merge=True)
    assert [(b.lo, b.hi) for b in batches] == [((0, 0), (1, 1)), ((19, 20), (20, 21))]
    assert [b.positions.tolist() for b in batches] == [[0, 2], [1]]  # type: ignore[union-attr]
    assert [b.complete for b in plan_points(far, dims, 0.5, merge=False)] == [True, True]
    square = [np.array([0, 1, 0, 1, 3]), np.array([0, 0, 1, 1, 3])]  # 2x2 full + a point
    assert [b.complete for b in plan_points(square, dims, 0.5, merge=False)] == [False]
    assert plan_points([np.array([0, 1, 1])], dims[:1], 0.5, merge=False)[0].complete


def test_a_strided_read_of_a_huge_array_reads_a_few_chunks_at_a_time():
    import tracemalloc

    from zarrlite.chunked.grid import regular_grid

    class Huge(BlockArray):  # 32 GiB, never allocated: blocks are filled with ones
        shape, dtype = (65536, 65536), np.dtype("f8")
        biggest = 0

        def readblock(self, out, slices):
            Huge.biggest = max(Huge.biggest, out.nbytes)
            out[...] = 1

        def eachchunk(self):
            return regular_grid(self.shape, (1024, 1024))

    tracemalloc.start()
    try:
        assert Huge()[::256, ::256].shape == (256, 256)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert Huge.biggest <= 4 * 1024 * 1024 * 8  # at most 4 chunks of 8 MiB a call
    assert peak < 80 << 20


def test_an_unchunked_block_array_is_reduced_in_bounded_blocks():
    import tracemalloc

    from zarrlite.chunked.eachchunk import haschunks

    class Flat(BlockArray):  # 128 MiB, no eachchunk of its own
        shape, dtype = (4096, 4096), np.dtype("f8")

        def readblock(self, out, slices):
            out[...] = 1

    assert not haschunks(Flat())
    tracemalloc.start()
    try:
        assert Flat().sum() == 4096 * 4096
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


def test_newaxis_with_arrays_for_every_dimension_keeps_the_new_axis():
    data = np.arange(12).reshape(3, 4)

    class Small(BlockArray):
        shape, dtype = data.shape, data.dtype

        def readblock(self, out, slices):
            out[...] = data[slices]

    a = Small()
    for sel in [(None, [0, 1], [1, 2]), ([0, 1], [1, 2], None), ([0, 2], None, [3, 0])]:
        np.testing.assert_array_equal(a[sel], data[sel])
    # zarrlite's Array refuses what it cannot do exactly (it gave shape (2,) before)
    z = zl.array(data, chunks=(2, 2))
    with pytest.raises(IndexError, match="np.newaxis"):
        z[None, [0, 1], [1, 2]]
