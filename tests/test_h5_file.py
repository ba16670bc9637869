"""The h5py face beyond the shared program (test_h5_program.py): where files come from,
what a mode may delete, the objects' zarrlite side, and what Zarr readers see."""

from __future__ import annotations

import json
import zipfile

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
    with zl.File(store, "r") as f:
        assert repr(f.keys()) == "<KeysViewHDF5 ['x']>" and f.filename == "<MemoryStore>"
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
        v[0:2] = np.array([np.arange(3)] * 2)  # one row per item, as h5py writes them
        assert [x.tolist() for x in v[:]] == [[0, 1, 2], [0, 1, 2]]
        with pytest.raises(TypeError, match="broadcast"):
            v[0:2] = np.ones((3, 2))
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


# ------------------------------------------- found by a review run of h5py programs


def test_python_strings_become_variable_length_not_fixed_width(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        f["names"] = ["x", "yy"]
        f["names"][0] = "a much longer name"
        assert f["names"][:].tolist() == [b"a much longer name", b"yy"]
        f["title"] = "short"
        f["title"][()] = "a longer title"
        assert f["title"][()] == b"a longer title"
        f["bnames"] = [b"x", b"yy"]
        f["bnames"][0] = b"a much longer name"
        assert f["bnames"][:].tolist() == [b"a much longer name", b"yy"]
        assert zl.check_string_dtype(f["bnames"].dtype).encoding == "ascii"
        with pytest.raises(TypeError, match="No conversion path for dtype"):
            f["u"] = np.array(["a", "b"])
        assert "u" not in f


def test_one_object_per_dataset_sees_every_resize_and_deletion(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        f.create_dataset("log", (2, 2), maxshape=(None, 2), dtype="i4", chunks=(4, 2))
        d1, d2 = f["log"], f["log"]
        d2.resize((5, 2))
        assert d1.shape == (5, 2)
        d1[-1] = [9, 9]
        assert d2[()].tolist() == [[0, 0], [0, 0], [0, 0], [0, 0], [9, 9]]
        f["tmp"] = np.arange(3)
        t = f["tmp"]
        del f["tmp"]
        with pytest.raises(KeyError, match="was deleted or moved"):
            t[()]
        f["tmp"] = np.arange(5.0)
        with pytest.raises(KeyError, match="was deleted or moved"):
            t[()]
        assert f["tmp"][()].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
        m = f["log"]
        f.move("log", "moved")
        with pytest.raises(KeyError, match="was deleted or moved"):
            _ = m.shape
        assert f["moved"].shape == (5, 2)


def test_numbers_convert_as_hdf5_converts(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        u1 = f.create_dataset("u1", (4,), "u1")
        u1[...] = np.array([300, -1, 255, 2.7])
        assert u1[()].tolist() == [255, 0, 255, 2]
        i2 = f.create_dataset("i2", (2,), "i2")
        i2[...] = np.array([1e6, -1e6])
        assert i2[()].tolist() == [32767, -32768]
        u1[0] = 1000
        assert u1[0] == 255
        f8 = f.create_dataset("f8", data=np.array([300.5, -2.0]))
        assert f8.astype("u1")[()].tolist() == [255, 0]
        dest = np.zeros(2, "u1")
        f8.read_direct(dest)
        assert dest.tolist() == [255, 0]


def test_bytes_and_scalars_into_variable_length_strings(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        ds = f.create_dataset("v", (3,), dtype=zl.string_dtype())
        ds[1] = b"bytes"
        ds[2] = "t\u00e9xt"
        assert ds[:].tolist() == [b"", b"bytes", "t\u00e9xt".encode()]
        ds[:] = ds[:]
        assert ds.asstr()[:].tolist() == ["", "bytes", "t\u00e9xt"]
        made = f.create_dataset("made", data=[b"a"], dtype=zl.string_dtype())
        assert made[0] == b"a"
        scalar = f.create_dataset("a", data="abc", dtype=zl.string_dtype())
        assert scalar[()] == b"abc"
        zero_d = f.create_dataset("b", data=np.array("xyz", dtype=zl.string_dtype()))
        assert zero_d[()] == b"xyz"
    # what zarr readers see: text
    assert zl.open_array(str(tmp_path / "f.zarr"), path="v", mode="r")[1] == "bytes"


def test_fixed_length_utf8_strings_keep_their_encoding(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        fl = f.create_dataset("fl", (2,), dtype=zl.string_dtype("utf-8", 10))
        fl[0] = "\u00e9".encode()
        assert zl.check_string_dtype(fl.dtype) == (("utf-8", 10))
        assert fl.asstr()[()].tolist() == ["\u00e9", ""]
    with zl.File(tmp_path / "f.zarr", "r") as f:
        assert zl.check_string_dtype(f["fl"].dtype).encoding == "utf-8"


def test_copies_into_h5py_files_and_from_h5py_strings(tmp_path):
    with zl.File(tmp_path / "z.zarr", "w") as z, h5py.File(tmp_path / "h.h5", "w") as h:
        z["n"] = np.arange(4)
        z.copy("n", h)
        assert h["n"][()].tolist() == [0, 1, 2, 3]
        h.create_dataset("g/s", data=np.array(["a", "b\u00e9"], dtype=h5py.string_dtype()))
        z.copy(h["g"], z)
        assert z["g/s"][()].tolist() == [b"a", "b\u00e9".encode()]
        with pytest.raises(RuntimeError, match="'/g' \\(destination object already exists"):
            z.copy(h["g"], z)


def test_refusals_h5py_code_can_catch(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        d = f.create_dataset("d", (5,), "i4")
        with pytest.raises(TypeError, match="broadcast"):
            d[0:5] = np.arange(3)
        with pytest.raises(TypeError, match="cannot read a selection of shape"):
            d.read_direct(np.zeros(2, "i4"))
        with pytest.raises(TypeError, match="non-empty name"):
            f.create_dataset("", (3,))
        with pytest.raises(TypeError, match="bytes or str"):
            f[0]
        with pytest.raises(TypeError, match="subarray dtype"):
            f.create_dataset("sub", (1,), dtype="3int8")
        compound = np.dtype([("t", "f8"), ("msg", zl.string_dtype())])
        with pytest.raises(TypeError, match="variable-length"):
            f.create_dataset("c", (2,), dtype=compound)


def test_links_and_empty_values_are_named_and_refused(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        f["x"] = [1]
        for obj in (zl.SoftLink("/x"), zl.ExternalLink("other.zarr", "/x")):
            with pytest.raises(TypeError, match="no links"):
                f["link"] = obj
        with pytest.raises(TypeError, match="h5py.Empty"):
            f["e"] = zl.Empty("f4")
        with pytest.raises(TypeError, match="h5py.Empty"):
            f.create_dataset("e", data=zl.Empty("f4"))
        assert sorted(f) == ["x"]


# ------------------------------------------- found by running h5py's own tests (tools/h5py_suite)


def test_python_ints_beyond_int64_are_written_exactly(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        d = f.create_dataset("u", (3,), "u8")
        d[:2] = [2**63 - 1, 2**63]
        d[2] = 2**64 - 1
        assert d[:].tolist() == [2**63 - 1, 2**63, 2**64 - 1]
        i = f.create_dataset("i", (2,), "i1")
        i[:] = [1000, -1000]  # saturates, as HDF5
        assert i[:].tolist() == [127, -128]


def test_bytes_names_getclass_and_moving_onto_itself(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        f.create_group("g")
        f["d"] = [1]
        assert b"g" in f and f.get(b"g").name == "/g"
        assert f.get("g", getclass=True) == zl.Group
        assert f.get("d", getclass=True) == zl.Dataset
        f.move("g", "g")
        assert "g" in f
        with pytest.raises(TypeError, match="non-empty name"):
            f.create_group(None)


def test_ascii_strings_take_str_and_fill_values_read_as_bytes(tmp_path):
    with zl.File(tmp_path / "f.zarr", "w") as f:
        a = f.create_dataset("a", (2,), dtype=zl.string_dtype("ascii"))
        a[0] = "abc"
        a[1:] = ["de"]
        assert a[:].tolist() == [b"abc", b"de"]
        with pytest.raises(UnicodeEncodeError):
            a[0] = "\u00e9"
        s = f.create_dataset("s", (2,), dtype=zl.string_dtype())
        assert s.fillvalue == b""
        w = f.create_dataset("w", data=np.arange(6).reshape(2, 3))
        assert w.astype("f4").shape == (2, 3) and w.astype("f4").ndim == 2
        assert w.astype("f4").dtype == np.dtype("f4")


def test_a_zip_path_is_one_zip_archive(tmp_path):
    path = tmp_path / "run.zip"
    with zl.File(path, "w") as f:
        f.create_dataset("g/x", data=np.arange(10), compression="gzip")
        f.attrs["runs"] = 3
    assert zipfile.is_zipfile(path)  # the archive is complete once the file is closed
    with zl.File(path, "r") as f:
        assert f["g/x"][:].tolist() == list(range(10)) and f.attrs["runs"] == 3
    with zl.File(path, "a") as f:
        f["y"] = np.ones(3)
    with zl.File(path, "w") as f:  # mode 'w' starts a new archive
        f["z"] = np.zeros(2)
    with zl.File(path, "r") as f:
        assert list(f) == ["z"]
    with pytest.raises(FileExistsError):
        zl.File(path, "x")
    with pytest.raises(FileNotFoundError):
        zl.File(tmp_path / "missing.zip", "r")
