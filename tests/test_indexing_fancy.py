"""Tests for zarrlite.indexing.orthogonal and zarrlite.indexing.points, with numpy as the oracle.

Every indexer is checked the same way: rebuild the output chunk by chunk from a numpy array
holding each element's flat index (take the chunk at ``chunk_coords * chunks``, gather with
``src``, scatter with ``dst``), then compare with numpy's own result. Writes are simulated the
same way and compared with numpy's assignment, which keeps the last of repeated indices.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zarrlite.indexing.basic import BasicIndexer
from zarrlite.indexing.blocks import BlockIndexer
from zarrlite.indexing.orthogonal import (
    CoordinateIndexer,
    MaskIndexer,
    OrthogonalIndexer,
    ortho_offsets,
    point_offsets,
)
from zarrlite.indexing.projection import ChunkProjection
from zarrlite.indexing.route import classify_selection

# --- helpers -------------------------------------------------------------------------------


def _chunk_slices(coords: tuple[int, ...], chunks: tuple[int, ...]) -> tuple[slice, ...]:
    """The chunk's slices, with a trailing ``...`` so that a 0-d array gives a view."""
    return (*(slice(c * k, (c + 1) * k) for c, k in zip(coords, chunks, strict=True)), ...)


def _arange(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(math.prod(shape), dtype=np.int64).reshape(shape)


def _ortho_positions(selection: Any, shape: tuple[int, ...]) -> tuple[list[np.ndarray], tuple]:
    """Per dimension the selected indices in output order, and numpy's oindex result shape."""
    items = list(selection) if isinstance(selection, tuple) else [selection]
    if Ellipsis in [i for i in items if i is Ellipsis]:
        e = next(k for k, i in enumerate(items) if i is Ellipsis)
        items[e : e + 1] = [slice(None)] * (len(shape) - len(items) + 1)
    items += [slice(None)] * (len(shape) - len(items))
    positions, out_shape = [], []
    for item, n in zip(items, shape, strict=True):
        if isinstance(item, slice):
            pos = np.arange(n)[item]
        elif isinstance(item, (int, np.integer)):
            pos = np.array([np.arange(n)[item]])
        else:
            arr = np.asarray(item)
            arr = arr.astype(np.intp) if arr.size == 0 and arr.dtype != bool else arr
            pos = np.arange(n)[arr]
        positions.append(pos)
        if not isinstance(item, (int, np.integer)):
            out_shape.append(len(pos))
    return positions, tuple(out_shape)


def check_ortho(shape: tuple[int, ...], chunks: tuple[int, ...], selection: Any) -> None:
    """Check OrthogonalIndexer: result, write, touched chunks, order, complete flags, offsets."""
    a = _arange(shape)
    positions, out_shape = _ortho_positions(selection, shape)
    expected = a[np.ix_(*positions)]
    indexer = OrthogonalIndexer(selection, shape, chunks)
    assert indexer.sel_shape == expected.shape
    assert indexer.out_shape == out_shape
    assert indexer.nitems == expected.size
    projections = list(indexer)
    assert len(projections) == len(indexer)
    coords = [p.chunk_coords for p in projections]
    assert coords == sorted(set(coords)), "each chunk once, in C order"
    touched = set(
        itertools.product(*[sorted(set((p // c).tolist())) for p, c in zip(positions, chunks)])
    )
    assert set(coords) == touched

    out = np.full(indexer.sel_shape, -1, dtype=np.int64)
    hits = np.zeros(indexer.sel_shape, dtype=np.int64)
    value = -_arange(indexer.sel_shape) - 1
    written, expected_written = a.copy(), a.copy()
    expected_written[np.ix_(*positions)] = value
    out_c = np.zeros(indexer.sel_shape, dtype=np.int64)
    for p in projections:
        assert isinstance(p, ChunkProjection)
        assert len(p.chunk_side) == len(p.out_side) == len(shape)
        for s, d in zip(p.chunk_side, p.out_side):
            assert s.dtype == d.dtype == np.int64 and s.shape == d.shape and len(s)
        chunk = a[_chunk_slices(p.chunk_coords, chunks)]
        out[np.ix_(*p.out_side)] = chunk[np.ix_(*p.chunk_side)]
        np.add.at(hits, np.ix_(*p.out_side), 1)
        covered = np.zeros(chunk.shape, dtype=bool)
        covered[np.ix_(*p.chunk_side)] = True
        assert p.complete == covered.all()
        block = written[_chunk_slices(p.chunk_coords, chunks)]
        block[np.ix_(*p.chunk_side)] = value[np.ix_(*p.out_side)]
        _copy_with_ortho_offsets(p, chunk, chunks, out_c)
    assert (hits == 1).all(), "every output element written exactly once"
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(out_c, expected)
    np.testing.assert_array_equal(written, expected_written)


def _full_chunk(chunk: np.ndarray, chunks: tuple[int, ...], order: str) -> np.ndarray:
    """Pad an edge chunk to the full chunk shape, in C or F layout."""
    full = np.zeros(chunks, dtype=chunk.dtype, order=order)
    full[tuple(slice(0, n) for n in chunk.shape)] = chunk
    return full


def _copy_with_ortho_offsets(p, chunk, chunks, out) -> None:
    """Copy as a C loop would, from byte offsets of an F-ordered full chunk."""
    full = _full_chunk(chunk, chunks, "F")
    src, dst = ortho_offsets(p, full.strides, out.strides)
    src_total = sum(np.ix_(*src)) if src else np.zeros((), np.int64)
    dst_total = sum(np.ix_(*dst)) if dst else np.zeros((), np.int64)
    flat_out = out.reshape(-1)
    flat_out[dst_total // out.itemsize] = full.ravel(order="K")[src_total // full.itemsize]


def check_points(indexer: Any, a: np.ndarray, chunks: tuple[int, ...], expected: np.ndarray):
    """Check a point indexer against numpy's result ``expected`` (and writes)."""
    assert indexer.out_shape == expected.shape
    assert indexer.nitems == expected.size
    projections = list(indexer)
    assert len(projections) == len(indexer)
    coords = [p.chunk_coords for p in projections]
    assert coords == sorted(set(coords)), "each chunk once, in C order"
    out = np.full(expected.size, -1, dtype=a.dtype)
    out_c = np.full(expected.size, -1, dtype=a.dtype)
    hits = np.zeros(expected.size, dtype=np.int64)
    for p in projections:
        assert isinstance(p, ChunkProjection) and not p.complete
        assert p.chunk_side.shape == (len(p.out_side), a.ndim) and len(p.out_side)
        assert p.chunk_side.dtype == p.out_side.dtype == np.int64
        chunk = a[_chunk_slices(p.chunk_coords, chunks)]
        out[p.out_side] = chunk[tuple(p.chunk_side.T)]
        np.add.at(hits, p.out_side, 1)
        full = _full_chunk(chunk, chunks, "F")
        so, do = point_offsets(p, full.strides, a.itemsize)
        out_c[do // a.itemsize] = full.ravel(order="K")[so // a.itemsize]
    assert (hits == 1).all()
    np.testing.assert_array_equal(out.reshape(expected.shape), expected)
    np.testing.assert_array_equal(out_c.reshape(expected.shape), expected)
    return projections


def simulate_point_write(indexer: Any, a: np.ndarray, chunks, value: np.ndarray) -> np.ndarray:
    """Write ``value`` through point projections, element by element in order."""
    written = a.copy()
    flat_value = value.reshape(-1)
    for p in indexer:
        chunk = written[_chunk_slices(p.chunk_coords, chunks)]
        for local, d in zip(p.chunk_side.tolist(), p.out_side.tolist()):  # in order, as a C loop
            chunk[tuple(local)] = flat_value[d]
    return written


# --- hypothesis strategies ------------------------------------------------------------------


@st.composite
def shape_chunks(draw, max_ndim: int = 4, min_ndim: int = 1):
    ndim = draw(st.integers(min_ndim, max_ndim))
    shape = tuple(draw(st.integers(0, 9 if ndim < 4 else 6)) for _ in range(ndim))
    chunks = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    return shape, chunks


@st.composite
def int_arrays(draw, n: int, max_size: int = 8):
    values = draw(st.lists(st.integers(-n, n - 1), max_size=max_size)) if n else []
    form = draw(st.sampled_from(["list", "int64", "int32", "intp"]))
    return values if form == "list" else np.array(values, dtype=form)


@st.composite
def dim_selections(draw, n: int, kinds=("int", "slice", "ints", "bools")):
    kind = draw(st.sampled_from([k for k in kinds if n or k != "int"]))
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        bound = st.none() | st.integers(-n - 2, n + 2)
        step = st.none() | st.integers(-4, 4).filter(bool)
        return slice(draw(bound), draw(bound), draw(step))
    if kind == "ints":
        return draw(int_arrays(n))
    return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)


@st.composite
def ortho_cases(draw):
    shape, chunks = draw(shape_chunks())
    sel = tuple(draw(dim_selections(n)) for n in shape)
    if draw(st.booleans()) and len(sel) > 1:  # drop trailing items or use an ellipsis
        k = draw(st.integers(0, len(sel) - 1))
        sel = sel[:k] + (Ellipsis,) if draw(st.booleans()) else sel[:k]
    return shape, chunks, sel


# --- OrthogonalIndexer ---------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(ortho_cases())
def test_orthogonal_matches_numpy(case):
    check_ortho(*case)


@pytest.mark.parametrize(
    "shape, chunks, selection",
    [
        ((10,), (3,), [9, 0, 0, -1, 4, 4, 4]),
        ((10,), (3,), slice(None, None, -3)),
        ((10,), (3,), np.zeros(10, dtype=bool)),
        ((10,), (3,), [0, 1, 2, 3, 5, 4, 6, 7, 8, 9]),
        ((10, 7), (3, 4), (slice(1, 9, 2), [6, -7, 3])),
        ((10, 7), (3, 4), (np.arange(10) % 3 == 0, 2)),
        ((10, 7, 5), (4, 4, 2), (0, slice(None), [1, 4, 1])),
        ((10, 7, 5), (4, 4, 2), (Ellipsis, [4, 0])),
        ((0, 7), (3, 4), (slice(None), [1, 2])),
        ((0, 7), (3, 4), ([], 3)),
        ((), (), ()),
        ((5, 6, 7, 8), (2, 3, 4, 5), ([4, 0], slice(None, None, -1), 3, [7, 7, 0])),
    ],
)
def test_orthogonal_cases(shape, chunks, selection):
    check_ortho(shape, chunks, selection)


def test_orthogonal_complete_and_last_wins():
    indexer = OrthogonalIndexer(([2, 0, 1, 1, 3],), (5,), (2,))
    (p0, p1) = list(indexer)
    assert (p0.chunk_coords, p0.chunk_side[0].tolist(), p0.out_side[0].tolist(), p0.complete) == (
        (0,),
        [0, 1, 1],
        [1, 2, 3],
        True,
    )
    assert (p1.chunk_coords, p1.chunk_side[0].tolist(), p1.out_side[0].tolist(), p1.complete) == (
        (1,),
        [0, 1],
        [0, 4],
        True,
    )
    # chunk 2 holds only index 4, unselected: not touched at all
    assert not list(OrthogonalIndexer(slice(0, 4, 2), (5,), (2,)))[0].complete
    assert list(OrthogonalIndexer(4, (5,), (2,)))[0].complete  # edge chunk of one element


@pytest.mark.parametrize(
    "shape, chunks, selection",
    [
        ((10,), (3,), [9, 0, 0, -1, 4, 4, 4]),
        ((10, 7), (3, 4), (slice(1, 9, 2), [6, -7, 3])),
        ((10, 7), (3, 4), (np.arange(10) % 3 == 0, 2)),
        ((10, 7, 5), (4, 4, 2), (0, slice(None), [1, 4, 1])),
        ((9, 7, 5), (4, 3, 5), ([8, 0, 3], slice(2, None, 3), np.array([1, 0, 1, 1, 0], bool))),
    ],
)
def test_orthogonal_matches_zarr(shape, chunks, selection):
    import zarr
    from zarr.storage import MemoryStore

    a = _arange(shape)
    z = zarr.create_array(store=MemoryStore(), shape=shape, chunks=chunks, dtype="i8")
    z[...] = a
    expected = z.oindex[selection]
    indexer = OrthogonalIndexer(selection, shape, chunks)
    out = np.empty(indexer.sel_shape, dtype=np.int64)
    for p in indexer:
        out[np.ix_(*p.out_side)] = a[_chunk_slices(p.chunk_coords, chunks)][np.ix_(*p.chunk_side)]
    np.testing.assert_array_equal(out.reshape(indexer.out_shape), expected)


# --- CoordinateIndexer and MaskIndexer ----------------------------------------------------


@st.composite
def coordinate_cases(draw):
    shape, chunks = draw(shape_chunks())
    if 0 in shape:
        sel = tuple(np.zeros(0, np.int64) for _ in shape)
        return shape, chunks, sel
    bshape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    sel = []
    for n in shape:
        # each array has the broadcast shape or a broadcastable suffix of it, or is a scalar
        sub = bshape[draw(st.integers(0, len(bshape))) :]
        sub = tuple(1 if draw(st.booleans()) else k for k in sub)
        values = draw(
            st.lists(st.integers(-n, n - 1), min_size=math.prod(sub), max_size=math.prod(sub))
        )
        sel.append(
            np.array(values, dtype=np.int64).reshape(sub)
            if sub or draw(st.booleans())
            else values[0]
        )
    return shape, chunks, tuple(sel)


@settings(max_examples=300, deadline=None)
@given(coordinate_cases())
def test_coordinates_match_numpy(case):
    shape, chunks, sel = case
    a = _arange(shape)
    expected = a[sel]
    indexer = CoordinateIndexer(sel, shape, chunks)
    projections = check_points(indexer, a, chunks, np.asarray(expected))
    points = np.stack([np.broadcast_to(s, indexer.out_shape).ravel() for s in sel], axis=-1)
    touched = {tuple(c) for c in ((points % shape) // chunks).tolist()} if points.size else set()
    assert {p.chunk_coords for p in projections} == touched
    value = -_arange(indexer.out_shape) - 1
    expected_written = a.copy()
    expected_written[sel] = value
    np.testing.assert_array_equal(simulate_point_write(indexer, a, chunks, value), expected_written)


@settings(max_examples=200, deadline=None)
@given(shape_chunks(), st.data())
def test_mask_matches_numpy(sc, data):
    shape, chunks = sc
    a = _arange(shape)
    flags = data.draw(st.lists(st.booleans(), min_size=a.size, max_size=a.size))
    mask = np.array(flags, dtype=bool).reshape(shape)
    indexer = MaskIndexer(mask, shape, chunks)
    projections = check_points(indexer, a, chunks, a[mask])
    touched = {tuple((np.array(i) // chunks).tolist()) for i in zip(*np.nonzero(mask))}
    assert {p.chunk_coords for p in projections} == touched


def test_coordinates_repeated_points_last_wins():
    sel = ([1, 5, 1, 1, 5], [2, 0, 2, 2, 0])
    indexer = CoordinateIndexer(sel, (6, 3), (4, 2))
    (p0, p1) = list(indexer)
    assert p0.chunk_coords == (0, 1) and p0.out_side.tolist() == [0, 2, 3]
    assert p1.chunk_coords == (1, 0) and p1.out_side.tolist() == [1, 4]
    a = np.zeros((6, 3), dtype=np.int64)
    value = np.arange(1, 6)
    written = simulate_point_write(indexer, a, (4, 2), value)
    expected = a.copy()
    expected[sel] = value
    np.testing.assert_array_equal(written, expected)
    assert written[1, 2] == 4 and written[5, 0] == 5


def test_points_zero_dim():
    a = np.array(7)
    indexer = CoordinateIndexer((), (), ())
    assert indexer.out_shape == () and [p.chunk_coords for p in indexer] == [()]
    check_points(indexer, a, (), np.asarray(a[()]))
    check_points(MaskIndexer(np.array(True), (), ()), a, (), a[np.array(True)])
    assert list(MaskIndexer(np.array(False), (), ())) == []


def test_10000_points_over_100_chunks():
    rng = np.random.default_rng(42)
    shape, chunks = (1000, 1000), (100, 100)
    sel = (rng.integers(-1000, 1000, 10_000), rng.integers(0, 1000, 10_000))
    indexer = CoordinateIndexer(sel, shape, chunks)
    projections = list(indexer)
    expected_chunks = {
        (r // 100, c // 100) for r, c in zip((sel[0] % 1000).tolist(), sel[1].tolist())
    }
    coords = [p.chunk_coords for p in projections]
    assert coords == sorted(expected_chunks) and len(coords) == len(set(coords))
    assert sum(len(p.out_side) for p in projections) == 10_000
    check_points(indexer, _arange(shape), chunks, _arange(shape)[sel])


def test_coordinate_timing():
    """10,000 random points on 8192 x 8192 with 1024 x 1024 chunks: a few ms (loose bound)."""
    rng = np.random.default_rng(0)
    sel = tuple(rng.integers(0, 8192, 10_000) for _ in range(2))
    best = math.inf
    for _ in range(5):
        start = time.perf_counter()
        n = sum(len(p.out_side) for p in CoordinateIndexer(sel, (8192, 8192), (1024, 1024)))
        best = min(best, time.perf_counter() - start)
    assert n == 10_000
    assert best < 0.1


# --- BlockIndexer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selection, expected",
    [
        (0, (slice(0, 4), slice(0, 10))),
        (-1, (slice(8, 10), slice(0, 10))),
        ((1, slice(1, None)), (slice(4, 8), slice(3, 10))),
        ((slice(None), -2), (slice(0, 10), slice(6, 9))),
        ((slice(-2, None), slice(3, 1)), (slice(4, 10), slice(9, 9))),
    ],
)
def test_block_indexer(selection, expected):
    shape, chunks = (10, 10), (4, 3)
    indexer = BlockIndexer(selection, shape, chunks)
    assert indexer.basic_selection == expected
    a = _arange(shape)
    assert indexer.out_shape == a[expected].shape and indexer.nitems == a[expected].size
    BasicIndexer(indexer.basic_selection, shape, chunks)  # usable as is


@pytest.mark.parametrize("selection", [3, -4, (0, 4), slice(0, 2, 2), [0], (None, 0),
                                       (slice(5, 9), Ellipsis), slice(-4, None)])
def test_block_indexer_errors(selection):
    with pytest.raises(IndexError):
        BlockIndexer(selection, (10, 10), (4, 3))


# --- classify_selection ----------------------------------------------------------------------


def assert_z_getitem_matches_numpy(shape, chunks, selection) -> None:
    """Carry out ``z[selection]`` through classify_selection and compare with numpy."""
    a = _arange(shape)
    try:
        expected = a[selection]
    except IndexError:
        with pytest.raises(IndexError):
            kind, sel, _ = classify_selection(selection, shape)
            if kind == "basic":  # classify_selection leaves basic selections to BasicIndexer
                BasicIndexer(sel, shape, chunks)
        return
    try:
        classify_selection(selection, shape)
    except IndexError:
        if a.size == 0:  # numpy skips some checks when the array is empty
            return
        raise
    kind, sel, axes = classify_selection(selection, shape)
    if kind == "basic":
        indexer = BasicIndexer(sel, shape, chunks)
        assert indexer.out_shape == np.shape(expected)
        return
    if kind == "mask":
        indexer = MaskIndexer(sel, shape, chunks)
        out = np.empty(indexer.nitems, dtype=np.int64)
        for p in indexer:
            out[p.out_side] = a[_chunk_slices(p.chunk_coords, chunks)][tuple(p.chunk_side.T)]
        np.testing.assert_array_equal(out, expected)
        return
    assert kind == "orthogonal"
    indexer = OrthogonalIndexer(sel, shape, chunks)
    out = np.empty(indexer.sel_shape, dtype=np.int64)
    for p in indexer:
        out[np.ix_(*p.out_side)] = a[_chunk_slices(p.chunk_coords, chunks)][np.ix_(*p.chunk_side)]
    out = out.reshape(indexer.out_shape)
    if axes is not None:
        out = out.transpose(axes)
    np.testing.assert_array_equal(out, expected)


@st.composite
def numpy_style_cases(draw):
    shape, chunks = draw(shape_chunks())
    kinds = ("int", "slice", "ints", "bools")
    array_dim = draw(st.integers(0, len(shape) - 1))
    sel = [
        draw(dim_selections(n, kinds if d == array_dim else ("int", "slice")))
        for d, n in enumerate(shape)
    ]
    if draw(st.booleans()):
        k = draw(st.integers(0, len(sel)))
        sel.insert(k, Ellipsis)
        if draw(st.booleans()):  # the ellipsis stands for some of the dimensions
            j = draw(st.integers(0, len(sel) - 1))
            if sel[j] is not Ellipsis:
                del sel[j]
    return shape, chunks, tuple(sel)


@settings(max_examples=400, deadline=None)
@given(numpy_style_cases())
def test_classify_matches_numpy(case):
    assert_z_getitem_matches_numpy(*case)


@pytest.mark.parametrize(
    "selection, kind, axes",
    [
        ((0, slice(None), [1, 2]), "orthogonal", (1, 0)),
        ((slice(None), 0, [1, 2]), "orthogonal", None),
        (([1, 2], slice(None), 0), "orthogonal", None),
        ((0, Ellipsis, [1, 2]), "orthogonal", (1, 0)),
        ((slice(None), 0, Ellipsis, [1]), "orthogonal", (1, 0)),
        ((slice(None), slice(None), np.ones(6, bool)), "orthogonal", None),
        ((0, slice(None)), "basic", None),
        (np.ones((4, 5, 6), bool), "mask", None),
        ((Ellipsis, np.ones((4, 5, 6), bool)), "mask", None),
    ],
)
def test_classify_kinds(selection, kind, axes):
    result = classify_selection(selection, (4, 5, 6))
    assert (result[0], result[2]) == (kind, axes)
    assert_z_getitem_matches_numpy((4, 5, 6), (3, 2, 4), selection)


def test_classify_one_dim_bool_goes_orthogonal():
    kind, sel, axes = classify_selection(np.array([True, False, True]), (3,))
    assert kind == "orthogonal" and axes is None
    assert_z_getitem_matches_numpy((3,), (2,), np.array([True, False, True]))


@pytest.mark.parametrize(
    "selection, match",
    [
        (([0, 1], [1, 2]), "2 array indices"),
        ((np.array([[0, 1]]),), "2-d integer array"),
        ((np.ones((4, 5), bool),), "2-d boolean array"),
        ((np.ones((4, 5, 6), bool), 0), "mask combined"),
        ((np.ones((4, 5, 6), bool), slice(None)), "mask combined"),
        ((None, [0, 1]), "newaxis"),
        (([0, 1], None), "newaxis"),
        (True, "boolean scalar"),
    ],
)
def test_classify_unsupported(selection, match):
    with pytest.raises(IndexError, match=match) as exc_info:
        classify_selection(selection, (4, 5, 6))
    if "array ind" in match or "-d" in match:
        assert ".oindex" in str(exc_info.value) and ".vindex" in str(exc_info.value)


# --- errors, as numpy -------------------------------------------------------------------------


def _numpy_error(func) -> BaseException:
    try:
        func()
    except Exception as exc:
        return exc
    raise AssertionError("numpy accepted the selection")


A = _arange((10, 4))


@pytest.mark.parametrize(
    "build, numpy_call, same_message",
    [
        (lambda: OrthogonalIndexer([10], (10, 4), (3, 3)), lambda: A[np.array([10])], True),
        (lambda: OrthogonalIndexer(([-11],), (10, 4), (3, 3)), lambda: A[[-11]], True),
        (lambda: OrthogonalIndexer((0, [4]), (10, 4), (3, 3)), lambda: A[0, [4]], True),
        (lambda: OrthogonalIndexer(10, (10, 4), (3, 3)), lambda: A[10], True),
        (
            lambda: OrthogonalIndexer(np.ones(3, bool), (10, 4), (3, 3)),
            lambda: A[np.ones(3, bool)],
            True,
        ),
        (
            lambda: OrthogonalIndexer(np.array([1.0]), (10, 4), (3, 3)),
            lambda: A[np.array([1.0])],
            True,
        ),
        (lambda: OrthogonalIndexer((0, 0, 0), (10, 4), (3, 3)), lambda: A[0, 0, 0], True),
        (lambda: OrthogonalIndexer(slice(0, 5, 0), (10, 4), (3, 3)), lambda: A[0:5:0], True),
        (lambda: OrthogonalIndexer(np.zeros((2, 2), int), (10, 4), (3, 3)), None, False),
        (lambda: OrthogonalIndexer(True, (10, 4), (3, 3)), None, False),
        (lambda: OrthogonalIndexer((None, 0), (10, 4), (3, 3)), None, False),
        (
            lambda: CoordinateIndexer(([0, 10], [0, 0]), (10, 4), (3, 3)),
            lambda: A[[0, 10], [0, 0]],
            True,
        ),
        (
            lambda: CoordinateIndexer(([0, -11], [0, 0]), (10, 4), (3, 3)),
            lambda: A[[0, -11], [0, 0]],
            True,
        ),
        (
            lambda: CoordinateIndexer(([0, 1], [0, 1, 2]), (10, 4), (3, 3)),
            lambda: A[[0, 1], [0, 1, 2]],
            True,
        ),
        (
            lambda: CoordinateIndexer(([0.5], [0]), (10, 4), (3, 3)),
            lambda: A[np.array([0.5]), [0]],
            True,
        ),
        (lambda: CoordinateIndexer(([0],), (10, 4), (3, 3)), None, False),
        (
            lambda: CoordinateIndexer(([0], [0], [0]), (10, 4), (3, 3)),
            lambda: A[[0], [0], [0]],
            False,
        ),
        (lambda: CoordinateIndexer((slice(None), [0]), (10, 4), (3, 3)), None, False),
        (lambda: CoordinateIndexer(([True], [0]), (10, 4), (3, 3)), None, False),
        (
            lambda: MaskIndexer(np.ones((10, 3), bool), (10, 4), (3, 3)),
            lambda: A[np.ones((10, 3), bool)],
            False,
        ),
        (lambda: MaskIndexer(np.ones((10, 4), int), (10, 4), (3, 3)), None, False),
        (lambda: classify_selection(([10], 0), (10, 4)), lambda: A[[10], 0], True),
        (lambda: classify_selection((0, [1, 4]), (10, 4)), lambda: A[0, [1, 4]], True),
        (
            lambda: classify_selection((slice(None), np.ones(3, bool)), (10, 4)),
            lambda: A[:, np.ones(3, bool)],
            True,
        ),
        (lambda: classify_selection(np.array([1.5]), (10, 4)), lambda: A[np.array([1.5])], True),
        (lambda: classify_selection(([0], 9), (10, 4)), lambda: A[[0], 9], True),
    ],
)
def test_errors_like_numpy(build, numpy_call, same_message):
    expected = _numpy_error(numpy_call) if numpy_call else IndexError()
    with pytest.raises(type(expected)) as exc_info:
        build()
    if same_message:
        assert str(exc_info.value).strip() == str(expected).strip()


def test_offsets_helpers():
    p = ChunkProjection(
        (0, 0), (np.array([2]), np.array([0, 3])), (np.array([0]), np.array([1, 0])), False
    )
    src, dst = ortho_offsets(p, (32, 8), (16, 8))
    assert [s.tolist() for s in src] == [[64], [0, 24]] and [d.tolist() for d in dst] == [
        [0],
        [8, 0],
    ]
    assert all(x.dtype == np.int64 for x in (*src, *dst))
    q = ChunkProjection(
        (0, 1), np.array([[1, 2], [0, 0]], np.int64), np.array([5, 0], np.int64), False
    )
    so, do = point_offsets(q, (8, 40), 8)  # F-ordered 5 x k chunk of 8-byte items
    assert so.tolist() == [88, 0] and do.tolist() == [40, 0]
