"""Chunk grid types against brute force: every boundary, every index, every selection."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from zarrlite.chunked.grid import (
    GridChunks,
    IrregularChunks,
    RegularChunks,
    chunks_from_sizes,
    regular_grid,
)


def reference_regular_slices(chunksize: int, offset: int, size: int) -> list[slice]:
    """The chunks of a regular dimension, found by walking the items one by one."""
    labels = [(i + offset) // chunksize for i in range(size)]
    return [
        slice(labels.index(label), len(labels) - labels[::-1].index(label))
        for label in sorted(set(labels))
    ]


def reference_owner(slices: list[slice], size: int) -> list[int]:
    """For each item, the number of the slice that holds it (checked to be exactly one)."""
    owner = []
    for i in range(size):
        holders = [k for k, s in enumerate(slices) if s.start <= i < s.stop]
        assert len(holders) == 1
        owner.append(holders[0])
    return owner


REGULAR_CASES = [
    (chunksize, offset, size)
    for chunksize in (1, 2, 3, 5, 7)
    for offset in sorted({0, 1, chunksize - 1})
    if offset < chunksize
    for size in (0, 1, 2, 4, 5, 6, 13, 14, 15)
]


@pytest.mark.parametrize("chunksize, offset, size", REGULAR_CASES)
def test_regular_chunks_match_item_by_item_reference(chunksize: int, offset: int, size: int):
    dim = RegularChunks(chunksize, offset, size)
    expected = reference_regular_slices(chunksize, offset, size)
    assert list(dim) == expected
    assert len(dim) == len(expected)
    assert dim.size == size
    assert dim.sizes == tuple(s.stop - s.start for s in expected)
    assert dim.max_chunksize == max(dim.sizes, default=0)
    for k, s in enumerate(expected):
        assert dim[k] == s and dim[k - len(expected)] == s
        assert s.step is None
    owner = reference_owner(expected, size)
    for i in range(size):
        assert dim.chunk_of(i) == owner[i]
        assert dim.chunk_of(i - size) == owner[i]
    assert dim == IrregularChunks(dim.sizes)
    assert hash(dim) == hash(IrregularChunks(dim.sizes))
    assert chunks_from_sizes(dim.sizes) == dim


def test_regular_chunks_formula_and_accessors():
    dim = RegularChunks(chunksize=4, offset=1, size=10)
    assert (dim.chunksize, dim.offset, dim.size) == (4, 1, 10)
    for i, s in enumerate(dim):
        assert s == slice(max(0, i * 4 - 1), min(10, (i + 1) * 4 - 1))
    assert repr(dim) == "RegularChunks(chunksize=4, offset=1, size=10)"
    assert dim[0:2] == (slice(0, 3), slice(3, 7))
    assert slice(3, 7) in dim and dim.index(slice(7, 10)) == 2
    assert list(reversed(dim)) == list(dim)[::-1]


def test_regular_chunks_accept_numpy_ints():
    dim = RegularChunks(np.int64(3), np.int32(0), np.uint8(7))
    assert dim.sizes == (3, 3, 1)
    assert dim.chunk_of(np.int64(6)) == 2


def test_huge_regular_dimension_is_cheap():
    dim = RegularChunks(1, 0, 10**15)
    assert len(dim) == 10**15
    assert dim[-1] == slice(10**15 - 1, 10**15)
    assert dim.chunk_of(-1) == 10**15 - 1
    assert dim == RegularChunks(1, 0, 10**15) and hash(dim) == hash(RegularChunks(1, 0, 10**15))
    assert dim != RegularChunks(1, 0, 10**15 - 1)
    assert dim.max_chunksize == 1
    assert dim.chunks_touching(slice(5, 9)) == range(5, 9)


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((0, 0, 5), ValueError, "chunksize must be at least 1, got 0"),
        ((-3, 0, 5), ValueError, "chunksize must be at least 1, got -3"),
        ((4, 4, 5), ValueError, r"offset must satisfy 0 <= offset < chunksize \(4\), got 4"),
        ((4, 7, 5), ValueError, "offset must satisfy"),
        ((4, -1, 5), ValueError, "offset must satisfy"),
        ((4, 0, -1), ValueError, "size must be at least 0, got -1"),
        ((2.5, 0, 5), TypeError, "chunksize must be an int, got float 2.5"),
        ((4, "1", 5), TypeError, "offset must be an int, got str '1'"),
        ((4, 0, 5.0), TypeError, "size must be an int, got float 5.0"),
        ((True, 0, 5), TypeError, "chunksize must be an int, got bool True"),
        ((4, 0, None), TypeError, "size must be an int, got NoneType None"),
    ],
)
def test_regular_chunks_reject_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        RegularChunks(*args)


@pytest.mark.parametrize(
    "sizes, error, message",
    [
        ([3, 0, 2], ValueError, "each chunk size must be at least 1, got 0 at position 1"),
        ([-1], ValueError, "each chunk size must be at least 1, got -1 at position 0"),
        ([2, 1.5], TypeError, "each chunk size must be an int, got float 1.5"),
        (5, TypeError, "chunksizes must be a sequence of ints, got int"),
        ("12", TypeError, "chunksizes must be a sequence of ints, got str"),
    ],
)
def test_irregular_chunks_reject_bad_input(sizes, error, message):
    with pytest.raises(error, match=message):
        IrregularChunks(sizes)


@pytest.mark.parametrize("seed", range(40))
def test_irregular_chunks_match_cumulative_sums(seed: int):
    rng = random.Random(seed)
    sizes = [rng.randint(1, 6) for _ in range(rng.randint(0, 9))]
    dim = IrregularChunks(np.array(sizes, dtype=np.int64))
    ends = np.cumsum(sizes, dtype=np.int64)
    starts = ends - np.array(sizes, dtype=np.int64)
    expected = [slice(int(a), int(b)) for a, b in zip(starts, ends)]
    assert list(dim) == expected
    assert dim.sizes == tuple(sizes) and dim.size == sum(sizes) and len(dim) == len(sizes)
    assert dim.max_chunksize == max(sizes, default=0)
    owner = reference_owner(expected, dim.size)
    for i in range(dim.size):
        assert dim.chunk_of(i) == owner[i] == dim.chunk_of(i - dim.size)
    assert chunks_from_sizes(sizes) == dim
    assert hash(chunks_from_sizes(sizes)) == hash(dim)


def test_irregular_equals_regular_with_the_same_boundaries():
    assert IrregularChunks([3, 4, 4, 2]) == RegularChunks(4, 1, 13)
    assert RegularChunks(4, 1, 13) == IrregularChunks([3, 4, 4, 2])
    assert IrregularChunks([5]) == RegularChunks(10, 0, 5) == RegularChunks(7, 2, 5)
    assert IrregularChunks([]) == RegularChunks(3, 0, 0) == RegularChunks(9, 8, 0)
    assert IrregularChunks([4, 3]) == RegularChunks(4, 0, 7) == RegularChunks(5, 1, 7)
    assert len({IrregularChunks([3, 4, 4, 2]), RegularChunks(4, 1, 13)}) == 1
    assert IrregularChunks([3, 4, 4, 2]) != RegularChunks(4, 0, 13)
    assert IrregularChunks([4, 2, 4]) != RegularChunks(4, 0, 10)
    assert RegularChunks(4, 0, 8) != "RegularChunks(4, 0, 8)"
    assert repr(IrregularChunks([2, 5, 1])) == "IrregularChunks([2, 5, 1])"


def test_chunks_from_sizes_picks_regular_when_it_fits():
    assert isinstance(chunks_from_sizes([5, 5, 5, 2]), RegularChunks)
    assert chunks_from_sizes([3, 5, 5]) == RegularChunks(5, 2, 13)
    assert isinstance(chunks_from_sizes([3, 5, 5]), RegularChunks)
    assert isinstance(chunks_from_sizes([7]), RegularChunks)
    assert isinstance(chunks_from_sizes([2, 7]), RegularChunks)
    assert isinstance(chunks_from_sizes([5, 2, 5]), IrregularChunks)
    assert isinstance(chunks_from_sizes([5, 5, 6]), IrregularChunks)
    assert isinstance(chunks_from_sizes([]), IrregularChunks)


def test_zero_size_dimensions_have_no_chunks():
    for dim in (RegularChunks(4, 0, 0), RegularChunks(4, 2, 0), IrregularChunks([])):
        assert len(dim) == 0 and list(dim) == [] and dim.sizes == () and dim.size == 0
        with pytest.raises(IndexError):
            dim[0]
        with pytest.raises(IndexError):
            dim.chunk_of(0)
        assert dim.chunks_touching(slice(None)) == range(0)


@pytest.mark.parametrize("dim", [RegularChunks(4, 1, 10), IrregularChunks([3, 4, 3])])
def test_out_of_range_and_non_int_indices(dim):
    with pytest.raises(IndexError, match="chunk index 3 is out of range for 3"):
        dim[3]
    with pytest.raises(IndexError, match="chunk index -4 is out of range"):
        dim[-4]
    with pytest.raises(IndexError, match="index 10 is out of range for 10"):
        dim.chunk_of(10)
    with pytest.raises(IndexError, match="index -11 is out of range"):
        dim.chunk_of(-11)
    with pytest.raises(TypeError, match="index must be an int, got float 1.0"):
        dim.chunk_of(1.0)
    with pytest.raises(TypeError, match="chunk index must be an int"):
        dim["0"]
    with pytest.raises(TypeError, match="expected a slice"):
        dim.chunks_touching(3)
    with pytest.raises(IndexError, match="outside a dimension of size 10"):
        dim.chunks_touching(range(5, 11))


def brute_force_dim_touching(dim, indices) -> list[int]:
    return sorted({dim.chunk_of(i) for i in indices})


@pytest.mark.parametrize("seed", range(30))
def test_dim_chunks_touching_matches_brute_force(seed: int):
    rng = random.Random(seed)
    size = rng.randint(0, 30)
    if rng.random() < 0.5:
        chunksize = rng.randint(1, 8)
        dim = RegularChunks(chunksize, rng.randrange(chunksize), size)
    else:
        dim = chunks_from_sizes(_random_partition(rng, size))
    for _ in range(60):
        start = rng.choice([None, rng.randint(-size - 3, size + 3)])
        stop = rng.choice([None, rng.randint(-size - 3, size + 3)])
        step = rng.choice([None, 1, 1, 2, 3, 7, -1, -2, -5])
        sel = slice(start, stop, step)
        indices = range(size)[sel]
        touched = dim.chunks_touching(sel)
        assert list(touched) == brute_force_dim_touching(dim, indices), (dim, sel)
        assert list(dim.chunks_touching(indices)) == list(touched)
        if step in (None, 1):
            assert isinstance(touched, range)


def _random_partition(rng: random.Random, size: int) -> list[int]:
    sizes = []
    while sum(sizes) < size:
        sizes.append(min(rng.randint(1, 7), size - sum(sizes)))
    return sizes


def _random_dim(rng: random.Random):
    size = rng.choice([0, 1, rng.randint(1, 12)]) if rng.random() < 0.3 else rng.randint(1, 12)
    if rng.random() < 0.5:
        chunksize = rng.randint(1, 5)
        return RegularChunks(chunksize, rng.randrange(chunksize), size)
    return IrregularChunks(_random_partition(rng, size))


@pytest.mark.parametrize("seed", range(25))
def test_grid_iterates_in_c_order_and_indexes_by_coordinates(seed: int):
    rng = random.Random(seed)
    dims = [_random_dim(rng) for _ in range(rng.randint(1, 3))]
    grid = GridChunks(*dims)
    expected = list(itertools.product(*(list(d) for d in dims)))
    assert list(grid) == expected
    assert len(grid) == len(expected) == int(np.prod(grid.shape))
    assert grid.shape == tuple(len(d) for d in dims)
    assert grid.size == tuple(d.size for d in dims)
    assert grid.ndim == len(dims) and grid.dims == tuple(dims)
    coords = list(grid.chunk_coords())
    assert coords == list(np.ndindex(*grid.shape))
    for c, slices in zip(coords, expected):
        assert grid[c] == slices
        assert grid[tuple(k - n for k, n in zip(c, grid.shape))] == slices
    assert grid.max_chunk_shape == tuple(max(d.sizes, default=0) for d in dims)


@pytest.mark.parametrize("seed", range(25))
def test_grid_chunks_cover_every_item_once_and_chunk_of_agrees(seed: int):
    rng = random.Random(100 + seed)
    grid = GridChunks(*(_random_dim(rng) for _ in range(rng.randint(1, 3))))
    label = np.full(grid.size, -1, dtype=np.int64)
    for number, slices in enumerate(grid):
        assert (label[slices] == -1).all()
        label[slices] = number
    assert (label >= 0).all()
    coords = list(grid.chunk_coords())
    for index in np.ndindex(*grid.size):
        expected = coords[label[index]]
        assert grid.chunk_of(index) == expected
        negative = tuple(i - n for i, n in zip(index, grid.size))
        assert grid.chunk_of(negative) == expected


@pytest.mark.parametrize("seed", range(30))
def test_grid_chunks_touching_matches_brute_force(seed: int):
    rng = random.Random(200 + seed)
    grid = GridChunks(*(_random_dim(rng) for _ in range(rng.randint(1, 3))))
    label = np.zeros(grid.size, dtype=np.int64)
    coords = list(grid.chunk_coords())
    for number, slices in enumerate(grid):
        label[slices] = number
    for _ in range(30):
        selection = []
        for n in grid.size[: rng.randint(0, grid.ndim)]:
            if n and rng.random() < 0.15:
                selection.append(rng.randint(-n, n - 1))
            else:
                a, b = sorted(rng.randint(-2, n + 2) for _ in range(2))
                selection.append(slice(a, b, rng.choice([None, 1, 1, 2, -1])))
        selection = tuple(selection)
        expected = [coords[k] for k in np.unique(label[selection])]
        assert list(grid.chunks_touching(selection)) == expected, (grid, selection)


def test_grid_chunks_touching_single_slice_and_errors():
    grid = regular_grid((10, 10), (4, 4))
    assert list(grid.chunks_touching(slice(5, 6))) == [(1, 0), (1, 1), (1, 2)]
    assert list(grid.chunks_touching((slice(5, 5), slice(None)))) == []
    with pytest.raises(IndexError, match="selection has 3 entries for a grid of 2 dimensions"):
        list(grid.chunks_touching((slice(None),) * 3))
    with pytest.raises(IndexError, match="out of range"):
        list(grid.chunks_touching((10,)))


def test_zero_dimensional_grid_has_one_chunk():
    grid = GridChunks()
    assert list(grid) == [()]
    assert len(grid) == 1
    assert grid.shape == () and grid.size == () and grid.ndim == 0
    assert grid[()] == ()
    assert grid.chunk_of(()) == ()
    assert list(grid.chunks_touching(())) == [()]
    assert list(grid.chunk_coords()) == [()]
    assert grid == regular_grid((), ()) and hash(grid) == hash(regular_grid((), ()))
    assert repr(grid) == "GridChunks()"


def test_grid_with_a_zero_size_dimension_has_no_chunks():
    grid = regular_grid((0, 5), (3, 2))
    assert grid.shape == (0, 3) and len(grid) == 0 and list(grid) == []
    assert list(grid.chunks_touching((slice(None), slice(None)))) == []
    with pytest.raises(IndexError):
        grid[0, 0]


def test_grid_equality_and_hash_by_value():
    a = GridChunks(RegularChunks(4, 1, 13), RegularChunks(2, 0, 4))
    b = GridChunks(IrregularChunks([3, 4, 4, 2]), IrregularChunks([2, 2]))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != GridChunks(RegularChunks(4, 1, 13))
    assert a != regular_grid((13, 4), (4, 2))
    assert a != (RegularChunks(4, 1, 13), RegularChunks(2, 0, 4))
    assert repr(a) == (
        "GridChunks(RegularChunks(chunksize=4, offset=1, size=13), "
        "RegularChunks(chunksize=2, offset=0, size=4))"
    )


def test_grid_errors_are_clear():
    with pytest.raises(TypeError, match="use regular_grid"):
        GridChunks(10, 5)
    with pytest.raises(TypeError, match="got tuple .* for dimension 0"):
        GridChunks((10, 5))
    with pytest.raises(TypeError, match="for dimension 1"):
        GridChunks(RegularChunks(2, 0, 4), "x")
    grid = regular_grid((10, 6), (4, 4))
    with pytest.raises(IndexError, match="chunk coordinates must have 2 entries"):
        grid[(1,)]
    with pytest.raises(TypeError, match="chunk coordinates must be a tuple of ints, got int"):
        grid[1]
    with pytest.raises(IndexError, match="chunk index 3 is out of range for 3"):
        grid[3, 0]
    with pytest.raises(IndexError, match="index 6 is out of range for 6"):
        grid.chunk_of((0, 6))
    with pytest.raises(IndexError, match="index must have 2 entries"):
        grid.chunk_of((0, 1, 2))
    with pytest.raises(ValueError, match=r"one entry per dimension of shape \(10, 6\)"):
        regular_grid((10, 6), (4,))
    with pytest.raises(ValueError, match="chunksize must be at least 1, got 0"):
        regular_grid((10,), (0,))
    with pytest.raises(ValueError, match="size must be at least 0, got -1"):
        regular_grid((-1,), (2,))


def test_regular_grid_matches_zarr_style_chunking():
    grid = regular_grid((10, 7, 3), (4, 3, 5))
    assert grid.shape == (3, 3, 1)
    assert grid[2, 2, 0] == (slice(8, 10), slice(6, 7), slice(0, 3))
    assert grid == GridChunks(
        RegularChunks(4, 0, 10), RegularChunks(3, 0, 7), RegularChunks(5, 0, 3)
    )
