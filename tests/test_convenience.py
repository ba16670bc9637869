"""zarrlite.convenience: save/load, tree, copy_store, copy and copy_all.

numpy is the oracle for data; zarr-python 2.18.7 (in its own venv, see ``zarr2_env``) is
the oracle for return values, log lines and exception types, through one script that runs
every scenario of ``SCENARIOS`` with both libraries.
"""

from __future__ import annotations

import io
import re
import textwrap

import h5py
import numpy as np
import pytest
from zarr2_env import assert_same_outcome, run_scenarios

import zarrlite as zl
import zarrlite.convenience as zlc
from zarrlite.errors import CopyError, PathNotFoundError


@pytest.fixture(params=["dict", "memory", "directory"])
def store(request, tmp_path):
    """A new, empty store of each kind (a directory as its path)."""
    return {"dict": dict, "memory": zl.MemoryStore,
            "directory": lambda: str(tmp_path / "data.zarr")}[request.param]()


class BatchCountingStore(dict):
    """A dict store with batch methods that counts its calls."""

    def __init__(self, *args):
        super().__init__(*args)
        self.calls = {"getitems": 0, "setitems": 0}

    def getitems(self, keys):
        self.calls["getitems"] += 1
        return {k: self[k] for k in keys if k in self}

    def setitems(self, mapping):
        self.calls["setitems"] += 1
        self.update(mapping)


def sample_group(store=None, attrs=True):
    """/ (attrs) ├── foo/bar/baz (int64, 100) └── spam (float32, 7x5, filters, F order)."""
    root = zl.group(store)
    if attrs:
        root.attrs["title"] = "sample"
    baz = root.create_dataset("foo/bar/baz", data=np.arange(100), chunks=30)
    baz.attrs["units"] = "m"
    root["foo"].attrs["level"] = 1
    root.create_dataset("spam", data=np.arange(35, dtype="f4").reshape(7, 5), chunks=(3, 2),
                        fill_value=-1.0, order="F", filters=[zl.Delta("f4")],
                        compressor=zl.Zlib(level=2))
    return root


# ---------------------------------------------------------------------- save and load
def test_save_array_and_load(store):
    data = np.arange(24, dtype="i2").reshape(4, 6)
    zlc.save_array(store, data, chunks=(2, 3), compressor=None)
    loaded = zlc.load(store)
    assert isinstance(loaded, np.ndarray)
    np.testing.assert_array_equal(loaded, data)
    z = zl.open_array(store, mode="r")
    assert z.chunks == (2, 3) and z.compressor is None and z.dtype == data.dtype


def test_save_array_at_a_path_replaces_what_is_there(store):
    zlc.save_group(store, a=np.ones(3), b=np.zeros(2))
    zlc.save_array(store, np.arange(5), path="a")
    np.testing.assert_array_equal(zlc.load(store, path="a"), np.arange(5))
    np.testing.assert_array_equal(zlc.load(store)["b"], np.zeros(2))


def test_save_group_names_and_lazy_loading(store):
    first, second, named = np.arange(10), np.arange(10)[::-1], np.ones((2, 2), "u1")
    zlc.save_group(store, first, second, named=named, path="grp")
    loaded = zlc.load(store, path="grp")
    assert isinstance(loaded, zlc.LazyLoader)
    assert repr(loaded) == "<LazyLoader: arr_0, arr_1, named>"
    assert list(loaded) == ["arr_0", "arr_1", "named"] and len(loaded) == 3
    assert loaded.cache == {}  # nothing read yet
    np.testing.assert_array_equal(loaded["arr_1"], second)
    assert loaded["arr_1"] is loaded["arr_1"] and list(loaded.cache) == ["arr_1"]
    np.testing.assert_array_equal(loaded["named"], named)
    assert "arr_0" in loaded and "nothing" not in loaded
    with pytest.raises(KeyError):
        loaded["nothing"]


def test_lazy_loader_sees_subgroups_as_zarr2_does():
    store = {}
    zlc.save_group(store, x=np.arange(3))
    zl.group(store).create_dataset("sub/y", data=[1, 2])
    loaded = zlc.load(store)
    assert repr(loaded) == "<LazyLoader: x>"  # arrays only...
    assert list(loaded) == ["sub", "x"] and len(loaded) == 2  # ...but every member here
    assert "sub/y" in loaded
    assert loaded["sub/y"].tolist() == [1, 2]
    with pytest.raises(KeyError, match="is a group"):
        loaded["sub"]


def test_save_picks_array_or_group(store):
    zlc.save(store, np.arange(4))
    assert isinstance(zl.open(store, mode="r"), zl.Array)
    zlc.save(store, np.arange(4), np.ones(2))
    assert sorted(zl.open(store, mode="r").array_keys()) == ["arr_0", "arr_1"]
    zlc.save(store, only=np.arange(4))
    assert list(zl.open(store, mode="r").array_keys()) == ["only"]


@pytest.mark.parametrize("func", [zlc.save, zlc.save_group])
def test_save_needs_an_array(func):
    with pytest.raises(ValueError, match="at least one array"):
        func({})


def test_load_of_nothing_raises():
    store = {}
    zlc.save(store, a=np.ones(2))
    with pytest.raises(PathNotFoundError) as info:
        zlc.load(store, path="b")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("func", [zlc.save_array, zlc.save_group, zlc.load])
def test_zarr_v3_is_refused(func):
    args = () if func is zlc.load else (np.ones(2),)
    with pytest.raises(ValueError, match="v2 only"):
        func({}, *args, zarr_version=3)


# ------------------------------------------------------------------------------ tree
def test_tree_of_a_group_is_its_tree():
    root = sample_group()
    assert str(zlc.tree(root)) == str(root.tree())
    assert str(zlc.tree(root["foo"], level=1)) == "foo\n └── bar"


def test_tree_of_an_h5py_group(tmp_path):
    with h5py.File(tmp_path / "t.h5", "w") as f:
        f.create_dataset("foo/bar/baz", data=np.arange(100))
        f.create_dataset("spam", shape=(3, 4), dtype="f4")
        f.create_dataset("text", data=["a", "bc"], dtype=h5py.string_dtype())
        assert str(zlc.tree(f)) == textwrap.dedent("""\
            /
             ├── foo
             │   └── bar
             │       └── baz (100,) int64
             ├── spam (3, 4) float32
             └── text (2,) object""")
        assert str(zlc.tree(f["foo"], level=1)) == "foo\n └── bar"


# ------------------------------------------------------------------------ copy_store
def test_copy_store_copies_bytes_under_a_path(store):
    source = sample_group(store).store
    dest = BatchCountingStore()
    log = []
    counts = zlc.copy_store(source, dest, source_path="foo/", dest_path="/x/y", log=log.append)
    keys = sorted(k for k in source if k.startswith("foo/"))
    assert counts == (len(keys), 0, sum(len(source[k]) for k in keys))
    assert sorted(dest) == ["x/y/" + k[4:] for k in keys]
    assert all(dest["x/y/" + k[4:]] == source[k] for k in keys)
    assert log[0] == f"copy {keys[0]} -> x/y/{keys[0][4:]}"
    assert log[-1] == f"all done: {len(keys)} copied, 0 skipped, {counts[2]:,} bytes copied"
    np.testing.assert_array_equal(zl.open(dest, path="x/y/bar/baz")[:], np.arange(100))


def test_copy_store_batches_reads_and_writes(monkeypatch):
    source = BatchCountingStore({f"k/{i}": bytes([i]) for i in range(10)})
    dest = BatchCountingStore()
    monkeypatch.setattr(zlc.store_copy, "COPY_STORE_BATCH", 4)
    assert zlc.copy_store(source, dest) == (10, 0, 10)
    assert source.calls["getitems"] == 3 and dest.calls["setitems"] == 3
    assert dest == source


def test_copy_store_excludes_and_includes():
    source = {"a/.zarray": b"1", "a/0": b"22", "a/1": b"333", "b/.zattrs": b"4", "B/0": b"5"}
    dest = {}
    counts = zlc.copy_store(source, dest, excludes=[r"/\d$", "^b"], includes=r"a/1$")
    assert sorted(dest) == ["a/.zarray", "a/1"] and counts == (2, 0, 4)
    dest = {}
    zlc.copy_store(source, dest, excludes="^b", flags=re.IGNORECASE)
    assert sorted(dest) == ["a/.zarray", "a/0", "a/1"]


def test_copy_store_if_exists():
    source = {"a": b"new", "b": b"new", "c": b"new"}
    dest = {"b": b"old"}
    with pytest.raises(CopyError, match="'b' exists in destination") as info:
        zlc.copy_store(source, dest)
    assert isinstance(info.value, RuntimeError)
    assert dest == {"b": b"old"}  # refused before anything was written
    log = []
    assert zlc.copy_store(source, dest, if_exists="skip", log=log.append) == (2, 1, 6)
    assert dest == {"a": b"new", "b": b"old", "c": b"new"}
    assert log == ["copy a", "skip b", "copy c", "all done: 2 copied, 1 skipped, 6 bytes copied"]
    assert zlc.copy_store(source, dest, if_exists="replace") == (3, 0, 9)
    assert dest == source
    with pytest.raises(ValueError, match="if_exists"):
        zlc.copy_store(source, dest, if_exists="skip_initialized")


def test_copy_store_dry_run_writes_nothing():
    source, dest = {"a": b"1", "b": b"22"}, {"b": b"x"}
    log = []
    counts = zlc.copy_store(source, dest, if_exists="skip", dry_run=True, log=log.append)
    assert counts == (1, 1, 0) and dest == {"b": b"x"}
    assert log == ["copy a", "skip b", "dry run: 1 copied, 1 skipped"]


def test_copy_logs_to_a_path_or_a_file(tmp_path):
    path = tmp_path / "log.txt"
    zlc.copy_store({"a": b"1"}, {}, log=str(path))
    assert path.read_text() == "copy a\nall done: 1 copied, 0 skipped, 1 bytes copied\n"
    out = io.StringIO()
    zlc.copy(zl.group().zeros("z", shape=2, dtype="u1"), zl.group(), log=out)
    assert out.getvalue().splitlines()[0] == "copy /z (2,) uint8"
    with pytest.raises(TypeError, match="log must be"):
        zlc.copy_store({}, {}, log=42)


# ------------------------------------------------------------------- copy: zarrlite
def test_copy_keeps_data_settings_and_attrs():
    source = sample_group()
    dest = zl.group()
    assert zlc.copy(source["foo"], dest) == (3, 0, 800)
    assert zlc.copy(source["spam"], dest, name="renamed") == (1, 0, 140)
    baz, spam = dest["foo/bar/baz"], dest["renamed"]
    np.testing.assert_array_equal(baz[:], np.arange(100))
    np.testing.assert_array_equal(spam[:], source["spam"][:])
    assert (baz.chunks, baz.dtype, dict(baz.attrs)) == ((30,), np.dtype("i8"), {"units": "m"})
    assert dict(dest["foo"].attrs) == {"level": 1}
    model = source["spam"]
    for setting in ("chunks", "dtype", "compressor", "filters", "fill_value", "order"):
        assert getattr(spam, setting) == getattr(model, setting), setting


def test_copy_create_kws_override_and_without_attrs():
    source = sample_group()
    dest = zl.group()
    zlc.copy(source["spam"], dest, without_attrs=True, chunks=(7, 5), compressor=None,
             filters=None, order="C")
    spam = dest["spam"]
    assert (spam.chunks, spam.compressor, spam.filters, spam.order) == ((7, 5), None, None, "C")
    assert spam.fill_value == -1.0
    np.testing.assert_array_equal(spam[:], source["spam"][:])
    zlc.copy(source["foo"], dest, without_attrs=True)
    assert dict(dest["foo"].attrs) == {} and dict(dest["foo/bar/baz"].attrs) == {}


def test_shallow_copy_skips_subgroups_entirely():
    source = sample_group()
    dest = zl.group()
    log = []
    assert zlc.copy(source, dest, name="top", shallow=True, log=log.append) == (2, 0, 140)
    assert list(dest["top"]) == ["spam"]
    assert log[:2] == ["copy /", "copy /spam (7, 5) float32"]


def test_copy_needs_a_name_for_root_nodes():
    with pytest.raises(TypeError, match="provide the `name`"):
        zlc.copy(zl.group(), zl.group())
    with pytest.raises(TypeError, match="provide the `name`"):
        zlc.copy(zl.zeros(3), zl.group())
    dest = zl.group()
    assert zlc.copy(zl.array(np.arange(3)), dest, name="a") == (1, 0, 24)
    assert dest["a"][:].tolist() == [0, 1, 2]


def test_copy_if_exists_on_arrays():
    source = zl.group()
    source.create_dataset("a", data=np.arange(4), chunks=2)
    dest = zl.group()
    dest.create_dataset("a", data=np.full(4, 9), chunks=2)
    with pytest.raises(CopyError, match="an object 'a' already exists in destination '/'"):
        zlc.copy(source["a"], dest)
    assert zlc.copy(source["a"], dest, if_exists="skip") == (0, 1, 0)
    assert zlc.copy(source["a"], dest, if_exists="skip_initialized") == (0, 1, 0)
    assert dest["a"][:].tolist() == [9] * 4
    del dest.store["a/1"]  # no longer fully initialized
    assert zlc.copy(source["a"], dest, if_exists="skip_initialized") == (1, 0, 32)
    assert dest["a"][:].tolist() == [0, 1, 2, 3]
    dest["a"][:] = 5
    assert zlc.copy(source["a"], dest, if_exists="replace") == (1, 0, 32)
    assert dest["a"][:].tolist() == [0, 1, 2, 3]


def test_copy_if_exists_on_groups():
    source = sample_group()
    dest = zl.group()
    dest.zeros("foo", shape=1)  # an array where the group goes
    with pytest.raises(CopyError, match="an array 'foo' already exists"):
        zlc.copy(source["foo"], dest)
    assert zlc.copy(source["foo"], dest, if_exists="skip") == (0, 1, 0)
    assert isinstance(dest["foo"], zl.Array)
    assert zlc.copy(source["foo"], dest, if_exists="replace") == (3, 0, 800)
    # a group onto a group merges, whatever the mode; members follow the mode
    dest["foo"].zeros("extra", shape=1)
    assert zlc.copy(source["foo"], dest, if_exists="skip") == (2, 1, 0)
    assert sorted(dest["foo"]) == ["bar", "extra"]
    with pytest.raises(CopyError, match="'baz' already exists in destination '/foo/bar'"):
        zlc.copy(source["foo"], dest)


def test_copy_dry_run_creates_nothing():
    source = sample_group()
    dest = zl.group()
    dest.create_dataset("foo/bar/baz", shape=3)
    before = dict(dest.store)
    log = []
    counts = zlc.copy(source["foo"], dest, dry_run=True, if_exists="skip", log=log.append)
    assert counts == (2, 1, 0) and dict(dest.store) == before
    assert log == ["copy /foo", "copy /foo/bar", "skip /foo/bar/baz (100,) int64",
                   "dry run: 2 copied, 1 skipped"]
    assert zlc.copy(source, dest, name="top", dry_run=True) == (5, 0, 0)
    assert dict(dest.store) == before
    with pytest.raises(CopyError):  # a dry run finds the conflicts a copy would meet
        zlc.copy(source["foo"], dest, dry_run=True)


def test_copy_checks_its_arguments():
    source = sample_group()
    with pytest.raises(ValueError, match="dest must be a group"):
        zlc.copy(source["spam"], source["foo/bar/baz"])
    with pytest.raises(ValueError, match="if_exists must be one of"):
        zlc.copy(source["spam"], zl.group(), if_exists="merge")


def test_copy_all_copies_members_and_attributes():
    source = sample_group()
    dest = zl.group()
    log = []
    assert zlc.copy_all(source, dest, log=log.append) == (4, 0, 940)
    assert sorted(dest) == ["foo", "spam"] and dict(dest.attrs) == {"title": "sample"}
    assert log[-1] == "all done: 4 copied, 0 skipped, 940 bytes copied"
    dest = zl.group()
    assert zlc.copy_all(source, dest, shallow=True) == (1, 0, 140)
    assert list(dest) == ["spam"]


def test_copy_all_honours_without_attrs_and_dry_run():
    source = sample_group()
    for kwargs in ({"without_attrs": True}, {"dry_run": True}):
        dest = zl.group()
        zlc.copy_all(source, dest, **kwargs)
        assert dict(dest.attrs) == {}, kwargs
    with pytest.raises(TypeError, match="use copy for an array"):
        zlc.copy_all(source["spam"], zl.group())


class RecordingArray:
    """A duck-typed source array that records the regions read from it."""

    def __init__(self, data, chunks):
        self.data, self.chunks = data, chunks
        self.shape, self.dtype, self.name = data.shape, data.dtype, "/rec"
        self.compressor, self.filters, self.order, self.fill_value = None, None, "C", 0
        self.attrs = {}
        self.regions = []

    def __getitem__(self, region):
        self.regions.append(region)
        return self.data[region]


@pytest.mark.parametrize("shape, chunks, budget, n_regions", [
    ((10, 9), (3, 4), 10**9, 1),           # everything fits: one read
    ((10, 9), (3, 4), 8 * 3 * 9, 4),       # one row of chunks at a time
    ((10, 9), (3, 4), 8 * 3 * 4, 12),      # one chunk at a time
    ((10, 9), (3, 4), 10, 12),             # never less than one chunk
    ((0, 4), (2, 2), 64, 0),
])
def test_copy_reads_region_by_region(monkeypatch, shape, chunks, budget, n_regions):
    monkeypatch.setattr(zlc.node_copy, "COPY_REGION_NBYTES", budget)
    data = np.arange(np.prod(shape), dtype="i8").reshape(shape)
    source = RecordingArray(data, chunks)
    dest = zl.group()
    assert zlc.copy(source, dest) == (1, 0, data.nbytes)
    np.testing.assert_array_equal(dest["rec"][:], data)
    assert len(source.regions) == n_regions
    for region in source.regions:  # whole chunks, at most the budget unless one chunk
        nbytes = data[region].nbytes
        assert nbytes <= max(budget, 8 * np.prod(chunks))
        assert all(s.start % c == 0 for s, c in zip(region, chunks))


def test_copy_of_zero_dimensional_array():
    dest = zl.group()
    zlc.copy(zl.array(np.float32(2.5)), dest, name="scalar")
    assert dest["scalar"].shape == () and dest["scalar"][()] == np.float32(2.5)


# ---------------------------------------------------------------------- copy: h5py
@pytest.fixture
def h5file(tmp_path):
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f.attrs["origin"] = "hdf5"
        baz = f.create_dataset("foo/bar/baz", data=np.arange(100), chunks=(30,),
                               compression="gzip", compression_opts=6, fillvalue=-1)
        baz.attrs.update({"scale": np.float64(0.5), "offsets": np.arange(3)})
        f.create_dataset("spam", data=np.arange(12, dtype="u2").reshape(3, 4))
        f.create_dataset("lzf", data=np.ones(50, "f4"), chunks=(10,), compression="lzf")
        yield f


def test_copy_from_h5py(h5file):
    dest = zl.group()
    log = []
    assert zlc.copy_all(h5file, dest, log=log.append) == (5, 0, 1024)
    assert log[:3] == ["copy /foo", "copy /foo/bar", "copy /foo/bar/baz (100,) int64"]
    baz = dest["foo/bar/baz"]
    np.testing.assert_array_equal(baz[:], np.arange(100))
    assert (baz.chunks, baz.fill_value, baz.compressor) == ((30,), -1, zl.Zlib(level=6))
    assert baz.attrs.asdict() == {"scale": 0.5, "offsets": [0, 1, 2]}
    assert dest.attrs["origin"] == "hdf5"
    spam = dest["spam"]  # contiguous in HDF5: chunks chosen as for a new array
    np.testing.assert_array_equal(spam[:], np.arange(12, dtype="u2").reshape(3, 4))
    assert spam.chunks == zl.zeros((3, 4), dtype="u2").chunks
    assert dest["lzf"].compressor == zl.zeros(1).compressor  # no equivalent: the default


@pytest.mark.parametrize("dtype, value", [(h5py.string_dtype(), "héllo"),
                                          (h5py.string_dtype("ascii"), b"hello")])
def test_from_array_of_a_scalar_variable_length_string(tmp_path, dtype, value):
    with h5py.File(tmp_path / "s.h5", "w") as f:
        f.create_dataset("s", data=value, dtype=dtype)
    with h5py.File(tmp_path / "s.h5", "r") as f:
        z = zlc.from_array(f["s"], str(tmp_path / "s.zarr"))
        assert z.shape == () and z[()] == value
    again = zl.open_array(str(tmp_path / "s.zarr"), mode="r")
    assert again[()] == value and type(again[()]) is type(value)


class _FailingSource:
    """An array whose third chunk cannot be read (a disk that fails midway)."""

    shape, dtype, chunks = (30,), np.dtype("f8"), (10,)

    def __getitem__(self, selection):
        region = selection[0]
        if region.stop > 20:
            raise OSError(5, "Input/output error")
        return np.ones(region.stop - region.start)


@pytest.mark.parametrize("name", ["new.zarr", "new.zip"])
def test_a_failed_from_array_removes_the_store_it_made(tmp_path, name):
    with pytest.raises(OSError, match="Input/output error"):
        zlc.from_array(_FailingSource(), str(tmp_path / name))
    assert list(tmp_path.iterdir()) == []


def test_a_failed_from_array_leaves_a_store_it_was_given(tmp_path):
    group = zl.open_group(str(tmp_path / "g.zarr"), mode="w")
    group.zeros("kept", shape=3)
    with pytest.raises(OSError):
        zlc.from_array(_FailingSource(), str(tmp_path / "g.zarr"), path="x")
    assert zl.open_group(str(tmp_path / "g.zarr"), mode="r")["kept"][...].tolist() == [0] * 3
    store = zl.MemoryStore()
    with pytest.raises(OSError):
        zlc.from_array(_FailingSource(), store)
    assert ".zarray" in store  # the caller's store: what was written stays, as with copy


def test_copy_into_h5py(tmp_path):
    source = sample_group()
    with h5py.File(tmp_path / "out.h5", "w") as f:
        assert zlc.copy(source["foo"], f) == (3, 0, 800)
        assert zlc.copy(source["spam"], f, compression=None) == (1, 0, 140)
        baz = f["foo/bar/baz"]
        np.testing.assert_array_equal(baz[:], np.arange(100))
        assert (baz.chunks, baz.compression, baz.compression_opts) == ((30,), "gzip", 1)
        assert baz.attrs["units"] == "m" and f["foo"].attrs["level"] == 1
        assert f["spam"].compression is None and f["spam"].fillvalue == -1.0
        np.testing.assert_array_equal(f["spam"][:], source["spam"][:])
        with pytest.raises(ValueError, match="only be used when copying to zarr"):
            zlc.copy(source["spam"], f, if_exists="skip_initialized")
        with pytest.raises(CopyError):
            zlc.copy(source["spam"], f)
        f.create_group("copy")
        zlc.copy(f["foo/bar/baz"], f["copy"])  # h5py to h5py keeps the compression
        assert f["copy/baz"].compression == "gzip" and f["copy/baz"].chunks == (30,)
        small = zl.group()  # HDF5 wants chunks within the shape, and none for scalars
        small.create_dataset("short", data=np.arange(5), chunks=30)
        small.create_dataset("scalar", data=np.float32(3))
        assert zlc.copy_all(small, f["copy"]) == (2, 0, 44)
        assert f["copy/short"].chunks == (5,) and f["copy/scalar"][()] == 3


# ------------------------------------------------------------ zarr 2.18.7 as the oracle
SCENARIOS: dict[str, str] = {
    "save_array and load": """
        store = {}
        conv.save_array(store, np.arange(10).reshape(2, 5), chunks=(1, 5))
        return conv.load(store).tolist(), lib.open_array(store, mode="r").chunks
    """,
    "save_array over a group": """
        store = {}
        conv.save_group(store, a=np.ones(2), b=np.zeros(3))
        conv.save_array(store, np.arange(3))
        return conv.load(store).tolist(), sorted(k for k in store if k.endswith(".zgroup"))
    """,
    "save_group and the lazy loader": """
        store = {}
        conv.save_group(store, np.arange(3), np.ones(2), foo=np.zeros(1), path="g")
        lib.group(store, path="g").create_group("sub").zeros("z", shape=2)
        data = conv.load(store, path="g")
        return (repr(data), len(data), list(data), "sub/z" in data, "nope" in data,
                data["arr_1"].tolist(), data["sub/z"].tolist())
    """,
    "lazy loader of a subgroup": """
        store = {}
        conv.save_group(store, foo=np.zeros(1))
        lib.group(store).create_group("sub")
        conv.load(store)["sub"]
    """,
    "save one array with save": """
        store = {}
        conv.save(store, np.arange(4))
        return conv.load(store).tolist()
    """,
    "save nothing": """
        conv.save({})
    """,
    "save_group nothing": """
        conv.save_group({})
    """,
    "copy_store with paths, excludes and includes": """
        source = {"a/.zgroup": b"g", "a/x/.zarray": b"meta", "a/x/0": b"12345",
                  "a/x/1": b"678", "a/.zattrs": b"{}", "b/0": b"zz"}
        dest = {"c/x/0": b"old"}
        log = []
        counts = conv.copy_store(source, dest, source_path="a", dest_path="c",
                                 excludes=["x/", "zattrs"], includes=["/0$"],
                                 if_exists="skip", log=log.append)
        return counts, log, sorted(dest.items())
    """,
    "copy_store replace and dry run": """
        source = {"k": b"new", "l": b"x"}
        dest = {"k": b"old"}
        log = []
        dry = conv.copy_store(source, dest, if_exists="replace", dry_run=True, log=log.append)
        wet = conv.copy_store(source, dest, if_exists="replace", log=log.append)
        return dry, wet, log, sorted(dest.items())
    """,
    "copy_store raise": """
        conv.copy_store({"k": b"1"}, {"k": b"2"})
    """,
    "copy_store bad if_exists": """
        conv.copy_store({}, {}, if_exists="skip_initialized")
    """,
    "copy a hierarchy": """
        src = make_source()
        dest = lib.group()
        log = []
        counts = conv.copy(src["foo"], dest, log=log.append)
        counts2 = conv.copy(src["spam"], dest, name="ham", log=log.append)
        baz = dest["foo/bar/baz"]
        return (counts, counts2, log, str(dest.tree()), baz[:].tolist(), baz.chunks,
                baz.compressor, baz.fill_value, dict(baz.attrs), dest["ham"].order,
                dest["ham"].filters)
    """,
    "copy shallow": """
        src = make_source()
        dest = lib.group()
        log = []
        counts = conv.copy(src, dest, name="root", shallow=True, log=log.append)
        return counts, log, str(dest.tree())
    """,
    "copy if_exists skip and replace": """
        src = make_source()
        dest = lib.group()
        dest.zeros("foo/bar/baz", shape=3)
        dest.zeros("spam", shape=1)
        log = []
        a = conv.copy(src["foo"], dest, if_exists="skip", log=log.append)
        b = conv.copy(src["foo"], dest, if_exists="replace", log=log.append)
        c = conv.copy(src["foo"], dest, if_exists="skip_initialized", log=log.append)
        return a, b, c, log, dest["foo/bar/baz"][:].tolist()
    """,
    "copy an array where an array is": """
        src = make_source(); dest = lib.group(); dest.zeros("spam", shape=1)
        conv.copy(src["spam"], dest)
    """,
    "copy a group where an array is": """
        src = make_source(); dest = lib.group(); dest.zeros("foo", shape=1)
        conv.copy(src["foo"], dest)
    """,
    "copy a group onto an array: skip and replace": """
        src = make_source(); dest = lib.group(); dest.zeros("foo", shape=1)
        log = []
        a = conv.copy(src["foo"], dest, if_exists="skip", log=log.append)
        b = conv.copy(src["foo"], dest, if_exists="replace", log=log.append)
        return a, b, log, str(dest.tree())
    """,
    "copy dry run": """
        src = make_source(); dest = lib.group(); dest.zeros("foo/bar/baz", shape=3)
        log = []
        counts = conv.copy(src["foo"], dest, if_exists="skip", dry_run=True, log=log.append)
        return counts, log, str(dest.tree())
    """,
    "copy a root group without a name": """
        conv.copy(make_source(), lib.group())
    """,
    "copy into an array": """
        src = make_source()
        conv.copy(src["spam"], src["foo/bar/baz"])
    """,
    "copy bad if_exists": """
        conv.copy(make_source()["spam"], lib.group(), if_exists="nope")
    """,
    "copy without attrs": """
        src = make_source(); dest = lib.group()
        conv.copy(src["foo"], dest, without_attrs=True)
        return dict(dest["foo"].attrs), dict(dest["foo/bar/baz"].attrs)
    """,
    "copy_all": """
        src = make_source(); dest = lib.group()
        log = []
        counts = conv.copy_all(src, dest, log=log.append)
        shallow = conv.copy_all(src, lib.group(), shallow=True)
        return counts, shallow, log, str(dest.tree()), dict(dest.attrs)
    """,
    "copy from a zarr 2 hierarchy": """
        src = make_source(zarr)
        dest = lib.group()
        log = []
        counts = conv.copy_all(src, dest, log=log.append)
        spam = dest["spam"]
        return (counts, log, spam[:].tolist(), spam.chunks, spam.compressor, spam.filters,
                spam.order, spam.fill_value, str(spam.dtype), dict(dest.attrs))
    """,
    "log to a bad target": """
        conv.copy_store({}, {}, log=42)
    """,
}

_MAKE_SOURCE = '''
import zarrlite.convenience as zlc

def make_source(lib):
    root = lib.group()
    root.attrs["title"] = "sample"
    baz = root.create_dataset("foo/bar/baz", data=np.arange(100), chunks=30)
    baz.attrs["units"] = "m"
    root["foo"].attrs["level"] = 1
    root.create_dataset("spam", data=np.arange(35, dtype="f4").reshape(7, 5), chunks=(3, 2),
                        fill_value=-1.0, order="F", filters=[lib.Delta("f4")],
                        compressor=lib.Zlib(level=2))
    return root
'''


@pytest.fixture(scope="module")
def outcomes():
    return run_scenarios(
        SCENARIOS, setup=_MAKE_SOURCE, params="conv, lib, np, zarr, make_source",
        cases="((zarr, (zarr, zarr, np, zarr, lambda: make_source(zarr))), "
              "(zarrlite, (zlc, zarrlite, np, zarr, lambda: make_source(zarrlite))))")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_same_as_zarr2(outcomes, name):
    assert_same_outcome(name, textwrap.dedent(SCENARIOS[name]), outcomes)
