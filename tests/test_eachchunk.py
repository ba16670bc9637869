"""eachchunk and haschunks over every kind of array: numpy, h5py (chunked and contiguous),
zarr-python 3, dask, zarrlite, and objects with their own ``eachchunk()``."""

from __future__ import annotations

import math

import dask.array as da
import h5py
import numpy as np
import pytest
import zarr

import zarrlite as zl
from zarrlite import config
from zarrlite.chunked.eachchunk import (
    DEFAULT_MAX_BYTES,
    eachchunk,
    haschunks,
    memory_bounded_grid,
)
from zarrlite.chunked.grid import GridChunks, IrregularChunks, RegularChunks, regular_grid


def assert_grid_covers(grid: GridChunks, shape: tuple[int, ...]) -> None:
    """Every item of `shape` lies in exactly one chunk of `grid`."""
    assert grid.size == shape
    seen = np.zeros(shape, dtype=np.int64)
    for slices in grid:
        seen[slices] += 1
    assert (seen == 1).all()


def assert_reassembles(a, grid: GridChunks, expected: np.ndarray) -> None:
    """Reading `a` chunk by chunk along `grid` gives `expected` back."""
    out = np.zeros_like(expected)
    for slices in grid:
        out[slices] = np.asarray(a[slices])
    np.testing.assert_array_equal(out, expected)


def chunk_nbytes(slices: tuple[slice, ...], itemsize: int) -> int:
    return math.prod(s.stop - s.start for s in slices) * itemsize


# numpy: the memory-bounded default -------------------------------------------------------

BOUNDED_CASES = [
    ((1000, 300), "f8", 1 << 20),
    ((10, 4, 5), "f8", 8 * 45),
    ((10, 4, 5), "f8", 8 * 20),
    ((10, 4, 5), "i2", 2 * 19),
    ((10, 100), "f8", 8 * 30),
    ((7, 3, 11), "u1", 1),
    ((7, 3, 11), "u1", 10_000),
    ((37,), "f4", 4 * 5),
    ((5, 6), "S100", 10),  # one item is over the bound: chunks of one item
    ((0, 6), "f8", 8),
    ((6, 0, 4), "f8", 8),
    ((), "f8", 1),
    ((3, 1, 1, 9), "c16", 16 * 18),
]


@pytest.mark.parametrize("shape, dtype, max_bytes", BOUNDED_CASES)
def test_numpy_chunks_are_bounded_whole_rows(shape, dtype, max_bytes):
    a = np.arange(math.prod(shape)).astype(dtype).reshape(shape)
    grid = eachchunk(a, max_bytes=max_bytes)
    assert grid == memory_bounded_grid(shape, a.dtype.itemsize, max_bytes)
    assert all(isinstance(d, RegularChunks) for d in grid.dims)
    assert_grid_covers(grid, shape)
    assert_reassembles(a, grid, a)
    itemsize = a.dtype.itemsize
    for slices in grid:
        assert chunk_nbytes(slices, itemsize) <= max(max_bytes, itemsize)
    if a.size == 0:
        assert len(grid) == 0 or grid.ndim == 0
        return
    # whole rows: axes after the split axis are whole; axes before it have chunks of 1
    chunk = grid.max_chunk_shape
    split = [axis for axis, (c, n) in enumerate(zip(chunk, shape)) if c != n]
    if split:
        assert all(c == n for c, n in zip(chunk[split[-1] + 1 :], shape[split[-1] + 1 :]))
        assert all(c == 1 for c in chunk[: split[-1]])
        # the fewest chunks along the split axis that keep within the bound
        axis = split[-1]
        row_bytes = math.prod(shape[axis + 1 :]) * itemsize
        fitting = max(1, max_bytes // row_bytes)
        assert grid.shape[axis] == -(-shape[axis] // fitting)
    else:
        assert len(grid) == 1 and a.nbytes <= max(max_bytes, itemsize)


def test_numpy_default_bound_is_the_setting_or_128_mib():
    try:
        expected = config.get("chunked_max_bytes")
    except KeyError:  # the setting does not exist yet: the module constant applies
        expected = DEFAULT_MAX_BYTES
    assert DEFAULT_MAX_BYTES == 128 << 20
    big = np.broadcast_to(np.float64(0), (1 << 20, 64))  # 512 MiB, never allocated
    grid = eachchunk(big)
    assert grid == memory_bounded_grid(big.shape, 8, expected)
    assert all(chunk_nbytes(s, 8) <= expected for s in grid)
    small = np.zeros((100, 100))
    assert len(eachchunk(small)) == 1


def test_numpy_zero_dimensional_has_one_chunk():
    a = np.array(3.5)
    grid = eachchunk(a)
    assert grid == GridChunks() and list(grid) == [()]
    assert a[next(iter(grid))] == 3.5
    assert not haschunks(a)


def test_numpy_haschunks_is_false():
    assert not haschunks(np.zeros((3, 4)))
    assert not haschunks(np.zeros(5).view(np.ma.MaskedArray))


# h5py -------------------------------------------------------------------------------------


def test_h5py_chunked_dataset_gives_its_chunks(tmp_path):
    data = np.arange(23 * 17, dtype="i4").reshape(23, 17)
    with h5py.File(tmp_path / "chunked.h5", "w") as f:
        ds = f.create_dataset("x", data=data, chunks=(5, 5))
        grid = eachchunk(ds)
        assert haschunks(ds)
        assert grid == regular_grid((23, 17), (5, 5))
        assert grid.shape == (5, 4)
        assert_reassembles(ds, grid, data)
        # the grid's chunks are HDF5's own: each chunk's offset is a stored chunk's offset
        offsets = {ds.id.get_chunk_info(i).chunk_offset for i in range(ds.id.get_num_chunks())}
        assert offsets == {tuple(s.start for s in slices) for slices in grid}


def test_h5py_contiguous_dataset_gets_a_bounded_estimate(tmp_path):
    data = np.arange(40 * 30, dtype="f8").reshape(40, 30)
    with h5py.File(tmp_path / "contiguous.h5", "w") as f:
        ds = f.create_dataset("x", data=data)
        assert ds.chunks is None
        assert not haschunks(ds)
        grid = eachchunk(ds, max_bytes=8 * 30 * 7)
        assert grid == regular_grid((40, 30), (7, 30))  # 6 chunks: 40 rows, 7 fit
        for slices in grid:
            assert chunk_nbytes(slices, 8) <= 8 * 30 * 7
        assert_reassembles(ds, grid, data)
        assert len(eachchunk(ds)) == 1  # 9600 bytes fit the default bound
        scalar = f.create_dataset("s", data=2.5)
        assert eachchunk(scalar) == GridChunks() and not haschunks(scalar)


# zarr-python 3 and zarrlite ------------------------------------------------------------


def test_zarr_python_array_gives_its_regular_grid(tmp_path):
    data = np.arange(10 * 13, dtype="u2").reshape(10, 13)
    z = zarr.create_array(
        store=str(tmp_path / "z3.zarr"), shape=data.shape, chunks=(4, 6), dtype=data.dtype
    )
    z[...] = data
    assert haschunks(z)
    grid = eachchunk(z)
    assert grid == regular_grid((10, 13), (4, 6))
    assert_reassembles(z, grid, data)


def test_zarrlite_array_gives_its_regular_grid(tmp_path):
    data = np.arange(9 * 7 * 5, dtype="f4").reshape(9, 7, 5)
    store = zl.DirectoryStore(str(tmp_path / "zl.zarr"))
    z = zl.array(data, chunks=(4, 3, 5), store=store)
    assert haschunks(z)
    grid = eachchunk(z, max_bytes=1)  # its own chunks whatever the bound
    assert grid == regular_grid((9, 7, 5), (4, 3, 5))
    assert_reassembles(z, grid, data)
    zero = zl.zeros((0, 4), chunks=(2, 2), store=zl.DirectoryStore(str(tmp_path / "zero")))
    assert eachchunk(zero) == regular_grid((0, 4), (2, 2)) and len(eachchunk(zero)) == 0


# dask ---------------------------------------------------------------------------------------


def test_dask_irregular_chunks(tmp_path):
    data = np.arange(10 * 9).reshape(10, 9)
    x = da.from_array(data, chunks=((5, 2, 3), (4, 4, 1)))
    assert haschunks(x)
    grid = eachchunk(x)
    assert grid.dims[0] == IrregularChunks([5, 2, 3])
    assert isinstance(grid.dims[0], IrregularChunks)
    assert grid.dims[1] == RegularChunks(4, 0, 9)
    assert isinstance(grid.dims[1], RegularChunks)  # all equal but the last
    for coords, slices in zip(grid.chunk_coords(), grid):
        np.testing.assert_array_equal(x.blocks[coords].compute(), data[slices])
    assert_reassembles(x, grid, data)


def test_dask_regular_zero_size_and_zero_dimensional():
    x = da.ones((10, 6), chunks=(4, 6))
    assert isinstance(eachchunk(x).dims[0], RegularChunks)
    assert eachchunk(x) == regular_grid((10, 6), (4, 6))
    empty = da.zeros((0, 5), chunks=(2, 2))
    assert empty.chunks == ((0,), (2, 2, 1))
    assert eachchunk(empty).size == (0, 5) and len(eachchunk(empty)) == 0
    scalar = da.from_array(np.float32(1))
    assert eachchunk(scalar) == GridChunks() and haschunks(scalar)


def test_dask_unknown_chunk_sizes_are_an_error():
    x = da.from_array(np.arange(10), chunks=4)
    y = x[x > 3]
    with pytest.raises(
        ValueError,
        match=r"unknown chunk lengths \(nan, nan, nan\) along axis 0.*compute_chunk_sizes",
    ):
        eachchunk(y)
    assert eachchunk(y.compute_chunk_sizes()).size == (6,)


# objects with their own eachchunk() -----------------------------------------------------------


class Tiles:
    """A duck-typed array that declares its chunks through ``eachchunk()``."""

    def __init__(self, grid: GridChunks | object, shape: tuple[int, ...]) -> None:
        self.grid, self.shape, self.dtype = grid, shape, np.dtype("f8")
        self.chunks = (1,) * len(shape)  # must be ignored: eachchunk() comes first

    def eachchunk(self) -> GridChunks | object:
        return self.grid


def test_object_with_eachchunk_method():
    grid = GridChunks(IrregularChunks([2, 7]), RegularChunks(3, 1, 8))
    t = Tiles(grid, (9, 8))
    assert eachchunk(t) is grid and haschunks(t)


def test_object_with_bad_eachchunk_is_rejected():
    with pytest.raises(TypeError, match=r"Tiles.eachchunk\(\) must return a GridChunks, got tuple"):
        eachchunk(Tiles((3, 3), (9, 9)))
    with pytest.raises(ValueError, match=r"covers \(9,\), but its shape is \(10,\)"):
        eachchunk(Tiles(regular_grid((9,), (3,)), (10,)))


# bad input ---------------------------------------------------------------------------------


class Shaped:
    def __init__(self, **attrs: object) -> None:
        self.__dict__.update(attrs)


def test_bad_arrays_and_bounds_are_rejected():
    with pytest.raises(TypeError, match="needs an array with a shape .* got list"):
        eachchunk([1, 2, 3])
    with pytest.raises(TypeError, match="needs an array with a dtype, got Shaped"):
        eachchunk(Shaped(shape=(3,)))
    with pytest.raises(TypeError, match=r"Shaped.chunks must be a tuple of ints or a tuple"):
        eachchunk(Shaped(shape=(3,), dtype="f8", chunks=("a",)))
    with pytest.raises(ValueError, match=r"one entry per dimension of shape \(3, 4\)"):
        eachchunk(Shaped(shape=(3, 4), dtype="f8", chunks=(2,)))
    with pytest.raises(ValueError, match="chunksize must be at least 1, got 0"):
        eachchunk(Shaped(shape=(3,), dtype="f8", chunks=(0,)))
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="max_bytes must be a positive int"):
            eachchunk(np.zeros(3), max_bytes=bad)
    assert not haschunks([1, 2]) and not haschunks(Shaped(shape=(2,), chunks=None))
    assert not haschunks(Shaped(shape=(2,), chunks=("a",)))


def test_chunks_none_falls_back_to_the_bound():
    a = Shaped(shape=(100, 10), dtype=np.dtype("i8"), chunks=None)
    assert not haschunks(a)
    assert eachchunk(a, max_bytes=8 * 10 * 30) == regular_grid((100, 10), (25, 10))


def test_a_sharded_zarr3_array_is_worked_through_by_shards(tmp_path):
    a = np.arange(256 * 256, dtype="f4").reshape(256, 256) + 1
    dest = zarr.create_array(str(tmp_path / "s.zarr"), shape=a.shape, chunks=(16, 16),
                             shards=(128, 128), dtype="f4", fill_value=0)
    assert eachchunk(dest) == regular_grid((256, 256), (128, 128))
    # writers of one shard would undo each other: each shard is written by one worker
    zl.copy_chunked(dest, zl.array(a, chunks=(16, 16)), max_bytes=64 * 1024)
    np.testing.assert_array_equal(dest[...], a)
    again = zarr.create_array(str(tmp_path / "t.zarr"), shape=a.shape, chunks=(16, 16),
                              shards=(128, 128), dtype="f4", fill_value=0)
    zl.map_chunks(np.asarray, zl.array(a, chunks=(16, 16)), out=again)
    np.testing.assert_array_equal(again[...], a)
