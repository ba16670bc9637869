"""One suite for every store zarrlite ships (the back ends in tests/store_backends/).

Each test writes through a store opened for writing, closes it (a zip archive is only
readable once its directory is written), then reads through a new store object opened
read-only: for the HTTP back end that is the only way to read, and for the others it
proves the data reached the store's place, not just an object's memory. Capabilities a
store declares (``supports_deletes``) decide what a test expects, never whether it runs.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.errors import ReadOnlyError
from zarrlite.stores import getitems, listdir, rmdir, setitems
from zarrlite.stores.access import get_partial_values, getsize, normalize_store

HOSTILE_KEYS = ["../x", "a/../../x", "/abs", "a//b", "a\\b", "a\0b", "", "a/", "./a", "a/./b"]
ALL_BYTES = bytes(range(256)) * 4


def write(backend, items):
    """Write `items` through a writable store, close it, and return a read-only store."""
    store = backend.open("a")
    setitems(store, items)
    store.close()
    return backend.open("r")


def test_mapping_methods(backend):
    items = {".zgroup": b"{}", "a/0.0": b"first", "a/0.1": b"", "a/b/c/d": b"deep"}
    store = write(backend, items)
    assert {k: store[k] for k in items} == items
    assert all(type(store[k]) is bytes for k in items)
    assert sorted(store) == sorted(items)
    assert len(store) == len(items)
    assert "a/0.0" in store and "a/0.2" not in store and "a" not in store
    with pytest.raises(KeyError):
        store["a/0.2"]
    assert getitems(store, ["a/0.0", "missing", "a/b/c/d"]) == {"a/0.0": b"first",
                                                                  "a/b/c/d": b"deep"}
    assert listdir(store, "") == [".zgroup", "a"]
    assert listdir(store, "a") == ["0.0", "0.1", "b"]
    assert listdir(store, "a/b/c") == ["d"]
    assert listdir(store, "nothing") == []
    assert getsize(store, "a/0.0") == 5
    assert getsize(store, "a/b") == 4


def test_overwrite_and_delete(backend):
    store = backend.open("a")
    store["k"] = b"old"
    store["k"] = b"new value"
    store["dir/x"] = b"1"
    store["dir/y"] = b"2"
    assert store["k"] == b"new value"
    if store.supports_deletes:
        del store["k"]
        assert "k" not in store
        with pytest.raises(KeyError):
            del store["k"]
        rmdir(store, "dir")
        assert listdir(store, "") == []
    else:
        with pytest.raises(NotImplementedError, match="delete|remove"):
            del store["k"]
        assert store["k"] == b"new value"
    store.close()
    reader = backend.open("r")
    if store.supports_deletes:
        assert list(reader) == []
    else:
        assert reader["k"] == b"new value" and reader["dir/y"] == b"2"


def test_every_byte_value_and_bytes_like_values(backend):
    values = {
        "all": ALL_BYTES,
        "bytearray": bytearray(b"\x00\xff\x00"),
        "memoryview": memoryview(ALL_BYTES)[::3],
        "numpy": np.arange(100, dtype="<f8"),
        "empty": b"",
    }
    store = write(backend, values)
    assert store["all"] == ALL_BYTES
    assert store["bytearray"] == b"\x00\xff\x00"
    assert store["memoryview"] == ALL_BYTES[::3]
    assert store["numpy"] == np.arange(100, dtype="<f8").tobytes()
    assert store["empty"] == b""


def test_a_64_mib_value(backend):
    value = np.random.default_rng(0).integers(0, 256, 64 << 20, dtype=np.uint8).tobytes()
    store = write(backend, {"big/0": value})
    assert store["big/0"] == value
    assert get_partial_values(store, [("big/0", (32 << 20) + 5, 7), ("big/0", -3, None)]) == [
        value[(32 << 20) + 5 : (32 << 20) + 12], value[-3:]]


def test_unicode_and_nested_keys(backend):
    items = {"données/ünïcode/0.0": b"u", "日本/配列/.zarray": b"{}", "a/b/c/d/e/f/g": b"g",
             "spaces in/key name": b"s"}
    store = write(backend, items)
    assert {k: store[k] for k in items} == items
    assert listdir(store, "données") == ["ünïcode"]
    assert listdir(store, "日本/配列") == [".zarray"]
    assert listdir(store, "a/b/c/d/e/f") == ["g"]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_never_escape(backend, key, tmp_path):
    store = backend.open("a")
    with pytest.raises(ValueError, match="invalid store key"):
        store[key] = b"x"
    with pytest.raises(ValueError, match="invalid store key"):
        setitems(store, {"ok": b"1", key: b"x"})
    assert "ok" not in store  # keys are checked before anything is written
    with pytest.raises((KeyError, ValueError)):
        store[key]
    assert key not in store
    store.close()
    assert not (tmp_path / "x").exists() and not (tmp_path.parent / "x").exists()


def test_read_only_refuses_writes(backend):
    reader = write(backend, {"k": b"v"})
    assert reader.readonly
    with pytest.raises(ReadOnlyError):
        reader["k"] = b"w"
    with pytest.raises(ReadOnlyError):
        setitems(reader, {"j": b"w"})
    with pytest.raises((ReadOnlyError, NotImplementedError)):
        del reader["k"]
    with pytest.raises((ReadOnlyError, NotImplementedError)):
        rmdir(reader, "")
    assert reader["k"] == b"v" and "j" not in reader


def test_partial_values(backend):
    store = write(backend, {"v": ALL_BYTES, "e": b""})
    ranges = [("v", 0, 10), ("v", 250, 12), ("v", -5, None), ("v", 1000, None),
              ("v", 2000, 5), ("missing", 0, 1), ("e", 0, None), ("v", -2000, 3)]
    expected = [ALL_BYTES[0:10], ALL_BYTES[250:262], ALL_BYTES[-5:], ALL_BYTES[1000:],
                b"", None, b"", ALL_BYTES[:3]]
    assert get_partial_values(store, ranges) == expected


def test_array_and_group_round_trip(backend):
    rng = np.random.default_rng(1)
    data = rng.standard_normal((60, 70)).astype("f4")
    ints = rng.integers(0, 1000, (40, 40)).astype("i8")
    writer = backend.open("a")
    root = zl.group(store=writer, overwrite=writer.supports_deletes)
    root.attrs["title"] = "suite"
    a = root.create_dataset("sub/a", shape=data.shape, chunks=(16, 16), dtype="f4")
    a[:] = data
    b = root.create_dataset("b", data=ints, chunks=(16, 16),
                            compressor=zl.codecs.B2ND(blocks=(8, 8)))
    b.attrs["unit"] = "m"
    writer.close()

    root = zl.open_group(backend.open("r"), mode="r")
    assert root.attrs["title"] == "suite"
    assert sorted(root) == ["b", "sub"]
    a, b = root["sub/a"], root["b"]
    assert b.attrs["unit"] == "m"
    np.testing.assert_array_equal(a[:], data)
    np.testing.assert_array_equal(a[5:50:3, -20:], data[5:50:3, -20:])
    rows, cols = [3, 59, 17, 17], [0, 69, 33, 34]
    np.testing.assert_array_equal(a.vindex[rows, cols], data[rows, cols])
    np.testing.assert_array_equal(a.oindex[rows, cols], data[np.ix_(rows, cols)])
    mask = data > 1
    np.testing.assert_array_equal(a[mask], data[mask])
    # byte-range reads: a small window of two-level chunks decodes only its blocks
    np.testing.assert_array_equal(b[18:21, 3:30], ints[18:21, 3:30])
    np.testing.assert_array_equal(b.vindex[[0, 39], [39, 0]], ints[[0, 39], [39, 0]])
    np.testing.assert_array_equal(b[:], ints)


def test_writes_through_an_array_reach_a_new_opener(backend):
    writer = backend.open("a")
    z = zl.open_array(writer, mode="a", shape=(30,), chunks=(7,), dtype="i4", fill_value=-1)
    z[3:25] = np.arange(22)
    z[10:14] = -1  # chunk 1 partly, chunk 2 ... nothing becomes empty
    z[14:21] = -1  # chunk 2 (14..20) is all fill value now: deleted or overwritten
    writer.close()
    expected = np.full(30, -1, dtype="i4")
    expected[3:25] = np.arange(22)
    expected[10:21] = -1
    np.testing.assert_array_equal(zl.open_array(backend.open("r"), mode="r")[:], expected)


def test_open_by_url_or_path(backend):
    if backend.url is None:  # nothing to open by: an object, or a file with no suffix to tell
        assert backend.name in {"memory", "dbm"}
        return
    writer = backend.open("a")
    zl.open_array(writer, mode="a", shape=(5,), chunks=(2,), dtype="u1")[:] = range(5)
    writer.close()
    z = zl.open_array(backend.url, mode="r")
    assert z[:].tolist() == [0, 1, 2, 3, 4]
    assert normalize_store(backend.url, "r").readonly



PROCESS_LOCAL = ("memory", "fsspec_memory")  # one process's memory: nothing to share


def _unpickle_elsewhere(blob: bytes, code: str, cwd) -> subprocess.CompletedProcess:
    """Run `code` in a new Python process in `cwd`, with ``obj`` the unpickled `blob`."""
    script = "import pickle, sys; obj = pickle.loads(sys.stdin.buffer.read())\n" + code
    return subprocess.run([sys.executable, "-c", script], input=blob, capture_output=True,
                          cwd=cwd, timeout=120)


def test_a_pickled_store_reopens_the_same_place_in_another_process(backend, tmp_path):
    writer = backend.open("a")
    writer["k"] = b"here"
    writer.close()
    reader = backend.open("r")
    if backend.name in PROCESS_LOCAL:
        # another process would get its own empty memory: refused, naming the store
        name = "MemoryStore" if backend.name == "memory" else "FSStore 'memory://"
        with pytest.raises(zl.ProcessLocalStoreError, match=f"cannot pickle a {name}"):
            pickle.dumps(reader)
        if backend.name == "memory":  # copying in this process still copies the data
            assert copy.deepcopy(reader)["k"] == b"here"
        return
    blob = pickle.dumps(reader)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _unpickle_elsewhere(blob, "print(obj['k'])", elsewhere)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.strip() == b"b'here'"


def test_pickled_arrays_and_groups_reopen_and_see_later_writes(backend, tmp_path):
    store = backend.open("a")
    root = zl.group(store)
    z = root.zeros("sub/z", shape=(4, 6), chunks=(2, 4), dtype="i4")
    z[:] = 1
    if backend.name in PROCESS_LOCAL:
        for node in (z, root, root["sub"]):
            with pytest.raises(zl.ProcessLocalStoreError, match="cannot pickle a "):
                pickle.dumps(node)
        return
    if backend.name == "zip":  # one writer per archive: only a read-only store pickles
        with pytest.raises(zl.ProcessLocalStoreError, match="one writer"):
            pickle.dumps(z)
        store.close()
        store = backend.open("r")
        root = zl.open_group(store, mode="r")
        z = root["sub/z"]
    blob = pickle.dumps((z, root, root["sub"]))
    for held in (z, root):  # nothing of the data, caches or locks travels with them
        assert len(pickle.dumps(held)) < 2000
    code = ("z, root, sub = obj\n"
            "print(z.shape, z[:, 0].tolist(), dict(z.attrs), sorted(root), sorted(sub))\n")
    if backend.name == "zip":  # (no later writes: the archive is finished)
        done = _unpickle_elsewhere(blob, code, tmp_path)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout.decode().split()[:2] == ["(4,", "6)"]
        return
    z.resize(6, 6)  # written after pickling: the unpickled objects see it
    z[4:] = 7
    z.attrs["later"] = True
    code += "z[0, 0] = 5\n"  # and write back through the store
    done = _unpickle_elsewhere(blob, code, tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == [
        "(6,", "6)", "[1,", "1,", "1,", "1,", "7,", "7]", "{'later':", "True}", "['sub']",
        "['z']"]
    assert z[0, 0] == 5
