"""SQLiteStore beyond the shared store suite: modes, transactions, threads and processes,
ranged reads, query counts, and files shared with zarr-python 2."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import sqlite3
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from zarr2_env import run_zarr2

import zarrlite as zl
from zarrlite.errors import PathNotFoundError, ReadOnlyError
from zarrlite.stores import MemoryStore
from zarrlite.stores.sqlite import SQLiteStore


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "data.sqlite")


def _data(shape=(100, 100), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("f4")


def _raw(path):
    """A connection of our own to the file, as another program would open it."""
    return sqlite3.connect(path, isolation_level=None)


# ------------------------------------------------------------------------ persistence


def test_data_survives_close_and_reopen(path):
    data = _data()
    with SQLiteStore(path) as store:
        z = zl.open_array(store, mode="w", shape=data.shape, chunks=(10, 10), dtype="f4")
        z[:] = data
    with SQLiteStore(path, mode="r+") as store:
        zl.open_array(store, mode="r+")[:10] = 1
    data[:10] = 1
    assert not os.path.exists(path + "-wal")  # the last writer to close checkpoints
    with SQLiteStore(path, mode="r") as store:
        np.testing.assert_array_equal(zl.open_array(store, mode="r")[:], data)
        assert len(store) == 101 and list(store) == sorted(store)


# ------------------------------------------------------------------------------ modes


@pytest.mark.parametrize("mode", ["r", "r+"])
def test_modes_that_need_a_file(path, mode):
    with pytest.raises(FileNotFoundError, match=re.escape(f"mode '{mode}'")):
        SQLiteStore(path, mode=mode)
    assert not os.path.exists(path)


def test_mode_w_minus_refuses_an_existing_file(path):
    SQLiteStore(path, mode="w-").close()
    with pytest.raises(FileExistsError, match="'w-'"):
        SQLiteStore(path, mode="w-")


def test_mode_w_clears_and_mode_a_keeps(path):
    with SQLiteStore(path) as store:
        store["k"] = b"v"
    with SQLiteStore(path, mode="a") as store:
        assert store["k"] == b"v"
    with SQLiteStore(path, mode="w") as store:
        assert list(store) == []


def test_mode_r_is_read_only_at_the_sqlite_level(path):
    with SQLiteStore(path) as store:
        store["a/k"] = b"v"
    reader = SQLiteStore(path, mode="r")
    assert reader.readonly and "mode='r'" in repr(reader)
    for write in (lambda: reader.__setitem__("a/k", b"w"), lambda: reader.delitems(["a/k"]),
                  lambda: reader.rmdir("a"), lambda: reader.rename("a", "b"), reader.clear):
        with pytest.raises(ReadOnlyError):
            write()
    with reader._pool.connection() as conn:  # the connection itself refuses writes too
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM zarr")
    assert reader["a/k"] == b"v"
    reader.close()


def test_files_that_are_not_stores(tmp_path, path):
    with pytest.raises(ValueError, match="directory"):
        SQLiteStore(tmp_path)
    (tmp_path / "text.sqlite").write_bytes(b"not a database at all, " * 100)
    with pytest.raises(ValueError, match="cannot open .* as a SQLite store"):
        SQLiteStore(tmp_path / "text.sqlite", mode="r+")
    conn = _raw(path)
    conn.execute("CREATE TABLE other(x)")
    conn.close()
    with pytest.raises(ValueError, match="without a 'zarr' table"):
        SQLiteStore(path, mode="r")
    with pytest.raises(ValueError, match="MemoryStore"):
        SQLiteStore(":memory:")
    with pytest.raises(ValueError, match="invalid mode"):
        SQLiteStore(path, mode="rw")
    with pytest.raises(TypeError, match="isolation_level"):
        SQLiteStore(path, isolation_level="DEFERRED")


def test_parent_directories_are_made(tmp_path):
    with SQLiteStore(tmp_path / "a" / "b" / "data.sqlite") as store:
        store["k"] = b"v"
    assert (tmp_path / "a" / "b" / "data.sqlite").is_file()


def test_a_closed_store_says_so(path):
    store = SQLiteStore(path)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(ValueError, match="closed"):
        store["k"]


# ----------------------------------------------------------------------- transactions


def _poison(path, when):
    """A trigger that makes SQLite abort the statement that touches one key."""
    row = "NEW" if "INSERT" in when else "OLD"
    conn = _raw(path)
    conn.execute(f"CREATE TRIGGER poison {when} ON zarr WHEN {row}.k = 'd/poison' "
                 "BEGIN SELECT RAISE(ABORT, 'poisoned'); END")
    conn.close()


@pytest.mark.parametrize("when, change", [
    ("BEFORE INSERT", lambda s: s.setitems({"d/a": b"1", "d/poison": b"2", "d/z": b"3"})),
    ("BEFORE DELETE", lambda s: s.delitems(["d/0", "d/poison", "d/9"])),
    ("BEFORE DELETE", lambda s: s.rmdir("d")),
    ("BEFORE UPDATE", lambda s: s.rename("d", "e")),
])
def test_batch_writes_are_all_or_nothing(path, when, change):
    before = {"d/0": b"0", "d/9": b"9", "d/poison": b"p", "x": b"x"}
    with SQLiteStore(path) as store:
        store.setitems(before)
    _poison(path, when)
    with SQLiteStore(path) as store:
        with pytest.raises(sqlite3.DatabaseError, match="poisoned"):
            change(store)
        assert {k: store[k] for k in store} == before  # nothing of the batch happened
        store["after"] = b"ok"  # and the connection is usable again
    with SQLiteStore(path, mode="r") as store:
        assert store["after"] == b"ok" and len(store) == len(before) + 1


def test_readers_do_not_wait_for_a_writer(path):
    with SQLiteStore(path) as store:
        store["k"] = b"old"
    writer = _raw(path)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE zarr SET v = x'6e6577' WHERE k = 'k'")  # b"new", not committed
    with SQLiteStore(path, timeout=0.2) as store:
        started = time.perf_counter()
        assert store["k"] == b"old" and store.getitems(["k"]) == {"k": b"old"}
        assert time.perf_counter() - started < 0.2
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            store["j"] = b"waits 0.2 s for the writer, then gives up"
        writer.execute("COMMIT")
        assert store["k"] == b"new"
        store["j"] = b"now"
    writer.close()


# -------------------------------------------------------------- threads and processes


def test_threads_write_and_read_at_once(path):
    data = _data((160, 90))
    with SQLiteStore(path) as store:
        zl.open_array(store, mode="w", shape=data.shape, chunks=(10, 30), dtype="f4")
        errors = []

        def band(i):
            try:
                z = zl.open_array(store, mode="r+")
                for _ in range(3):
                    z[i * 20 : (i + 1) * 20] = data[i * 20 : (i + 1) * 20]
                    store.setitems({f"side/{i}/{j}": bytes([i, j]) for j in range(20)})
                    np.testing.assert_array_equal(z[i * 20 : (i + 1) * 20],
                                                  data[i * 20 : (i + 1) * 20])
                    assert store.listdir(f"side/{i}") == sorted(str(j) for j in range(20))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=band, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    with SQLiteStore(path, mode="r") as store:
        np.testing.assert_array_equal(zl.open_array(store, mode="r")[:], data)
        assert len(store.listdir("side")) == 8


def _write_part(store, i, data):
    """One process's share: a band of the array and keys of its own, in many
    transactions."""
    z = zl.open_array(store, mode="r+")
    rows = slice(i * 25, (i + 1) * 25)
    z[rows] = data[rows]
    for j in range(0, 100, 10):
        store.setitems({f"proc{i}/{k}": b"%d-%d" % (i, k) for k in range(j, j + 10)})
    store.close()


def test_processes_write_at_once(path):
    data = _data()
    with SQLiteStore(path) as store:
        zl.open_array(store, mode="w", shape=data.shape, chunks=(25, 20), dtype="f4")
        spawn = multiprocessing.get_context("spawn")
        procs = [spawn.Process(target=_write_part, args=(store, i, data)) for i in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0] * 4
    with SQLiteStore(path, mode="r") as store:
        np.testing.assert_array_equal(zl.open_array(store, mode="r")[:], data)
        for i in range(4):
            assert store.getitems([f"proc{i}/{k}" for k in range(100)]) == {
                f"proc{i}/{k}": b"%d-%d" % (i, k) for k in range(100)}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")
def test_a_forked_child_opens_its_own_connections(path):
    store = SQLiteStore(path)
    store["parent"] = b"1"  # the parent holds a connection when it forks
    child = multiprocessing.get_context("fork").Process(
        target=lambda: store.setitems({"child": store["parent"] + b"2"}))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert store["child"] == b"12"
    store.close()


def test_pickle_reopens_the_file(path):
    store = SQLiteStore(path, mode="w", timeout=5)
    store["k"] = b"v"
    copy = pickle.loads(pickle.dumps(store))
    assert copy == store and copy is not store
    assert copy["k"] == b"v"  # mode "w" reopened as "r+": not cleared
    assert copy.mode == "r+" and copy._connect_kwargs == {"timeout": 5}
    reader = pickle.loads(pickle.dumps(SQLiteStore(path, mode="r")))
    assert reader.readonly and reader["k"] == b"v"
    for s in (store, copy, reader):
        s.close()


# ------------------------------------------------------------ queries and ranged reads


def _count_statements(store):
    """Record the SQL (with the values of its parameters) run by the store's single
    pooled connection."""
    statements = []
    with store._pool.connection() as conn:
        conn.set_trace_callback(statements.append)
    return statements


def test_getitems_is_one_query_below_the_parameter_limit(path):
    with SQLiteStore(path) as store:
        store.setitems({f"a/{i}": b"%d" % i for i in range(3000)})
        statements = _count_statements(store)
        wanted = [f"a/{i}" for i in range(0, 6000, 2)]  # half of them missing
        assert store.getitems(wanted) == {f"a/{i}": b"%d" % i for i in range(0, 3000, 2)}
        queries = [s for s in statements if s.startswith("SELECT")]
        assert len(queries) == 1 and queries[0].startswith("SELECT k, v FROM zarr WHERE k IN")
        store._max_params = 7  # as if SQLite allowed 7 parameters per statement
        statements.clear()
        assert len(store.getitems(wanted)) == 1500
        assert len([s for s in statements if s.startswith("SELECT")]) == -(-3000 // 7)
        store.delitems(wanted)
        assert len(store) == 1500


def test_listdir_jumps_over_directories(path):
    with SQLiteStore(path) as store:
        store.setitems({f"big/{i}.{j}": b"" for i in range(100) for j in range(100)})
        store.setitems({".zgroup": b"{}", "small/.zarray": b"{}", "small/0": b""})
        steps = []
        with store._pool.connection() as conn:
            conn.set_progress_handler(lambda: steps.append(1), 10)  # every 10 VM steps
        assert store.listdir("") == [".zgroup", "big", "small"]
        assert store.listdir("small") == [".zarray", "0"]
        assert len(steps) < 50  # a scan of the 10000 keys under big/ takes thousands
        assert len(store.listdir("big")) == 10000 and len(steps) > 1000
        assert len(store.listdir("big")) == 10000


def test_listdir_of_keys_that_sort_around_the_separator(path):
    keys = ["c", "c.x", "c/d", "c/e/f", "c-", "c0", "b", "d/x", "c/d.0", "cc/0",
            *(f"many/{i:04d}" for i in range(1300)), *(f"many/sub{i}/0" for i in range(3))]
    memory = MemoryStore({k: b"" for k in keys})
    with SQLiteStore(path) as store:
        store.setitems({k: b"" for k in keys})
        for prefix in ["", "c", "c/e", "many", "nothing", "c/d"]:
            assert store.listdir(prefix) == memory.listdir(prefix), prefix


def test_rename_getsize_and_rmdir(path):
    with SQLiteStore(path) as store:
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


def test_ranged_reads_fetch_only_the_range(path):
    """Reading 4 KiB of a 64 MiB value must not make SQLite load the value: a read
    that did would fault in 16384+ fresh pages of memory; SQLite's blob I/O faults
    a few hundred (its page cache) at most."""
    value = np.random.default_rng(0).integers(0, 256, 64 << 20, dtype=np.uint8).tobytes()
    with SQLiteStore(path) as store:
        store["big"] = value
    script = f"""
import resource
from zarrlite.stores.sqlite import SQLiteStore
store = SQLiteStore({path!r}, mode="r")
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
    assert middle - before < 2000 < 10000 < after - middle


# -------------------------------------------------------------------- zarr-python 2


def test_zarr2_writes_zarrlite_reads(path, tmp_path):
    data = _data((60, 70), seed=2)
    np.save(tmp_path / "data.npy", data)
    run_zarr2("""
import sys, warnings, numpy as np, zarr
warnings.simplefilter("ignore", FutureWarning)
store = zarr.SQLiteStore(sys.argv[1])
root = zarr.group(store=store, overwrite=True)
root.attrs["by"] = "zarr 2"
a = root.create_dataset("x/a", shape=(60, 70), chunks=(16, 16), dtype="f4")
a[:] = np.load(sys.argv[2])
nested = root.create_dataset("n", shape=(60, 70), chunks=(32, 32), dtype="f4",
                             dimension_separator="/")
nested[:] = np.load(sys.argv[2])
store.close()
""", path, str(tmp_path / "data.npy"))
    with SQLiteStore(path, mode="r") as store:
        root = zl.open_group(store, mode="r")
        assert root.attrs["by"] == "zarr 2"
        np.testing.assert_array_equal(root["x/a"][:], data)
        np.testing.assert_array_equal(root["n"][5:50, 7:], data[5:50, 7:])
        assert store.listdir("n") == [".zarray", "0", "1"]


def test_zarrlite_writes_zarr2_reads(path, tmp_path):
    data = _data((60, 70), seed=3)
    np.save(tmp_path / "data.npy", data)
    with SQLiteStore(path) as store:
        root = zl.group(store=store)
        root.attrs["by"] = "zarrlite"
        root.create_dataset("x/a", data=data, chunks=(16, 16))
    result = run_zarr2("""
import sys, warnings, numpy as np, zarr
warnings.simplefilter("ignore", FutureWarning)
store = zarr.SQLiteStore(sys.argv[1])
root = zarr.open_group(store, mode="r")
assert root.attrs["by"] == "zarrlite"
np.testing.assert_array_equal(root["x/a"][:], np.load(sys.argv[2]))
root = zarr.open_group(store, mode="a")
root["x/a"][:16] = 0
print(sorted(store.listdir("x/a"))[:2])
store.close()
""", path, str(tmp_path / "data.npy"))
    assert result.stdout.strip() == "['.zarray', '0.0']"
    data[:16] = 0
    with SQLiteStore(path, mode="r") as store:  # and back: zarr 2's write reads here
        np.testing.assert_array_equal(zl.open_array(store, path="x/a", mode="r")[:], data)
