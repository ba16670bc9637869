"""Consolidated metadata (``.zmetadata``): written as zarr-python writes it, read by
zarr-python 2 and 3, and theirs read by zarrlite; one metadata read to open a hierarchy."""

from __future__ import annotations

import json
from collections.abc import MutableMapping

import numpy as np
import pytest
from zarr2_env import run_zarr2

import zarrlite as zl


def make_hierarchy(store):
    g = zl.group(store)
    g.attrs["title"] = "survey"
    sub = g.create_group("sub")
    sub.attrs["n"] = 2
    z = sub.zeros("x", shape=(4, 6), chunks=(2, 3), dtype="i4")
    z[:] = np.arange(24).reshape(4, 6)
    g.array("y", np.linspace(0, 1, 5), chunks=2)
    return g


class CountingStore(MutableMapping):
    def __init__(self):
        self.data, self.reads = {}, []

    def __getitem__(self, key):
        self.reads.append(key)
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def __delitem__(self, key):
        del self.data[key]

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


def test_the_document_holds_every_metadata_key(tmp_path):
    make_hierarchy(str(tmp_path / "h.zarr"))
    zl.consolidate_metadata(str(tmp_path / "h.zarr"))
    doc = json.loads((tmp_path / "h.zarr" / ".zmetadata").read_text())
    assert doc["zarr_consolidated_format"] == 1
    assert sorted(doc["metadata"]) == [".zattrs", ".zgroup", "sub/.zattrs", "sub/.zgroup",
                                       "sub/x/.zarray", "y/.zarray"]
    assert doc["metadata"]["sub/.zattrs"] == {"n": 2}


def test_opening_reads_the_metadata_once():
    store = CountingStore()
    make_hierarchy(store)
    zl.consolidate_metadata(store)
    store.reads.clear()
    g = zl.open_consolidated(store, mode="r")
    assert g.attrs["title"] == "survey" and g["sub"].attrs["n"] == 2
    assert g["sub/x"][1].tolist() == list(range(6, 12))
    assert g.visit(lambda name: None) is None and sorted(g) == ["sub", "y"]
    metadata_reads = [k for k in store.reads if not k[-1].isdigit()]
    assert metadata_reads == [".zmetadata"]


def test_metadata_is_read_only_chunks_are_not(tmp_path):
    path = str(tmp_path / "h.zarr")
    make_hierarchy(path)
    zl.consolidate_metadata(path)
    g = zl.open_consolidated(path, mode="r+")
    g["sub/x"][0, 0] = 100
    assert zl.open_group(path)["sub/x"][0, 0] == 100
    for change in (lambda: g.attrs.__setitem__("k", 1), lambda: g["sub/x"].resize(8, 6),
                   lambda: g.create_group("new")):
        with pytest.raises(zl.ReadOnlyError, match="consolidate_metadata again"):
            change()
    r = zl.open_consolidated(path, mode="r")
    with pytest.raises(zl.ReadOnlyError):
        r["sub/x"][0, 0] = 1
    with pytest.raises(ValueError, match="invalid mode"):
        zl.open_consolidated(path, mode="w")


def test_missing_or_malformed_documents(tmp_path):
    store = zl.MemoryStore()
    make_hierarchy(store)
    with pytest.raises(KeyError, match="call consolidate_metadata first"):
        zl.open_consolidated(store)
    store[".zmetadata"] = b'{"zarr_consolidated_format": 2, "metadata": {}}'
    with pytest.raises(zl.MetadataError, match="format 1"):
        zl.open_consolidated(store)
    store[".zmetadata"] = b'{"zarr_consolidated_format": 1, "metadata": {"x/0": {}}}'
    with pytest.raises(zl.MetadataError, match="metadata keys"):
        zl.open_consolidated(store)


def test_zarr_python_3_reads_ours_and_we_read_theirs(tmp_path):
    zarr = pytest.importorskip("zarr")
    ours = str(tmp_path / "ours.zarr")
    make_hierarchy(ours)
    zl.consolidate_metadata(ours)
    theirs = zarr.open_consolidated(ours, mode="r", zarr_format=2)
    assert theirs.attrs["title"] == "survey"
    assert theirs["sub/x"][2, :3].tolist() == [12, 13, 14]
    made = str(tmp_path / "theirs.zarr")
    root = zarr.open_group(made, mode="w", zarr_format=2)
    root.attrs["from"] = "zarr3"
    a = root.create_array("a", shape=(5,), chunks=(2,), dtype="f8")
    a[:] = np.arange(5.0)
    zarr.consolidate_metadata(made, zarr_format=2)
    g = zl.open_consolidated(made, mode="r")
    assert g.attrs["from"] == "zarr3" and g["a"][:].tolist() == [0, 1, 2, 3, 4]


def test_zarr_python_2_reads_ours_and_we_read_theirs(tmp_path):
    script = r'''
import sys, numpy as np, zarr, zarrlite
base = sys.argv[1]
g = zarrlite.group(base + "/ours.zarr")
g.attrs["title"] = "survey"
g.zeros("sub/x", shape=(4, 6), chunks=(2, 3), dtype="i4")[:] = np.arange(24).reshape(4, 6)
zarrlite.consolidate_metadata(base + "/ours.zarr")
theirs = zarr.open_consolidated(base + "/ours.zarr", mode="r")
print(theirs.attrs["title"], theirs["sub/x"][3].tolist())
root = zarr.open_group(base + "/theirs.zarr", mode="w")
root.create_group("g").attrs["k"] = [1, 2]
root.array("a", np.arange(3), chunks=2)
zarr.consolidate_metadata(base + "/theirs.zarr")
ours = zarrlite.open_consolidated(base + "/theirs.zarr", mode="r")
print(ours["g"].attrs["k"], ours["a"][:].tolist(), sorted(ours))
'''
    out = run_zarr2(script, str(tmp_path), check=True).stdout.splitlines()
    assert out == ["survey [18, 19, 20, 21, 22, 23]", "[1, 2] [0, 1, 2] ['a', 'g']"]
