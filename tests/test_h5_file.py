"""The h5py face beyond the shared program (test_h5_program.py): where files come from,
what a mode may delete, the objects' zarrlite side, and what Zarr readers see."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

import zarrlite as zl
from zarrlite.h5.errors import FileClosedError


def test_a_file_on_any_store_and_in_memory():
    store = zl.MemoryStore()
    with zl.File(store, "w") as f:
        f["x"] = np.arange(3)
    with zl.File(store, "r") as f:
        assert f["x"][:].tolist() == [0, 1, 2]
    plain: dict = {}
    with zl.File(plain, "a") as f:
        f.create_group("g")
    assert ".zgroup" in plain and "g/.zgroup" in plain
    with zl.File("ignored-name", "w", driver="core", backing_store=False) as f:
        f["y"] = [1.5]
        assert f["y"][0] == 1.5
    with pytest.raises(TypeError, match="driver='family'"):
        zl.File(zl.MemoryStore(), "w", driver="family")
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['colour'\\]"):
        zl.File(zl.MemoryStore(), "w", colour="red")
    zl.File(zl.MemoryStore(), "w", libver="latest", rdcc_nbytes=2**20, locking=False).close()


def test_an_hdf5_file_is_named_as_such(tmp_path):
    path = tmp_path / "real.h5"
    with h5py.File(path, "w") as f:
        f["x"] = [1]
    for mode in ("r", "a", "w"):
        with pytest.raises(OSError, match="an HDF5 file: open it with h5py"):
            zl.File(path, mode)
    assert h5py.File(path, "r")["x"][0] == 1  # untouched
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(OSError, match="a file, not a directory"):
        zl.File(other, "w")


def test_mode_w_never_deletes_what_is_not_a_hierarchy(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    for mode in ("w", "a", "r+"):
        with pytest.raises(OSError, match="something other than a Zarr hierarchy"):
            zl.File(tmp_path, mode)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    zl.zeros(3, store=str(tmp_path / "arr.zarr"))
    with pytest.raises(OSError, match="a Zarr array at its root"):
        zl.File(tmp_path / "arr.zarr", "w")
    with zl.File(tmp_path / "h.zarr", "w") as f:  # an existing hierarchy is replaced
        f["old"] = [1]
    with zl.File(tmp_path / "h.zarr", "w") as f:
        assert list(f) == []


def test_datasets_and_groups_are_zarrlite_arrays_and_groups(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        d = f.create_dataset("a/d", data=np.arange(20).reshape(4, 5), chunks=(2, 5))
        assert isinstance(d, zl.Array) and isinstance(d, zl.Dataset)
        assert isinstance(f["a"], zl.Group) and isinstance(f, zl.Group)
        assert d.oindex[[0, 3], [1, 4]].tolist() == [[1, 4], [16, 19]]
        assert d.vindex[[0, 3], [1, 4]].tolist() == [1, 19]
        assert d.blocks[1].tolist() == [[10, 11, 12, 13, 14], [15, 16, 17, 18, 19]]
        assert d[[3, 0]].tolist() == [[15, 16, 17, 18, 19], [0, 1, 2, 3, 4]]  # h5py refuses
        assert d[::-2, 0].tolist() == [15, 5]
    # what zarr readers see: an ordinary array, h5py's bookkeeping beside the attributes
    again = zl.open_array(str(tmp_path / "f.zarr"), path="a/d", mode="r")
    assert again[...].tolist() == np.arange(20).reshape(4, 5).tolist()
    attrs = json.loads((tmp_path / "f.zarr" / "a" / "d" / ".zattrs").read_text())
    assert attrs == {"_h5py": {"maxshape": [4, 5]}}


def test_dimension_labels_are_xarray_dimension_names(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        d = f.create_dataset("t", shape=(3, 4), dtype="f4")
        d.dims[0].label = "time"
        assert [dim.label for dim in d.dims] == ["time", ""]
        d.dims[1].label = "x"
        assert "_ARRAY_DIMENSIONS" not in d.attrs
        with pytest.raises(NotImplementedError, match="dimension scales"):
            d.dims[0].attach_scale(d)
        with pytest.raises(NotImplementedError, match="dimension scales"):
            d.dims.create_scale(d, "x")
    raw = zl.open_array(str(tmp_path / "f.zarr"), path="t", mode="r").attrs
    assert raw["_ARRAY_DIMENSIONS"] == ["time", "x"]


def test_attributes_seen_through_every_object(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        d = f.create_dataset("d", shape=(2,), dtype="i4")
        f["d"].attrs["scale"] = np.float32(0.5)
        assert d.attrs["scale"] == np.float32(0.5) and d.attrs["scale"].dtype == np.float32


def test_read_direct_decodes_into_the_destination(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        d = f.create_dataset("d", data=np.arange(64, dtype="f8").reshape(8, 8), chunks=(4, 4))
        dest = np.zeros((10, 8))
        d.read_direct(dest, np.s_[2:4], np.s_[5:7])
        assert dest[5:7].tolist() == np.arange(16, 32).reshape(2, 8).tolist()
        assert not dest[:5].any() and not dest[7:].any()
        mixed = np.zeros(3, "i2")  # another dtype: converted, as h5py does
        d.read_direct(mixed, np.s_[0, 1:4])
        assert mixed.tolist() == [1, 2, 3]
        picked = np.zeros((2, 8))  # a fancy source selection
        d.read_direct(picked, np.s_[[1, 6]])
        assert picked[:, 0].tolist() == [8, 48]
        with pytest.raises(TypeError, match="C-contiguous"):
            d.read_direct(np.zeros((8, 8), order="F"))


def test_strings_and_sequences(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        s = f.create_dataset("s", shape=(3,), dtype=zl.string_dtype())
        s[0] = "héllo"
        assert s[0] == "héllo".encode() and s[1] == b""
        assert s.asstr()[0] == "héllo"
        a = f.create_dataset("a", shape=(2,), dtype=zl.string_dtype("ascii"))
        a[:] = [b"x", b"yz"]
        assert a[:].tolist() == [b"x", b"yz"] and a.asstr()[1] == "yz"
        v = f.create_dataset("v", shape=(2,), dtype=zl.vlen_dtype(np.int16))
        v[0] = np.arange(3)
        v[1] = np.arange(5)
        assert [x.tolist() for x in v[:]] == [[0, 1, 2], [0, 1, 2, 3, 4]]
        assert zl.check_vlen_dtype(v.dtype) == np.dtype("i2")
        fixed = f.create_dataset("fixed", data=np.array([b"ab", b"cde"]))
        assert fixed.dtype == np.dtype("S3") and fixed.asstr()[:].tolist() == ["ab", "cde"]


def test_closing_reaches_every_object_and_closes_the_store(tmp_path):
    closed = []

    class ClosableStore(dict):
        def close(self):
            closed.append(True)

    f = zl.File(ClosableStore(), "w")
    d = f.create_dataset("d", shape=(2,), dtype="i4")
    g = f.create_group("g")
    attrs = d.attrs
    f.close()
    assert closed == [True]
    for call in (lambda: d[0], lambda: d.__setitem__(0, 1), lambda: g.create_group("x"),
                 lambda: attrs["x"], lambda: d.attrs, lambda: d.oindex[[0]], lambda: f.filename):
        with pytest.raises(FileClosedError, match="closed"):
            call()
    f.close()  # twice is fine
    assert closed == [True]


def test_copy_between_files_of_both_libraries(tmp_path):
    with h5py.File(tmp_path / "src.h5", "w") as src:
        src.create_dataset("g/x", data=np.arange(6).reshape(2, 3), chunks=(1, 3))
        src["g/x"].attrs["u"] = np.int16(4)
        with zl.File(tmp_path / "dst.zarr", "w") as dst:
            dst.copy(src["g"], dst, name="copied")
            assert dst["copied/x"][:].tolist() == [[0, 1, 2], [3, 4, 5]]
            assert dst["copied/x"].attrs["u"] == 4
            with zl.File(tmp_path / "other.zarr", "w") as other:
                other.copy(dst["copied/x"], other)
                assert other["x"][1, 2] == 5
