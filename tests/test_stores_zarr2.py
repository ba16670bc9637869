"""zarrlite over stores it did not write: zarr-python 2's store classes and users' mappings.

1. zarr-python 2 stores (DirectoryStore, NestedDirectoryStore, MemoryStore, KVStore,
   LRUStoreCache, ZipStore, SQLiteStore, FSStore). zarr 2 cannot share this environment
   (it needs numcodecs < 0.16), so each case runs one script in a venv of its own, made by
   ``zarr2_env`` and kept between runs. In the script zarrlite writes a group and arrays of
   many chunks with four worker threads, reads them back (slices, ``oindex``, ``vindex``),
   zarr 2 reads what zarrlite wrote and writes an array zarrlite reads, and both read
   everything again through a reopened store. zarr 2's stores take ``getitems(keys, *,
   contexts)``, and SQLiteStore shares one cursor between threads, so zarrlite must call
   their batch methods the zarr 2 way and call a store that is not thread-safe from one
   thread at a time.
2. Mappings in this environment: a ``dict``, a ``UserDict``, stores whose batch methods take
   other arguments or return a list (zarrlite must use ``store[key]`` instead), a store with
   zarr 2's ``getitems`` signature (zarrlite must use it), and a store that records whether
   two threads were ever inside it at once.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import UserDict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import numcodecs
import numpy as np
import pytest
from zarr2_env import Zarr2Env, Zarr2EnvError, get_zarr2_env

import zarrlite as zl

# ================================================================ 1. zarr-python 2 stores

ZARR2_STORES = [
    "DirectoryStore",
    "NestedDirectoryStore",
    "MemoryStore",
    "KVStore",
    "LRUStoreCache",
    "ZipStore",
    "SQLiteStore",
    "FSStore",
]

# Helpers shared by the scripts run under zarr 2. `step` names what failed, and the store.
_COMMON = r'''
import contextlib
import sys
import threading
import traceback
import warnings

import numpy as np
import zarr
import zarr.storage as zs

import zarrlite as zl

KIND, TMP = sys.argv[1], sys.argv[2]
warnings.filterwarnings("ignore", category=FutureWarning)  # zarr 2 deprecations
zl.config.set(threads=4)


FAILED = []


@contextlib.contextmanager
def step(what, fatal=True):
    """Name the step that failed; a failed check (fatal=False) is recorded and the script
    goes on, so that one run reports every check that fails."""
    try:
        yield
    except Exception as exc:
        message = f"[{KIND}] {what}: {type(exc).__name__}: {exc}"
        if fatal:
            raise AssertionError(message) from exc
        traceback.print_exc()
        FAILED.append(message)


def finish():
    """Exit 1 listing the failed checks, or print 'ok KIND'."""
    if FAILED:
        sys.exit("failed checks:\n" + "\n".join(FAILED))
    print("ok", KIND)


def same(got, want):
    got = np.asarray(got)
    if got.shape != want.shape:
        raise AssertionError(f"shape {got.shape}, numpy gives {want.shape}")
    wrong = np.count_nonzero(got != want)
    if wrong:
        zeros = np.count_nonzero((got == 0) & (want != 0))
        raise AssertionError(f"{wrong} of {want.size} items differ from numpy "
                             f"({zeros} read as 0, as from missing chunks)")


def selections(shape, seed):
    """Strided slices, an orthogonal selection and points, each touching many chunks."""
    rng = np.random.default_rng(seed)
    strided = tuple(slice(1, n - 1, 2) for n in shape)
    ortho = tuple(np.unique(rng.integers(0, n, size=max(2, n // 2))) for n in shape)
    points = tuple(rng.integers(0, n, size=50) for n in shape)
    return strided, ortho, points


def check_zarrlite_reads(label, z, want):
    strided, ortho, points = selections(want.shape, len(label))
    with step(f"zarrlite reads {label}[...]", fatal=False):
        same(z[...], want)
    with step(f"zarrlite reads {label}[strided slices]", fatal=False):
        same(z[strided], want[strided])
    with step(f"zarrlite reads {label}.oindex", fatal=False):
        same(z.oindex[ortho], want[np.ix_(*ortho)])
    with step(f"zarrlite reads {label}.vindex", fatal=False):
        same(z.vindex[points], want[points])


def check_zarr2_reads(label, store, path, want):
    _, ortho, _ = selections(want.shape, 0)
    with step(f"zarr 2 reads {label}", fatal=False):
        z = zarr.open_array(store, path=path, mode="r")
        same(z[...], want)
        same(z.oindex[ortho], want[np.ix_(*ortho)])
'''

_ROUNDTRIP = (
    _COMMON
    + r'''
SHARED = {}


def open_store(mode):
    """The zarr 2 store under test: mode 'w' for the first pass, 'r' to reopen it."""
    if KIND in ("MemoryStore", "KVStore"):  # in memory: "reopening" gives the same store
        if not SHARED:
            SHARED["store"] = zs.MemoryStore() if KIND == "MemoryStore" else zs.KVStore(dict())
        return SHARED["store"]
    if KIND == "DirectoryStore":
        return zs.DirectoryStore(TMP + "/data")
    if KIND == "NestedDirectoryStore":
        return zs.NestedDirectoryStore(TMP + "/data")
    if KIND == "LRUStoreCache":  # smaller than the data: values are evicted and read again
        return zs.LRUStoreCache(zs.DirectoryStore(TMP + "/data"), max_size=8192)
    if KIND == "ZipStore":
        return zs.ZipStore(TMP + "/data.zip", mode=mode)
    if KIND == "SQLiteStore":
        return zs.SQLiteStore(TMP + "/data.sqlite")
    if KIND == "FSStore":  # local files through fsspec
        return zs.FSStore(TMP + "/fsdata", mode=mode)
    raise ValueError(f"unknown store kind {KIND!r}")


rng = np.random.default_rng(42)
A = rng.integers(1, 1000, size=(60, 75), dtype="i4")  # 8 x 8 chunks, none all fill value
B = rng.standard_normal((16, 20, 12))  # 4 x 4 x 2 chunks, '/' separator
C = np.arange(50 * 60, dtype="u2").reshape(50, 60) + 1  # written by zarr 2: 8 x 7 chunks
# a zip archive adds entries but cannot replace or delete them: no overwrites there
OVERWRITES = KIND != "ZipStore"

# ------------------------------------------------ first pass: zarrlite writes, zarr 2 reads
store = open_store("w")
with step("zarrlite creates a group with attributes"):
    g = zl.group(store=store)
    g.attrs["written_by"] = "zarrlite"
with step("zarrlite writes array a (64 chunks)"):
    a = g.create_dataset("a", shape=A.shape, chunks=(8, 10), dtype="i4")
    a[...] = A
with step("zarrlite writes array b (zstd, '/' separator)"):
    b = g.create_dataset("b", shape=B.shape, chunks=(4, 5, 6), dtype="f8",
                         compressor=zl.Zstd(level=1), dimension_separator="/")
    b[...] = B
check_zarrlite_reads("a", a, A)
check_zarrlite_reads("b", b, B)
if OVERWRITES:
    with step("zarrlite overwrites parts of a (slices, oindex, vindex)"):
        A[5:37, 11:53] = -A[5:37, 11:53]
        a[5:37, 11:53] = A[5:37, 11:53]
        A[np.ix_([1, 9, 17], [2, 30, 74])] = 7
        a.oindex[[1, 9, 17], [2, 30, 74]] = 7
        A[[0, 59, 40], [0, 74, 3]] = -5
        a.vindex[[0, 59, 40], [0, 74, 3]] = -5
        A[8:16, 10:20] = 0  # chunk (1, 1) now holds only the fill value: deleted
        a[8:16, 10:20] = 0
    with step("zarrlite deleted chunk a/1.1, which holds only the fill value"):
        assert "a/1.1" not in store, sorted(k for k in store if k.startswith("a/"))
    check_zarrlite_reads("a after overwrites", a, A)
    check_zarrlite_reads("a reopened", zl.open_array(store, mode="r", path="a"), A)
with step("zarr 2 opens the group zarrlite wrote"):
    zg = zarr.open_group(store, mode="r")
    assert zg.attrs["written_by"] == "zarrlite", dict(zg.attrs)
    assert sorted(zg.array_keys()) == ["a", "b"], sorted(zg.array_keys())
check_zarr2_reads("a", store, "a", A)
check_zarr2_reads("b", store, "b", B)

# ------------------------------------------------ zarr 2 writes, zarrlite reads
with step("zarr 2 writes array z2"):
    z2 = zarr.open_array(store, mode="w-", path="z2", shape=C.shape, chunks=(7, 9), dtype="u2")
    z2[...] = C
    z2.attrs["written_by"] = "zarr 2"
with step("zarrlite opens z2, written by zarr 2"):
    z = zl.open(store, mode="r", path="z2")
    assert isinstance(z, zl.Array), type(z)
    assert z.attrs["written_by"] == "zarr 2", dict(z.attrs)
check_zarrlite_reads("z2", z, C)
if OVERWRITES:
    with step("zarrlite overwrites part of z2"):
        C[10:30, 5:50] = 7
        zl.open_array(store, mode="r+", path="z2")[10:30, 5:50] = 7
    check_zarr2_reads("z2 after zarrlite's overwrite", store, "z2", C)
with step("closing the store"):
    store.close()

# ------------------------------------------------ second pass: a reopened store, read only
store = open_store("r")
with step("zarrlite opens the reopened store's root group read-only"):
    g = zl.open(store, mode="r")
    assert isinstance(g, zl.Group), type(g)
    assert sorted(g) == ["a", "b", "z2"], sorted(g)
    assert g.attrs["written_by"] == "zarrlite", dict(g.attrs)
for name, want in (("a", A), ("b", B), ("z2", C)):
    check_zarrlite_reads(f"reopened {name}", g[name], want)
    check_zarr2_reads(f"reopened {name}", store, name, want)
store.close()
finish()
'''
)

# SQLiteStore shares one cursor: called from two threads at once it raises "Recursive use of
# cursors not allowed" or crashes the interpreter. zarrlite's workers and two user threads
# (each with its own Array over the same store) hammer it here.
_SQLITE_THREADS = (
    _COMMON
    + r'''
store = zs.SQLiteStore(TMP + "/threads.sqlite")
rng = np.random.default_rng(7)
A = rng.standard_normal((128, 128))
with step("zarrlite creates a 256-chunk array"):
    z = zl.create(A.shape, chunks=(8, 8), dtype="f8", store=store, path="s")
for i in range(4):
    with step(f"round {i}: zarrlite writes every chunk from its worker threads"):
        A += 1
        z[...] = A
    check_zarrlite_reads(f"round {i}: s", z, A)
    with step(f"round {i}: zarrlite overwrites parts of chunks (read, patch, write)"):
        A[i + 3 : i + 70, 5:101] = i
        z[i + 3 : i + 70, 5:101] = i
        same(z[...], A)

errors = []
barrier = threading.Barrier(2)


def user_thread(rows, seed):
    """Writes and reads its own half of the rows, with its own Array over the shared store."""
    try:
        mine = zl.open_array(store, mode="r+", path="s")
        local = np.random.default_rng(seed)
        barrier.wait()
        for i in range(4):
            values = local.standard_normal((rows.stop - rows.start, 128))
            mine[rows] = values
            A[rows] = values
            with step(f"user thread rows {rows}: round {i} reads its rows back"):
                same(mine[rows], values)
                same(mine.oindex[np.arange(rows.start, rows.stop, 3), ::5], values[::3, ::5])
    except BaseException as exc:
        errors.append(f"{rows}: {type(exc).__name__}: {exc}")


threads = [threading.Thread(target=user_thread, args=(slice(0, 64), 1)),
           threading.Thread(target=user_thread, args=(slice(64, 128), 2))]
for t in threads:
    t.start()
for t in threads:
    t.join()
with step("two user threads using the store at once"):
    assert not errors, errors
check_zarrlite_reads("s after the user threads", z, A)
check_zarr2_reads("s", store, "s", A)
store.close()
with step("zarr 2 reads s through a reopened SQLiteStore"):
    same(zarr.open_array(zs.SQLiteStore(TMP + "/threads.sqlite"), path="s", mode="r")[...], A)
finish()
'''
)


@pytest.fixture(scope="session")
def zarr2() -> Zarr2Env:
    """The zarr-python 2 venv; made on first use (about 10 s), then found in the cache."""
    try:
        return get_zarr2_env()
    except Zarr2EnvError as exc:
        problem = str(exc)
    # not a skip: these tests check a compatibility zarrlite claims
    pytest.fail(f"cannot run zarr-python 2 to test its stores:\n{problem}", pytrace=False)


@pytest.mark.parametrize("kind", ZARR2_STORES)
def test_zarr2_store_roundtrip(zarr2: Zarr2Env, kind: str, tmp_path: Any) -> None:
    proc = zarr2.run(_ROUNDTRIP, kind, str(tmp_path), cwd=tmp_path)
    assert proc.stdout.strip().endswith(f"ok {kind}"), proc.stdout


def test_zarr2_sqlite_store_from_many_threads(zarr2: Zarr2Env, tmp_path: Any) -> None:
    proc = zarr2.run(_SQLITE_THREADS, "SQLiteStore", str(tmp_path), cwd=tmp_path)
    assert proc.stdout.strip().endswith("ok SQLiteStore"), proc.stdout


_NESTED_RESIZE = r'''
import sys
import numpy as np
import zarr.storage as zs
import zarrlite as zl

kind, tmp = sys.argv[1], sys.argv[2]
store = (zs.NestedDirectoryStore(tmp) if kind == "NestedDirectoryStore"
         else zs.FSStore(tmp, key_separator="/"))
z = zl.zeros((40, 40), chunks=(10, 10), dtype="i4", store=store)
z[:] = 5
assert z.nchunks_initialized == 16, z.nchunks_initialized  # zarr 2 lists them flattened
z.resize(10, 10)
z.resize(40, 40)
assert z[30, 30] == 0 and int(z[...].sum()) == 5 * 100, z[...]  # no old data back
print("ok", kind)
'''


@pytest.mark.parametrize("kind", ["NestedDirectoryStore", "FSStore"])
def test_zarr2_nested_store_chunks_are_found(zarr2: Zarr2Env, kind: str, tmp_path: Any) -> None:
    proc = zarr2.run(_NESTED_RESIZE, kind, str(tmp_path / "a.zarr"), cwd=tmp_path)
    assert proc.stdout.strip().endswith(f"ok {kind}"), proc.stdout


_ZIP_OVERWRITE = r'''
import os, sys
import numpy as np
import zarr
import zarr.storage as zs
import zarrlite as zl

tmp = sys.argv[2]
store = zs.ZipStore(os.path.join(tmp, "a.zip"), mode="w")  # not erasable: no rmdir
z = zl.zeros((4, 4), chunks=(2, 2), dtype="i4", store=store, overwrite=True)
z[:] = 3
g = zl.group(zs.ZipStore(os.path.join(tmp, "g.zip"), mode="w"), overwrite=True)
g.zeros("x", shape=3)
store.close()
g.store.close()
assert zarr.open_array(zs.ZipStore(os.path.join(tmp, "a.zip"), mode="r"))[...].sum() == 48
print("ok ZipStore")
'''


def test_zarr2_zip_store_created_with_overwrite(zarr2: Zarr2Env, tmp_path: Any) -> None:
    proc = zarr2.run(_ZIP_OVERWRITE, "ZipStore", str(tmp_path), cwd=tmp_path)
    assert proc.stdout.strip().endswith("ok ZipStore"), proc.stdout


# ============================================================ 2. mappings in this environment

SHAPE = (60, 75)
CHUNKS = (8, 10)  # 8 x 8 chunks, partial at the edges


class MappingStore(MutableMapping[str, bytes]):
    """A dict-backed store with only the mapping protocol; subclasses add batch methods.

    Attributes
    ----------
    data : dict
        What the store holds, exactly as it was given.
    unwanted : list of str
        Names of methods that zarrlite must not call and did.
    """

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.unwanted: list[str] = []

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.data))

    def __len__(self) -> int:
        return len(self.data)


class ExtraPositionalBatch(MappingStore):
    """Batch methods that need a second positional argument zarrlite does not have."""

    def getitems(self, keys: Iterable[str], flag: Any) -> dict[str, bytes]:
        self.unwanted.append("getitems")
        return {key: b"not what was stored" for key in keys}

    def setitems(self, values: Mapping[str, Any], flag: Any) -> None:
        self.unwanted.append("setitems")

    def delitems(self, keys: Iterable[str], flag: Any) -> None:
        self.unwanted.append("delitems")


class KeywordOnlyBatch(MappingStore):
    """Batch methods with two positional arguments and a required keyword."""

    def getitems(self, a: Any, b: Any, *, c: Any) -> dict[str, bytes]:
        self.unwanted.append("getitems")
        return {}

    def setitems(self, a: Any, b: Any, *, c: Any) -> None:
        self.unwanted.append("setitems")

    def delitems(self, a: Any, b: Any, *, c: Any) -> None:
        self.unwanted.append("delitems")


class ListGetitems(MappingStore):
    """``getitems(keys)`` with zarrlite's signature, but returning a list of values."""

    def getitems(self, keys: Iterable[str]) -> list[bytes]:
        return [self.data[key] for key in keys if key in self.data]


class Zarr2StyleGetitems(MappingStore):
    """zarr-python 2's ``getitems(keys, *, contexts)``, which looks up each key's context."""

    def __init__(self) -> None:
        super().__init__()
        self.batch_reads = 0

    def getitems(self, keys: Iterable[str], *, contexts: Mapping[str, Any]) -> dict[str, Any]:
        keys = list(keys)
        self.batch_reads += 1
        for key in keys:
            contexts[key]  # zarr 2 stores may read a key's context (its meta_array)
        return {key: self.data[key] for key in keys if key in self.data}


class ConcurrencyProbe(MappingStore):
    """Records the most threads ever inside it at once, and which threads called it.

    Not declared thread-safe, so zarrlite must call it from one thread at a time. Each
    call sleeps briefly (releasing the GIL) so that overlapping calls would be seen.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0
        self.callers: set[str] = set()

    @contextlib.contextmanager
    def _call(self) -> Iterator[None]:
        with self._lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            self.callers.add(threading.current_thread().name)
        try:
            time.sleep(0.0002)
            yield
        finally:
            with self._lock:
                self.inside -= 1

    def __getitem__(self, key: str) -> Any:
        with self._call():
            return super().__getitem__(key)

    def __setitem__(self, key: str, value: Any) -> None:
        with self._call():
            super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        with self._call():
            super().__delitem__(key)

    def __contains__(self, key: object) -> bool:
        with self._call():
            return key in self.data

    def getitems(self, keys: Iterable[str]) -> dict[str, Any]:
        with self._call():
            return {key: self.data[key] for key in keys if key in self.data}

    def setitems(self, values: Mapping[str, Any]) -> None:
        with self._call():
            self.data.update(values)


def _sample() -> np.ndarray:
    return np.random.default_rng(3).integers(1, 1000, size=SHAPE, dtype="i4")


def _check_reads(z: Any, want: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(z[...], want)
    np.testing.assert_array_equal(z[3:57:2, 5:-3:3], want[3:57:2, 5:-3:3])
    rows, cols = (np.unique(rng.integers(0, n, size=n // 2)) for n in SHAPE)
    np.testing.assert_array_equal(z.oindex[rows, cols], want[np.ix_(rows, cols)])
    points = tuple(rng.integers(0, n, size=50) for n in SHAPE)
    np.testing.assert_array_equal(z.vindex[points], want[points])


def _write_and_read(store: MutableMapping[str, Any]) -> np.ndarray:
    """Write array "a" into `store` with zarrlite (whole, then slices, oindex, vindex and a
    chunk back to the fill value), reading it back after each stage; return its values."""
    want = _sample()
    with zl.config.set(threads=4):
        g = zl.group(store=store)
        a = g.create_dataset(
            "a", shape=SHAPE, chunks=CHUNKS, dtype="i4", compressor=zl.Zstd(level=1)
        )
        a[...] = want
        _check_reads(a, want)
        want[5:37, 11:53] *= -1
        a[5:37, 11:53] = want[5:37, 11:53]
        want[np.ix_([1, 9, 17], [2, 30, 74])] = 7
        a.oindex[[1, 9, 17], [2, 30, 74]] = 7
        want[[0, 59, 40], [0, 74, 3]] = -5
        a.vindex[[0, 59, 40], [0, 74, 3]] = -5
        want[8:16, 10:20] = 0  # chunk (1, 1) holds only the fill value: deleted
        a[8:16, 10:20] = 0
        _check_reads(a, want)
        _check_reads(zl.open(store, mode="r", path="a"), want)  # a fresh look at the store
    return want


def _assert_stored(store: Mapping[str, Any], path: str, want: np.ndarray) -> None:
    """The store holds exactly the chunks of `want` that are not all fill value (0), as
    bytes that numcodecs decodes into them: checked without zarrlite."""
    meta = json.loads(bytes(store[f"{path}/.zarray"]))
    assert tuple(meta["chunks"]) == CHUNKS
    codec = numcodecs.get_codec(meta["compressor"])
    expected_keys = set()
    for index in np.ndindex(*(-(-n // c) for n, c in zip(SHAPE, CHUNKS))):
        block = want[tuple(slice(i * c, (i + 1) * c) for i, c in zip(index, CHUNKS))]
        key = f"{path}/" + ".".join(map(str, index))
        if not block.any():
            continue
        expected_keys.add(key)
        value = store[key]
        assert type(value) is bytes, f"{key}: stored a {type(value).__name__}, not bytes"
        chunk = np.frombuffer(codec.decode(value), dtype=meta["dtype"]).reshape(CHUNKS)
        np.testing.assert_array_equal(chunk[tuple(slice(0, n) for n in block.shape)], block)
    stored = {k for k in store if k.startswith(f"{path}/") and not k.endswith(".zarray")}
    assert stored == expected_keys


class DuckStore:
    """Not a MutableMapping subclass, and only the four methods a store needs (no
    __contains__, __len__ or get): zarr-python 2 accepts such objects, and so must we."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.data))


MAPPINGS: dict[str, Callable[[], MutableMapping[str, Any]]] = {
    "dict": dict,
    "UserDict": UserDict,
    "getitems(keys, flag)": ExtraPositionalBatch,
    "getitems(a, b, *, c)": KeywordOnlyBatch,
    "getitems(keys) -> list": ListGetitems,
    "getitems(keys, *, contexts)": Zarr2StyleGetitems,
    "duck-typed": DuckStore,  # type: ignore[dict-item]
}


@pytest.mark.parametrize("make_store", MAPPINGS.values(), ids=MAPPINGS.keys())
def test_mapping_store(make_store: Callable[[], MutableMapping[str, Any]]) -> None:
    store = make_store()
    want = _write_and_read(store)
    _assert_stored(getattr(store, "data", store), "a", want)
    assert json.loads(bytes(store[".zgroup"])) == {"zarr_format": 2}
    assert getattr(store, "unwanted", []) == []  # batch methods it cannot call, left alone


def test_zarr2_style_getitems_is_used() -> None:
    store = Zarr2StyleGetitems()
    _write_and_read(store)
    assert store.batch_reads > 0  # zarr 2's batch read, called with contexts, not key by key


def test_store_not_threadsafe_called_from_one_thread_at_a_time() -> None:
    store = ConcurrencyProbe()
    want = _write_and_read(store)
    assert store.most_inside == 1
    _assert_stored(store.data, "a", want)
    # the premise: zarrlite's worker threads did call the store (else nothing was tested)
    assert any(name.startswith(zl.config.POOL_THREAD_PREFIX) for name in store.callers)


def test_store_not_threadsafe_two_user_threads() -> None:
    store = ConcurrencyProbe()
    want = _sample()
    with zl.config.set(threads=4):
        zl.create(SHAPE, chunks=CHUNKS, dtype="i4", store=store, path="a")
    errors: list[str] = []
    barrier = threading.Barrier(2)

    def user_thread(rows: slice) -> None:
        try:
            mine = zl.open_array(store, mode="r+", path="a")  # its own Array, same store
            barrier.wait()
            for i in range(3):
                mine[rows] = want[rows] + i
                np.testing.assert_array_equal(mine[rows], want[rows] + i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(f"rows {rows}: {type(exc).__name__}: {exc}")

    with zl.config.set(threads=4):
        threads = [
            threading.Thread(target=user_thread, args=(rows,))
            for rows in (slice(0, 32), slice(32, 60))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert store.most_inside == 1
    np.testing.assert_array_equal(zl.open_array(store, mode="r", path="a")[...], want + 2)


def test_read_only_mapping_is_a_read_only_store() -> None:
    import types

    data: dict[str, Any] = {}
    zl.array(np.arange(12, dtype="i4").reshape(3, 4), chunks=(2, 2), store=data)
    frozen = types.MappingProxyType(data)  # a Mapping, not a MutableMapping
    z = zl.open(frozen, mode="r")
    np.testing.assert_array_equal(z[...], np.arange(12).reshape(3, 4))
    z = zl.open_array(frozen, mode="a")  # opens, but writes are refused before any change
    with pytest.raises(zl.ReadOnlyError, match="mappingproxy store is read-only"):
        z[0, 0] = 5


def test_read_only_error_does_not_print_the_store() -> None:
    class Frozen(dict):  # a store that says it is read-only, holding a big value
        read_only = True

    store = Frozen({"big": b"x" * 100_000})
    with pytest.raises(zl.ReadOnlyError) as info:
        zl.zeros(3, store=store)
    assert len(str(info.value)) < 200 and "Frozen" in str(info.value)


def test_own_base_store_without_ranged_reads_reads_chunks_once() -> None:
    from zarrlite.stores import BaseStore

    class Plain(BaseStore):  # a user's store: the five mapping methods, nothing declared
        def __init__(self) -> None:
            self.data: dict[str, bytes] = {}
            self.nbytes_read = 0

        def __getitem__(self, key: str) -> bytes:
            value = self.data[key]
            self.nbytes_read += len(value)
            return value

        def __setitem__(self, key: str, value: Any) -> None:
            self.data[key] = bytes(value)

        def __delitem__(self, key: str) -> None:
            del self.data[key]

        def __iter__(self) -> Iterator[str]:
            return iter(list(self.data))

        def __len__(self) -> int:
            return len(self.data)

    store = Plain()
    a = np.random.default_rng(1).normal(size=(1024, 1024)).astype("f4")
    z = zl.array(a, chunks=a.shape, store=store)
    chunk_nbytes = len(store.data["0.0"])
    store.nbytes_read = 0
    np.testing.assert_array_equal(z[10:20, 30:40], a[10:20, 30:40])
    assert store.nbytes_read == chunk_nbytes  # one whole read, no ranged tries through it
