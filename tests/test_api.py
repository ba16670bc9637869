"""Tests for the top-level functions: open, open_array, open_group, group, create and friends.

Every function is tried with each way of naming a store: a path string, a DirectoryStore, a
MemoryStore and a plain dict.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

import numpy as np
import pytest

import zarrlite as zl


@pytest.fixture(params=["path", "directory", "memory", "dict"])
def where(request, tmp_path) -> Any:
    """A place to put data: a path string, a DirectoryStore, a MemoryStore or a dict."""
    location = str(tmp_path / "data.zarr")
    return {
        "path": location,
        "directory": zl.DirectoryStore(location),
        "memory": zl.MemoryStore(),
        "dict": {},
    }[request.param]


def keys_of(where: Any) -> set[str]:
    """The keys stored at `where`, read back independently of the object under test."""
    if isinstance(where, str):
        if not os.path.isdir(where):
            return set()
        return {
            os.path.relpath(os.path.join(d, f), where).replace(os.sep, "/")
            for d, _, files in os.walk(where)
            for f in files
        }
    return set(where)


def check_array(z: zl.Array, shape, dtype, values) -> None:
    assert isinstance(z, zl.Array)
    assert z.shape == shape and z.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(z[...], values)


def test_create(where):
    z = zl.create(
        (5, 4),
        chunks=(2, 3),
        dtype="i2",
        store=where,
        fill_value=3,
        order="F",
        compressor=zl.Zstd(),
        path="sub/arr",
    )
    check_array(z, (5, 4), "i2", np.full((5, 4), 3))
    assert (z.chunks, z.order, z.fill_value, z.compressor) == ((2, 3), "F", 3, zl.Zstd())
    assert keys_of(where) == {".zgroup", "sub/.zgroup", "sub/arr/.zarray"}
    z[1, 1] = 9
    reopened = zl.open_array(where, path="sub/arr", mode="r")
    assert reopened.meta == z.meta and reopened[1, 1] == 9
    with pytest.raises(zl.ContainsArrayError):
        zl.create(3, store=where, path="sub/arr")
    assert zl.create(3, store=where, path="sub/arr", overwrite=True).shape == (3,)
    with pytest.raises(TypeError, match="unexpected"):
        zl.create(3, store=where, path="x", bogus=1)


@pytest.mark.parametrize(
    "func, args, fill",
    [(zl.zeros, (), 0), (zl.ones, (), 1), (zl.full, (7.5,), 7.5), (zl.empty, (), None)],
    ids=["zeros", "ones", "full", "empty"],
)
def test_zeros_ones_full_empty(where, func, args, fill):
    z = func((4, 3), *args, chunks=2, store=where)
    assert z.fill_value == fill if fill is not None else z.fill_value is None
    check_array(z, (4, 3), "f8", np.full((4, 3), 0 if fill is None else fill))
    assert keys_of(where) == {".zarray"}
    assert zl.open(where, mode="r").fill_value == z.fill_value


def test_array(where):
    data = np.arange(24, dtype="u4").reshape(2, 3, 4)
    z = zl.array(data, chunks=(1, 2, 3), store=where)
    check_array(z, data.shape, "u4", data)
    assert z.chunks == (1, 2, 3) and z.nchunks_initialized == 2 * 2 * 2
    copy = zl.array(z)  # from another array: keeps its chunks
    check_array(copy, data.shape, "u4", data)
    assert copy.chunks == z.chunks
    check_array(zl.array([[1.5, 2], [3, 4]]), (2, 2), "f8", [[1.5, 2], [3, 4]])
    check_array(zl.array(data, dtype="f4"), data.shape, "f4", data)


def test_like_functions(where):
    src = zl.array(
        np.arange(6.0).reshape(2, 3),
        chunks=(1, 2),
        compressor=zl.Zlib(level=3),
        order="F",
        fill_value=3,
        filters=[zl.Delta("f8")],
    )
    for func, fill in [
        (zl.zeros_like, 0),
        (zl.ones_like, 1),
        (zl.empty_like, None),
        (zl.full_like, 3),
    ]:
        path = func.__name__
        z = func(src, store=where, path=path)
        assert (z.shape, z.chunks, z.dtype, z.order) == (src.shape, src.chunks, src.dtype, "F")
        assert z.compressor == src.compressor and z.filters == src.filters
        assert z.fill_value == fill if fill is not None else z.fill_value is None
        assert z.path == path
    assert zl.full_like(src, 9)[0, 0] == 9
    z = zl.zeros_like(np.ones((2, 5), "i2"), store=where, path="from_numpy")
    check_array(z, (2, 5), "i2", np.zeros((2, 5)))
    assert zl.ones_like(src, dtype="i1").dtype == np.dtype("i1")  # keywords override


def test_open_array_modes(where):
    with pytest.raises(zl.PathNotFoundError):
        zl.open_array(where, mode="r")
    with pytest.raises(zl.ArrayNotFoundError):
        zl.open_array(where, mode="r+")
    assert keys_of(where) == set()  # failed opens create nothing
    z = zl.open_array(where, mode="w-", shape=(4,), chunks=2, dtype="i4")
    z[...] = [1, 2, 3, 4]
    with pytest.raises(zl.ContainsArrayError):
        zl.open_array(where, mode="w-", shape=(4,))
    check_array(zl.open_array(where, mode="a"), (4,), "i4", [1, 2, 3, 4])
    check_array(zl.open_array(where, mode="r+"), (4,), "i4", [1, 2, 3, 4])
    ro = zl.open_array(where, mode="r")
    assert ro.read_only
    with pytest.raises(PermissionError):
        ro[0] = 0
    assert not zl.open_array(where, mode="r+").read_only
    z = zl.open_array(where, mode="w", shape=(2, 2), dtype="f4")
    check_array(z, (2, 2), "f4", np.zeros((2, 2)))
    assert keys_of(where) == {".zarray"}
    for mode in ("x", "rw", ""):
        with pytest.raises(ValueError, match="mode"):
            zl.open_array(where, mode=mode, shape=3)


def test_open_group_modes(where):
    with pytest.raises(zl.PathNotFoundError):
        zl.open_group(where, mode="r")
    with pytest.raises(zl.GroupNotFoundError):
        zl.open_group(where, mode="r+")
    g = zl.open_group(where, mode="a")
    g.create_group("sub")
    assert list(zl.open_group(where, mode="a")) == ["sub"]
    assert list(zl.open_group(where, mode="r+")) == ["sub"]
    assert zl.open_group(where, mode="r").read_only
    with pytest.raises(zl.ContainsGroupError):
        zl.open_group(where, mode="w-")
    assert list(zl.open_group(where, mode="w")) == []
    assert list(zl.open_group(where, mode="w", path="a/b")) == []
    assert keys_of(where) == {".zgroup", "a/.zgroup", "a/b/.zgroup"}


def test_group(where):
    g = zl.group(where)
    g.zeros("x", shape=3)
    assert list(zl.group(where)) == ["x"]  # opens the existing group
    assert list(zl.group(where, overwrite=True)) == []
    sub = zl.group(where, path="p/q")
    assert sub.name == "/p/q" and "p/q" in zl.open_group(where, mode="r")


def test_open_returns_what_is_there(where):
    zl.group(where).create_group("g")
    zl.zeros((3,), store=where, path="g/arr")
    assert isinstance(zl.open(where, mode="r"), zl.Group)
    assert isinstance(zl.open(where, mode="r", path="g"), zl.Group)
    arr = zl.open(where, mode="r", path="g/arr")
    assert isinstance(arr, zl.Array) and arr.read_only
    assert isinstance(zl.open(where, mode="a", path="g/arr"), zl.Array)
    assert not zl.open(where, mode="r+", path="g/arr").read_only
    with pytest.raises(zl.PathNotFoundError) as info:
        zl.open(where, mode="r", path="nothing")
    assert isinstance(info.value, KeyError)
    assert "nothing" in str(info.value)
    with pytest.raises(KeyError):
        zl.open(where, mode="r+", path="nothing")


def test_open_creates_in_write_modes(where):
    z = zl.open(where, mode="a", path="arr", shape=(2, 2), dtype="i1")
    check_array(z, (2, 2), "i1", np.zeros((2, 2)))
    g = zl.open(where, mode="a", path="grp")
    assert isinstance(g, zl.Group)
    assert isinstance(zl.open(where, mode="w", path="grp", shape=3), zl.Array)  # replaces
    assert isinstance(zl.open(where, mode="w", path="arr"), zl.Group)
    with pytest.raises(zl.ContainsGroupError):
        zl.open(where, mode="w-", path="arr")
    assert isinstance(zl.open(where, mode="w-", path="fresh"), zl.Group)


def test_kind_clashes(where):
    zl.zeros(3, store=where, path="arr")
    zl.group(where, path="grp")
    with pytest.raises(zl.ContainsArrayError):
        zl.open_group(where, mode="r", path="arr")
    with pytest.raises(zl.ContainsArrayError):
        zl.open_group(where, mode="a", path="arr")
    with pytest.raises(zl.ContainsGroupError):
        zl.open_array(where, mode="r", path="grp")
    with pytest.raises(zl.ContainsGroupError):
        zl.open_array(where, mode="a", path="grp", shape=3)
    with pytest.raises(zl.ContainsArrayError):
        zl.zeros(3, store=where, path="arr/below")


def test_default_store_is_memory():
    assert isinstance(zl.zeros(3).store, zl.MemoryStore)
    assert isinstance(zl.group().store, zl.MemoryStore)
    assert isinstance(zl.open(), zl.Group)


def test_path_string_makes_a_directory_store(tmp_path):
    location = str(tmp_path / "d.zarr")
    z = zl.array(np.arange(5), chunks=2, store=location)
    assert isinstance(z.store, zl.DirectoryStore)
    assert sorted(os.listdir(location)) == [".zarray", "0", "1", "2"]
    assert isinstance(zl.open(tmp_path / "d.zarr", mode="r"), zl.Array)  # PathLike too
    assert type(zl.open(str(tmp_path / "z.zip"), mode="w", shape=3).store).__name__ == "ZipStore"
    assert type(zl.open("memory://api/x", mode="w", shape=3).store).__name__ == "FSStore"
    with pytest.raises(TypeError):
        zl.open(42)


def test_read_only_directory(tmp_path):
    location = str(tmp_path / "ro.zarr")
    zl.zeros(3, store=location)
    z = zl.open(location, mode="r")
    with pytest.raises(PermissionError):
        z[0] = 1
    with pytest.raises(PermissionError):
        z.store["x"] = b"1"


def test_errors_subclass_builtins():
    assert issubclass(zl.PathNotFoundError, KeyError)
    assert issubclass(zl.ArrayNotFoundError, zl.PathNotFoundError)
    assert issubclass(zl.GroupNotFoundError, zl.PathNotFoundError)
    assert issubclass(zl.ReadOnlyError, PermissionError)
    assert issubclass(zl.CodecError, RuntimeError)
    assert issubclass(zl.MetadataError, ValueError)
    assert str(zl.PathNotFoundError("no such thing")) == "no such thing"


def test_all_names_are_exported():
    for name in zl.__all__:
        assert getattr(zl, name) is not None, name
    assert isinstance(zl.MemoryStore(), MutableMapping)


@pytest.mark.parametrize("func", [zl.zeros, zl.ones, zl.empty])
def test_fixed_fill_functions_refuse_a_fill_value(func):
    with pytest.raises(TypeError, match="full"):
        func(3, fill_value=5)


def test_filters_holding_none_are_refused_before_any_write():
    store: dict[str, bytes] = {}
    with pytest.raises(TypeError, match="filters"):
        zl.zeros(4, chunks=2, filters=[None], store=store)
    assert store == {}


def test_wrong_node_kind_errors_name_the_place_and_never_suggest_overwriting(tmp_path):
    root = str(tmp_path / "climate.zarr")
    g = zl.open_group(root, mode="w")
    g.zeros("time", shape=3)
    g.create_group("sub")
    for call in (lambda: zl.open_group(root + "/time"), lambda: g.require_group("time")):
        with pytest.raises(zl.ContainsArrayError) as info:
            call()
        message = str(info.value)
        assert "climate.zarr/time" in message and "open_array" in message
        assert "overwrite" not in message  # that would destroy the array
    with pytest.raises(zl.ContainsGroupError, match="climate.zarr/sub.*open_group"):
        zl.open_array(root + "/sub")  # mode "a", no shape: a group is there, say so
    with pytest.raises(KeyError, match="'nope' in the group at .*climate.zarr"):
        g["nope"]


def test_corrupt_metadata_names_the_array_and_tree_goes_on(tmp_path):
    root = str(tmp_path / "climate.zarr")
    g = zl.open_group(root, mode="w")
    g.zeros("time", shape=3)
    g.zeros("bad", shape=3)
    (tmp_path / "climate.zarr" / "bad" / ".zarray").write_text("{oops")
    with pytest.raises(zl.MetadataError, match="climate.zarr/bad.*invalid JSON"):
        zl.open(root + "/bad")
    text = str(g.tree())
    assert "bad (cannot open: MetadataError)" in text and "time (3,) float64" in text


def test_zarr2_keywords_zarrlite_cannot_honour_are_refused_clearly():
    store = {}
    zl.zeros(3, store=store)
    with pytest.raises(ValueError, match="Zarr v2 only"):
        zl.Array(store, zarr_version=3)
    for call in (lambda: zl.create(3, synchronizer=object()),
                 lambda: zl.Group(zl.group().store, synchronizer=3)):
        with pytest.raises(TypeError, match="synchronizer must map a key to a lock"):
            call()
    with pytest.raises(ValueError, match="storage_options apply to URLs"):
        zl.open_group({}, storage_options={"anon": True})
    with pytest.raises(ValueError, match="numpy array"):
        zl.Array(store, meta_array=[1])
    with pytest.raises(TypeError, match="unexpected keyword"):
        zl.create(3, no_such_option=1)


def test_every_entry_point_takes_a_url_and_storage_options(tmp_path):
    url = f"file://{tmp_path}/x.zarr"
    options = {"auto_mkdir": True}  # an option of fsspec's local file system
    z = zl.open_array(url, mode="w", shape=(4,), chunks=(2,), dtype="i2",
                      storage_options=options)
    z[:] = [1, 2, 3, 4]
    assert zl.open(url, mode="r", storage_options=options)[:].tolist() == [1, 2, 3, 4]
    g = zl.open_group(f"file://{tmp_path}/g.zarr", mode="w", storage_options=options)
    g.zeros("a", shape=3)
    zl.create(5, store=f"file://{tmp_path}/c.zarr", storage_options=options)[:] = 7
    assert zl.open_array(f"file://{tmp_path}/c.zarr", mode="r")[:].tolist() == [7] * 5
    zl.consolidate_metadata(f"file://{tmp_path}/g.zarr")
    again = zl.open_consolidated(f"file://{tmp_path}/g.zarr", mode="r",
                                 storage_options=options)
    assert list(again) == ["a"]
    with pytest.raises(ValueError, match="storage_options apply to URLs"):
        zl.open_array(tmp_path / "y.zarr", mode="w", shape=3, storage_options=options)
