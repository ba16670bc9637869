"""Tests for zarrlite.metadata.keys and zarrlite.stores (real files under tmp_path, no mocks)."""

from __future__ import annotations

import copy
import os
import pathlib
import pickle
import threading
import time
import types
from collections.abc import MutableMapping

import numpy as np
import pytest

from zarrlite.errors import PathNotFoundError, ProcessLocalStoreError, ReadOnlyError
from zarrlite.metadata.keys import (
    ARRAY_META_KEY,
    ATTRS_KEY,
    GROUP_META_KEY,
    chunk_key,
    join_path,
    meta_key,
    normalize_path,
    validate_key,
)
from zarrlite.stores import (
    BaseStore,
    DirectoryStore,
    MemoryStore,
    StoreAdapter,
    delitems,
    ensure_bytes,
    get_partial_values,
    getitems,
    getsize,
    is_readonly,
    listdir,
    normalize_store,
    rename,
    rmdir,
    setitems,
)

BAD_KEYS = ["", "/abs", "a/../b", "..", "../x", "a/./b", "./a", "a//b", "a/", "a\\b", "a/.."]


# ------------------------------------------------------------------------------ paths


@pytest.mark.parametrize(
    "path, expected",
    [(None, ""), ("", ""), ("/", ""), ("a", "a"), ("/a//b/", "a/b"), ("a/.zarray", "a/.zarray")],
)
def test_normalize_path(path, expected):
    assert normalize_path(path) == expected


@pytest.mark.parametrize("path", ["..", "a/../b", "./a", "a/.", "a\\b"])
def test_normalize_path_rejects(path):
    with pytest.raises(ValueError, match="invalid path"):
        normalize_path(path)
    with pytest.raises(TypeError):
        normalize_path(1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "prefix, coords, sep, expected",
    [
        ("", (), ".", "0"),
        ("a", (), "/", "a/0"),
        ("", (3,), ".", "3"),
        ("", (1, 2, 3), ".", "1.2.3"),
        ("g/a", (0, 10), ".", "g/a/0.10"),
        ("g/a", (0, 10), "/", "g/a/0/10"),
    ],
)
def test_chunk_key(prefix, coords, sep, expected):
    assert chunk_key(prefix, coords, sep) == expected


def test_join_path_and_meta_key():
    assert join_path("", "a") == "a"
    assert join_path("a", "") == "a"
    assert join_path("a", "b/c") == "a/b/c"
    assert meta_key("", ARRAY_META_KEY) == ".zarray"
    assert meta_key("g", GROUP_META_KEY) == "g/.zgroup"
    assert meta_key("g/a", ATTRS_KEY) == "g/a/.zattrs"


def test_validate_key():
    for key in ["a", ".zarray", "a/.zattrs", "a/b/0.0", "0/0", "a..b", ".a/..b"]:
        assert validate_key(key) == key
    for key in BAD_KEYS:
        with pytest.raises(ValueError, match="invalid store key"):
            validate_key(key)
    with pytest.raises(TypeError):
        validate_key(b"a")  # type: ignore[arg-type]


# ------------------------------------------------------------------- generic stores


@pytest.fixture(params=["memory", "directory", "dict"])
def store(request, tmp_path) -> MutableMapping[str, bytes]:
    if request.param == "memory":
        return MemoryStore()
    if request.param == "directory":
        return DirectoryStore(tmp_path / "store")
    return {}


@pytest.fixture(params=["memory", "directory"])
def zstore(request, tmp_path) -> BaseStore:
    if request.param == "memory":
        return MemoryStore()
    return DirectoryStore(tmp_path / "store")


def fill(store):
    setitems(
        store,
        {
            ".zgroup": b"{}",
            "a/.zarray": b"{...}",
            "a/0.0": b"0123456789",
            "a/0.1": b"ab",
            "g/b/.zarray": b"{}",
            "g/b/0/0": b"xyz",
            "g/b/0/1": b"",
        },
    )


def test_mapping_behaviour(store):
    assert len(store) == 0 and list(store) == []
    store["a"] = b"1"
    store["b/c/d"] = b"22"
    assert store["a"] == b"1" and store["b/c/d"] == b"22"
    assert "a" in store and "b/c/d" in store
    assert "b" not in store and "b/c" not in store and "zz" not in store
    assert sorted(store) == ["a", "b/c/d"] and len(store) == 2
    store["a"] = b"replaced"
    assert store["a"] == b"replaced"
    del store["a"]
    assert "a" not in store
    with pytest.raises(KeyError):
        store["a"]
    with pytest.raises(KeyError):
        del store["a"]
    with pytest.raises(KeyError):
        store["b/c"]  # a "directory", not a value
    assert store.get("missing") is None
    store.clear()
    assert len(store) == 0


def test_batches(store):
    fill(store)
    got = getitems(store, ["a/0.0", "missing", "g/b/0/1"])
    assert got == {"a/0.0": b"0123456789", "g/b/0/1": b""}
    assert getitems(store, []) == {}
    delitems(store, ["a/0.0", "missing", "g/b/0/1"])
    assert "a/0.0" not in store and "g/b/0/1" not in store and "a/0.1" in store


def test_listdir(store):
    assert listdir(store) == []
    fill(store)
    assert listdir(store) == [".zgroup", "a", "g"]
    assert listdir(store, "") == listdir(store, "/") == [".zgroup", "a", "g"]
    assert listdir(store, "a") == [".zarray", "0.0", "0.1"]
    assert listdir(store, "/g/") == ["b"]
    assert listdir(store, "g/b") == [".zarray", "0"]
    assert listdir(store, "g/b/0") == ["0", "1"]
    assert listdir(store, "nothing") == []
    assert listdir(store, "a/0.0") == []  # a value has no children
    with pytest.raises(ValueError):
        listdir(store, "../x")


def test_rmdir(store):
    fill(store)
    rmdir(store, "g/b/0")
    assert sorted(store) == [".zgroup", "a/.zarray", "a/0.0", "a/0.1", "g/b/.zarray"]
    rmdir(store, "nothing")
    rmdir(store, "a/0.0")  # a key, not a path with children: nothing under it
    assert "a/0.0" in store
    rmdir(store, "a")
    assert sorted(store) == [".zgroup", "g/b/.zarray"]
    with pytest.raises(ValueError):
        rmdir(store, "..")
    rmdir(store)
    assert len(store) == 0


def test_rename(store):
    fill(store)
    rename(store, "g/b", "c/d")
    assert listdir(store, "g") == []
    assert getitems(store, ["c/d/.zarray", "c/d/0/0", "c/d/0/1"]) == {
        "c/d/.zarray": b"{}",
        "c/d/0/0": b"xyz",
        "c/d/0/1": b"",
    }
    with pytest.raises(KeyError):
        rename(store, "nothing", "x")
    with pytest.raises(PathNotFoundError):
        rename(store, "g/b", "x")
    with pytest.raises(ValueError, match="not empty"):
        rename(store, "a", "c")
    with pytest.raises(ValueError, match="value is stored|not empty"):
        rename(store, "a", ".zgroup")
    for src, dst in [("", "x"), ("a", ""), ("a", "a/b"), ("c/d", "c"), ("a", "a")]:
        with pytest.raises(ValueError):
            rename(store, src, dst)
    with pytest.raises(ValueError):
        rename(store, "a", "../b")


def test_getsize(store):
    assert getsize(store) == 0
    fill(store)
    assert getsize(store) == 2 + 5 + 10 + 2 + 2 + 3 + 0
    assert getsize(store, "a") == 17
    assert getsize(store, "g") == getsize(store, "g/b") == 5
    assert getsize(store, "a/0.0") == 10
    assert getsize(store, "nothing") == 0


def test_get_partial_values(store):
    fill(store)
    ranges = [
        ("a/0.0", 0, None),
        ("a/0.0", 2, 3),
        ("a/0.0", -2, None),
        ("a/0.0", -20, 2),
        ("a/0.0", 8, 100),
        ("a/0.0", 50, None),
        ("missing", 0, 1),
        ("g/b/0/1", 0, None),
        ("g/b", 0, None),
    ]
    expected = [b"0123456789", b"234", b"89", b"01", b"89", b"", None, b"", None]
    assert get_partial_values(store, ranges) == expected
    with pytest.raises(ValueError):
        get_partial_values(store, [("a/0.0", 0, -1)])


# ------------------------------------------------------------------ zarrlite stores


@pytest.mark.parametrize(
    "value",
    [
        b"abc",
        bytearray(b"abc"),
        memoryview(b"abc"),
        np.arange(6, dtype="<i4"),
        np.arange(12, dtype="<f8").reshape(3, 4)[:, ::2],  # not contiguous
        np.array(["2020-01-01", "2021-01-01"], dtype="M8[D]"),  # no buffer protocol
        np.zeros((2, 3), dtype="i2,f4"),
    ],
    ids=["bytes", "bytearray", "memoryview", "int32", "strided", "datetime", "struct"],
)
def test_bytes_like_values(zstore, value):
    expected = value if isinstance(value, bytes) else bytes(ensure_bytes(value))
    if isinstance(value, np.ndarray):
        assert expected == value.tobytes()
    zstore["k"] = value
    setitems(zstore, {"m/k": value})
    assert type(zstore["k"]) is bytes and zstore["k"] == expected
    assert zstore["m/k"] == expected


def test_values_are_copied(zstore):
    value = bytearray(b"abc")
    zstore["k"] = value
    value[0] = ord("z")
    assert zstore["k"] == b"abc"


def test_bad_values(zstore):
    for value in ["text", 3, None]:
        with pytest.raises(TypeError, match="bytes-like"):
            zstore["k"] = value  # type: ignore[assignment]
    assert "k" not in zstore


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys(zstore, key):
    with pytest.raises(ValueError, match="invalid store key"):
        zstore[key] = b"x"
    with pytest.raises(ValueError, match="invalid store key"):
        setitems(zstore, {"ok": b"1", key: b"x"})
    assert "ok" not in zstore  # keys are validated before anything is written
    assert key not in zstore
    with pytest.raises((ValueError, KeyError)):
        zstore[key]
    with pytest.raises((ValueError, KeyError)):
        del zstore[key]


def test_non_str_keys(zstore):
    with pytest.raises(TypeError):
        zstore[1] = b"x"  # type: ignore[index]
    assert 1 not in zstore


def test_readonly(tmp_path):
    DirectoryStore(tmp_path)["a/0"] = b"x"
    for store in [DirectoryStore(tmp_path, mode="r"), MemoryStore({"a/0": b"x"}, mode="r")]:
        assert store.readonly and store.read_only and is_readonly(store)
        assert store["a/0"] == b"x" and listdir(store, "a") == ["0"]
        for write in [
            lambda s: s.__setitem__("b", b"y"),
            lambda s: s.__delitem__("a/0"),
            lambda s: setitems(s, {"b": b"y"}),
            lambda s: delitems(s, ["a/0"]),
            lambda s: rmdir(s, "a"),
            lambda s: rename(s, "a", "b"),
            lambda s: s.clear(),
        ]:
            with pytest.raises(ReadOnlyError):
                write(store)
            with pytest.raises(PermissionError):
                write(store)
        assert store["a/0"] == b"x"
    assert not is_readonly(MemoryStore()) and not is_readonly({})
    assert not is_readonly(DirectoryStore(tmp_path, mode="r+"))


class Flagged(dict):
    """A foreign store with a read_only flag, as zarr-python 3 stores have."""

    read_only = True


class NotWriteable(dict):
    """A foreign store whose is_writeable() says no, as zarr-python 2 stores do."""

    def is_writeable(self) -> bool:
        return False


def test_is_readonly_foreign():
    assert is_readonly(Flagged()) and is_readonly(NotWriteable())
    assert is_readonly(types.MappingProxyType({}))  # not a MutableMapping


def test_bad_mode(tmp_path):
    with pytest.raises(ValueError, match="invalid mode"):
        DirectoryStore(tmp_path, mode="rw")
    with pytest.raises(ValueError, match="invalid mode"):
        MemoryStore(mode="x")


def test_context_manager_and_close(zstore):
    with zstore as s:
        s["a"] = b"1"
    assert s is zstore


def test_memory_store_init_and_equality():
    store = MemoryStore({"a/b": bytearray(b"1")})
    assert store["a/b"] == b"1" and type(store["a/b"]) is bytes
    assert store == store and store != MemoryStore({"a/b": b"1"})
    assert "MemoryStore" in repr(store)
    with pytest.raises(ValueError):
        MemoryStore({"../a": b"1"})
    with pytest.raises(ProcessLocalStoreError, match=r"cannot pickle a MemoryStore \(1 key\)"):
        pickle.dumps(store)  # another process would get another, empty store
    assert copy.deepcopy(store)["a/b"] == b"1" and copy.copy(store)["a/b"] == b"1"


# ----------------------------------------------------------------- DirectoryStore


def tmp_files(root) -> list[str]:
    return [
        os.path.join(d, f) for d, _, files in os.walk(root) for f in files if f.endswith(".partial")
    ]


def test_directory_layout(tmp_path):
    store = DirectoryStore(str(tmp_path / "s"))
    assert not (tmp_path / "s").exists()  # created on first write
    store["a/b/0.0"] = b"x"
    store["a/0/0"] = b"y"
    store[".zgroup"] = b"{}"
    assert (tmp_path / "s" / "a" / "b" / "0.0").read_bytes() == b"x"
    assert (tmp_path / "s" / "a" / "0" / "0").read_bytes() == b"y"
    assert (tmp_path / "s" / ".zgroup").read_bytes() == b"{}"
    assert sorted(store) == [".zgroup", "a/0/0", "a/b/0.0"]
    # a second store on the same directory sees the same keys
    assert DirectoryStore(tmp_path / "s") == store
    assert hash(DirectoryStore(tmp_path / "s")) == hash(store)
    assert DirectoryStore(tmp_path / "s")["a/0/0"] == b"y"
    assert DirectoryStore(tmp_path / "s") != DirectoryStore(tmp_path)
    assert pickle.loads(pickle.dumps(store)) == store
    assert repr(store) == f"DirectoryStore({str(tmp_path / 's')!r})"


def test_directory_on_a_file(tmp_path):
    (tmp_path / "f").write_bytes(b"")
    with pytest.raises(ValueError, match="expected a directory"):
        DirectoryStore(tmp_path / "f")


def test_directory_conflicts(tmp_path):
    store = DirectoryStore(tmp_path)
    store["a"] = b"value"
    with pytest.raises(ValueError, match="cannot store key 'a/b'"):
        store["a/b"] = b"x"
    store["d/e"] = b"x"
    with pytest.raises(ValueError, match="cannot store key 'd'"):
        store["d"] = b"x"
    assert "d" not in store and store["d/e"] == b"x"
    with pytest.raises(KeyError):
        del store["d"]
    assert tmp_files(tmp_path) == []


def test_directory_normalize_keys(tmp_path):
    store = DirectoryStore(tmp_path, normalize_keys=True)
    store["A/B.0"] = b"x"
    assert (tmp_path / "a" / "b.0").exists()
    assert store["a/b.0"] == store["A/b.0"] == b"x"
    assert listdir(store, "A") == ["b.0"]


def test_directory_skips_temp_files(tmp_path):
    store = DirectoryStore(tmp_path)
    store["a/0"] = b"123"
    (tmp_path / "a" / ".zl-99-7.partial").write_bytes(b"stale")
    assert list(store) == ["a/0"] and len(store) == 1
    assert listdir(store, "a") == ["0"]
    assert getsize(store) == 3
    rmdir(store)
    assert os.listdir(tmp_path) == []  # the root itself is kept


def test_directory_rename_moves_directory(tmp_path):
    store = DirectoryStore(tmp_path)
    store["a/0"] = b"1"
    (tmp_path / "empty").mkdir()
    rename(store, "a", "empty")  # an empty directory is replaced
    assert store["empty/0"] == b"1"
    rename(store, "empty", "x/y/z")
    assert (tmp_path / "x" / "y" / "z" / "0").read_bytes() == b"1"


def test_directory_failed_write_keeps_old_value(tmp_path):
    resource = pytest.importorskip("resource")
    signal = pytest.importorskip("signal")
    if not hasattr(signal, "SIGXFSZ"):
        pytest.skip("no SIGXFSZ")
    store = DirectoryStore(tmp_path)
    store["a/k"] = b"old"
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # Files may not grow past 64 KiB: the first write() stops there, the next one fails.
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 16, limits[1]))
    try:
        with pytest.raises(OSError):
            store["a/k"] = b"n" * (1 << 20)
        with pytest.raises(OSError):
            setitems(store, {"a/k": np.ones(1 << 18, dtype="f8")})
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert store["a/k"] == b"old"
    assert os.listdir(tmp_path / "a") == ["k"]
    assert tmp_files(tmp_path) == []


def test_directory_readers_never_see_partial_values(tmp_path):
    store = DirectoryStore(tmp_path)
    size = 4 << 20
    values = [b"a" * size, b"b" * size]
    store["big"] = values[0]
    done = threading.Event()
    errors: list[str] = []

    def write():
        try:
            for i in range(40):
                store["big"] = values[i % 2]
        finally:
            done.set()

    def read():
        reads = 0
        while not done.is_set() or reads < 5:
            value = store["big"]
            reads += 1
            if value not in values:
                errors.append(f"read {len(value)} bytes, starting {value[:1]!r}")
                return

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert tmp_files(tmp_path) == []


def test_concurrent_getitems_setitems(zstore):
    n = 200
    errors: list[BaseException] = []

    def work(tid: int) -> None:
        try:
            for round_ in range(3):
                batch = {f"t{tid}/{i // 10}.{i % 10}": bytes([tid, round_]) * 100 for i in range(n)}
                zstore.setitems(batch)
                got = zstore.getitems(list(batch) + [f"t{tid}/missing"])
                assert got == batch
                listdir(zstore, f"t{tid}")
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(tid,)) for tid in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert len(zstore) == 2 * n
    assert getsize(zstore) == 2 * n * 200


# ---------------------------------------------------------------- normalize_store


def test_normalize_store(tmp_path):
    assert isinstance(normalize_store(None), MemoryStore)
    for path in [str(tmp_path), tmp_path, pathlib.PurePath(tmp_path)]:
        store = normalize_store(path)
        assert isinstance(store, DirectoryStore) and store.path == str(tmp_path)
    assert normalize_store(tmp_path, mode="r").readonly
    mapping: dict[str, bytes] = {}
    adapted = normalize_store(mapping)  # any other mapping: through its one adapter
    assert isinstance(adapted, StoreAdapter) and adapted.mapping is mapping
    assert normalize_store(mapping) is adapted
    memory = MemoryStore()
    assert normalize_store(memory) is memory
    # the store is chosen by the path's form
    assert type(normalize_store(str(tmp_path / "a.zip"))).__name__ == "ZipStore"
    assert type(normalize_store("memory://normalize/x")).__name__ == "FSStore"
    assert type(normalize_store(f"file://{tmp_path}/b")).__name__ == "FSStore"
    with pytest.raises(ValueError, match="storage_options apply to URLs"):
        normalize_store(tmp_path, storage_options={"anon": True})
    with pytest.raises(TypeError, match="int"):
        normalize_store(42)
    with pytest.raises(TypeError, match="tuple"):
        normalize_store((1, 2))
    with pytest.raises(ValueError, match="invalid mode"):
        normalize_store(None, mode="q")


def test_directory_getitems_into_reads_into_a_reused_buffer(tmp_path):
    import numpy as np

    store = DirectoryStore(tmp_path)
    values = {"a": b"x" * 10, "g/b": bytes(range(256)) * 5000, "e": b""}
    store.update(values)
    (tmp_path / "d").mkdir()
    keys = ["a", "missing", "g/b", "d", "e", "g/missing"]
    small = np.empty(16, dtype=np.uint8)
    got, arena = store.getitems_into(keys, small)  # too small: a new arena is returned
    assert arena is not small and arena.nbytes >= sum(map(len, values.values()))
    assert {k: bytes(v) for k, v in got.items()} == values
    assert all(v.readonly for v in got.values())
    again, arena2 = store.getitems_into(keys, arena)  # big enough now: reused
    assert arena2 is arena and {k: bytes(v) for k, v in again.items()} == values
    assert store.getitems_into([], None)[0] == {}


def test_directory_getitems_into_reports_unreadable_files(tmp_path):
    store = DirectoryStore(tmp_path)
    store["f"] = b"data"
    # "f/x" has a file as its parent directory: a missing key, not an error
    got, _ = store.getitems_into(["f/x"], None)
    assert got == {}
    path = tmp_path / "locked"
    path.write_bytes(b"secret")
    path.chmod(0)
    try:
        if os.geteuid() != 0:  # root reads it whatever its permissions
            with pytest.raises(PermissionError, match="locked"):
                store.getitems_into(["locked"], None)
        else:
            got, _ = store.getitems_into(["locked"], None)
            assert bytes(got["locked"]) == b"secret"
    finally:
        path.chmod(0o600)


def test_directory_setitems_replaces_files_atomically(tmp_path):
    import threading

    store = DirectoryStore(tmp_path)
    versions = [bytes([i]) * (1 << 20) for i in range(4)]
    store.setitems({"k": versions[0], "other": b"x"})
    seen, stop = set(), threading.Event()

    def reader():
        while not stop.is_set():
            value = store["k"]  # must always be one whole version, never missing or torn
            assert value in versions
            seen.add(value[0])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(40):
            store.setitems({"k": versions[i % 4], "sub/dir/new": versions[i % 4][:10]})
    finally:
        stop.set()
        thread.join()
    assert store["k"] == versions[39 % 4] and store["sub/dir/new"] == versions[3][:10]
    assert sorted(store) == ["k", "other", "sub/dir/new"]  # no temporary files left behind
    assert len(seen) >= 1


def test_directory_setitems_rejects_a_key_under_a_value(tmp_path):
    store = DirectoryStore(tmp_path)
    store["a"] = b"1"
    with pytest.raises(ValueError, match="'a/b'"):
        store.setitems({"a/b": b"2"})
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"")
    with pytest.raises(ValueError, match="'d'"):
        store.setitems({"d": b"3"})
    assert sorted(store) == ["a", "d/f"]


def test_directory_repair_removes_only_what_dead_writers_left(tmp_path):
    store = DirectoryStore(tmp_path)
    store["a/0"] = b"x"
    dead = tmp_path / "a" / ".zl-999999999-3.partial"  # no such process
    live = tmp_path / "a" / f".zl-{os.getpid()}-4.partial"  # this process: may still write
    young = tmp_path / ".zl-999999998-5.partial"  # too recent to be sure
    for path in (dead, live, young):
        path.write_bytes(b"half")
    hour_ago = time.time() - 3600
    os.utime(dead, (hour_ago, hour_ago))
    os.utime(live, (hour_ago, hour_ago))  # old, but its writer lives
    assert store.repair(clean=False) == ["a/.zl-999999999-3.partial"]
    assert dead.exists()
    assert store.repair() == ["a/.zl-999999999-3.partial"]
    assert not dead.exists() and live.exists() and young.exists()
    assert store["a/0"] == b"x" and sorted(store) == ["a/0"]
    with pytest.raises(ReadOnlyError):
        DirectoryStore(tmp_path, mode="r").repair()


@pytest.mark.parametrize("batch", [False, True])
def test_directory_writers_remove_stale_temporary_files_where_they_write(tmp_path, batch):
    # A writer sweeps a directory the first time its process writes there: what dead writers
    # left (old enough, process gone) goes; what may still be written stays.
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
    dead = tmp_path / "a" / ".zl-999999999-3.partial"
    elsewhere = tmp_path / "b" / ".zl-999999999-4.partial"  # a directory nobody writes to
    live = tmp_path / "a" / f".zl-{os.getpid()}-5.partial"
    young = tmp_path / "a" / ".zl-999999998-6.partial"
    for path in (dead, elsewhere, live, young):
        path.write_bytes(b"half")
    hour_ago = time.time() - 3600
    for path in (dead, elsewhere, live):
        os.utime(path, (hour_ago, hour_ago))
    store = DirectoryStore(tmp_path)
    if batch:
        store.setitems({"a/0": b"x", "a/1": b"y"})
    else:
        store["a/0"] = b"x"
    assert not dead.exists()
    assert elsewhere.exists() and live.exists() and young.exists()
    assert sorted(store) == (["a/0", "a/1"] if batch else ["a/0"])


def test_write_files_new_replaced_nested_and_refused(tmp_path):
    """zl_write_files: new files (renamed in refusing to replace), existing ones (swapped),
    files in directories made on demand, names relative to the working directory; a
    directory in the way fails and leaves no temporary file."""
    from zarrlite import _ext

    d = tmp_path
    (d / "old").write_bytes(b"old bytes")
    (d / "dir").mkdir()
    names = ["new", "old", "a/b/c", "new2"]
    tmps = [os.fsencode(d / (n.rpartition("/")[0] + "/.t" + str(i) if "/" in n else f".t{i}"))
            for i, n in enumerate(names)]
    _ext.write_files(tmps, [os.fsencode(d / n) for n in names], [b"1", b"22", b"333", b""])
    assert [(d / n).read_bytes() for n in names] == [b"1", b"22", b"333", b""]
    with pytest.raises(IsADirectoryError):
        _ext.write_files([os.fsencode(d / ".t9")], [os.fsencode(d / "dir")], [b"x"])
    assert sorted(p.name for p in d.iterdir()) == ["a", "dir", "new", "new2", "old"]
    cwd = os.getcwd()
    try:
        os.chdir(d)
        _ext.write_files([b".t10"], [b"here"], [b"cwd"])
    finally:
        os.chdir(cwd)
    assert (d / "here").read_bytes() == b"cwd"


WRITE_ONLY_DIR = """\
import os, sys
import numpy as np
import zarrlite as zl
path = sys.argv[1]
if os.getuid() == 0:
    os.setgid(65534); os.setuid(65534)
z = zl.open_array(path, mode="r+")
z[...] = 5
print("wrote")
"""


def test_chunks_are_written_into_a_directory_without_read_permission(tmp_path):
    """Writing a chunk needs write and search permission on its directory, as a plain
    create + rename does, not read permission (the writer opens the directory O_PATH)."""
    import shutil
    import subprocess
    import sys
    import tempfile

    import zarrlite as zl

    # (root runs the writer as 'nobody': its parent folders must be searchable by others,
    # which pytest's tmp_path is not)
    base = pathlib.Path(tempfile.mkdtemp(prefix="zl-write-only-"))
    base.chmod(0o755)
    path = base / "a.zarr"
    zl.create((4, 4), chunks=(2, 2), dtype="i4", store=str(path))
    if os.getuid() == 0:
        os.chown(path, 65534, 65534)
        os.chown(path / ".zarray", 65534, 65534)
    os.chmod(path, 0o300)  # write and search only
    try:
        proc = subprocess.run([sys.executable, "-c", WRITE_ONLY_DIR, str(path)],
                              capture_output=True, text=True, cwd="/", timeout=60)  # fmt: skip
        assert proc.stdout == "wrote\n", proc.stderr
        os.chmod(path, 0o755)
        assert (zl.open_array(str(path), mode="r")[...] == 5).all()
    finally:
        os.chmod(path, 0o755)
        shutil.rmtree(base)
