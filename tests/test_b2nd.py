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
from helpers import check_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zarrlite as zl
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


@pytest.mark.parametrize(
    ("shape", "chunks", "blocks"),
    [((23,), (10,), (3,)), ((19, 23), (8, 10), (3, 4)), ((9, 10, 11), (4, 5, 6), (2, 2, 5)),
     ((5, 6, 7, 4), (3, 4, 5, 3), (2, 3, 2, 2))],
)
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


class ByteCountingStore(zl.MemoryStore):
    """A memory store that counts the value bytes it hands out, whole or by ranges."""

    def __init__(self):
        super().__init__()
        self.bytes_read = 0

    def getitems(self, keys):
        values = super().getitems(keys)
        self.bytes_read += sum(len(v) for v in values.values())
        return values

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self.bytes_read += len(value)
        return value

    def get_partial_values(self, key_ranges):
        values = super().get_partial_values(key_ranges)
        self.bytes_read += sum(len(v) for v in values if v is not None)
        return values


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
