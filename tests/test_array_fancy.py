"""Fancy selections on real arrays: oindex, vindex, masks, blocks and z[...] with one array
index, for get and set, with numpy as the oracle and a counting store for chunk accesses."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CountingStore
from helpers import numpy_orthogonal as _ix
from helpers import ortho_selections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zarrlite as zl

SHAPES_CHUNKS = [
    ((13,), (4,)),
    ((9, 11), (4, 3)),
    ((5, 6, 7), (2, 4, 3)),
    ((3, 4, 5, 6), (2, 3, 2, 4)),
]


def _array(shape, chunks, order="C", dtype="f8", store=None, compressor="default"):
    a = (np.arange(int(np.prod(shape))) * 3 % 101).astype(dtype).reshape(shape)
    z = zl.array(a, chunks=chunks, order=order, store=store, compressor=compressor)
    return z, a


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(("shape", "chunks"), SHAPES_CHUNKS)
@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_oindex_get_and_set_match_numpy(shape, chunks, order, data):
    z, a = _array(shape, chunks, order)
    sel = data.draw(ortho_selections(shape))
    expected = _ix(a, sel)
    np.testing.assert_array_equal(z.oindex[sel], expected)
    value = np.arange(expected.size, dtype="f8").reshape(expected.shape) + 1000
    z.oindex[sel] = value
    b = a.copy()
    axes = [np.arange(n)[s] if isinstance(s, slice) else
            (np.nonzero(s)[0] if isinstance(s, np.ndarray) and s.dtype == bool
             else np.atleast_1d(np.arange(n)[s])) for n, s in zip(shape, sel)]
    b[np.ix_(*axes)] = value.reshape([len(x) for x in axes])
    np.testing.assert_array_equal(z[...], b)


@pytest.mark.parametrize(("shape", "chunks"), SHAPES_CHUNKS)
@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_vindex_points_get_and_set_match_numpy(shape, chunks, data):
    z, a = _array(shape, chunks)
    npts = data.draw(st.integers(0, 12))
    coords = tuple(
        np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=npts, max_size=npts)),
                 dtype=int)
        for n in shape
    )
    np.testing.assert_array_equal(z.vindex[coords], a[coords])
    value = np.arange(npts, dtype="f8") - 50
    z.vindex[coords] = value
    a[coords] = value  # numpy: the last of repeated points wins; so must we
    np.testing.assert_array_equal(z[...], a)


@pytest.mark.parametrize(("shape", "chunks"), SHAPES_CHUNKS)
@given(data=st.data())
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_masks_get_and_set_match_numpy(shape, chunks, data):
    z, a = _array(shape, chunks, order=data.draw(st.sampled_from("CF")))
    seed = data.draw(st.integers(0, 1000))
    mask = np.random.default_rng(seed).random(shape) < 0.3
    np.testing.assert_array_equal(z.vindex[mask], a[mask])
    np.testing.assert_array_equal(z.get_mask_selection(mask), a[mask])
    np.testing.assert_array_equal(z[mask], a[mask])
    z[mask] = -1.0
    a[mask] = -1.0
    np.testing.assert_array_equal(z[...], a)
    z.set_mask_selection(~mask, np.arange((~mask).sum()))
    a[~mask] = np.arange((~mask).sum())
    np.testing.assert_array_equal(z[...], a)


@pytest.mark.parametrize(
    "sel",
    [
        np.s_[[3, 0, 0, -1]],
        np.s_[[True, False] * 4 + [True]],
        np.s_[2:7, [5, 1, 1]],
        np.s_[[4, 2], ::-1],
        np.s_[-1, [0, 3, 7]],
        np.s_[..., [1, -2]],
        np.s_[:, np.array([False, True, True, False, True, False, False, True, True, False])],
    ],
)
def test_getitem_with_one_array_index_matches_numpy(sel):
    z, a = _array((9, 10), (4, 3))
    np.testing.assert_array_equal(z[sel], a[sel])
    value = np.asarray(a[sel]) * -1 - 1
    z[sel] = value
    a[sel] = value
    np.testing.assert_array_equal(z[...], a)


def test_getitem_puts_separated_array_dimensions_first_as_numpy_does():
    z, a = _array((5, 6, 7), (2, 4, 3))
    for sel in [np.s_[0, :, [1, 2]], np.s_[[1, 0], :, 3], np.s_[:, 0, ..., [6, 1]]]:
        np.testing.assert_array_equal(z[sel], a[sel])
        assert z[sel].shape == a[sel].shape
        value = np.arange(a[sel].size).reshape(a[sel].shape)
        z[sel] = value
        a[sel] = value
        np.testing.assert_array_equal(z[...], a)


def test_blocks_get_and_set():
    z, a = _array((10, 7), (4, 3))
    np.testing.assert_array_equal(z.blocks[1, 2], a[4:8, 6:7])
    np.testing.assert_array_equal(z.blocks[-1], a[8:10])
    np.testing.assert_array_equal(z.get_block_selection((slice(0, 2), 0)), a[0:8, 0:3])
    z.blocks[0, 1:] = 7
    a[0:4, 3:] = 7
    np.testing.assert_array_equal(z[...], a)
    with pytest.raises(IndexError):
        z.blocks[3, 0]


@pytest.mark.parametrize("dtype", ["i2", ">i4", "f4", "bool", "S5", "M8[s]", "c16"])
def test_fancy_selections_for_dtypes(dtype):
    z, a = _array((9, 8), (4, 3), dtype=dtype)
    rows, cols = np.array([8, 0, 3, 3]), np.array([7, 0, 2, 5])
    np.testing.assert_array_equal(z.oindex[rows, cols], a[np.ix_(rows, cols)])
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    z.vindex[rows, cols] = a[0, 0]
    a[rows, cols] = a[0, 0]
    np.testing.assert_array_equal(z[...], a)


def test_fancy_selections_on_object_arrays():
    a = np.array(["a", "bb", "", "dddd", "e", "ff"] * 3, dtype=object).reshape(3, 6)
    z = zl.array(a, chunks=(2, 4), dtype=str)
    np.testing.assert_array_equal(z.oindex[[2, 0], [5, 1]], a[np.ix_([2, 0], [5, 1])])
    np.testing.assert_array_equal(z.vindex[[2, 0], [5, 1]], a[[2, 0], [5, 1]])
    z.vindex[[1, 1], [0, 3]] = ["x", "y"]
    a[[1, 1], [0, 3]] = ["x", "y"]
    np.testing.assert_array_equal(z[...], a)


def test_missing_chunks_read_as_fill_value_in_fancy_selections():
    z = zl.full((20, 20), fill_value=-7.5, chunks=(5, 5), dtype="f8")
    z[0:5, 0:5] = 1
    np.testing.assert_array_equal(z.vindex[[0, 19, 4], [0, 19, 3]], [1, -7.5, 1])
    np.testing.assert_array_equal(z.oindex[[0, 10], [1, 12]], [[1, -7.5], [-7.5, -7.5]])


def test_points_fetch_each_touched_chunk_once():
    store = CountingStore()
    z = zl.zeros((1000, 1000), chunks=(100, 100), dtype="f4", store=store)  # 100 chunks
    z[...] = np.random.default_rng(0).random((1000, 1000), dtype="f4")
    rng = np.random.default_rng(1)
    rows, cols = rng.integers(0, 1000, 10_000), rng.integers(0, 1000, 10_000)
    expected_chunks = {f"{r}.{c}" for r, c in zip(rows // 100, cols // 100)}
    for threads in (1, 2):
        with zl.config.set(threads=threads):
            store.reset()
            z.vindex[rows, cols]
            assert store.chunk_reads() == expected_chunks
            assert all(n == 1 for n in store.reads.values())
            assert store.calls["getitem"] == 0  # fetched in batches only


def test_fancy_writes_do_one_read_modify_write_per_chunk():
    store = CountingStore()
    z = zl.zeros((100, 100), chunks=(10, 10), dtype="i4", store=store)
    z[...] = 1
    store.reset()
    rows = np.array([5, 5, 15, 95, 95, 6])
    cols = np.array([5, 6, 15, 95, 0, 7])
    z.vindex[rows, cols] = 9
    touched = {"0.0", "1.1", "9.9", "9.0"}
    assert store.chunk_reads() == touched and store.chunk_writes() == touched
    assert all(n == 1 for n in store.reads.values())
    assert all(n == 1 for n in store.writes.values())
    store.reset()
    z.oindex[0:10, [1, 2]] = 3  # partial chunk 0.0 only
    assert store.chunk_reads() == {"0.0"} and store.chunk_writes() == {"0.0"}
    store.reset()
    z.oindex[np.arange(10, 20), np.arange(20, 30)] = 4  # chunk 1.2 wholly overwritten
    assert store.chunk_reads() == set() and store.chunk_writes() == {"1.2"}


@pytest.mark.parametrize(
    ("accessor", "sel", "error"),
    [
        ("oindex", ([0, 10], 0), IndexError),  # out of bounds
        ("oindex", (np.array([1.5]), 0), IndexError),  # float array
        ("oindex", (np.array([True, False]), 0), IndexError),  # bool of the wrong length
        ("vindex", ([0, 1], [0, 1, 2]), IndexError),  # shapes do not broadcast
        ("vindex", ([0, 1],), IndexError),  # one array for a 2-d array
        ("vindex", ([0, -11], [0, 1]), IndexError),  # out of bounds
    ],
)
def test_bad_fancy_selections_raise_before_io(accessor, sel, error):
    store = CountingStore()
    z = zl.zeros((10, 7), chunks=(3, 4), dtype="i4", store=store)
    store.reset()
    with pytest.raises(error):
        getattr(z, accessor)[sel]
    with pytest.raises(error):
        getattr(z, accessor)[sel] = 1
    assert not store.reads and not store.writes


def test_fancy_value_of_the_wrong_shape_raises():
    z = zl.zeros((10, 7), chunks=(3, 4), dtype="i4")
    with pytest.raises(ValueError, match="broadcast"):
        z.vindex[[0, 1], [0, 1]] = [1, 2, 3]
    with pytest.raises(ValueError, match="broadcast"):
        z.oindex[[0, 1], [0, 1]] = np.ones((3, 2))


def test_read_only_arrays_refuse_fancy_writes(tmp_path):
    zl.zeros((4, 4), chunks=(2, 2), store=str(tmp_path))
    z = zl.open_array(str(tmp_path), mode="r")
    with pytest.raises(PermissionError):
        z.vindex[[0], [0]] = 1
    with pytest.raises(PermissionError):
        z.oindex[[0], :] = 1
    with pytest.raises(PermissionError):
        z.blocks[0, 0] = 1


# Few points out of chunks of many Blosc blocks: only the blocks holding them are decoded.
_BLOCKY = zl.Blosc(cname="zstd", clevel=1, shuffle=zl.Blosc.SHUFFLE, blocksize=4096)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", ["f8", "i2", [("a", "i4"), ("b", "S300")]])
@given(data=st.data())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_sparse_fancy_reads_of_multi_block_chunks(order, dtype, data):
    shape, chunks = (70, 90), (64, 64)
    dt = np.dtype(dtype)
    a = np.zeros(shape, dtype=dt)
    flat = np.arange(a.size).reshape(shape)
    if dt.names:
        a["a"], a["b"] = flat, flat.astype("S300")
    else:
        a[...] = flat % 1000
    z = zl.array(a, chunks=chunks, order=order, compressor=_BLOCKY)
    n = data.draw(st.integers(1, 6))
    rows = np.array(data.draw(st.lists(st.integers(0, 69), min_size=n, max_size=n)))
    cols = np.array(data.draw(st.lists(st.integers(0, 89), min_size=n, max_size=n)))
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    np.testing.assert_array_equal(z.oindex[rows, cols], a[np.ix_(rows, cols)])


def test_stats_count_decodes_and_partial_decodes():
    a = np.arange(256 * 256, dtype="f8").reshape(256, 256)
    z = zl.array(a, chunks=(128, 128), compressor=_BLOCKY)  # 32 blocks of 4 KiB per chunk
    z.vindex[[0, 200], [0, 200]]  # one point in each of two chunks: their blocks only
    assert z.stats == {"chunks_decoded": 2, "partial_decodes": 2, "blocks_decoded": 0,
                       "ranged_reads": 0, "chunk_cache_hits": 0, "chunk_cache_misses": 0}
    z.vindex[np.arange(128), np.arange(128)]  # 128 points, all 32 blocks: whole chunk
    assert z.stats == {"chunks_decoded": 3, "partial_decodes": 2, "blocks_decoded": 0,
                       "ranged_reads": 0, "chunk_cache_hits": 0, "chunk_cache_misses": 0}
    z[...]
    assert z.stats["chunks_decoded"] == 7


@pytest.mark.parametrize("compressor", [zl.Blosc(), zl.Zstd(), None])
def test_tiny_batch_parts_give_the_same_results(monkeypatch, tmp_path, compressor):
    from zarrlite.chunkio import engine

    monkeypatch.setattr(engine, "PART_NBYTES", 1)  # one chunk per part of a batch
    a = np.arange(23 * 17, dtype="i4").reshape(23, 17)
    z = zl.array(a, chunks=(5, 4), store=str(tmp_path), compressor=compressor)
    np.testing.assert_array_equal(z[::-1, 3:], a[::-1, 3:])
    z[2:19, ::2] = -a[2:19, ::2]
    a[2:19, ::2] = -a[2:19, ::2]
    rows, cols = np.array([22, 0, 7, 7]), np.array([16, 0, 3, 3])
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    z.oindex[[1, 20], [0, 16]] = 5
    a[np.ix_([1, 20], [0, 16])] = 5
    np.testing.assert_array_equal(z[...], a)


def test_partial_decode_switch_gives_identical_results():
    a = np.random.default_rng(3).random((256, 200))
    z = zl.array(a, chunks=(128, 128), compressor=_BLOCKY)
    rows, cols = np.array([0, 3, 250]), np.array([1, 199, 7])
    sels = [np.s_[5:9, :], np.s_[::-7, 3], np.s_[100:130, 120:140]]
    with zl.config.set(partial_decode=True):
        on = [z[s] for s in sels] + [z.vindex[rows, cols], z.oindex[rows, cols]]
        assert z.stats["partial_decodes"] > 0
    before = z.stats["partial_decodes"]
    with zl.config.set(partial_decode=False):
        off = [z[s] for s in sels] + [z.vindex[rows, cols], z.oindex[rows, cols]]
        assert z.stats["partial_decodes"] == before
    for x, y in zip(on, off):
        assert x.tobytes() == y.tobytes()
    with pytest.raises(ValueError):
        zl.config.set(partial_decode="yes")


def test_integer_arrays_for_every_dimension_select_points_as_numpy():
    a = np.arange(3 * 60).reshape(3, 5, 12)
    z = zl.array(a, chunks=(2, 2, 5))
    for sel in (([0, 2], [1, 4], [3, 11]), ([[0], [2]], [0, 4], 7), (-1, [0, -1], [2, 3]),
                (np.array([1, 1, 0]), np.array([4, 4, 0]), np.array([11, 0, 5]))):
        np.testing.assert_array_equal(z[sel], a[sel])
    b = a.copy()
    z[[0, 2], [1, 4], [3, 11]] = -1
    b[[0, 2], [1, 4], [3, 11]] = -1
    np.testing.assert_array_equal(z[...], b)
    with pytest.raises(IndexError, match="mixed with slices"):
        z[[0, 1], :, [2, 3]]


# ---------------------------------------------------------------- points gathered block by block
@pytest.mark.parametrize("order", ["C", "F"])
def test_points_of_multi_block_chunks_come_block_by_block(order):
    a = np.arange(200 * 150, dtype="f8").reshape(200, 150) * 0.5
    z = zl.array(a, chunks=(128, 128), order=order, compressor=_BLOCKY)  # 4 KiB blocks
    rng = np.random.default_rng(5)
    rows, cols = rng.integers(0, 200, 300), rng.integers(0, 150, 300)
    rows[:3], cols[:3] = 199, 149  # the last item of an edge chunk, repeated
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    np.testing.assert_array_equal(z.vindex[rows[:, None], cols[:, None]],
                                  a[rows[:, None], cols[:, None]])


def test_gather_points_checks_offsets_scratch_and_corrupt_chunks():
    from zarrlite import _ext
    from zarrlite.errors import CodecError

    a = np.arange(16384, dtype="i4")
    cdata = bytes(zl.array(a, chunks=(16384,), compressor=_BLOCKY).store["0"])
    out = np.zeros(3, "i4")
    src, dst = np.array([0, 4 * 1000, 4 * 16383]), np.array([0, 4, 8])
    assert _ext.gather_points(cdata, False, src, out, dst, 4, np.empty(8, np.uint8)) == -4096
    assert _ext.gather_points(cdata, False, src, out, dst, 4, np.empty(4096, np.uint8)) == (2, 16)
    assert out.tolist() == [0, 1000, 16383]
    with pytest.raises(ValueError):  # an item past the chunk
        _ext.gather_points(cdata, False, np.array([4 * 16384]), out, dst[:1], 4,
                           np.empty(4096, np.uint8))
    with pytest.raises(ValueError):  # a destination past the output
        _ext.gather_points(cdata, False, src[:1], out, np.array([12]), 4, np.empty(4096, np.uint8))
    broken = bytearray(cdata)
    broken[16 + 4 * 3 : 16 + 4 * 4] = (len(cdata) - 2).to_bytes(4, "little")  # block 3's start
    with pytest.raises(CodecError):
        _ext.gather_points(bytes(broken), False, np.array([4 * 3 * 1024]), out, dst[:1], 4,
                           np.empty(4096, np.uint8))
    with pytest.raises(CodecError):  # truncated
        _ext.gather_points(cdata[:40], False, src, out, dst, 4, np.empty(4096, np.uint8))


def test_points_of_a_chunk_whose_blosc_typesize_does_not_divide_it():
    """A valid Blosc chunk (written by another tool) whose stored typesize (8) does not
    divide the chunk's 400,004 bytes: points in its last, short block read as numpy's (the
    block-by-block gather counts in the stored typesize, so such chunks go the masked way)."""
    import blosc2

    n = 100001
    a = np.arange(n, dtype="f4")
    z = zl.array(a, chunks=(n,), store=zl.MemoryStore(),
                 compressor=zl.Blosc(cname="lz4", blocksize=65536))  # fmt: skip
    z.store["0"] = blosc2.compress2(a.tobytes(), typesize=8, blocksize=65536, clevel=5,
                                    filters=[blosc2.Filter.SHUFFLE], codec=blosc2.Codec.LZ4)
    idx = np.array([5, 70000, n - 1, n - 2])
    np.testing.assert_array_equal(z.vindex[idx], a[idx])
    np.testing.assert_array_equal(z[...], a)
