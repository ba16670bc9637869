"""LRUStoreCache: bounded by bytes, least recently used out first, counts hits and misses,
never serves a value older than a write made through it, safe under threads."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest
from conftest import CountingStore

import zarrlite as zl
from zarrlite.errors import ReadOnlyError
from zarrlite.stores import DirectoryStore, MemoryStore
from zarrlite.stores.cache import LRUStoreCache, parse_nbytes


def test_repeated_reads_are_answered_from_memory():
    inner = CountingStore(MemoryStore({"a": b"1" * 10, "b": b"2" * 10}))
    cache = LRUStoreCache(inner, max_size=100)
    assert [cache["a"], cache["a"], cache["b"], cache["a"]] == [b"1" * 10] * 2 + [b"2" * 10,
                                                                                   b"1" * 10]
    assert (cache.hits, cache.misses) == (2, 2)
    assert inner.reads == {"a": 1, "b": 1}
    assert cache.getitems(["a", "b", "missing"]) == {"a": b"1" * 10, "b": b"2" * 10}
    assert cache.hits == 4 and inner.reads["missing"] == 1


def test_bounded_by_bytes_least_recently_used_first():
    inner = CountingStore(MemoryStore({k: bytes(40) for k in "abcd"}))
    cache = LRUStoreCache(inner, max_size=100)  # two values fit
    cache["a"], cache["b"], cache["a"], cache["c"]  # b is the least recently used
    inner.reset()
    cache["a"], cache["c"]
    assert inner.reads == {}
    cache["b"]
    assert inner.reads == {"b": 1}
    big = LRUStoreCache(MemoryStore({"big": bytes(1000)}), max_size=100)
    big["big"], big["big"]
    assert big.misses == 2  # larger than the bound: passed through, never kept


def test_writes_through_the_cache_are_seen_at_once():
    cache = LRUStoreCache(MemoryStore(), max_size="1MiB")
    cache["k"] = b"old"
    assert cache["k"] == b"old"
    cache["k"] = b"new"
    assert cache["k"] == b"new"
    cache.setitems({"k": b"newer", "d/x": b"1"})
    assert cache["k"] == b"newer" and cache.listdir("d") == ["x"]
    del cache["k"]
    assert "k" not in cache
    with pytest.raises(KeyError):
        cache["k"]
    cache.rmdir("d")
    assert cache.listdir("") == [] and "d/x" not in cache


def test_an_array_over_the_cache():
    inner = CountingStore(MemoryStore())
    cache = LRUStoreCache(inner, max_size="16MiB")
    z = zl.open_array(cache, mode="w", shape=(100, 100), chunks=(50, 50), dtype="f8")
    data = np.random.default_rng(0).standard_normal((100, 100))
    z[:] = data
    inner.reset()
    np.testing.assert_array_equal(z[:], data)
    np.testing.assert_array_equal(z[:], data)
    assert inner.chunk_reads() == {"0.0", "0.1", "1.0", "1.1"}
    assert all(n == 1 for n in inner.reads.values())
    z[0, 0] = -1
    assert zl.open_array(cache, mode="r")[0, 0] == -1


def test_others_changes_are_seen_after_invalidate(tmp_path):
    inner = DirectoryStore(tmp_path / "s")
    cache = LRUStoreCache(inner, max_size=None)
    inner["k"] = b"1"
    assert cache["k"] == b"1" and cache.listdir() == ["k"]
    inner["k"] = b"2"
    inner["j"] = b"3"
    assert cache["k"] == b"1" and cache.listdir() == ["k"]  # kept: not seen yet
    cache.invalidate()
    assert cache["k"] == b"2" and cache.listdir() == ["j", "k"]


def test_partial_reads_use_kept_values_and_do_not_fill_the_cache():
    inner = CountingStore(MemoryStore({"v": bytes(range(100))}))
    cache = LRUStoreCache(inner, max_size=1000)
    assert cache.get_partial_values([("v", 10, 3)]) == [bytes([10, 11, 12])]
    assert cache._nbytes == 0
    cache["v"]
    inner.reset()
    assert cache.get_partial_values([("v", -2, None)]) == [bytes([98, 99])]
    assert inner.reads == {}


def test_read_only_store_refuses_writes_through_the_cache():
    cache = LRUStoreCache(MemoryStore({"k": b"1"}, mode="r"), max_size=10)
    assert cache.readonly
    with pytest.raises(ReadOnlyError):
        cache["k"] = b"2"


def test_threads_never_see_a_value_older_than_their_own_write():
    cache = LRUStoreCache(MemoryStore(), max_size=10_000)
    errors = []

    def writer(i):
        key = f"k{i % 4}"
        for n in range(300):
            value = f"{i}:{n}".encode()
            cache[key] = value
            got = cache[key]
            if got.split(b":")[0] == str(i).encode() and got != value:
                errors.append((key, value, got))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cache._nbytes == sum(len(v) for v in cache._values.values()) <= 10_000


def test_sizes_and_pickling(tmp_path):
    assert parse_nbytes("256MiB") == 256 << 20 and parse_nbytes("1.5 kB") == 1500
    assert parse_nbytes(None) is None
    for bad in ["lots", "-1", "3 parsecs"]:
        with pytest.raises(ValueError, match="cannot read|negative"):
            parse_nbytes(bad)
    with pytest.raises(TypeError):
        parse_nbytes(1.5)  # type: ignore[arg-type]
    cache = LRUStoreCache(DirectoryStore(tmp_path / "s"), max_size="1MiB")
    cache["k"] = b"v"
    again = pickle.loads(pickle.dumps(cache))
    assert again["k"] == b"v" and again.max_size == 1 << 20 and again.hits == 0
