"""Tests for zarrlite.Group: creating, finding, listing, visiting, moving and deleting members."""

from __future__ import annotations

import json

import numpy as np
import pytest

import zarrlite as zl


@pytest.fixture
def root(store) -> zl.Group:
    """A root group holding::

    /
    ├── a
    │   ├── b
    │   │   └── c
    │   └── y (5, 5) int16
    ├── x (10,) int64
    └── z (2, 2) float64
    """
    g = zl.group(store)
    g.create_group("a/b/c")
    g.create_dataset("a/y", shape=(5, 5), dtype="i2", chunks=2)
    g.create_dataset("x", data=np.arange(10), chunks=3)
    g.zeros("z", shape=(2, 2))
    return g


def test_create_group(store):
    g = zl.group(store)
    a = g.create_group("a")
    assert isinstance(a, zl.Group)
    assert (a.path, a.name, a.basename) == ("a", "/a", "a")
    assert json.loads(store["a/.zgroup"]) == {"zarr_format": 2}
    deep = a.create_group("b/c")  # intermediate groups are created
    assert deep.name == "/a/b/c"
    assert "b" in a and "b/c" in a and "a/b" in g
    with pytest.raises(zl.ContainsGroupError):
        g.create_group("a")
    a.attrs["keep"] = False
    again = g.create_group("a", overwrite=True)
    assert list(again) == [] and dict(again.attrs) == {}


def test_require_group(root):
    a = root.require_group("a")
    assert a == root["a"] and list(a) == ["b", "y"]
    new = root.require_group("n/m")
    assert new.name == "/n/m" and "n" in list(root.group_keys())
    g1, g2 = root.require_groups("a", "q")
    assert (g1.name, g2.name) == ("/a", "/q")
    with pytest.raises(zl.ContainsArrayError):
        root.require_group("x")
    assert list(root.require_group("a", overwrite=True)) == []


def test_create_dataset_with_data_and_with_shape(root):
    data = np.arange(12, dtype="u2").reshape(3, 4)
    d = root.create_dataset("d", data=data, chunks=(2, 2))
    assert (d.shape, d.dtype, d.chunks, d.name) == ((3, 4), np.dtype("u2"), (2, 2), "/d")
    np.testing.assert_array_equal(root["d"][...], data)
    s = root.create_dataset("a/b/s", shape=(4,), dtype="f4", fill_value=2.5)
    np.testing.assert_array_equal(s[...], np.full(4, 2.5, "f4"))
    assert root.create("c2", shape=2).shape == (2,)  # create is an alias
    with pytest.raises(zl.ContainsArrayError):
        root.create_dataset("x", shape=3)
    with pytest.raises(zl.ContainsGroupError):
        root.create_dataset("a", shape=3)
    with pytest.raises(zl.ContainsArrayError):
        root.create_dataset("x/inner", shape=3)  # an array cannot be a parent
    over = root.create_dataset("x", shape=(2,), dtype="i1", overwrite=True)
    assert root["x"].shape == (2,) and over.dtype == np.dtype("i1")


def test_require_dataset(root):
    x = root.require_dataset("x", shape=10, dtype="i8")
    assert x == root["x"]
    np.testing.assert_array_equal(x[...], np.arange(10))
    assert root.require_dataset("x", shape=(10,), dtype="i4").dtype == np.dtype("i8")
    with pytest.raises(TypeError, match="dtype"):
        root.require_dataset("x", shape=10, dtype="i4", exact=True)
    with pytest.raises(TypeError, match="dtype"):
        root.require_dataset("x", shape=10, dtype="f8")
    with pytest.raises(TypeError, match="shape"):
        root.require_dataset("x", shape=11, dtype="i8")
    new = root.require_dataset("n", shape=(2, 2), dtype="f4", fill_value=1)
    assert (new.shape, new.dtype) == ((2, 2), np.dtype("f4"))
    np.testing.assert_array_equal(new[...], np.ones((2, 2), "f4"))
    with pytest.raises(zl.ContainsGroupError):
        root.require_dataset("a", shape=(2, 2))


def test_array_creators_by_name(root):
    assert root.zeros("zz", shape=3, chunks=2)[...].tolist() == [0, 0, 0]
    assert root.ones("oo", shape=3, dtype="i4")[...].tolist() == [1, 1, 1]
    assert root.full("ff", fill_value=7, shape=(2,))[...].tolist() == [7, 7]
    e = root.empty("ee", shape=3, dtype="i4")
    assert e.fill_value is None and e.shape == (3,)
    arr = root.array("aa", [[1, 2], [3, 4]], chunks=1)
    assert arr.chunks == (1, 1) and arr[...].tolist() == [[1, 2], [3, 4]]
    root["set"] = np.arange(3)
    root["set"] = np.arange(4)  # __setitem__ replaces
    assert root["set"][...].tolist() == [0, 1, 2, 3]
    assert {"zz", "oo", "ff", "ee", "aa", "set"} <= set(root.array_keys())


def test_getitem_paths(root):
    assert root["a/b/c"].name == "/a/b/c"
    assert root["/a/b"].name == "/a/b"
    assert root["a"]["b"]["c"] == root["a/b/c"]
    assert isinstance(root["a/y"], zl.Array) and root["a/y"].shape == (5, 5)
    with pytest.raises(zl.PathNotFoundError):
        root["nope"]
    with pytest.raises(KeyError):
        root["a/nope"]
    assert root.get("nope") is None and root.get("nope", 5) == 5
    assert root.get("x").shape == (10,)


def test_contains(root):
    for name in ("a", "a/b", "a/b/c", "a/y", "x", "/x"):
        assert name in root, name
    for name in ("nope", "a/nope", "x/0", 1, None, "../x", "a/../x"):
        assert name not in root, name


def test_iteration_and_listing(root):
    assert list(root) == ["a", "x", "z"]
    assert list(root.keys()) == ["a", "x", "z"]
    assert len(root) == 3
    values = list(root.values())
    assert [type(v) for v in values] == [zl.Group, zl.Array, zl.Array]
    assert [(k, v.name) for k, v in root.items()] == [("a", "/a"), ("x", "/x"), ("z", "/z")]
    assert list(root.group_keys()) == ["a"]
    assert list(root.array_keys()) == ["x", "z"]
    assert [n for n, _ in root.groups()] == ["a"]
    assert [(n, a.shape) for n, a in root.arrays()] == [("x", (10,)), ("z", (2, 2))]
    assert list(root["a"]) == ["b", "y"]
    assert list(root["a/b/c"]) == []
    root.store["a/stray"] = b"not a member"  # keys that are not nodes are not listed
    assert list(root["a"]) == ["b", "y"]


def test_visit_order_and_early_stop(root):
    seen = []
    assert root.visit(seen.append) is None
    assert seen == ["a", "a/b", "a/b/c", "a/y", "x", "z"]
    pairs = []
    root.visititems(lambda name, node: pairs.append((name, type(node).__name__)))
    assert pairs == [
        ("a", "Group"),
        ("a/b", "Group"),
        ("a/b/c", "Group"),
        ("a/y", "Array"),
        ("x", "Array"),
        ("z", "Array"),
    ]
    calls = []

    def stop_at_b(name):
        calls.append(name)
        return name if name.startswith("a/b") else None

    assert root.visit(stop_at_b) == "a/b"
    assert calls == ["a", "a/b"]
    found = root.visititems(lambda name, node: node if name == "a/y" else None)
    assert isinstance(found, zl.Array) and found.name == "/a/y"
    assert root["a"].visit(lambda name: None) is None
    sub = []
    root["a"].visit(sub.append)
    assert sub == ["b", "b/c", "y"]  # names relative to the visited group


def test_tree_text(root):
    assert str(root.tree()) == "\n".join(
        [
            "/",
            " ├── a",
            " │   ├── b",
            " │   │   └── c",
            " │   └── y (5, 5) int16",
            " ├── x (10,) int64",
            " └── z (2, 2) float64",
        ]
    )
    assert repr(root["a"].tree()) == "\n".join(
        [
            "a",
            " ├── b",
            " │   └── c",
            " └── y (5, 5) int16",
        ]
    )
    assert bytes(root.tree(level=1)) == b"/\n +-- a\n +-- x (10,) int64\n +-- z (2, 2) float64"
    assert bytes(root["a"].tree(level=2)) == b"a\n +-- b\n |   +-- c\n +-- y (5, 5) int16"


def test_move(root):
    data = root["x"][...]
    root["x"].attrs["u"] = "nit"
    root.move("x", "a/b/x2")
    assert "x" not in root and "a/b/x2" in root
    moved = root["a/b/x2"]
    np.testing.assert_array_equal(moved[...], data)
    assert moved.attrs["u"] == "nit"
    root.move("a/b", "new/deep/b")  # a group moves with everything below it; parents appear
    assert isinstance(root["new"], zl.Group) and root["new/deep/b/x2"].shape == (10,)
    assert "a/b" not in root and list(root["a"]) == ["y"]
    with pytest.raises(zl.PathNotFoundError):
        root.move("nope", "q")
    with pytest.raises(zl.ContainsArrayError):
        root.move("a", "z")
    with pytest.raises(zl.ContainsGroupError):
        root.move("z", "new")
    root["a"].move("y", "y2")  # relative to the group
    assert list(root["a"].array_keys()) == ["y2"]


def test_delitem(root):
    del root["a/b"]
    assert "a/b" not in root and "a/b/c" not in root and "a" in root
    del root["x"]
    assert list(root) == ["a", "z"]
    assert not [k for k in root.store if k.startswith(("x/", "a/b/"))]
    with pytest.raises(zl.PathNotFoundError):
        del root["x"]
    before = dict(root.store.items())
    for itself in ("", "/"):
        with pytest.raises(ValueError, match="itself"):
            del root[itself]
        with pytest.raises(ValueError, match="itself"):
            del root["a"][itself]
    assert dict(root.store.items()) == before


def test_attrs(store):
    g = zl.group(store)
    g.attrs["title"] = "t"
    sub = g.create_group("s")
    sub.attrs.update(a=1, b=[1, 2])
    assert json.loads(store["s/.zattrs"]) == {"a": 1, "b": [1, 2]}
    reopened = zl.open_group(store, mode="r")
    assert dict(reopened.attrs) == {"title": "t"}
    assert dict(reopened["s"].attrs) == {"a": 1, "b": [1, 2]}
    with pytest.raises(PermissionError):
        reopened["s"].attrs["c"] = 3


def test_info(root):
    info = root.info
    expected = {
        "Name": "/",
        "Type": "zarrlite.Group",
        "Read-only": "False",
        "Store type": f"{type(root.store).__module__}.{type(root.store).__qualname__}",
        "No. members": "3",
        "No. arrays": "2",
        "No. groups": "1",
        "Arrays": "x, z",
        "Groups": "a",
    }
    for label, value in expected.items():
        assert info[label] == value, label
    assert [line.split(":")[0].strip() for line in repr(info).splitlines()] == list(expected)
    empty = root["a/b/c"].info
    assert empty["No. members"] == "0" and "Arrays" not in repr(empty)


def test_name_clashes(root):
    with pytest.raises(zl.ContainsArrayError):
        root.create_group("x")
    with pytest.raises(zl.ContainsArrayError):
        root.create_group("x/sub")
    with pytest.raises(zl.ContainsGroupError):
        root.zeros("a", shape=3)
    with pytest.raises(zl.ContainsArrayError):
        root.zeros("z", shape=3)
    assert isinstance(zl.ContainsArrayError("m"), ValueError)
    assert isinstance(zl.ContainsGroupError("m"), ValueError)
    assert root["z"].shape == (2, 2) and list(root["a"]) == ["b", "y"]


def test_read_only_group(root):
    ro = zl.open_group(root.store, mode="r")
    assert ro.read_only and ro["a"].read_only and ro["x"].read_only
    before = dict(root.store.items())
    for action in (
        lambda: ro.create_group("q"),
        lambda: ro.require_group("q"),
        lambda: ro.create_dataset("q", shape=3),
        lambda: ro.require_dataset("q", shape=3),
        lambda: ro.zeros("q", shape=3),
        lambda: ro.array("q", [1]),
        lambda: ro.__setitem__("q", [1]),
        lambda: ro.__delitem__("x"),
        lambda: ro.move("x", "q"),
        lambda: ro.attrs.__setitem__("k", 1),
        lambda: ro["a"].create_group("q"),
        lambda: ro["x"].__setitem__(0, 1),
    ):
        with pytest.raises(PermissionError):
            action()
    assert dict(root.store.items()) == before
    assert ro.require_group("a").name == "/a"  # requiring an existing group only reads
    assert ro.require_dataset("x", shape=10).shape == (10,)


def test_group_not_found_and_equality(store):
    with pytest.raises(zl.GroupNotFoundError):
        zl.Group(store, "nowhere")
    g = zl.group(store)
    assert g == zl.open_group(store) and g != zl.group()
    assert repr(g) == "<zarrlite.Group '/'>"
    assert repr(zl.open_group(store, mode="r")) == "<zarrlite.Group '/' read-only>"


def test_corrupt_zgroup_raises_value_error(store):
    zl.group(store).create_group("g")
    store["g/.zgroup"] = b"{not json"
    with pytest.raises(ValueError, match=r"g/\.zgroup"):
        zl.open_group(store, path="g", mode="r")
    store["g/.zgroup"] = b'{"zarr_format": 3}'
    with pytest.raises(ValueError, match=r"g/\.zgroup.*zarr_format"):
        zl.open_group(store, mode="r")["g"]


def test_separate_chunk_store_holds_every_chunk_and_nothing_else(tmp_path):
    meta, chunks = zl.DirectoryStore(tmp_path / "meta"), zl.DirectoryStore(tmp_path / "chunks")
    g = zl.group(meta, chunk_store=chunks)
    a = g.zeros("x/y", shape=(10, 4), chunks=(3, 4), dtype="i2")
    a[:] = np.arange(40).reshape(10, 4)
    assert all(k.endswith((".zarray", ".zgroup", ".zattrs")) for k in meta)
    assert sorted(chunks) == [f"x/y/{i}.0" for i in range(4)]
    assert g.chunk_store is chunks and g["x"].chunk_store is chunks and a.chunk_store is chunks
    np.testing.assert_array_equal(zl.open_array(meta, path="x/y", chunk_store=chunks)[...],
                                  np.arange(40).reshape(10, 4))
    del g["x"]  # the chunks go too: no stale chunk shows under a new array there
    assert list(chunks) == [] and sorted(meta) == [".zgroup"]
