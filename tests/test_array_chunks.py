"""zarrlite.Array and its chunks: fill values, which chunks a read or write touches,
empty chunks not stored, and corrupt chunks or metadata raising clean errors."""


import json
import re
from typing import Any

import numpy as np
import pytest
from helpers import STRINGS, STRUCT, assert_same, codec_id, sample, stored_chunk_keys

import zarrlite as zl
from zarrlite.codecs import BZ2, CRC32, LZ4, LZMA, Delta, Fletcher32, Zlib, Zstd

# ================================================================ fill values and chunk access

FILL_CASES = [
    (np.nan, "f8"),
    (np.inf, "f4"),
    (-np.inf, "f2"),
    (-0.0, "f8"),
    (0, "i4"),
    (-7, "i8"),
    (255, "u1"),
    (True, "bool"),
    (1 + 2j, "c16"),
    (None, "i4"),
    (None, "f8"),
    ("abc", "U5"),
    (b"ab", "S4"),
    ("NaT", "M8[ns]"),
    (np.datetime64("NaT"), "M8[D]"),
    (np.datetime64("2020-01-02"), "M8[D]"),
    (np.timedelta64(5, "s"), "m8[s]"),
    ((1, 2.5), STRUCT),
    (None, STRUCT),
    ("x", str),
    (None, str),
]


def expected_fill(fill_value: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    if dtype.hasobject:
        out = np.empty(shape, dtype=object)
        out[...] = fill_value
        return out
    if fill_value is None:
        return np.zeros(shape, dtype)
    return np.full(shape, fill_value, dtype)


@pytest.mark.parametrize("fill_value, dtype", FILL_CASES, ids=[repr(c) for c in FILL_CASES])
def test_missing_chunks_read_as_fill_value(store, fill_value, dtype):
    z = zl.full((5, 7), fill_value, chunks=(2, 3), dtype=dtype, store=store)
    np_dtype = z.dtype
    if fill_value is None or np_dtype.hasobject:
        assert z.fill_value == fill_value
    else:
        as_bytes = np.array(z.fill_value, np_dtype).tobytes()
        assert as_bytes == np.array(fill_value, np_dtype).tobytes()
    fill_value = z.fill_value
    assert_same(z[...], expected_fill(fill_value, np_dtype, (5, 7)))
    assert_same(z[1:4:2, ::-3], expected_fill(fill_value, np_dtype, (2, 3)))
    reopened = zl.open_array(store, mode="r")
    assert reopened.meta == z.meta
    assert_same(reopened[4, 6], expected_fill(fill_value, np_dtype, ())[()])
    if np_dtype.hasobject and fill_value is None:
        return  # vlen-utf8 cannot store None: written chunks hold "" (as in numcodecs)
    # a partial write leaves the rest of the chunk at the fill value
    fill = expected_fill(fill_value, np_dtype, ())
    value = (
        "v"
        if np_dtype.hasobject
        else next(v for v in sample(np_dtype, (8,), seed=2) if v.tobytes() != fill.tobytes())
    )
    z[1, 1] = value
    expected = expected_fill(fill_value, np_dtype, (5, 7))
    expected[1, 1] = value
    assert_same(z[...], expected)
    assert stored_chunk_keys(store) == {"0.0"}


def test_unwritten_region_of_huge_array_reads_only_its_chunk_keys(counting):
    z = zl.zeros((10**8, 10**8), chunks=(10**4, 10**4), dtype="f4", store=counting)
    assert set(counting.inner) == {".zarray"}
    counting.reset()
    assert_same(z[5:7, -3:], np.zeros((2, 3), "f4"))
    assert counting.chunk_reads() == {"0.9999"}  # looked up once, found missing
    assert_same(z[10**8 - 1, 12345], np.float32(0))
    assert counting.chunk_reads() == {"0.9999", "9999.1"}
    assert_same(z[10**7 : 10**7, :], np.zeros((0, 10**8), "f4"))  # empty: no key at all
    assert_same(z[:: 10**7, 5], np.zeros(10, "f4"))
    assert len(counting.chunk_reads()) == 12
    assert counting.calls["listdir"] == 0
    assert not counting.writes and not counting.deletes


def test_empty_selection_touches_no_chunk(counting):
    z = zl.zeros((10, 10), chunks=(3, 3), store=counting)
    counting.reset()
    assert z[3:3, :].shape == (0, 10)
    z[:, 7:2] = 5
    assert not counting.reads and not counting.writes and not counting.deletes


@pytest.mark.parametrize(
    "fill_value, dtype", [(0, "i4"), (np.nan, "f8"), (-1.5, "f4"), ("", str), ((1, 2.5), STRUCT)]
)
def test_chunks_equal_to_fill_value_are_not_stored(store, fill_value, dtype):
    z = zl.full((6, 6), fill_value, chunks=(3, 3), dtype=dtype, store=store)
    fill = z.fill_value
    z[...] = fill
    assert z.nchunks_initialized == 0
    assert stored_chunk_keys(store) == set()
    other = "v" if z.dtype.hasobject else sample(z.dtype, (), seed=1)[()]
    z[0:4, 0:4] = other  # touches all four chunks
    assert stored_chunk_keys(store) == {"0.0", "0.1", "1.0", "1.1"}
    z[0:3, 0:3] = fill  # complete overwrite with the fill value: deleted
    assert stored_chunk_keys(store) == {"0.1", "1.0", "1.1"}
    z[3, 0:3] = fill  # partial write that leaves only fill values: deleted
    z[0:3, 3] = fill
    assert stored_chunk_keys(store) == {"1.1"}
    expected = expected_fill(fill, z.dtype, (6, 6))
    expected[3, 3] = other
    assert_same(z[...], expected)


def test_write_empty_chunks_stores_them(store):
    z = zl.zeros((6, 6), chunks=(3, 3), dtype="i4", store=store, write_empty_chunks=True)
    assert z.write_empty_chunks
    z[...] = 0
    assert stored_chunk_keys(store) == {"0.0", "0.1", "1.0", "1.1"}
    reopened = zl.open_array(store, mode="r+", write_empty_chunks=True)
    reopened[0:3, 0:3] = 5
    reopened[0:3, 0:3] = 0
    assert stored_chunk_keys(store) == {"0.0", "0.1", "1.0", "1.1"}
    assert_same(reopened[...], np.zeros((6, 6), "i4"))


def test_fill_value_none_chunks_are_always_stored():
    z = zl.empty((4,), chunks=(2,), dtype="i4")
    z[...] = 0
    assert z.nchunks_initialized == 2


def test_partial_write_reads_the_chunk_once_complete_write_does_not(counting):
    z = zl.zeros((10, 10), chunks=(5, 5), dtype="i4", store=counting)
    z[...] = 1
    with zl.config.set(threads=1):
        counting.reset()
        z[0:5, 0:5] = 2  # complete chunk: never read
        assert counting.chunk_reads() == set()
        assert counting.chunk_writes() == {"0.0"}
        counting.reset()
        z[0, 0] = 3  # partial chunk: read once, written once
        assert dict(counting.reads) == {"0.0": 1}
        assert dict(counting.writes) == {"0.0": 1}
        counting.reset()
        z[2:10, 0:10] = 4  # 0.0 and 0.1 partial, 1.0 and 1.1 complete; one batch each way
        assert dict(counting.reads) == {"0.0": 1, "0.1": 1}
        assert counting.chunk_writes() == {"0.0", "0.1", "1.0", "1.1"}
        assert counting.calls["getitems"] == 1 and counting.calls["setitems"] == 1
        assert counting.calls["getitem"] == 0 and counting.calls["setitem"] == 0
    expected = np.full((10, 10), 4, "i4")
    expected[:2, :5] = 2
    expected[:2, 5:] = 1
    expected[0, 0] = 3
    assert_same(z[...], expected)


def test_edge_chunk_write_of_all_in_bounds_items_does_not_read(counting):
    z = zl.zeros((7, 7), chunks=(3, 3), dtype="i4", store=counting)
    z[...] = 1
    counting.reset()
    z[6:, 6:] = 2
    assert counting.chunk_reads() == set()
    assert counting.chunk_writes() == {"2.2"}
    assert z[6, 6] == 2 and z[5, 5] == 1


def test_read_fetches_each_chunk_once_in_one_batch(counting):
    a = sample("i4", (10, 10))
    z = zl.array(a, chunks=(3, 3), store=counting)
    with zl.config.set(threads=1):
        counting.reset()
        assert_same(z[1:8, ::-4], a[1:8, ::-4])
    # columns 9, 5, 1: chunk column 2 is not needed and not read
    assert dict(counting.reads) == {f"{i}.{j}": 1 for i in range(3) for j in (0, 1, 3)}
    assert counting.calls["getitems"] == 1 and counting.calls["getitem"] == 0


# ================================================================ corrupt data


@pytest.fixture(
    params=[
        "default",
        Zstd(),
        LZ4(),
        Zlib(),
        BZ2(),
        LZMA(),
        None,
        ("filters", [Delta("i4"), CRC32()]),
        ("filters", [Fletcher32()]),
    ],
    ids=codec_id,
)
def damaged(request, store):
    """An array whose chunk '0.0' the test may damage, and its numpy twin."""
    param = request.param
    kwargs = (
        {"filters": param[1], "compressor": "default"}
        if isinstance(param, tuple)
        else {"compressor": param}
    )
    a = sample("i4", (10, 10))
    z = zl.array(a, chunks=(5, 5), store=store, path="arr", **kwargs)
    return z, a


def assert_chunk_error(z: zl.Array, key: str = "arr/0.0") -> None:
    for action in (
        lambda: z[...],
        lambda: z[1:3, ::-2],
        lambda: z[0, 0],
        lambda: z.__setitem__((0, 0), 1),
    ):
        with pytest.raises(zl.CodecError, match=re.escape(key + "'")) as info:
            action()
        assert isinstance(info.value, RuntimeError)
    assert_same(z[5:, :], sample("i4", (10, 10))[5:, :])  # other chunks are still readable


def test_garbage_chunk_raises_codec_error(damaged):
    z, _ = damaged
    z.store["arr/0.0"] = b"garbage!" * 9
    assert_chunk_error(z)


def test_truncated_chunk_raises_codec_error(damaged):
    z, _ = damaged
    good = z.store["arr/0.0"]
    for n in sorted({0, 1, len(good) // 2, len(good) - 4, len(good) - 1}):
        z.store["arr/0.0"] = good[:n]
        assert_chunk_error(z)


def test_chunk_of_wrong_size_raises_codec_error(damaged):
    z, _ = damaged
    other = zl.array(
        np.arange(30, dtype="i4"), chunks=30, compressor=z.compressor, filters=z.filters
    )
    z.store["arr/0.0"] = other.store["0"]
    assert_chunk_error(z)


def test_corrupt_object_chunk_raises_codec_error():
    z = zl.array(STRINGS, dtype=str, chunks=(2, 2), compressor=None)
    z.store["0.0"] = b"\xff" * 7
    with pytest.raises(zl.CodecError, match="'0.0'"):
        z[...]


def test_failed_write_leaves_other_chunks_alone():
    z = zl.array(np.arange(20, dtype="i4"), chunks=5)
    z.store["1"] = b"junk"
    with pytest.raises(zl.CodecError, match="'1'"):
        z[3:7] = 0
    assert z.store["1"] == b"junk"
    assert_same(z[10:], np.arange(10, 20, dtype="i4"))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: b"{not json", "invalid JSON"),
        (lambda m: b"[1, 2]", "JSON object"),
        *[
            (lambda m, k=k: {x: v for x, v in m.items() if x != k}, f"missing.*'{k}'")
            for k in (
                "zarr_format",
                "shape",
                "chunks",
                "dtype",
                "compressor",
                "fill_value",
                "order",
                "filters",
            )
        ],
        (lambda m: {**m, "dtype": "<x9"}, "dtype"),
        (lambda m: {**m, "dtype": 5}, "dtype"),
        (lambda m: {**m, "shape": [-1, 4]}, "shape"),
        (lambda m: {**m, "chunks": [0, 2]}, "chunks"),
        (lambda m: {**m, "chunks": [2]}, "chunks"),
        (lambda m: {**m, "order": "Z"}, "order"),
        (lambda m: {**m, "fill_value": "abc"}, "fill_value"),
        (lambda m: {**m, "zarr_format": 3}, "zarr_format"),
    ],
)
def test_corrupt_zarray_raises_value_error_naming_the_key(store, change, message):
    zl.zeros((4, 4), chunks=(2, 2), store=store, path="a/b")
    meta = json.loads(store["a/b/.zarray"])
    raw = change(meta)
    store["a/b/.zarray"] = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    for opener in (
        lambda: zl.open_array(store, path="a/b", mode="r"),
        lambda: zl.open(store, path="a/b", mode="r"),
        lambda: zl.open_group(store, mode="r")["a/b"],
    ):
        with pytest.raises(ValueError, match=f"a/b/.zarray.*{message}"):
            opener()


def test_unknown_codec_raises_value_error():
    z = zl.zeros((4, 4), chunks=(2, 2), store={})
    meta = json.loads(z.store[".zarray"])
    z.store[".zarray"] = json.dumps({**meta, "compressor": {"id": "no-such-codec"}}).encode()
    with pytest.raises(ValueError, match="no-such-codec"):
        zl.open_array(z.store, mode="r")[...]


@pytest.mark.parametrize("cname", ["lz4", "zstd"])
def test_columns_of_row_block_chunks_decode_one_block_at_a_time(cname):
    """Blosc blocks of whole rows: a column or strided band decodes block by block into
    the start of the scratch (the last block may be short), with the same values."""
    a = np.random.default_rng(8).random((1030, 300)).astype("f4")
    z = zl.array(a, chunks=(1000, 300), compressor=zl.Blosc(cname=cname, blocksize=4800))
    for sel in (np.s_[:, 7], np.s_[::-3, 100:105], np.s_[998:1003, :], np.s_[5:990:7, -1]):
        np.testing.assert_array_equal(z[sel], a[sel])


def test_small_reads_stay_on_the_calling_thread_and_big_ones_use_the_pool(monkeypatch):
    """A read that decodes little (a window, a thin band) runs on the calling thread: waking
    the workers costs more than it saves; a read of many chunks, or through whole chunks (a
    column crosses every Blosc block of its chunks), hands batches to the worker threads."""
    from zarrlite import config

    submitted = []
    pool = config.thread_pool

    class CountingPool:
        def __init__(self, inner):
            self.inner = inner

        def submit(self, fn, *args):
            submitted.append(fn)
            return self.inner.submit(fn, *args)

    monkeypatch.setattr(config, "thread_pool", lambda: CountingPool(pool()))
    data = np.arange(1024 * 1024, dtype="f4").reshape(1024, 1024)
    with zl.config.set(threads=2):
        z = zl.array(data, chunks=(128, 128), store=zl.MemoryStore())
        for selection in (np.s_[10:20, 30:300], np.s_[100:140, 100:140], np.s_[5, :]):
            submitted.clear()
            np.testing.assert_array_equal(z[selection], data[selection])
            assert not submitted, selection
        np.testing.assert_array_equal(z[...], data)
        assert submitted
        big = zl.array(np.ones((8192, 512), "f4"), chunks=(4096, 256), store=zl.MemoryStore())
        submitted.clear()
        assert big[:, 3].sum() == 8192  # 2 chunks, each decoded through
        assert submitted
