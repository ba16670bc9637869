"""Tests for zarrlite.indexing, with numpy as the oracle."""

from __future__ import annotations

import collections
import enum
import math
import re
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zarrlite.indexing import basic as indexing
from zarrlite.indexing.basic import (
    BasicIndexer,
    IntDimIndexer,
    NotBasicSelection,
    SliceDimIndexer,
    expand_selection,
    normalize_integer,
    normalize_slice,
)
from zarrlite.indexing.projection import ChunkProjection, out_region_to_slices, region_to_slices

ONLY_INTEGERS = (
    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or "
    "boolean arrays are valid indices"
)
TOO_MANY = "too many indices for array: array is 1-dimensional, but 2 were indexed"
BAD_ARRAY = "arrays used as indices must be of integer (or boolean) type"


# --- oracle helpers ------------------------------------------------------------------------


def _chunk_slices(coords: tuple[int, ...], chunks: tuple[int, ...]) -> tuple[slice, ...]:
    return tuple(slice(c * k, (c + 1) * k) for c, k in zip(coords, chunks, strict=True))


def assert_indexer_matches_numpy(
    shape: tuple[int, ...], chunks: tuple[int, ...], selection: Any
) -> None:
    """Check BasicIndexer against ``a[selection]``: result, errors, touched chunks, flags.

    The array holds each element's flat index, so the result tells which elements numpy
    selected and in which order.
    """
    a = np.arange(math.prod(shape)).reshape(shape)
    try:
        expected = np.asarray(a[selection])
    except Exception as np_exc:  # any numpy error must be mirrored
        with pytest.raises(type(np_exc)) as exc_info:
            BasicIndexer(selection, shape, chunks)
        assert str(exc_info.value) == str(np_exc)
        return

    indexer = BasicIndexer(selection, shape, chunks)
    assert indexer.out_shape == expected.shape
    assert len(indexer.sel_shape) == len(shape)
    assert indexer.nitems == math.prod(indexer.sel_shape) == expected.size
    region_result = a[region_to_slices(indexer.region)]
    np.testing.assert_array_equal(region_result.reshape(indexer.out_shape), expected)

    projections = list(indexer)
    assert len(projections) == len(indexer)
    coords = [p.chunk_coords for p in projections]
    assert coords == sorted(coords), "projections must come in C order of chunk coords"
    assert len(set(coords)) == len(coords)

    out = np.full(indexer.sel_shape, -1)
    written = np.zeros(indexer.sel_shape, dtype=int)
    for p in projections:
        assert isinstance(p, ChunkProjection)
        chunk = a[_chunk_slices(p.chunk_coords, chunks)]
        assert len(p.chunk_side) == len(p.out_side) == len(shape)
        for (start, step, count), extent in zip(p.chunk_side, chunk.shape, strict=True):
            assert count >= 1 and step != 0
            assert step == 1 or count > 1
            assert 0 <= start < extent and 0 <= start + step * (count - 1) < extent
        out_slices = out_region_to_slices(p.out_side)
        out[out_slices] = chunk[region_to_slices(p.chunk_side)]
        written[out_slices] += 1
    assert (written == 1).all(), "every output element must be written exactly once"
    np.testing.assert_array_equal(out.reshape(indexer.out_shape), expected)

    # Touched chunks and completeness, straight from the elements numpy selected.
    flat = expected.ravel()
    if not shape:
        assert [(p.chunk_coords, p.complete) for p in projections] == [((), True)]
        return
    elem_chunks = np.stack(np.unravel_index(flat, shape), axis=-1) // np.array(chunks)
    assert set(coords) == {tuple(int(c) for c in row) for row in elem_chunks}
    for p in projections:
        in_chunk = flat[(elem_chunks == np.array(p.chunk_coords)).all(axis=1)]
        whole_chunk = a[_chunk_slices(p.chunk_coords, chunks)].ravel()
        assert p.complete == np.array_equal(np.sort(in_chunk), whole_chunk), p


# --- explicit cases ------------------------------------------------------------------------

SHAPES_CHUNKS = [
    ((), ()),
    ((10,), (3,)),
    ((10,), (10,)),
    ((9,), (20,)),
    ((0,), (2,)),
    ((7, 5), (3, 2)),
    ((6, 4), (2, 2)),
    ((0, 4), (2, 2)),
    ((5, 0, 3), (2, 1, 2)),
    ((4, 5, 6), (3, 2, 4)),
    ((3, 4, 5, 6), (2, 3, 2, 4)),
    ((2, 1, 3, 1), (1, 1, 2, 1)),
]

SELECTIONS = [
    (),
    Ellipsis,
    None,
    (None, Ellipsis, None),
    (Ellipsis, None),
    0,
    -1,
    3,
    np.int64(2),
    np.uint8(1),
    np.array(1),
    np.array(-2, dtype=np.int32),
    slice(None),
    slice(None, None, -1),
    slice(None, None, 2),
    slice(None, None, -3),
    slice(5, 2),
    slice(5, 2, -1),
    slice(1, None, 4),
    slice(-100, 100, 7),
    slice(100, None, -1),
    slice(-2, None, -2),
    slice(np.int64(1), np.int32(5), np.int8(2)),
    (slice(None), 1),
    (1, slice(None, None, -1)),
    (-1, Ellipsis, 0),
    (Ellipsis, -1),
    (Ellipsis, slice(1, None, -1), None),
    (None, 0, None, slice(None, None, -2), None),
    (slice(1, 3), slice(None, None, 3), slice(3, 0, -2), 1),
    (0, 0, 0, 0),
    (0, 0, 0, 0, 0),
    (slice(None), slice(None), slice(None), slice(None), slice(None)),
    (10,),
    (Ellipsis, Ellipsis),
    (slice(None, None, 0),),
]


@pytest.mark.parametrize("selection", SELECTIONS, ids=repr)
@pytest.mark.parametrize("shape, chunks", SHAPES_CHUNKS, ids=str)
def test_matches_numpy(shape, chunks, selection):
    assert_indexer_matches_numpy(shape, chunks, selection)


@pytest.mark.parametrize("shape, chunks", SHAPES_CHUNKS[1:], ids=str)
def test_lazy_product_path(shape, chunks, monkeypatch):
    monkeypatch.setattr(indexing, "_MATERIALIZE_LIMIT", 0)
    for selection in SELECTIONS:
        assert_indexer_matches_numpy(shape, chunks, selection)


@pytest.mark.parametrize(
    "selection, exc_type, message",
    [
        (10, IndexError, "index 10 is out of bounds for axis 0 with size 10"),
        (-11, IndexError, "index -11 is out of bounds for axis 0 with size 10"),
        ((0, 0), IndexError, TOO_MANY),
        ((..., ...), IndexError, "an index can only have a single ellipsis ('...')"),
        (slice(None, None, 0), ValueError, "slice step cannot be zero"),
        (1.0, IndexError, ONLY_INTEGERS),
        (np.float64(1), IndexError, ONLY_INTEGERS),
        ("x", IndexError, ONLY_INTEGERS),
        (b"x", IndexError, ONLY_INTEGERS),
        (object(), IndexError, ONLY_INTEGERS),
        (1j, IndexError, ONLY_INTEGERS),
        ({}, IndexError, ONLY_INTEGERS),
        ([1.0], IndexError, ONLY_INTEGERS),
        ([slice(1, 2)], IndexError, ONLY_INTEGERS),
        ([None], IndexError, ONLY_INTEGERS),
        ([Ellipsis], IndexError, ONLY_INTEGERS),
        ((np.array([1]), 1.0), IndexError, ONLY_INTEGERS),
        (2**70, IndexError, ONLY_INTEGERS),
        (-(2**63) - 1, IndexError, ONLY_INTEGERS),
        (np.array(1.0), IndexError, BAD_ARRAY),
        (np.array([1.0]), IndexError, BAD_ARRAY),
        (slice(1.0, 2), TypeError, None),
    ],
    ids=lambda v: re.sub(r" at 0x[0-9a-f]+", "", repr(v)),  # stable ids for xdist
)
def test_errors(selection, exc_type, message):
    with pytest.raises(exc_type) as exc_info:
        BasicIndexer(selection, (10,), (3,))
    assert not isinstance(exc_info.value, NotBasicSelection)
    if message is not None:
        assert str(exc_info.value) == message
    assert_indexer_matches_numpy((10,), (3,), selection)


def test_error_order_follows_numpy():
    # Types are checked for the whole selection first, then dimensions left to right.
    for selection in [(10, 1.0), (10, slice(None, None, 0)), (slice(None, None, 0), 10)]:
        assert_indexer_matches_numpy((3, 4), (2, 2), selection)
    assert_indexer_matches_numpy((), (), 0)
    assert_indexer_matches_numpy((0,), (1,), 0)
    assert_indexer_matches_numpy((3, 4), (2, 2), (None, 0, 10))


def test_int64_overflow_is_index_error():
    # numpy raises OverflowError for integers in [2**63, 2**64); we keep to IndexError.
    for selection in [2**63, 2**64 - 1, np.uint64(2**63), np.array(2**63, dtype=np.uint64)]:
        with pytest.raises(IndexError, match="only integers"):
            BasicIndexer(selection, (10,), (3,))


@pytest.mark.parametrize(
    "selection",
    [
        [0, 1],
        [],
        np.array([1, 2]),
        np.array([[1]]),
        np.array([True] * 10),
        np.array(True),
        True,
        np.False_,
        (0, [1]),
        (Ellipsis, np.array([0])),
        ((1, 2),),
        memoryview(bytes(2)),
        (np.array([0]), 0, 0),  # numpy would also say "too many indices"; fancy path decides
    ],
    ids=lambda v: re.sub(r" at 0x[0-9a-f]+", "", repr(v)),
)
def test_arrays_are_not_basic(selection):
    with pytest.raises(NotBasicSelection):
        BasicIndexer(selection, (10,), (3,))
    assert issubclass(NotBasicSelection, IndexError)


def test_index_protocol_objects():
    class Index:
        def __init__(self, value: int) -> None:
            self.value = value

        def __index__(self) -> int:
            return self.value

    assert_indexer_matches_numpy((10,), (3,), Index(-1))
    assert_indexer_matches_numpy((10,), (3,), enum.IntEnum("E", "A B")(2))
    point = collections.namedtuple("Point", "x y")
    assert_indexer_matches_numpy((4, 5), (3, 2), point(1, slice(None, None, -1)))
    assert_indexer_matches_numpy((10,), (3,), (slice(Index(1), Index(8), Index(3)),))
    with pytest.raises(IndexError, match="only integers"):
        BasicIndexer(Index(2**70), (10,), (3,))


def test_bad_shape_or_chunks():
    with pytest.raises(ValueError):
        BasicIndexer((), (3, 4), (2,))
    with pytest.raises(ValueError):
        BasicIndexer((), (3,), (0,))
    with pytest.raises(ValueError):
        BasicIndexer((), (-1,), (2,))


# --- hypothesis ----------------------------------------------------------------------------

bounds = st.none() | st.integers(-12, 12)
steps = st.none() | st.integers(-5, 5)
items = st.one_of(
    st.integers(-9, 9),
    st.builds(slice, bounds, bounds, steps),
    st.builds(slice, bounds, bounds, steps.filter(lambda s: s != 0)),
    st.just(Ellipsis),
    st.just(None),
)


@st.composite
def cases(draw, max_dim_len: int = 7, max_ndim: int = 4):
    ndim = draw(st.integers(0, max_ndim))
    shape = tuple(draw(st.integers(0, max_dim_len)) for _ in range(ndim))
    chunks = tuple(draw(st.integers(1, max_dim_len + 1)) for _ in range(ndim))
    selection = draw(st.lists(items, max_size=ndim + 2).map(tuple) | items)
    return shape, chunks, selection


@settings(max_examples=600, deadline=None)
@given(cases())
def test_random_selections(case):
    assert_indexer_matches_numpy(*case)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 60),
    st.integers(1, 13),
    st.builds(
        slice,
        st.none() | st.integers(-70, 70),
        st.none() | st.integers(-70, 70),
        st.none() | st.integers(-30, 30).filter(lambda s: s != 0),
    ),
    st.sampled_from([(), (0,), (-1,), (slice(None, None, -1),), (slice(1, None, 2),)]),
)
def test_random_long_slices(dim_len, chunk_len, dim_sel, rest):
    """Long dimensions with steps larger and smaller than a chunk, next to a short one."""
    assert_indexer_matches_numpy((dim_len, 3), (chunk_len, 2), (dim_sel, *rest))
    assert_indexer_matches_numpy((3, dim_len), (2, chunk_len), (*rest, dim_sel)[-2:])


# --- helpers and per-dimension indexers ----------------------------------------------------


@given(st.integers(0, 20), st.builds(slice, bounds, bounds, steps.filter(lambda s: s != 0)))
def test_normalize_slice(dim_len, s):
    start, step, count = normalize_slice(s, dim_len)
    expected = list(range(dim_len))[s]
    assert [start + k * step for k in range(count)] == expected
    if count == 0:
        assert (start, step) == (0, 1)
    if count == 1:
        assert step == 1


@given(st.integers(0, 20), st.integers(-20, 20), st.integers(-6, 6), st.integers(0, 20))
def test_region_to_slices(dim_len, start, step, count):
    a = np.arange(dim_len)
    elements = [start + k * step for k in range(count)]
    if step == 0 or not all(0 <= e < dim_len for e in elements) or (count == 0 and start < 0):
        return
    (s,) = region_to_slices([(start, step, count)])
    assert a[s].tolist() == elements


def test_region_to_slices_negative_stop_is_none():
    assert region_to_slices([(4, -2, 3), (5, -3, 2), (4, -3, 2), (0, -1, 1)]) == (
        slice(4, None, -2),
        slice(5, None, -3),
        slice(4, None, -3),
        slice(0, None, -1),
    )
    assert region_to_slices([(2, 1, 3)]) == (slice(2, 5, 1),)
    assert out_region_to_slices([(2, 3), (0, 0)]) == (slice(2, 5), slice(0, 0))


def test_normalize_integer():
    assert normalize_integer(-1, 10) == 9
    assert normalize_integer(np.int16(3), 10) == 3
    with pytest.raises(IndexError, match="index 10 is out of bounds for axis 2 with size 10"):
        normalize_integer(10, 10, axis=2)


@given(
    st.integers(0, 100),
    st.integers(1, 12),
    st.builds(
        slice,
        st.none() | st.integers(-120, 120),
        st.none() | st.integers(-120, 120),
        st.none() | st.integers(-40, 40).filter(lambda s: s != 0),
    ),
)
def test_slice_dim_indexer(dim_len, chunk_len, dim_sel):
    d = SliceDimIndexer(dim_sel, dim_len, chunk_len)
    projections = list(d)
    assert len(d) == len(projections)
    assert d.nitems == len(range(dim_len)[dim_sel]) == sum(p.dim_out_region[1] for p in projections)
    indices = [p.dim_chunk_index for p in projections]
    assert indices == sorted(set(indices))
    assert all(0 <= i < d.nchunks for i in indices)
    assert list(d) == projections, "iterating again gives the same projections"


def test_int_dim_indexer():
    d = IntDimIndexer(-3, 10, 4)
    assert (d.index, d.nitems, len(d), d.region, d.drops_axis) == (7, 1, 1, (7, 1, 1), True)
    assert list(d) == [(1, (3, 1, 1), (0, 1))]
    assert SliceDimIndexer(slice(None), 10, 4).drops_axis is False


def test_expand_selection():
    dim_sels, out_axes = expand_selection((None, 1, ..., None, 2), 4)
    assert dim_sels == [1, slice(None), slice(None), 2]
    assert out_axes == (None, 1, 2, None)
    dim_sels, out_axes = expand_selection((np.array([1]), 0), 3, allow_arrays=True)
    assert isinstance(dim_sels[0], np.ndarray) and dim_sels[1:] == [0, slice(None)]


# --- completeness, laziness, large grids ---------------------------------------------------


def test_complete_flags():
    flags = [p.complete for p in BasicIndexer(slice(2, None), (8,), (3,))]
    assert flags == [False, True, True]  # the edge chunk (6, 7) counts as complete
    # a reversed run still covers the whole chunk
    assert [p.complete for p in BasicIndexer(slice(None, None, -1), (4,), (2,))] == [True] * 2
    assert [p.complete for p in BasicIndexer(slice(None, None, -2), (4,), (2,))] == [False] * 2
    assert [p.complete for p in BasicIndexer(slice(None, None, -1), (4,), (1,))] == [True] * 4
    assert [p.complete for p in BasicIndexer((), (), ())] == [True]
    assert [p.complete for p in BasicIndexer((1, slice(None)), (4, 4), (1, 2))] == [True] * 2
    assert [p.complete for p in BasicIndexer((1, slice(None)), (4, 4), (2, 2))] == [False] * 2


def test_projection_fields():
    (p,) = BasicIndexer((None, 5, slice(3, 0, -1)), (10, 10), (4, 4))
    assert p == ChunkProjection((1, 0), ((1, 1, 1), (3, -1, 3)), ((0, 1), (0, 3)), False)
    assert p.chunk_coords == (1, 0)


def test_huge_grid_small_selection_is_instant():
    shape, chunks = (10**8, 10**8), (10**4, 10**4)
    t0 = time.perf_counter()
    indexer = BasicIndexer((5, slice(10**8 - 3, None)), shape, chunks)
    projections = list(indexer)
    assert time.perf_counter() - t0 < 0.5
    assert projections == [
        ChunkProjection((0, 9999), ((5, 1, 1), (9997, 1, 3)), ((0, 1), (0, 3)), False)
    ]
    full = BasicIndexer((Ellipsis,), shape, chunks)
    assert len(full) == 10**8 and full.nitems == 10**16
    first = next(iter(full))
    assert first == ChunkProjection((0, 0), ((0, 1, 10**4),) * 2, ((0, 10**4),) * 2, True)


def test_huge_step_touches_only_needed_chunks():
    indexer = BasicIndexer(slice(None, None, -(10**14)), (10**15,), (10,))
    assert len(indexer) == 10
    projections = list(indexer)
    assert [p.chunk_coords for p in projections] == [(k * 10**13 - 1,) for k in range(1, 11)]
    assert projections[0].chunk_side == ((9, 1, 1),)
    assert projections[0].out_side == ((9, 1),)


def test_lazy_inner_dimension():
    # The inner dimension touches 10**6 chunks: above the materialize limit, so it is lazy.
    indexer = BasicIndexer((slice(None, None, -1),) * 2, (10**6, 10**6), (1, 1))
    assert len(indexer) == 10**12
    it = iter(indexer)
    t0 = time.perf_counter()
    first, second = next(it), next(it)
    assert time.perf_counter() - t0 < 0.5
    last = 10**6 - 1
    assert first == ChunkProjection((0, 0), ((0, 1, 1),) * 2, ((last, 1), (last, 1)), True)
    assert second.chunk_coords == (0, 1) and second.out_side == ((last, 1), (last - 1, 1))


def test_empty_selection_on_huge_grid():
    indexer = BasicIndexer((slice(None), slice(5, 2)), (10**8, 10**8), (1, 1))
    assert len(indexer) == 0 and indexer.sel_shape == (10**8, 0)
    t0 = time.perf_counter()
    assert list(indexer) == []
    assert time.perf_counter() - t0 < 0.5
