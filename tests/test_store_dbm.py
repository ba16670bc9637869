"""DBMStore: what the shared store suite does not cover (tests/test_store_suite.py runs the
rest over the dbm back end): persistence across opens, modes, another dbm opener,
threads, pickling, the hierarchy methods and arrays."""

from __future__ import annotations

import dbm
import dbm.dumb
import functools
import os
import pickle
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.errors import PathNotFoundError, ReadOnlyError
from zarrlite.stores.dbm import DBMStore


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "data.db")


def test_values_persist_across_opens(path):
    with DBMStore(path, mode="w") as store:
        store.setitems({"a/0": b"0", "a/1": bytearray(b"1"), "ü/ß": np.arange(3, dtype="u1")})
    with DBMStore(path, mode="a") as store:  # reopened, appended to
        assert store["ü/ß"] == b"\x00\x01\x02" and type(store["a/1"]) is bytes
        store["b"] = b"b"
        store["a/0"] = b"zero"
    with DBMStore(path, mode="r") as store:
        assert dict(store) == {"a/0": b"zero", "a/1": b"1", "ü/ß": b"\x00\x01\x02", "b": b"b"}
    # the encoding zarr-python 2's DBMStore uses: UTF-8 keys, bytes values
    db = dbm.open(path, "r")
    try:
        assert db["ü/ß".encode()] == b"\x00\x01\x02"
    finally:
        db.close()


def test_modes(path):
    with pytest.raises(FileNotFoundError, match="data.db"):
        DBMStore(path, mode="r")
    with pytest.raises(FileNotFoundError, match="data.db"):
        DBMStore(path, mode="r+")
    with DBMStore(path, mode="w-") as store:
        store["k"] = b"1"
    with pytest.raises(FileExistsError, match="data.db"):
        DBMStore(path, mode="w-")
    with DBMStore(path, mode="r+") as store:
        store["j"] = b"2"
    with DBMStore(path, mode="r") as store:
        assert store.readonly and sorted(store) == ["j", "k"]
        for write in (
            lambda: store.__setitem__("k", b"x"),
            lambda: store.__delitem__("k"),
            lambda: store.rmdir(""),
            lambda: store.setitems({"x": b""}),
        ):
            with pytest.raises(ReadOnlyError):
                write()
        store.flush()  # nothing to write
    with DBMStore(path, mode="w") as store:  # emptied
        assert len(store) == 0
    with pytest.raises(ValueError, match="invalid mode"):
        DBMStore(path, mode="x")


def test_another_opener_with_its_arguments(path):
    private = functools.partial(dbm.dumb.open, mode=0o600)  # dbm's mode: file permissions
    with DBMStore(path, mode="w", open=private) as store:
        store["k"] = b"v"
        blob = pickle.dumps(store)  # the partial pickles with the store
    with pickle.loads(blob) as copy:
        assert copy["k"] == b"v"
    assert dbm.whichdb(path) == "dbm.dumb"
    assert stat.S_IMODE(os.stat(path + ".dat").st_mode) & 0o077 == 0
    with DBMStore(path, mode="r", open=dbm.dumb.open) as store:
        assert store["k"] == b"v"


def test_hierarchy_methods(path):
    with DBMStore(path, mode="w") as store:
        store.setitems({".zgroup": b"{}", "a/0.0": b"12", "a/b/c": b"345", "d": b"6"})
        assert store.listdir() == [".zgroup", "a", "d"]
        assert store.listdir("a") == ["0.0", "b"] and store.listdir("a/b/") == ["c"]
        assert store.getsize("a") == 5 and store.getsize("a/b/c") == 3
        assert store.getsize("") == 8 and store.getsize("missing") == 0
        store.rename("a", "x/y")
        assert sorted(store) == [".zgroup", "d", "x/y/0.0", "x/y/b/c"]
        with pytest.raises(PathNotFoundError):
            store.rename("a", "z")
        store.rmdir("x")
        assert sorted(store) == [".zgroup", "d"]
        store.delitems(["d", "missing"])
        with pytest.raises(KeyError):
            del store["missing"]
        store.clear()
        assert len(store) == 0


def test_threads_write_and_read_at_once(path):
    store = DBMStore(path, mode="w")

    def work(i):
        items = {f"t{i}/{j}": os.urandom(50 + j) for j in range(40)}
        store.setitems(items)
        for key, value in items.items():
            assert store[key] == value
        assert store.getitems(list(items)) == items
        assert len(store.listdir(f"t{i}")) == 40
        store[f"t{i}/0"] = b"again"
        del store[f"t{i}/1"]
        return items

    with ThreadPoolExecutor(8) as pool:
        written = list(pool.map(work, range(16)))
    store.close()
    with DBMStore(path, mode="r") as reader:
        assert len(reader) == 16 * 39
        for i, items in enumerate(written):
            assert reader[f"t{i}/0"] == b"again" and f"t{i}/1" not in reader
            assert reader[f"t{i}/5"] == items[f"t{i}/5"]


def test_closed_store_names_its_path(path):
    store = DBMStore(path, mode="w")
    store["k"] = b"v"
    store.close()
    store.close()  # again: nothing
    for call in (
        lambda: store["k"],
        lambda: store.__setitem__("k", b"w"),
        lambda: len(store),
        lambda: list(store),
        lambda: "k" in store,
        store.flush,
        lambda: store.getitems(["k"]),
        lambda: store.listdir(""),
    ):
        with pytest.raises(ValueError, match="data.db.*closed"):
            call()
    assert "closed" in repr(store)


def test_pickle_reopens_without_emptying(path):
    store = DBMStore(path, mode="w")
    store["a"] = b"1"
    blob = pickle.dumps(store)  # synced first
    store.close()
    code = "import pickle, sys; s = pickle.loads(sys.stdin.buffer.read()); print(sorted(s))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=blob,
        capture_output=True,
        check=True,
        cwd=os.path.dirname(__file__),  # not a source tree: the installed zarrlite
    )
    assert done.stdout.decode().strip() == "['a']"
    copy = pickle.loads(blob)  # "w" reopens as "r+"
    assert copy.mode == "r+" and copy == store and dict(copy) == {"a": b"1"}
    copy.close()


def test_arrays_round_trip(path):
    data = np.random.default_rng(0).standard_normal((50, 60)).astype("f4")
    with DBMStore(path, mode="w") as store:
        z = zl.open_array(store, mode="w", shape=data.shape, chunks=(16, 16), dtype="f4")
        z[:] = data
        z[:16, :16] = 0  # all fill value: the chunk is deleted
        assert "0.0" not in store
    expected = data.copy()
    expected[:16, :16] = 0
    with DBMStore(path, mode="r") as store:
        np.testing.assert_array_equal(zl.open_array(store, mode="r")[:], expected)


def test_a_file_that_is_not_a_database_is_named_in_the_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database")
    with pytest.raises(ValueError, match="cannot open .*junk.db.* as a dbm database"):
        DBMStore(junk, mode="r")
