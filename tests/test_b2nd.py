"""The two-level codec zarrlite.b2nd: round trips, config, python-blosc2 and zarr-python
reading what we write, corrupt frames."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import blosc2
import numpy as np
import pytest
from conftest import ByteCountingStore
from helpers import check_config, numpy_orthogonal, ortho_selections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zarrlite as zl
from zarrlite.chunkio import byteranges
from zarrlite.codecs.b2nd import B2ND, choose_blocks


@pytest.mark.parametrize("dtype", ["u1", "<i2", ">i4", "<f4", ">f8", "c16", "bool", "M8[ms]",
                                   "S7", [("a", "<i4"), ("b", "S300")]])
@pytest.mark.parametrize("order", ["C", "F"])
def test_arrays_round_trip(dtype, order):
    shape, chunks = (37, 29, 5), (16, 8, 5)
    dt = np.dtype(dtype)
    raw = np.random.default_rng(1).integers(0, 255, size=int(np.prod(shape)) * dt.itemsize)
    a = raw.astype("u1").view(dt).reshape(shape)
    if dt.kind == "f" or dt.kind == "c":
        a = np.nan_to_num(a)
    z = zl.array(a, chunks=chunks, order=order, compressor=B2ND(blocks=(5, 3, 2)))
    np.testing.assert_array_equal(z[...], a)
    np.testing.assert_array_equal(z[3:30:4, ::-3, 1], a[3:30:4, ::-3, 1])
    z[1:20, 5] = a[0, 0, 0]
    a[1:20, 5] = a[0, 0, 0]
    np.testing.assert_array_equal(z[...], a)


@pytest.mark.parametrize("cname", ["blosclz", "lz4", "lz4hc", "zlib", "zstd"])
@pytest.mark.parametrize("shuffle", [0, 1, 2])
def test_codec_round_trip_and_config(cname, shuffle):
    codec = B2ND(cname=cname, clevel=3, shuffle=shuffle)
    a = np.linspace(0, 1, 50 * 70).reshape(50, 70)
    out = np.empty_like(a)
    codec.decode(codec.encode(a), out=out)
    np.testing.assert_array_equal(out, a)
    assert np.frombuffer(codec.decode(codec.encode(a)), "f8").tolist() == a.ravel().tolist()
    check_config(codec)
    assert codec.get_config() == {"id": "zarrlite.b2nd", "cname": cname, "clevel": 3,
                                  "shuffle": shuffle, "blocks": None}


def test_chunks_open_in_python_blosc2_with_the_chosen_blocks():
    a = np.arange(512 * 384, dtype="f8").reshape(512, 384)
    z = zl.array(a, chunks=(256, 384), compressor=B2ND())
    b = blosc2.ndarray_from_cframe(z.store["1.0"])
    assert b.shape == b.chunks == (256, 384)
    assert b.blocks == choose_blocks((256, 384), 8)
    assert int(np.prod(b.blocks)) * 8 <= 256 * 1024
    np.testing.assert_array_equal(b[:], a[256:])


def test_block_choice_is_about_a_quarter_mebibyte():
    assert choose_blocks((4096, 4096), 4) == (256, 256)
    assert choose_blocks((10, 10), 8) == (10, 10)
    assert choose_blocks((1, 1, 10**6), 1) == (1, 1, 250000)


def test_bad_arguments_and_corrupt_frames():
    with pytest.raises(ValueError, match="cname"):
        B2ND(cname="snappy")
    with pytest.raises(ValueError, match="blocks"):
        B2ND(blocks=(0, 4))
    with pytest.raises(ValueError, match="do not match"):
        B2ND(blocks=(4,)).encode(np.zeros((8, 8)))
    frame = B2ND().encode(np.arange(1000.0))
    for bad in (frame[:50], frame[: len(frame) // 2], b"\x00" * 200, b""):
        with pytest.raises(zl.CodecError):
            B2ND().decode(bad)
    with pytest.raises(ValueError, match="bytes"):
        B2ND().decode(frame, out=np.empty(999))


def test_zarr_python_reads_zarrlite_b2nd_arrays(tmp_path):
    # numcodecs finds the codec through zarrlite's entry point: run where only the installed
    # package (with its metadata) is on the path, as a user's program would.
    a = np.arange(60 * 50, dtype="<i4").reshape(60, 50)
    zl.array(a, chunks=(32, 16), compressor=B2ND(blocks=(8, 8)), store=str(tmp_path / "a"))
    meta = json.loads((tmp_path / "a" / ".zarray").read_text())
    assert meta["compressor"]["id"] == "zarrlite.b2nd"
    np.save(tmp_path / "expected.npy", a)
    code = (
        "import sys, numpy as np, zarr\n"
        "z = zarr.open_array(sys.argv[1], mode='r', zarr_format=2)\n"
        "assert np.array_equal(z[...], np.load(sys.argv[2]))\n"
        "assert np.array_equal(z[5:40, 3], np.load(sys.argv[2])[5:40, 3])\n"
    )
    site = str(Path(zl.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": site}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "a"),
                    str(tmp_path / "expected.npy")], check=True, cwd=tmp_path, env=env)


#: Uneven edge chunks, blocks that do not divide the chunks, 1 to 4 dimensions.
GEOMETRIES = [((23,), (10,), (3,)), ((19, 23), (8, 10), (3, 4)),
              ((9, 10, 11), (4, 5, 6), (2, 2, 5)), ((5, 6, 7, 4), (3, 4, 5, 3), (2, 3, 2, 2))]


@pytest.mark.parametrize(("shape", "chunks", "blocks"), GEOMETRIES)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", ["<f8", ">i2"])
@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_block_level_reads_match_numpy(shape, chunks, blocks, order, dtype, data):
    a = (np.arange(int(np.prod(shape))) % 977).astype(dtype).reshape(shape)
    z = zl.array(a, chunks=chunks, order=order, compressor=B2ND(blocks=blocks))
    sel = []
    for n in shape:
        if data.draw(st.booleans()):
            sel.append(data.draw(st.integers(-n, n - 1)))
        else:
            step = data.draw(st.sampled_from([None, 1, 2, 5, -1, -3]))
            sel.append(slice(data.draw(st.none() | st.integers(-n - 1, n + 1)),
                             data.draw(st.none() | st.integers(-n - 1, n + 1)), step))
    sel = tuple(sel)
    np.testing.assert_array_equal(z[sel], a[sel])
    with zl.config.set(partial_decode=False):
        assert np.asarray(z[sel]).tobytes() == np.asarray(a[sel]).tobytes()


def test_a_window_inside_one_block_decodes_exactly_one_block():
    a = np.random.default_rng(2).random((512, 512)).astype("f4")
    z = zl.array(a, chunks=(512, 512), compressor=B2ND(blocks=(64, 64)))
    np.testing.assert_array_equal(z[70:120, 130:190], a[70:120, 130:190])
    assert z.stats["blocks_decoded"] == 1 and z.stats["chunks_decoded"] == 1
    z[60:70, 0:512]  # a band across blocks 0..7 of block row 0 and 1
    assert z.stats["blocks_decoded"] == 1 + 16
    z[::64, 5]  # one item in each block of block column 0
    assert z.stats["blocks_decoded"] == 1 + 16 + 8
    with zl.config.set(partial_decode=False):
        z[0, 0]
    assert z.stats["blocks_decoded"] == 25 and z.stats["chunks_decoded"] == 4


def test_frames_with_unexpected_item_size_raise():
    z = zl.zeros((16, 16), chunks=(8, 8), dtype="f8", compressor=B2ND())
    z.store["0.0"] = B2ND().encode(np.ones((8, 8), dtype="f4"))  # a frame of 4-byte items
    with pytest.raises(zl.CodecError, match="0.0"):
        z[0:4, 0:4]


def test_small_window_of_a_big_chunk_reads_under_2_percent_of_its_bytes(tmp_path):
    y, x = np.mgrid[0:4096, 0:4096].astype("f4")
    a = (np.sin(x / 50) * np.cos(y / 70) * 100).astype("f4")
    a += np.random.default_rng(0).normal(0, 1, a.shape).astype("f4")
    for store in (ByteCountingStore(), zl.DirectoryStore(tmp_path)):
        z = zl.array(a, chunks=(4096, 4096), compressor=B2ND(cname="lz4"), store=store)
        stored = len(store["0.0"])
        if isinstance(store, ByteCountingStore):
            store.bytes_read = 0
        window = np.s_[1000:1064, 2000:2064]
        np.testing.assert_array_equal(z[window], a[window])
        # 1000:1064 x 2000:2064 straddles 2 x 2 of the 256 x 256 blocks
        assert z.stats["ranged_reads"] == 1 and z.stats["blocks_decoded"] == 4
        if isinstance(store, ByteCountingStore):
            assert store.bytes_read < 0.02 * stored, (store.bytes_read, stored)
        np.testing.assert_array_equal(z[4000:, ::-7], a[4000:, ::-7])  # still exact
        z[0:3, 0:3] = -1  # a write in between: the next ranged read sees it
        np.testing.assert_array_equal(z[0:5, 0:5], np.where(
            (np.arange(5)[:, None] < 3) & (np.arange(5) < 3), -1, a[0:5, 0:5]))
    with zl.config.set(partial_decode=False):
        np.testing.assert_array_equal(z[window], a[window])


def test_ranged_reads_of_missing_chunks_give_the_fill_value():
    store = ByteCountingStore()
    z = zl.full((4096, 4096), 7.5, chunks=(2048, 2048), dtype="f4", store=store,
                compressor=B2ND())
    z[0:10, 0:10] = 1
    np.testing.assert_array_equal(z[3000:3010, 5:9], np.full((10, 4), 7.5, "f4"))
    np.testing.assert_array_equal(z[5:7, 5:7], np.ones((2, 2), "f4"))


def _fancy_selection(data, shape):
    """(kind, selection) for oindex, vindex (coordinates) or a mask."""
    kind = data.draw(st.sampled_from(["oindex", "vindex", "mask"]))
    if kind == "oindex":
        return kind, data.draw(ortho_selections(shape))
    if kind == "vindex":
        npts = data.draw(st.integers(0, 9))
        return kind, tuple(np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=npts,
                                                        max_size=npts)), dtype=int)
                           for n in shape)
    seed = data.draw(st.integers(0, 1000))
    return kind, np.random.default_rng(seed).random(shape) < data.draw(st.sampled_from([0.02,
                                                                                        0.5]))


def _numpy_fancy(a, kind, sel):
    return numpy_orthogonal(a, sel) if kind == "oindex" else a[sel]


@pytest.mark.parametrize(("shape", "chunks", "blocks"), GEOMETRIES)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", ["<f8", ">i2", ">c8", "S3"])
@pytest.mark.parametrize("by_ranges", [False, True])
@given(data=st.data())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fancy_reads_and_writes_of_two_level_chunks_match_numpy(shape, chunks, blocks, order,
                                                                 dtype, by_ranges, data):
    a = (np.arange(int(np.prod(shape))) % 977).astype(dtype).reshape(shape)
    z = zl.array(a, chunks=chunks, order=order, compressor=B2ND(blocks=blocks))
    kind, sel = _fancy_selection(data, shape)
    expected = _numpy_fancy(a, kind, sel)
    saved = byteranges.MIN_CHUNK_NBYTES, byteranges.HEAD_NBYTES, byteranges.TAIL_NBYTES
    if by_ranges:  # small chunks read by ranges too, with the trailer read separately
        byteranges.MIN_CHUNK_NBYTES, byteranges.HEAD_NBYTES, byteranges.TAIL_NBYTES = 0, 1024, 16
    try:
        got = z.oindex[sel] if kind == "oindex" else z.vindex[sel]
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.tobytes() == expected.tobytes()
    finally:
        byteranges.MIN_CHUNK_NBYTES, byteranges.HEAD_NBYTES, byteranges.TAIL_NBYTES = saved
    with zl.config.set(partial_decode=False):
        off = z.oindex[sel] if kind == "oindex" else z.vindex[sel]
    assert off.tobytes() == expected.tobytes()
    value = np.arange(expected.size).astype(dtype).reshape(expected.shape)
    if kind == "oindex":
        z.oindex[sel] = value
        axes = [np.arange(n)[s] if isinstance(s, slice) else
                (np.nonzero(s)[0] if isinstance(s, np.ndarray) and s.dtype == bool
                 else np.atleast_1d(np.arange(n)[s])) for n, s in zip(shape, sel)]
        a[np.ix_(*axes)] = value.reshape([len(x) for x in axes])
    else:
        z.vindex[sel] = value
        a[sel] = value
    assert z[...].tobytes() == a.tobytes()


def test_a_point_decodes_only_its_block():
    a = np.random.default_rng(3).random((512, 512)).astype("f4")
    z = zl.array(a, chunks=(512, 512), compressor=B2ND(blocks=(64, 64)))
    assert z.vindex[[70], [130]].tolist() == [a[70, 130]]
    assert z.stats["blocks_decoded"] == 1 and z.stats["partial_decodes"] == 1
    rows, cols = [0, 63, 64, 511], [0, 63, 64, 511]  # blocks (0, 0) twice, (1, 1), (7, 7)
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    assert z.stats["blocks_decoded"] == 1 + 3
    np.testing.assert_array_equal(z.oindex[[1, 200], [5, 6, 300]],
                                  a[np.ix_([1, 200], [5, 6, 300])])  # block rows 0, 3 x cols 0, 4
    assert z.stats["blocks_decoded"] == 1 + 3 + 4
    mask = np.zeros(a.shape, bool)
    mask[::3, ::3] = True  # every block: the whole chunk is decoded at once
    np.testing.assert_array_equal(z.vindex[mask], a[mask])
    assert z.stats["partial_decodes"] == 3 and z.stats["chunks_decoded"] == 4


def test_few_points_of_a_big_chunk_read_few_of_its_bytes():
    a = np.random.default_rng(4).normal(0, 1, (4096, 4096)).astype("f4")
    store = ByteCountingStore()
    z = zl.array(a, chunks=(4096, 4096), compressor=B2ND(cname="lz4"), store=store)
    stored = len(store["0.0"])
    store.bytes_read = 0
    rows, cols = [5, 3000, 3001], [4000, 17, 18]  # 2 of the 256 blocks
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    assert z.stats["ranged_reads"] == 1 and z.stats["blocks_decoded"] == 2
    assert store.bytes_read < 0.02 * stored, (store.bytes_read, stored)
    np.testing.assert_array_equal(z.oindex[[7, 4095], [0, 4000]], a[np.ix_([7, 4095],
                                                                            [0, 4000])])
    assert z.stats["ranged_reads"] == 2 and z.stats["blocks_decoded"] == 2 + 4


def _frame_parts(frame: bytes) -> tuple[int, int, int]:
    """(chunk start in the frame, number of blocks, chunk cbytes) of a stored chunk."""
    header_len = int.from_bytes(frame[11:15], "big")
    nbytes, blocksize, cbytes = np.frombuffer(frame, "<i4", count=3, offset=header_len + 4)
    return header_len, -(-int(nbytes) // int(blocksize)), int(cbytes)


@pytest.mark.parametrize("damage", ["offset past the end", "offset into the header",
                                    "negative offset", "truncated", "cut after the head"])
@pytest.mark.parametrize("store_kind", ["memory", "directory"])
def test_corrupt_two_level_chunks_raise_clean_errors(tmp_path, damage, store_kind):
    a = np.random.default_rng(5).normal(0, 1, (1024, 1024)).astype("f4")
    store = zl.MemoryStore() if store_kind == "memory" else zl.DirectoryStore(tmp_path)
    z = zl.array(a, chunks=(1024, 1024), compressor=B2ND(cname="lz4", blocks=(128, 128)),
                 store=store)
    frame = bytearray(store["0.0"])
    start, nblocks, cbytes = _frame_parts(bytes(frame))
    entry = start + 32 + 4 * 9  # the block table entry of block 9 (row 1, column 1)
    if damage == "offset past the end":
        frame[entry : entry + 4] = (cbytes + 1000).to_bytes(4, "little")
    elif damage == "offset into the header":
        frame[entry : entry + 4] = (8).to_bytes(4, "little")
    elif damage == "negative offset":
        frame[entry : entry + 4] = (-5).to_bytes(4, "little", signed=True)
    elif damage == "truncated":
        frame = frame[: len(frame) // 2]
    else:
        frame = frame[: start + 32 + 4 * nblocks + 100]
    store["0.0"] = bytes(frame)
    # the damaged blocks: block 9 (row 1, column 1), or for a frame cut in half the last
    # row of blocks (the blocks before the cut still read by ranges: byteranges does not
    # read a one-chunk frame's trailer, so a window of intact blocks is not refused)
    at = 900 if damage == "truncated" else 130
    selections = [np.s_[at : at + 10, at : at + 10], np.s_[...], np.s_[at + 70, :]]
    for sel in selections:
        with pytest.raises(zl.CodecError, match="0.0"):
            z[sel]
    with pytest.raises(zl.CodecError, match="0.0"):
        z.vindex[[at, at + 1], [at + 5, 0]]
    with pytest.raises(zl.CodecError, match="0.0"):
        z.oindex[[at], [at + 5, at + 10]]
    if damage == "truncated":  # intact blocks before the cut read right, never wrong
        np.testing.assert_array_equal(z[0:5, 0:5], a[0:5, 0:5])
    if damage in ("offset past the end", "offset into the header", "negative offset"):
        # only block 9 is damaged: selections that skip it still read (by block)
        np.testing.assert_array_equal(z[0:5, 0:5], a[0:5, 0:5])


def test_info_says_what_partial_decoding_applies():
    from zarrlite.codecs import Blosc, Delta, Zlib

    b2nd = zl.zeros((64, 64), chunks=(32, 32), dtype="f8", compressor=B2ND())
    assert b2nd.info["Partial decoding"] == "yes: N-d blocks and byte ranges"
    assert zl.zeros(8, compressor=Blosc()).info["Partial decoding"] == "yes: Blosc blocks"
    filtered = zl.zeros((64, 64), chunks=(32, 32), dtype="f8", compressor=B2ND(),
                        filters=[Delta("f8")])
    text = filtered.info["Partial decoding"]
    assert text.startswith("no: whole chunks") and "zarrlite.b2nd" in text and "Delta" in text
    a = np.arange(64 * 64, dtype="f8").reshape(64, 64)
    filtered[...] = a  # and it reads right, whole chunk by whole chunk
    np.testing.assert_array_equal(filtered[3:5, 40:44], a[3:5, 40:44])
    np.testing.assert_array_equal(filtered.vindex[[1, 60], [2, 63]], a[[1, 60], [2, 63]])
    assert filtered.stats["blocks_decoded"] == 0 and filtered.stats["partial_decodes"] == 0
    assert zl.zeros(8, compressor=Zlib()).info["Partial decoding"].startswith("no:")
    with zl.config.set(partial_decode=False):
        assert b2nd.info["Partial decoding"].startswith("off")


def test_chunks_of_more_than_16_dimensions_are_stored_flat_and_read_whole():
    a = np.arange(2**17, dtype="i2").reshape((2,) * 17)
    z = zl.array(a, chunks=(1,) + (2,) * 16, compressor=B2ND())
    sel = (1, 0, slice(None)) + (1,) * 14
    np.testing.assert_array_equal(z[sel], a[sel])
    np.testing.assert_array_equal(z.vindex[(np.array([0, 1]),) * 17], a[(np.array([0, 1]),) * 17])
    assert blosc2.ndarray_from_cframe(z.store["0" + ".0" * 16]).ndim == 1
    assert z.stats["blocks_decoded"] == 0


def test_a_region_with_step_zero_repeats_its_index():
    # found by fuzz/: step 0 divided by zero in zl_index_run (SIGFPE) for the block flags and
    # partial decodes; it now means one index repeated `count` times
    from zarrlite import _ext

    a = np.arange(12 * 10, dtype="<i2").reshape(12, 10)
    frame = B2ND(blocks=(4, 5)).encode(a)
    region = ((2, 1, 3), (7, 0, 4))
    assert _ext.b2nd_region_blocks(frame, region, 2).tolist() == [0, 1, 0, 1, 0, 0]
    dst = np.zeros((3, 4), dtype="<i2")
    scratch = np.empty(_ext.b2nd_sizes(frame)[1], np.uint8)
    assert _ext.b2nd_decode_region(frame, region, dst, 0, (8, 2), 2, scratch) == 2
    np.testing.assert_array_equal(dst, a[2:5, [7, 7, 7, 7]])


def test_a_frame_claiming_a_huge_scratch_is_refused_before_allocating():
    # found by fuzz/: 335 bytes of frame whose 7 decoded bytes sit in blocks padded to
    # 146 GiB; decode allocated that much scratch (MemoryError, or a huge lazy allocation)
    frame = (Path(__file__).parent / "fuzz_corpus" / "b2nd_frame" /
             "blocks-padded-to-146gib").read_bytes()
    with pytest.raises(zl.CodecError, match="max_chunk_nbytes"):
        B2ND().decode(frame)
    with pytest.raises(zl.CodecError, match="max_chunk_nbytes"):
        B2ND().decode(frame, out=np.empty(7, np.uint8))
    store: dict = {}
    z = zl.create(shape=(7,), chunks=(7,), dtype="u1", store=store, compressor=B2ND())
    store["0"] = frame
    for sel in (np.s_[:], np.s_[2:3], [1, 5]):
        with pytest.raises(zl.CodecError):
            z.vindex[sel] if isinstance(sel, list) else z[sel]


def test_a_chunk_whose_block_size_is_not_the_b2nd_block_is_refused():
    # found by fuzz/: blocks were copied into place from b * (b2nd block bytes) of the
    # scratch, but the chunk's own Blosc blocks were 44 bytes, not 40: partial decodes placed
    # stale scratch bytes (and disagreed with whole decodes) instead of refusing the chunk
    from zarrlite import _ext
    from zarrlite.codecs.b2nd import frame_layout

    frame = bytearray(B2ND(clevel=0, blocks=(4, 5)).encode(np.arange(120, dtype="<i2")
                                                          .reshape(12, 10)))
    header_len = frame_layout(bytes(frame[:64]))[0]
    assert int.from_bytes(frame[header_len + 8 : header_len + 12], "little") == 40
    frame[header_len + 8 : header_len + 12] = (44).to_bytes(4, "little")
    frame = bytes(frame)
    with pytest.raises(zl.CodecError):
        B2ND().decode(frame)
    scratch = np.empty(_ext.b2nd_sizes(frame)[1], np.uint8)
    with pytest.raises(zl.CodecError):
        _ext.b2nd_decode_blocks(frame, np.array([1, 0, 1, 0, 1, 1], np.uint8), 2,
                                np.empty(240, np.uint8), scratch)
    with pytest.raises(zl.CodecError):
        _ext.b2nd_decode_region(frame, ((4, 1, 6), (3, 1, 5)), np.empty(60, np.uint8), 0,
                                (10, 2), 2, scratch)


@pytest.mark.parametrize("order", ["C", "F"])
def test_points_gathered_block_by_block_from_padded_frames(order):
    a = np.random.default_rng(9).random((300, 260)).astype("f4")
    z = zl.array(a, chunks=(200, 200), order=order, compressor=B2ND(blocks=(48, 64)))
    rng = np.random.default_rng(1)
    rows, cols = rng.integers(0, 300, 500), rng.integers(0, 260, 500)
    rows[:2], cols[:2] = 299, 259  # inside the padding's neighbours of an edge chunk
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    assert z.stats["blocks_decoded"] > 0


def test_gather_points_of_a_b2nd_frame_checks_its_input():
    from zarrlite import _ext
    from zarrlite.errors import CodecError

    a = np.arange(128 * 128, dtype="i4").reshape(128, 128)
    z = zl.array(a, chunks=(128, 128), compressor=B2ND(blocks=(32, 32)))
    frame = bytes(z.store["0.0"])
    out = np.zeros(2, "i4")
    src, dst = np.array([4 * (33 * 128 + 40), 4 * (127 * 128 + 127)]), np.array([0, 4])
    assert _ext.gather_points(frame, True, src, out, dst, 4, np.empty(16, np.uint8)) == -4096
    assert _ext.gather_points(frame, True, src, out, dst, 4, np.empty(4096, np.uint8)) == (2, 16)
    assert out.tolist() == [a[33, 40], a[127, 127]]
    with pytest.raises(ValueError):
        _ext.gather_points(frame, True, np.array([4 * 128 * 128]), out, dst[:1], 4,
                           np.empty(4096, np.uint8))
    with pytest.raises((CodecError, ValueError)):
        _ext.gather_points(frame[: len(frame) // 2], True, src, out, dst, 4,
                           np.empty(4096, np.uint8))


@pytest.mark.parametrize("order", ["C", "F"])
def test_directory_store_regions_read_from_the_file_in_one_call(tmp_path, order):
    """Two-level chunks of a directory store: small regions come from one C call per chunk
    (header, block table, touched blocks, decode); missing chunks give the fill value; a
    chunk of another block layout, a truncated one and a corrupt one go the general way."""
    a = np.random.default_rng(4).random((1500, 1300)).astype("f4")
    z = zl.array(a, chunks=(1024, 1024), order=order, store=str(tmp_path / "z"),
                 compressor=B2ND(blocks=(64, 128)), fill_value=-1)
    rng = np.random.default_rng(0)
    for _ in range(40):
        r0, c0 = int(rng.integers(0, 1500)), int(rng.integers(0, 1300))
        h, w = int(rng.integers(1, 90)), int(rng.integers(1, 90))
        step = int(rng.choice([1, 1, 3, -2]))
        sel = (slice(r0, r0 + h, step) if step > 0 else slice(r0 + h, max(r0 - 1, 0) or None,
                                                               step), slice(c0, c0 + w))
        np.testing.assert_array_equal(z[sel], a[sel])
    assert z.stats["ranged_reads"] > 0
    before = dict(z.stats)
    np.testing.assert_array_equal(z[1000:1010, 1000:1010], a[1000:1010, 1000:1010])
    assert z.stats["ranged_reads"] > before["ranged_reads"]
    os.remove(tmp_path / "z" / "1.1")  # missing: the fill value
    np.testing.assert_array_equal(z[1100:1110, 1100:1110], np.full((10, 10), -1, "f4"))
    other = zl.array(a, chunks=(1024, 1024), order=order, store=str(tmp_path / "o"),
                     compressor=B2ND(blocks=(32, 32)), fill_value=-1)
    z.store["0.1"] = other.store["0.1"]  # another block layout: still read right
    np.testing.assert_array_equal(z[100:140, 1030:1100], a[100:140, 1030:1100])
    path = tmp_path / "z" / "0.0"
    frame = path.read_bytes()
    path.write_bytes(frame[: len(frame) // 2])  # truncated: the general reader decides
    with pytest.raises(zl.CodecError, match="0.0"):
        z[1000:1010, 1000:1010]
    broken = bytearray(frame)
    broken[len(frame) // 3 : len(frame) // 3 + 4096] = bytes(4096)  # zeroed block bytes
    path.write_bytes(bytes(broken))
    outcomes = set()
    for r in range(0, 1024, 64):  # every block row: the file reader and a whole decode of
        sel = np.s_[r : r + 64, 0:1024]  # the same bytes agree (values, or an error naming it)
        try:
            got = z[sel]
        except zl.CodecError as err:
            assert "0.0" in str(err)
            got = None
        with zl.config.set(partial_decode=False):
            try:
                whole = z[sel]
            except zl.CodecError:
                whole = None
        if got is None or whole is None:
            assert got is None or not np.array_equal(whole, a[sel]), r
        else:
            np.testing.assert_array_equal(got, whole)
        outcomes.add("error" if got is None else
                     "same" if np.array_equal(got, a[sel]) else "changed")  # fmt: skip
    assert outcomes - {"same"}, outcomes  # the zeroed bytes were read by some
