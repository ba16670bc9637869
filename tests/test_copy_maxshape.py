"""Copies keep an h5py-style dataset's maximum shape (None: unlimited) wherever the
destination can hold one: zarrlite's h5py face and h5py itself."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import zarrlite as zl
from zarrlite.h5.reserved import H5PY_KEY
from zarrlite.h5.storage import maxshape_bookkeeping

#: name: (shape, maxshape, chunks)
DATASETS = {
    "grow_rows": ((3, 4), (None, 4), (2, 4)),
    "grow_both": ((3, 4), (None, None), (2, 3)),
    "bounded": ((3, 4), (8, 10), (2, 4)),
    "empty_rows": ((0, 4), (None, 4), (256, 4)),
    "fixed": ((5,), (5,), (2,)),
}


def _fill(ds) -> np.ndarray:
    data = np.arange(int(np.prod(ds.shape)), dtype="f4").reshape(ds.shape)
    ds[...] = data
    return data


@pytest.fixture
def h5_source(tmp_path):
    """An HDF5 file with one chunked dataset per entry of DATASETS (in a subgroup too)."""
    path = tmp_path / "ms.h5"
    with h5py.File(path, "w") as f:
        for name, (shape, maxshape, chunks) in DATASETS.items():
            _fill(f.create_dataset(name, shape=shape, maxshape=maxshape, chunks=chunks,
                                   dtype="f4"))
        f.create_dataset("sub/row", shape=(2, 3), maxshape=(None, 3), chunks=(1, 3), dtype="f4")
        f.create_dataset("contiguous", data=np.arange(6.0))
    return path


@pytest.fixture
def zl_source(tmp_path):
    """The same datasets made with zarrlite's h5py face."""
    f = zl.File(str(tmp_path / "src.zarr"), "w")
    for name, (shape, maxshape, chunks) in DATASETS.items():
        _fill(f.create_dataset(name, shape=shape, maxshape=maxshape, chunks=chunks, dtype="f4"))
    f.create_dataset("sub/row", shape=(2, 3), maxshape=(None, 3), chunks=(1, 3), dtype="f4")
    f.create_dataset("contiguous", data=np.arange(6.0))
    return f


def _check_copies(dest, source) -> None:
    """Every dataset of `source` is in `dest` with its maxshape and values, and grows as
    far as its maxshape allows (no further)."""
    for name in [*DATASETS, "sub/row", "contiguous"]:
        got, want = dest[name], source[name]
        assert got.maxshape == want.maxshape, name
        assert got.shape == want.shape
        np.testing.assert_array_equal(got[...], want[...])
    rows = dest["grow_rows"]
    rows.resize(10, axis=0)
    rows[3:] = 7
    assert rows.shape == (10, 4) and float(rows[9, 3]) == 7
    np.testing.assert_array_equal(rows[:3], source["grow_rows"][...])
    with pytest.raises((ValueError, RuntimeError)):
        rows.resize(5, axis=1)
    dest["bounded"].resize((8, 10))
    with pytest.raises((ValueError, RuntimeError)):
        dest["bounded"].resize((9, 10))
    dest["empty_rows"].resize(300, axis=0)
    dest["sub/row"].resize(4, axis=0)
    with pytest.raises((ValueError, RuntimeError)):
        dest["fixed"].resize((6,))


def test_copy_all_h5py_to_zl_file(h5_source, tmp_path):
    where = str(tmp_path / "ms.zarr")
    with h5py.File(h5_source, "r") as src:
        zl.copy_all(src, zl.File(where, "w"))
        _check_copies(zl.File(where, "r+"), src)
    with zl.File(where, "r") as again:  # kept in the store
        assert again["grow_rows"].maxshape == (None, 4)
        assert again["empty_rows"].chunks == (256, 4)
        assert again["contiguous"].chunks is None


def test_copy_one_h5py_dataset_to_zl_file(h5_source, tmp_path):
    dest = zl.File(str(tmp_path / "one.zarr"), "w")
    with h5py.File(h5_source, "r") as src:
        zl.copy(src["grow_both"], dest)
        zl.copy(src["sub"], dest)
        dest.copy(src["bounded"], dest, name="b2")
    assert dest["grow_both"].maxshape == (None, None)
    assert dest["sub/row"].maxshape == (None, 3)
    assert dest["b2"].maxshape == (8, 10)


def test_copy_zl_file_to_zl_file(zl_source, tmp_path):
    dest = zl.File(str(tmp_path / "dest.zarr"), "w")
    zl.copy_all(zl_source, dest)
    _check_copies(dest, zl_source)
    zl_source.copy("grow_rows", "again")  # h5py's Group.copy within one file
    assert zl_source["again"].maxshape == (None, 4)
    one = zl.File(str(tmp_path / "one.zarr"), "w")
    zl.copy(zl_source["grow_both"], one, name="g")
    assert one["g"].maxshape == (None, None)


def test_copy_zl_file_to_h5py(zl_source, tmp_path):
    with h5py.File(tmp_path / "out.h5", "w") as dest:
        zl.copy_all(zl_source, dest)
        _check_copies(dest, zl_source)
        # an unlimited axis of length 0 keeps its chunk length (not clipped to 1)
        assert dest["empty_rows"].chunks == (256, 4)
        assert dest["bounded"].chunks == (2, 4)


def test_copy_h5py_to_h5py(h5_source, tmp_path):
    with h5py.File(h5_source, "r") as src, h5py.File(tmp_path / "out.h5", "w") as dest:
        zl.copy_all(src, dest)
        _check_copies(dest, src)


def test_plain_zarr_destinations_take_no_maxshape(h5_source, tmp_path):
    """A Zarr group has no maximum shape (its arrays grow freely): the copy works as before."""
    dest = zl.open_group(str(tmp_path / "plain.zarr"), mode="w")
    with h5py.File(h5_source, "r") as src:
        zl.copy_all(src, dest)
        np.testing.assert_array_equal(dest["grow_rows"][...], src["grow_rows"][...])
    assert H5PY_KEY not in dest["grow_rows"].attrs
    dest["grow_rows"].resize(20, 4)


def test_create_kws_maxshape_wins(h5_source, tmp_path):
    dest = zl.File(str(tmp_path / "kw.zarr"), "w")
    with h5py.File(h5_source, "r") as src:
        zl.copy(src["grow_rows"], dest, maxshape=(6, 4))
    assert dest["grow_rows"].maxshape == (6, 4)


def test_maxshape_bookkeeping_for_conversions(h5_source, tmp_path):
    """What a conversion writing plain Zarr arrays puts in .zattrs for the face."""
    assert maxshape_bookkeeping((3, 4), (None, 4)) == {"maxshape": [None, 4]}
    assert maxshape_bookkeeping((3, 4), (np.int64(8), 10)) == {"maxshape": [8, 10]}
    assert maxshape_bookkeeping((3, 4), (3, 4)) == {}
    assert maxshape_bookkeeping((), None) == {}
    store = str(tmp_path / "conv.zarr")
    zl.open_group(store, mode="w")
    with h5py.File(h5_source, "r") as src:
        z = zl.from_array(src["grow_rows"], store, path="b")
        z.attrs[H5PY_KEY] = maxshape_bookkeeping(src["grow_rows"].shape,
                                                 src["grow_rows"].maxshape)
        z.attrs["units"] = "m"
    with zl.File(store, "r+") as f:
        assert f["b"].maxshape == (None, 4)
        assert dict(f["b"].attrs) == {"units": "m"}
        f["b"].resize(9, axis=0)
        assert f["b"].shape == (9, 4)
