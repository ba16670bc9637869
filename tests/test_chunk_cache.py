"""The decoded-chunk cache (zarrlite.chunkio.chunkcache, zarrlite.chunkio.cached): hits and
misses counted exactly, the store read once per chunk, invalidation by writes, deletes,
resizes and overwrites through any array of the process, the byte budget, threads."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.stores import DirectoryStore


class CountingDirectoryStore(DirectoryStore):
    """A directory store counting the chunk values (keys not starting with '.') it reads,
    by every route the engine may take."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.chunk_reads = 0

    def _count(self, keys):
        self.chunk_reads += sum(1 for k in keys if not k.rsplit("/", 1)[-1].startswith("."))

    def __getitem__(self, key):
        self._count([key])
        return super().__getitem__(key)

    def getitems(self, keys):
        keys = list(keys)
        self._count(keys)
        return super().getitems(keys)

    def getitems_into(self, keys, arena=None):
        keys = list(keys)
        self._count(keys)
        return super().getitems_into(keys, arena)

    def get_partial_values(self, key_ranges):
        key_ranges = list(key_ranges)
        self._count({k for k, _ in key_ranges})
        return super().get_partial_values(key_ranges)

    def read_ranges_into(self, key, ranges, out):
        self._count([key])
        return super().read_ranges_into(key, ranges, out)


def hits_misses(z):
    return z.stats["chunk_cache_hits"], z.stats["chunk_cache_misses"]


@pytest.fixture
def data():
    return np.random.default_rng(0).random((64, 48)).astype("f4")


@pytest.fixture
def arr(tmp_path, data):
    """A (64, 48) float32 array of (16, 16) chunks in a directory; chunk cache of 1 MiB."""
    z = zl.create(data.shape, chunks=(16, 16), dtype="f4", store=str(tmp_path / "a.zarr"))
    z[...] = data
    return zl.Array(CountingDirectoryStore(str(tmp_path / "a.zarr")), chunk_cache="1MiB")


def test_off_by_default(arr, data, tmp_path):
    assert zl.config.get("chunk_cache") == 0
    z = zl.open_array(str(tmp_path / "a.zarr"), mode="r")
    assert z.chunk_cache is None
    for _ in range(3):
        np.testing.assert_array_equal(z[1:5, 2:6], data[1:5, 2:6])
    assert hits_misses(z) == (0, 0)


def test_hits_and_misses_counted_exactly(arr, data):
    for _ in range(3):
        np.testing.assert_array_equal(arr[1:5, 2:6], data[1:5, 2:6])
    assert hits_misses(arr) == (2, 1)
    assert arr.store.chunk_reads == 1
    assert arr.stats["chunks_decoded"] == 1
    # two chunks, one of them cached
    np.testing.assert_array_equal(arr[3, 10:20], data[3, 10:20])
    assert hits_misses(arr) == (3, 2)
    assert arr.store.chunk_reads == 2
    # scalar reads of cached chunks read nothing
    for i in range(16):
        assert arr[i, i] == data[i, i]
    assert hits_misses(arr) == (19, 2)
    assert arr.store.chunk_reads == 2


def test_whole_chunks_are_not_kept(arr, data):
    for _ in range(2):
        np.testing.assert_array_equal(arr[16:32, 16:32], data[16:32, 16:32])
    assert hits_misses(arr) == (0, 2)
    assert arr.store.chunk_reads == 2
    # but served from the cache when a partial read put them there
    arr[17, 17]
    np.testing.assert_array_equal(arr[16:32, 16:32], data[16:32, 16:32])
    assert hits_misses(arr) == (1, 3)


def test_write_through_same_array_invalidates(arr, data):
    arr[1:3, 1:3]
    arr[2, 2] = -1.0
    data[2, 2] = -1.0
    np.testing.assert_array_equal(arr[1:3, 1:3], data[1:3, 1:3])
    assert hits_misses(arr) == (0, 2)


def test_write_through_another_array_invalidates(arr, data, tmp_path):
    # another store object over the same directory (stores of one type compare by place)
    other = zl.Array(CountingDirectoryStore(str(tmp_path / "a.zarr")))
    arr[0:4, 0:4]
    other[0:2, 0:2] = 7.0
    data[0:2, 0:2] = 7.0
    np.testing.assert_array_equal(arr[0:4, 0:4], data[0:4, 0:4])


def test_shared_cache_sees_writes_of_other_objects(tmp_path, data):
    path = str(tmp_path / "b.zarr")
    zl.create(data.shape, chunks=(16, 16), dtype="f4", store=path)[...] = data
    with zl.config.set(chunk_cache="1MiB"):
        a = zl.open_array(path, mode="r")
        b = zl.open_array(path, mode="r+")
        a[0, 0], b[0, 1]
        assert hits_misses(a) == (0, 1) and hits_misses(b) == (1, 0)  # one cache
        b[0, 0] = 3.0
        assert a[0, 0] == 3.0


def test_delete_of_empty_chunk_invalidates(arr, data):
    arr[0:3, 0:3]
    arr[0:16, 0:16] = 0.0  # all fill value: the chunk is deleted
    assert "0.0" not in arr.store
    assert (arr[0:3, 0:3] == 0).all()


def test_resize_invalidates(arr, data):
    arr[40:44, 40:44]
    arr[60:62, 0:2]
    arr.resize(42, 42)
    arr.resize(64, 48)
    expected = np.zeros_like(data)
    expected[:42, :42] = data[:42, :42]
    np.testing.assert_array_equal(arr[40:44, 40:44], expected[40:44, 40:44])
    np.testing.assert_array_equal(arr[60:62, 0:2], expected[60:62, 0:2])


def test_overwrite_creation_invalidates(tmp_path, data):
    path = str(tmp_path / "c.zarr")
    zl.create(data.shape, chunks=(16, 16), dtype="f4", store=path)[...] = data
    with zl.config.set(chunk_cache="1MiB"):
        assert zl.open_array(path, mode="r")[1, 1] == data[1, 1]
        z = zl.open_array(path, mode="w", shape=data.shape, chunks=(16, 16), dtype="f4")
        assert z[1, 1] == 0


def test_group_delete_invalidates(tmp_path, data):
    with zl.config.set(chunk_cache="1MiB"):
        g = zl.open_group(str(tmp_path / "g.zarr"), mode="w")
        g.array("x", data, chunks=(16, 16))
        assert g["x"][1, 1] == data[1, 1]
        del g["x"]
        g.zeros("x", shape=data.shape, chunks=(16, 16), dtype="f4")
        assert g["x"][1, 1] == 0


def test_views_decoding_otherwise_miss(tmp_path, data):
    path = str(tmp_path / "v.zarr")
    zl.create(data.shape, chunks=(16, 16), dtype="f4", store=path)[...] = data
    with zl.config.set(chunk_cache="1MiB"):
        z = zl.open_array(path, mode="r")
        z[0:2, 0:2]
        view = z.view(dtype="u4")
        np.testing.assert_array_equal(view[0:2, 0:2], data[0:2, 0:2].view("u4"))
        assert hits_misses(view) == (0, 1)
        assert hits_misses(z.view()) == (0, 0)
        assert z.view()[0, 0] == data[0, 0]


def test_bytes_bound_holds(tmp_path, data):
    z = zl.create(data.shape, chunks=(16, 16), dtype="f4", store=str(tmp_path / "d.zarr"))
    z[...] = data
    chunk_nbytes = 16 * 16 * 4
    z = zl.open_array(str(tmp_path / "d.zarr"), chunk_cache=3 * chunk_nbytes + 100)
    cache = z._io.cache()
    for i in range(0, 64, 16):
        for j in range(0, 48, 16):
            assert z[i + 1, j + 1] == data[i + 1, j + 1]
            assert cache.nbytes <= cache.max_nbytes
            assert len(cache) <= 3
    assert len(cache) == 3
    # the three most recently used are kept
    for i, j in [(48, 0), (48, 16), (48, 32)]:
        z[i, j]
    assert hits_misses(z) == (3, 12)


def test_eviction_gives_used_entries_a_second_chance():
    from zarrlite.chunkio.chunkcache import ChunkCache

    cache = ChunkCache(3 * 8)
    chunks = {name: np.full(2, i, dtype="f4") for i, name in enumerate("abcd")}
    for name in "abc":
        cache.put((None, name), "t", chunks[name], cache.epoch((None, name)))
    assert cache.get((None, "a"), "t") is chunks["a"]  # used since it was put
    assert cache.get((None, "a"), "other decoding") is None
    cache.put((None, "d"), "t", chunks["d"], cache.epoch((None, "d")))
    kept = {k[1] for k in cache._entries}
    assert kept == {"a", "c", "d"}  # b, oldest and not used, went; a stayed
    assert cache.nbytes == 24
    assert not chunks["a"].flags.writeable  # entries are read-only


def test_per_array_override(tmp_path, data):
    path = str(tmp_path / "e.zarr")
    zl.create(data.shape, chunks=(16, 16), dtype="f4", store=path)[...] = data
    with zl.config.set(chunk_cache="1MiB"):
        off = zl.open_array(path, mode="r", chunk_cache=0)
        assert off.chunk_cache == 0
        off[1, 1], off[1, 1]
        assert hits_misses(off) == (0, 0)
    on = zl.open_array(path, mode="r", chunk_cache="64 KiB")
    assert on.chunk_cache == 65536
    on[1, 1], on[1, 2]
    assert hits_misses(on) == (1, 1)
    assert pickle.loads(pickle.dumps(on)).chunk_cache == 65536


@pytest.mark.parametrize("bad", ["lots", -1, 1.5, True, [1]])
def test_config_validation(bad, tmp_path):
    with pytest.raises(ValueError, match="chunk_cache must be a size in bytes"):
        zl.config.set(chunk_cache=bad)
    with pytest.raises(ValueError, match="chunk_cache must be a size in bytes"):
        zl.open_array(str(tmp_path / "never"), shape=4, chunk_cache=bad)
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("compressor", ["default", None])
def test_threads_read_and_write(tmp_path, compressor):
    shape, chunks = (96, 96), (32, 32)
    path = str(tmp_path / "t.zarr")
    z = zl.create(shape, chunks=chunks, dtype="i4", store=path, compressor=compressor)
    expected = np.zeros(shape, dtype="i4")
    reader = zl.open_array(path, chunk_cache="1MiB")
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        rng = np.random.default_rng(1)
        try:
            for k in range(150):
                i, j = rng.integers(0, 90, 2)
                z[i : i + 6, j : j + 6] = k
                expected[i : i + 6, j : j + 6] = k
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def read() -> None:
        rng = np.random.default_rng(2)
        try:
            while not done.is_set():
                i, j = rng.integers(0, 90, 2)
                reader[i : i + 5, j : j + 5]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(0, 96, 8):  # partial reads, through the cache the reader filled
        np.testing.assert_array_equal(reader[i : i + 8, :], expected[i : i + 8, :])
    assert reader.stats["chunk_cache_hits"] > 0


class WriteDuringReadStore(DirectoryStore):
    """A directory store that, once, lets a write happen after it has read a chunk and
    before the read decodes it: the read must not keep the old chunk."""

    def __init__(self, path: str, write) -> None:
        super().__init__(path)
        self.write = write

    def getitems_into(self, keys, arena=None):
        values, arena = super().getitems_into(keys, arena)
        values = {k: bytes(v) for k, v in values.items()}
        if self.write is not None:
            write, self.write = self.write, None
            write()
        return values, arena


def test_write_between_fetch_and_keep_is_not_kept(tmp_path, data):
    path = str(tmp_path / "r.zarr")
    zl.create(data.shape, chunks=(16, 16), dtype="f4", store=path)[...] = data
    writer = zl.Array(WriteDuringReadStore(path, None))  # same type: equal stores

    def write() -> None:
        writer[0:16, 0:16] = 5.0

    z = zl.Array(WriteDuringReadStore(path, write), chunk_cache="1MiB")
    assert z[1, 1] == data[1, 1]  # read before the write: the old value
    assert z[1, 1] == 5.0


def test_stores_that_may_alias_are_not_cached(tmp_path):
    """Two FSStores over one file:// URL do not compare equal: a write through one would
    not drop what the other's arrays keep, so their chunks are not cached (directory
    stores, which compare by path, are)."""
    url = (tmp_path / "x.zarr").as_uri()
    with zl.config.set(chunk_cache="64MiB"):
        x = zl.open_array(url, mode="w", shape=(100, 100), chunks=(50, 50), dtype="f4")
        x[...] = 1
        y = zl.open_array(url, mode="r")
        assert y[0:2, 0:2].tolist() == [[1, 1], [1, 1]]
        x[0:50, 0:50] = 7
        assert y[0:2, 0:2].tolist() == [[7, 7], [7, 7]]
        assert y.stats["chunk_cache_hits"] == 0
        d = zl.open_array(str(tmp_path / "x.zarr"), mode="r")
        d[0:2, 0:2], d[0:2, 0:2]
        assert d.stats["chunk_cache_hits"] == 1
