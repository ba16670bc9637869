"""LMDBStore beyond the shared store suite: modes, a map that grows, transactions, threads
and processes, one environment shared within a process, and ranged reads."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import subprocess
import sys
import threading

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.errors import PathNotFoundError, ReadOnlyError
from zarrlite.stores import MemoryStore
from zarrlite.stores.lmdb import LMDBStore

pytest.importorskip("lmdb")  # an optional dependency: pip install "zarrlite[lmdb]"

MIB = 1 << 20


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "data.lmdb")


def _data(shape=(100, 100), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("f4")


# ------------------------------------------------------------------------ persistence


def test_data_survives_close_and_reopen(path):
    data = _data()
    with LMDBStore(path) as store:
        z = zl.open_array(store, mode="w", shape=data.shape, chunks=(10, 10), dtype="f4")
        z[:] = data
    with LMDBStore(path, mode="r+") as store:
        zl.open_array(store, mode="r+")[:10] = 1
    data[:10] = 1
    with LMDBStore(path, mode="r") as store:
        np.testing.assert_array_equal(zl.open_array(store, mode="r")[:], data)
        assert len(store) == 101 and list(store) == sorted(store)
    assert sorted(os.listdir(path)) == ["data.mdb", "lock.mdb"]


def test_a_single_file_environment(tmp_path):
    with LMDBStore(tmp_path / "one.mdb", subdir=False) as store:
        store["a/0"] = b"x"
    assert (tmp_path / "one.mdb").is_file()
    with LMDBStore(tmp_path / "one.mdb", mode="r", subdir=False) as store:
        assert store["a/0"] == b"x"


# ------------------------------------------------------------------------------ modes


@pytest.mark.parametrize("mode", ["r", "r+"])
def test_modes_that_need_an_environment(path, mode):
    with pytest.raises(FileNotFoundError, match=re.escape(f"mode '{mode}'")):
        LMDBStore(path, mode=mode)
    assert not os.path.exists(path)


def test_mode_w_minus_refuses_an_existing_environment(path):
    LMDBStore(path, mode="w-").close()
    with pytest.raises(FileExistsError, match="'w-'"):
        LMDBStore(path, mode="w-")


def test_mode_w_clears_and_mode_a_keeps(path):
    with LMDBStore(path) as store:
        store["k"] = b"v"
    with LMDBStore(path, mode="a") as store:
        assert store["k"] == b"v"
    with LMDBStore(path, mode="w") as store:
        assert list(store) == []


def test_mode_r_refuses_writes(path):
    with LMDBStore(path) as store:
        store["a/k"] = b"v"
    with LMDBStore(path, mode="r") as reader:
        assert reader.readonly and "mode='r'" in repr(reader)
        for write in (lambda: reader.__setitem__("a/k", b"w"),
                      lambda: reader.delitems(["a/k"]), lambda: reader.rmdir("a"),
                      lambda: reader.rename("a", "b"), reader.clear):
            with pytest.raises(ReadOnlyError):
                write()
        assert reader["a/k"] == b"v"


def test_bad_arguments(tmp_path, path):
    with pytest.raises(ValueError, match="invalid mode"):
        LMDBStore(path, mode="rw")
    with pytest.raises(ValueError, match="map_size"):
        LMDBStore(path, map_size=0)
    with pytest.raises(TypeError, match="lock"):
        LMDBStore(path, lock=False)
    (tmp_path / "file").write_bytes(b"not an environment")
    with pytest.raises(ValueError, match="cannot open .* as an LMDB store"):
        LMDBStore(tmp_path / "file", mode="a")


def test_a_closed_store_says_so(path):
    store = LMDBStore(path)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(ValueError, match="closed"):
        store["k"]


def test_keys_longer_than_lmdb_allows(path):
    with LMDBStore(path) as store:
        long_key = "a/" + "x" * 600
        with pytest.raises(ValueError, match="longer|limit"):
            store.setitems({"ok": b"1", long_key: b"2"})
        assert "ok" not in store and long_key not in store
        with pytest.raises(KeyError):
            store[long_key]
        assert store.getitems([long_key]) == {}


def test_import_needs_no_lmdb_until_a_store_is_made():
    script = """
import sys
sys.modules["lmdb"] = None  # as if the package were not installed
import zarrlite
from zarrlite.stores.lmdb import LMDBStore
try:
    LMDBStore("never-made")
except ImportError as e:
    print(e)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(__file__)).stdout
    assert 'pip install "zarrlite[lmdb]"' in out


# --------------------------------------------------------------- a map that grows


def test_the_map_grows_for_big_values_and_many_chunks(path):
    value = np.random.default_rng(0).integers(0, 256, 64 * MIB, dtype=np.uint8).tobytes()
    with LMDBStore(path, map_size=MIB) as store:
        store["big"] = value  # 64 times the map
        data = _data((300, 300))
        z = zl.open_array(store, mode="w", path="many", shape=data.shape, chunks=(10, 10),
                          dtype="f4", compressor=None)
        z[:] = data  # 900 chunks
        for i in range(50):  # and many small transactions
            store[f"small/{i}"] = value[i * MIB : (i + 1) * MIB]
    with LMDBStore(path, mode="r", map_size=MIB) as store:
        assert store["big"] == value and store["small/7"] == value[7 * MIB : 8 * MIB]
        np.testing.assert_array_equal(zl.open_array(store, path="many", mode="r")[:], data)


def test_threads_grow_the_map_together(path):
    with LMDBStore(path, map_size=MIB) as store:
        errors = []

        def write(i):
            try:
                rng = np.random.default_rng(i)
                for j in range(20):
                    value = rng.integers(0, 256, 300_000, dtype=np.uint8).tobytes()
                    store.setitems({f"t{i}/{j}": value, f"t{i}/last": b"%d" % j})
                    assert store[f"t{i}/{j}"] == value
                    assert store.listdir(f"t{i}")[-1] == "last"
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(store) == 8 * 21 and store.getsize("") > 8 * 20 * 300_000


def _write_part(store, i, data):
    """One process's share: a band of the array and keys of its own, in many
    transactions, each growing the map."""
    z = zl.open_array(store, mode="r+")
    rows = slice(i * 25, (i + 1) * 25)
    z[rows] = data[rows]
    for j in range(10):
        store.setitems({f"proc{i}/{j}": bytes([i, j]) * 200_000})
    store.close()


def test_processes_write_and_grow_the_map_at_once(path):
    data = _data()
    with LMDBStore(path, map_size=MIB) as store:
        zl.open_array(store, mode="w", shape=data.shape, chunks=(25, 20), dtype="f4")
        spawn = multiprocessing.get_context("spawn")
        procs = [spawn.Process(target=_write_part, args=(store, i, data)) for i in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0] * 4
        # this store's map is still the small one: it adopts the size the others set
        np.testing.assert_array_equal(zl.open_array(store, mode="r")[:], data)
        for i in range(4):
            assert store.getitems([f"proc{i}/{j}" for j in range(10)]) == {
                f"proc{i}/{j}": bytes([i, j]) * 200_000 for j in range(10)}


# ------------------------------------------------------------------------ transactions


def test_a_batch_that_fails_half_way_leaves_nothing(path):
    with LMDBStore(path) as store:
        store.setitems({"s/a": b"1", "s/" + "b" * 500: b"2", "other": b"3"})
        before = dict(store.items())
        # "s/a" moves first; then "s/bbb..." is too long under the longer name: abort
        with pytest.raises(ValueError, match="longer than LMDB allows"):
            store.rename("s", "longer/name")
        assert dict(store.items()) == before
        with pytest.raises(TypeError):
            store.setitems({"new": b"1", "bad": "a str is not bytes"})
        assert "new" not in store


def test_rename_getsize_rmdir_and_listdir(path):
    keys = ["c", "c.x", "c/d", "c/e/f", "c-", "c0", "b", "d/x", "c/d.0", "cc/0",
            *(f"many/{i:04d}" for i in range(1300)), *(f"many/sub{i}/0" for i in range(3))]
    memory = MemoryStore({k: b"" for k in keys})
    with LMDBStore(path) as store:
        store.setitems({k: b"" for k in keys})
        for prefix in ["", "c", "c/e", "many", "nothing", "c/d"]:
            assert store.listdir(prefix) == memory.listdir(prefix), prefix
        store.clear()
        store.setitems({"a/x": b"12", "a/b/y": b"345", "ab": b"6", "z": b""})
        assert store.getsize("a") == 5 and store.getsize("ab") == 1 and store.getsize("") == 6
        with pytest.raises(PathNotFoundError):
            store.rename("nothing", "n2")
        with pytest.raises(ValueError, match="not empty"):
            store.rename("a", "ab")
        store.rename("a", "ü/new")
        assert sorted(store) == ["ab", "z", "ü/new/b/y", "ü/new/x"]
        store.rmdir("ü")
        assert sorted(store) == ["ab", "z"]


# ------------------------------------------------- one environment per process, fork


def test_stores_on_one_environment_share_it(path):
    with LMDBStore(path) as store:
        store["k"] = b"v"
    reader = LMDBStore(path, mode="r")  # opens the environment read-only
    writer = LMDBStore(path, mode="a")  # py-lmdb would refuse a second open: shared
    copy = pickle.loads(pickle.dumps(writer))
    assert copy == writer and copy is not writer
    copy["j"] = b"w"
    assert reader["j"] == b"w" and writer["j"] == b"w"
    writer.close()
    copy.close()
    assert reader["k"] == b"v"  # still open for the store that remains
    reader.close()
    with LMDBStore(path, mode="r") as again:  # and closed with the last: opens anew
        assert sorted(again) == ["j", "k"]


def test_pickle_reopens_without_clearing(path):
    store = LMDBStore(path, mode="w", map_size=2 * MIB)
    store["k"] = b"v"
    state = pickle.dumps(store)
    store.close()
    copy = pickle.loads(state)
    assert copy["k"] == b"v" and copy.mode == "r+" and copy.map_size == 2 * MIB
    copy.close()


def _use_inherited(store, queue):
    try:
        store["k"]
    except RuntimeError as e:
        queue.put(str(e))
    else:  # pragma: no cover - reported by the test
        queue.put("no error")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")
def test_a_forked_child_is_told_to_reopen(path):
    with LMDBStore(path) as store:
        store["k"] = b"v"
        fork = multiprocessing.get_context("fork")
        queue = fork.Queue()
        child = fork.Process(target=_use_inherited, args=(store, queue))
        child.start()
        message = queue.get(timeout=60)
        child.join(60)
        assert "spawn" in message and "fork" in message
        assert store["k"] == b"v"


# ------------------------------------------------------------------------ ranged reads


def test_ranged_reads_fetch_only_the_range(path):
    """LMDB reads through a memory map: reading 4 KiB of a 64 MiB value must touch a few
    pages of it, where reading it whole faults in all 16384 of them (and as many for the
    copy)."""
    value = np.random.default_rng(0).integers(0, 256, 64 * MIB, dtype=np.uint8).tobytes()
    with LMDBStore(path) as store:
        store["big"] = value
    script = f"""
import resource
from zarrlite.stores.lmdb import LMDBStore
store = LMDBStore({path!r}, mode="r")
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
store.get_partial_values([("big", 0, 1)])
before = faults()
parts = store.get_partial_values([("big", (32 << 20) + 5, 4096), ("big", -100, None)])
middle = faults()
whole = store["big"]
print(before, middle, faults(), len(parts[0]), len(parts[1]))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(__file__)).stdout.split()
    before, middle, after, n0, n1 = map(int, out)
    assert (n0, n1) == (4096, 100)
    assert middle - before < 100 < 16000 < after - middle
