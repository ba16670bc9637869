"""Byte-range reads of plain Blosc chunks (the classic Zarr layout, also as zarr-python
writes it) and the stores' ranged-read calls they use; the store calls a ranged read of
two-level chunks costs, its fallbacks (trailers read, long block tables, replaced and
truncated chunks) and the laid-in trailer. Two-level chunks otherwise: test_b2nd.py;
real servers: test_store_remote.py."""

from __future__ import annotations

import os
import time

import blosc2
import numcodecs
import numpy as np
import pytest
import zarr
from conftest import ByteCountingStore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zarrlite as zl
from zarrlite.chunkio import buffers, byteranges
from zarrlite.codecs import Blosc
from zarrlite.codecs.b2nd import frame_layout
from zarrlite.stores import read_ranges_into


def _field(shape, seed=0):
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype("f4")
    a = (np.sin(x / 50) * np.cos(y / 70) * 100).astype("f4")
    return a + np.random.default_rng(seed).normal(0, 1, shape).astype("f4")


@pytest.fixture
def small_ranges():
    """Read chunks of any size by ranges, with a small first read (so block tables and
    block data are fetched separately even in small chunks)."""
    saved = byteranges.MIN_CHUNK_NBYTES, byteranges.HEAD_NBYTES
    byteranges.MIN_CHUNK_NBYTES, byteranges.HEAD_NBYTES = 0, 256
    yield
    byteranges.MIN_CHUNK_NBYTES, byteranges.HEAD_NBYTES = saved


@pytest.mark.parametrize("order", ["C", "F"])
def test_window_of_a_big_blosc_chunk_reads_few_of_its_bytes(order):
    a = _field((4096, 4096))
    store = ByteCountingStore()
    z = zl.array(a, chunks=(4096, 4096), order=order, store=store,
                 compressor=Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE))
    stored = len(store["0.0"])
    store.bytes_read = 0
    window = np.s_[1000:1064, 2000:2064] if order == "C" else np.s_[2000:2064, 1000:1064]
    np.testing.assert_array_equal(z[window], a[window])
    assert z.stats["ranged_reads"] == 1 and z.stats["partial_decodes"] == 1
    # 64 rows of the chunk's layout are 1 MiB of its 64 MiB: a few of its Blosc blocks
    assert store.bytes_read < 0.05 * stored, (store.bytes_read, stored)
    store.bytes_read = 0
    rows, cols = [5, 3000, 3001], [4000, 17, 18]
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    assert z.stats["ranged_reads"] == 2
    assert store.bytes_read < 0.05 * stored, (store.bytes_read, stored)
    np.testing.assert_array_equal(z[:, 7] if order == "C" else z[7, :],
                                  a[:, 7] if order == "C" else a[7, :])  # every block: whole
    assert z.stats["ranged_reads"] == 2


def test_ranged_reads_of_chunks_zarr_python_wrote(tmp_path):
    a = _field((2048, 2048), seed=1)
    path = str(tmp_path / "z")
    zz = zarr.create_array(path, shape=a.shape, chunks=(2048, 2048), dtype="f4",
                           zarr_format=2, compressors=numcodecs.Blosc("zstd", 3, 1))
    zz[...] = a
    store = ByteCountingStore()
    for name in os.listdir(path):
        with open(os.path.join(path, name), "rb") as f:
            store[name] = f.read()
    z = zl.open_array(store, mode="r")
    stored = len(store["0.0"])
    store.bytes_read = 0
    np.testing.assert_array_equal(z[100:120, 300:340], a[100:120, 300:340])
    assert z.stats["ranged_reads"] == 1
    assert store.bytes_read < 0.1 * stored, (store.bytes_read, stored)
    z = zl.open_array(path, mode="r")  # and from the directory itself
    np.testing.assert_array_equal(z[100:120, 300:340], a[100:120, 300:340])
    assert z.stats["ranged_reads"] == 1


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", ["<f8", ">i2", "S5"])
@given(data=st.data())
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_ranged_blosc_reads_match_numpy(small_ranges, order, dtype, data):
    shape, chunks = (37, 29), (16, 24)
    a = (np.arange(37 * 29) % 251).astype(dtype).reshape(shape)
    z = zl.array(a, chunks=chunks, order=order, compressor=Blosc(cname="zstd", blocksize=256))
    sel = []
    for n in shape:
        if data.draw(st.booleans()):
            sel.append(data.draw(st.integers(-n, n - 1)))
        else:
            step = data.draw(st.sampled_from([None, 1, 3, -1, -4]))
            sel.append(slice(data.draw(st.none() | st.integers(-n, n)),
                             data.draw(st.none() | st.integers(-n, n)), step))
    sel = tuple(sel)
    assert z[sel].tobytes() == np.asarray(a[sel]).tobytes()
    coords = tuple(np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=3, max_size=3)))
                   for n in shape)
    assert z.vindex[coords].tobytes() == a[coords].tobytes()


@pytest.mark.parametrize("damage", ["offset past the end", "offset into the table",
                                    "stream length too long", "stream into the next block",
                                    "truncated"])
def test_corrupt_blosc_chunks_read_by_ranges_raise_clean_errors(tmp_path, damage):
    a = _field((1024, 1024), seed=2)
    z = zl.array(a, chunks=(1024, 1024), store=str(tmp_path / "a"),
                 compressor=Blosc(cname="lz4", blocksize=1 << 16))
    path = tmp_path / "a" / "0.0"
    chunk = bytearray(path.read_bytes())
    blocksize = int.from_bytes(chunk[8:12], "little")
    assert blocksize == 1024 * 4 * 64  # C-Blosc 1.x raises small forced sizes: 64 rows
    entry = 16 + 4 * 5  # block 5: rows 320..383
    start = int.from_bytes(chunk[entry : entry + 4], "little")
    if damage == "offset past the end":
        chunk[entry : entry + 4] = (len(chunk) + 10).to_bytes(4, "little")
    elif damage == "offset into the table":
        chunk[entry : entry + 4] = (20).to_bytes(4, "little")
    elif damage == "stream length too long":
        chunk[start : start + 4] = (1 << 30).to_bytes(4, "little")
    elif damage == "stream into the next block":  # one stream per block (don't-split flag)
        chunk = bytearray(zl.Blosc(cname="zstd", blocksize=1 << 16).encode(a))
        assert chunk[2] & 0x10
        entry = 16 + 4 * (330 * 4096 // int.from_bytes(chunk[8:12], "little"))  # row 330's
        start = int.from_bytes(chunk[entry : entry + 4], "little")
        nxt = int.from_bytes(chunk[entry + 4 : entry + 8], "little")
        chunk[start : start + 4] = (nxt - start - 4 + 1).to_bytes(4, "little")
    else:
        chunk = chunk[: len(chunk) // 3]
    path.write_bytes(bytes(chunk))
    z = zl.open_array(str(tmp_path / "a"), mode="r")
    for sel in (np.s_[330:335, 10:20], np.s_[...]):
        with pytest.raises(zl.CodecError, match="0.0"):
            z[sel]
    with pytest.raises(zl.CodecError, match="0.0"):
        z.vindex[[330, 331], [3, 4]]
    if damage != "truncated":  # rows in other blocks still read
        np.testing.assert_array_equal(z[0:5, 0:5], a[0:5, 0:5])


@pytest.mark.parametrize("kind", ["directory", "memory", "dict"])
def test_read_ranges_into(tmp_path, kind):
    value = bytes(range(256)) * 4
    store = {"directory": zl.DirectoryStore(tmp_path), "memory": zl.MemoryStore(),
             "dict": {}}[kind]
    store["a/b"] = value
    out = bytearray(20)
    assert read_ranges_into(store, "a/b", [(10, 5, 0), (1020, 10, 5), (0, 0, 19)], out) == [
        5, 4, 0]
    assert bytes(out[:9]) == value[10:15] + value[1020:1024]
    assert read_ranges_into(store, "missing", [(0, 4, 0)], out) is None
    with pytest.raises(ValueError, match="byte range"):
        read_ranges_into(store, "a/b", [(0, 30, 0)], out)  # past the end of out
    with pytest.raises(ValueError, match="byte range"):
        read_ranges_into(store, "a/b", [(-1, 3, 0)], out)


def test_directory_store_ranged_reads_refuse_fifos(tmp_path):
    store = zl.DirectoryStore(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError):
        store.get_partial_values([("fifo", 0, 4)])
    with pytest.raises(OSError):
        store.read_ranges_into("fifo", [(0, 4, 0)], bytearray(4))
    assert store.get_partial_values([("nothing", 0, 4)]) == [None]


class RangeCallCountingStore(ByteCountingStore):
    """Counts the store calls that read byte ranges."""

    def __init__(self):
        super().__init__()
        self.range_calls = 0

    def get_partial_values(self, key_ranges):
        self.range_calls += 1
        return super().get_partial_values(key_ranges)


@pytest.mark.parametrize("compressor", [Blosc(cname="lz4"), zl.B2ND(cname="lz4")])
def test_selections_needing_most_blocks_do_not_try_ranged_reads(compressor):
    a = _field((2048, 2048), seed=3)
    store = RangeCallCountingStore()
    z = zl.array(a, chunks=(2048, 2048), compressor=compressor, store=store)
    np.testing.assert_array_equal(z[5:9, 10:20], a[5:9, 10:20])  # learns the block size
    assert z.stats["ranged_reads"] == 1
    store.range_calls = 0
    np.testing.assert_array_equal(z[::7, ::9], a[::7, ::9])  # every block
    if isinstance(compressor, Blosc):  # Blosc blocks are row bands: a column needs them all
        np.testing.assert_array_equal(z[:, 1234], a[:, 1234])
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, 2048, 500), rng.integers(0, 2048, 500)
    np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])  # dense points
    assert store.range_calls == 0 and z.stats["ranged_reads"] == 1
    np.testing.assert_array_equal(z.vindex[[3, 2000], [3, 2000]], a[[3, 2000], [3, 2000]])
    assert z.stats["ranged_reads"] == 2  # few points: by ranges again


def test_reads_work_in_a_forked_child(tmp_path):
    # the parent's worker threads and kept decompression contexts do not exist after fork
    a = _field((2048, 2048), seed=4)
    z = zl.array(a, chunks=(1024, 1024), store=str(tmp_path / "a"),
                 compressor=zl.B2ND(cname="lz4"))
    with zl.config.set(threads=2):
        z[...]
        z[5:9, 10:20]  # a kept multi-threaded context in this thread
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if every read is right
        ok = False
        try:
            with zl.config.set(threads=2):
                ok = (np.array_equal(z[...], a) and np.array_equal(z[5:9, 10:20], a[5:9, 10:20])
                      and np.array_equal(z.vindex[[1, 2000], [3, 7]], a[[1, 2000], [3, 7]]))
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("reading in a forked child hung")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0


# ------------------------------------------------- chunks whose blocks are not independent
# (found by review: each used to give silent wrong values, a hang, or an error)


def _python_blosc2_frame(a, blocks, **cparams):
    """A one-chunk b2nd frame as python-blosc2 writes it, with its own cparams."""
    return blosc2.asarray(a, chunks=a.shape, blocks=blocks,
                          cparams=dict(codec=blosc2.Codec.LZ4, clevel=5, **cparams)).to_cframe()


@pytest.mark.parametrize("kind", ["delta", "dictionary"])
@pytest.mark.parametrize("threads", [1, 2])
def test_frames_with_dependent_blocks_read_right(small_ranges, kind, threads):
    a = (np.sin(np.arange(256 * 256) / 7) * 1000).astype("<i4").reshape(256, 256)
    z = zl.array(np.zeros_like(a), chunks=a.shape, compressor=zl.B2ND(blocks=(32, 32)))
    extra = ({"filters": [blosc2.Filter.DELTA, blosc2.Filter.SHUFFLE], "filters_meta": [0, 0]}
             if kind == "delta" else {"use_dict": True})
    z.store["0.0"] = _python_blosc2_frame(a, (32, 32), **extra)
    with zl.config.set(threads=threads):
        assert z[...].tobytes() == a.tobytes()
        assert z[100:102, 200:204].tobytes() == a[100:102, 200:204].tobytes()
        assert z.vindex[[3, 250], [7, 100]].tolist() == a[[3, 250], [7, 100]].tolist()
        assert z.oindex[[3, 250], [7, 100]].tolist() == a[np.ix_([3, 250], [7, 100])].tolist()
        z[5, 5] = -1  # read-modify-write
    a[5, 5] = -1
    assert z[...].tobytes() == a.tobytes()
    assert z.stats["ranged_reads"] == 0  # such chunks are never read by ranges


@pytest.mark.parametrize("threads", [1, 2])
def test_blosc2_format_chunks_with_delta_read_right(threads):
    a = np.arange(1 << 16, dtype="<i4") * 3 + 7
    z = zl.array(a, chunks=a.shape, compressor=Blosc(cname="lz4", blocksize=16384))
    z.store["0"] = blosc2.compress2(a, typesize=4, codec=blosc2.Codec.LZ4, blocksize=16384,
                                    filters=[blosc2.Filter.DELTA, blosc2.Filter.SHUFFLE],
                                    filters_meta=[0, 0])
    with zl.config.set(threads=threads):
        assert z[...].tobytes() == a.tobytes()
        assert z.vindex[[20000, 50000]].tolist() == a[[20000, 50000]].tolist()
        assert z[20000:20003].tolist() == a[20000:20003].tolist()


@pytest.mark.parametrize("threads", [1, 2])
def test_blosc1_chunks_with_impossible_flags_raise(threads):
    a = np.arange(1 << 16, dtype="<i4").reshape(256, 256)
    z = zl.array(a, chunks=a.shape, compressor=Blosc(cname="lz4", blocksize=16384))
    good = z.store["0.0"]
    for flags in (good[2] | 0x08, good[2] | 0x05):  # delta; both shuffles
        z.store["0.0"] = good[:2] + bytes([flags]) + good[3:]
        with zl.config.set(threads=threads):
            for read in (lambda: z[...], lambda: z[100:102, 3:5],
                         lambda: z.vindex[[20, 200], [3, 4]]):
                with pytest.raises(zl.CodecError, match="0.0"):
                    read()


@pytest.mark.parametrize("compressor", [zl.B2ND(cname="lz4", clevel=0), zl.B2ND(cname="lz4")])
def test_chunks_stored_uncompressed_read_right_by_ranges(compressor):
    # random data does not compress: the chunk holds its bytes as they are, with no block
    # table to read ranges from
    a = np.random.default_rng(0).integers(1 << 12, 1 << 21, size=(2048, 1024)).astype("<i4")
    store = ByteCountingStore()
    z = zl.array(a, chunks=(1024, 1024), compressor=compressor, store=store)
    for sel in (np.s_[500:502, 600:603], np.s_[1524:1526, 600:603], np.s_[10:12, 900:903]):
        assert z[sel].tobytes() == a[sel].tobytes()
    assert z.vindex[[5, 2000], [7, 1000]].tolist() == a[[5, 2000], [7, 1000]].tolist()


def test_hostile_sizes_in_a_chunk_header_do_not_grow_buffers():
    a = np.random.default_rng(0).normal(size=(1024, 1024)).astype("f4").round(1)
    z = zl.array(a, chunks=a.shape, compressor=zl.B2ND(cname="lz4", blocks=(64, 64)))
    frame = bytearray(z.store["0.0"])
    header_len, frame_len = frame_layout(bytes(frame[:64]))
    cbytes = int.from_bytes(frame[header_len + 12 : header_len + 16], "little")
    huge = (1 << 31) - 1
    frame[header_len + 12 : header_len + 16] = huge.to_bytes(4, "little")
    frame[16:24] = (header_len + huge + frame_len - header_len - cbytes).to_bytes(8, "big")
    z.store["0.0"] = bytes(frame)
    zl.config.release_buffers()
    with pytest.raises(zl.CodecError, match="0.0"):
        z[3:5, 3:5]
    assert "frame" not in buffers._kept()  # no frame-sized buffer was made


@pytest.mark.parametrize("chunks", [(1, 6), (4, 1), (1, 1, 6)])
def test_f_order_chunks_with_one_long_dimension(chunks):
    shape = tuple(3 * c for c in chunks)
    a = np.arange(int(np.prod(shape)), dtype="<i2").reshape(shape)
    z = zl.array(a, chunks=chunks, order="F", compressor=zl.B2ND())
    assert z[...].tobytes() == a.tobytes()
    sel = tuple(slice(1, n - 1) for n in shape)
    assert z[sel].tobytes() == a[sel].tobytes()
    assert z.stats["blocks_decoded"] > 0  # read by block, not whole


def test_frames_of_more_blocks_than_flags_are_decoded_whole(monkeypatch):
    from zarrlite import _ext

    monkeypatch.setattr(_ext, "MAX_BLOCKS", 8)
    monkeypatch.setattr(_ext, "FEW_BLOCKS", 4)
    a = np.arange(64 * 64, dtype="<f4").reshape(64, 64)
    z = zl.array(a, chunks=a.shape, compressor=zl.B2ND(blocks=(8, 8)))  # 64 blocks
    assert z.vindex[[3, 60], [7, 1]].tolist() == a[[3, 60], [7, 1]].tolist()
    assert z.oindex[[3, 60], [7, 1]].tolist() == a[np.ix_([3, 60], [7, 1])].tolist()


def test_ranged_read_nested_in_a_stores_ranged_call():
    # a store that, while serving a ranged read, reads another array by ranges itself
    other = np.random.default_rng(5).normal(0, 1, (2048, 2048)).astype("f4")  # a longer frame
    inner = zl.array(other, chunks=other.shape, compressor=zl.B2ND(cname="lz4"))
    seen = []

    class NestingStore(zl.MemoryStore):
        def read_ranges_into(self, key, ranges, out):
            # a nested read never gets the buffer the outer read is filling
            assert not np.shares_memory(buffers.frame_scratch(len(out)), out)
            seen.append(inner[100:104, 200:204].copy())
            return read_ranges_into(dict(self.items()), key, ranges, out)

    a = np.arange(2048 * 2048, dtype="f4").reshape(2048, 2048)
    z = zl.array(a, chunks=a.shape, compressor=zl.B2ND(cname="lz4"), store=NestingStore())
    assert len(z.store["0.0"]) < len(inner.store["0.0"])
    assert z[1000:1010, 30:40].tobytes() == a[1000:1010, 30:40].tobytes()
    assert z.stats["ranged_reads"] == 1 and inner.stats["ranged_reads"] == len(seen) == 1
    assert seen[0].tobytes() == other[100:104, 200:204].tobytes()


@pytest.mark.parametrize("by_ranges", [False, True])
def test_b2nd_block_streams_running_into_the_next_block_raise(small_ranges, by_ranges):
    a = _field((512, 512), seed=7)
    z = zl.array(a, chunks=a.shape, compressor=zl.B2ND(cname="lz4", blocks=(64, 64)))
    frame = bytearray(z.store["0.0"])
    header_len, _ = frame_layout(bytes(frame[:64]))
    table = header_len + 32
    starts = sorted(int.from_bytes(frame[table + 4 * b : table + 4 * b + 4], "little")
                    for b in range(64))
    start = int.from_bytes(frame[table + 4 * 9 : table + 4 * 9 + 4], "little")  # block 9
    end = header_len + starts[starts.index(start) + 1]
    pos = header_len + start
    for _ in range(3):  # to the last of the block's 4 streams (one per byte of a float)
        pos += 4 + int.from_bytes(frame[pos : pos + 4], "little")
    frame[pos : pos + 4] = (end - pos - 4 + 1).to_bytes(4, "little")  # 1 byte too far
    z.store["0.0"] = bytes(frame)
    if not by_ranges:
        byteranges.MIN_CHUNK_NBYTES = 1 << 40
    with pytest.raises(zl.CodecError, match="0.0"):
        z[70:72, 70:72]  # in block 9 (row 1, column 1)
    assert z[0:3, 0:3].tobytes() == a[0:3, 0:3].tobytes()  # block 0 is intact


# ------------------------------------------- two-level chunks: the store calls a read costs


class RangeLoggingStore(ByteCountingStore):
    """Logs the ranges of each ``get_partial_values`` call (``calls``: how many each)."""

    def __init__(self):
        super().__init__()
        self.reset()

    def get_partial_values(self, key_ranges):
        key_ranges = list(key_ranges)
        self.calls.append(len(key_ranges))
        self.ranges.append(key_ranges)
        return super().get_partial_values(key_ranges)

    def reset(self):
        self.calls, self.ranges, self.bytes_read = [], [], 0


@pytest.fixture(params=[True, False], ids=["trailer-read", "trailer-laid-in"])
def read_trailer(request, monkeypatch):
    """Both ways of a frame's trailer: read with the blocks (the default), or only laid in."""
    monkeypatch.setattr(byteranges, "READ_TRAILER", request.param)
    return request.param


def _trailer_of(frame: bytes) -> tuple[int, int, int, bytes]:
    """(header length, chunk nbytes, chunk cbytes, trailer) of a one-chunk frame."""
    header_len, _frame_len = frame_layout(frame)
    nbytes, cbytes = (int(v) for v in np.frombuffer(frame, "<i4", count=3,
                                                      offset=header_len + 4)[[0, 2]])
    return header_len, nbytes, cbytes, frame[header_len + cbytes :]


@pytest.mark.parametrize("writer", ["zarrlite", "python-blosc2", "python-blosc2 vlmeta"])
@pytest.mark.parametrize(("shape", "blocks"), [((300, 500), (64, 128)),
                                                ((20, 30, 40), (7, 8, 9)), ((5000,), (512,))])
def test_the_laid_in_trailer_is_what_c_blosc2_writes(writer, shape, blocks):
    a = np.random.default_rng(9).normal(0, 1, shape).astype("f4")
    if writer == "zarrlite":
        frame = zl.B2ND(cname="lz4", blocks=blocks).encode(a)
    else:
        array = blosc2.asarray(a, chunks=shape, blocks=blocks)
        if writer.endswith("vlmeta"):
            array.schunk.vlmeta["about"] = {"units": "m", "tags": ["a"] * 50}
        frame = array.to_cframe()
    header_len, nbytes, cbytes, trailer = _trailer_of(frame)
    laid_in = byteranges._laid_in_trailer(frame[:4096], header_len, len(trailer), nbytes, cbytes)
    assert len(laid_in) == len(trailer)
    if writer.endswith("vlmeta"):  # a longer trailer: its metalayers are not laid in
        assert len(trailer) > 75 and laid_in != trailer
    else:
        assert laid_in == trailer  # byte for byte: a change in C-Blosc2 would show here
    # and C-Blosc2 opens and decodes the frame with it
    with_laid_in = frame[: header_len + cbytes] + laid_in
    out = np.empty_like(a)
    zl.B2ND().decode(with_laid_in, out=out)
    assert out.tobytes() == a.tobytes()


def _b2nd_array(store, a, chunks, blocks=(128, 128)):
    return zl.array(a, chunks=chunks, store=store,
                    compressor=zl.B2ND(cname="lz4", blocks=blocks))


def test_the_ranges_a_window_of_a_two_level_chunk_reads(read_trailer):
    a = _field((2048, 2048), seed=10)
    store = RangeLoggingStore()
    z = _b2nd_array(store, a, a.shape)  # 256 blocks of 64 KiB
    stored = len(store["0.0"])
    store.reset()
    for sel in (np.s_[1030:1060, 700:750], np.s_[1030:1060, 1000:1100]):  # 1 and 2 blocks
        np.testing.assert_array_equal(z[sel], a[sel])
        # the head; then the row's blocks, the header and table again (and the trailer)
        assert store.calls == [1, 2 + read_trailer], store.ranges
        assert store.bytes_read < 0.03 * stored
        store.reset()
    np.testing.assert_array_equal(z[1000:1060, 700:750], a[1000:1060, 700:750])  # 2 rows
    assert store.calls == [1, 3 + read_trailer]
    store.reset()
    # blocks next to the block table come with the check, in one range from the start
    np.testing.assert_array_equal(z[0:10, 0:200], a[0:10, 0:200])
    assert store.calls == [1, 1 + read_trailer]
    assert store.ranges[1][0][:2] == ("0.0", 0)
    store.reset()
    # blocks at the end of the chunk come with the trailer, when it is read
    np.testing.assert_array_equal(z[-10:, -100:], a[-10:, -100:])
    assert store.calls == [1, 2]
    assert z.stats["ranged_reads"] == 5


def _with_zeros_offsets_index(frame: bytes) -> bytes:
    """The same frame with its offsets index stored as a Blosc2 chunk of zeros (32 bytes, a
    special value), as C-Blosc2 may write it: a valid frame whose trailer (67 bytes) is not
    the one laid in place."""
    header_len, _nbytes, cbytes, trailer = _trailer_of(frame)
    index = bytearray(trailer[:32])
    index[2], index[12:16], index[31] = 0x05, (32).to_bytes(4, "little"), 0x10
    out = bytearray(frame[: header_len + cbytes] + bytes(index) + trailer[40:])
    out[16:24] = len(out).to_bytes(8, "big")
    return bytes(out)


def test_a_frame_whose_trailer_is_needed_has_it_read_between_the_two(read_trailer):
    a = _field((2048, 2048), seed=11)
    store = RangeLoggingStore()
    z = _b2nd_array(store, a, (1024, 1024))
    frames = {key: store[key] for key in ("0.0", "1.1")}
    for key, frame in frames.items():
        store[key] = _with_zeros_offsets_index(frame)
        assert len(_trailer_of(store[key])[3]) == 67
        out = np.empty((1024, 1024), "f4")
        zl.B2ND().decode(store[key], out=out)  # C-Blosc2 reads it
    store.reset()
    with zl.config.set(threads=1):
        np.testing.assert_array_equal(z[520:540, 600:610], a[520:540, 600:610])
        # head; trailer (read once, whatever READ_TRAILER says); blocks and check
        assert store.calls == [1, 1, 2]
        frame_len = len(store["0.0"])
        assert store.ranges[1] == [("0.0", frame_len - 67, 67)]
        store.reset()
        np.testing.assert_array_equal(z[1000:1030, 1000:1030], a[1000:1030, 1000:1030])
        # 4 chunks, two of which need their trailers: still one call for each step
        assert store.calls[:2] == [4, 2] and len(store.calls) == 3
    assert z.stats["ranged_reads"] == 5


@pytest.mark.parametrize("kind", ["b2nd", "blosc"])
def test_a_block_table_longer_than_the_first_read_is_read_between_the_two(kind, monkeypatch):
    monkeypatch.setattr(byteranges, "HEAD_NBYTES", 512)
    a = _field((2048, 2048), seed=12)
    store = RangeLoggingStore()
    if kind == "b2nd":  # 1024 blocks: a table of 4 KiB
        z = _b2nd_array(store, a, a.shape, blocks=(64, 64))
    else:  # hundreds of blocks (C-Blosc raises small block sizes): a table over 512 bytes
        z = zl.array(a, chunks=a.shape, store=store,
                     compressor=Blosc(cname="lz4", blocksize=4 * 2048 * 4))
    with zl.config.set(threads=1):
        for sel in (np.s_[1000:1003, 40:50], np.s_[1500:1502, 7:9]):
            store.reset()
            np.testing.assert_array_equal(z[sel], a[sel])
            # the head, the rest of the table, the block(s) and the check
            assert store.calls == [1, 1, 2 + (kind == "b2nd" and byteranges.READ_TRAILER)]
    assert z.stats["ranged_reads"] == 2


class ReplacingStore(RangeLoggingStore):
    """Replaces values with new versions right after its `after`-th ranged read."""

    def __init__(self):
        super().__init__()
        self.after, self.replacements = 0, {}

    def get_partial_values(self, key_ranges):
        parts = super().get_partial_values(key_ranges)
        if len(self.calls) == self.after:
            self.setitems(self.replacements)
        return parts


@pytest.mark.parametrize("after", [1, 2], ids=["before-trailer", "after-trailer"])
def test_a_chunk_replaced_around_its_trailers_read_is_read_whole(after, read_trailer):
    old, new = _field((2048, 2048), seed=13), _field((2048, 2048), seed=14)
    store = ReplacingStore()
    z = _b2nd_array(store, old, old.shape)
    newer = _b2nd_array(zl.MemoryStore(), new, new.shape)
    store["0.0"] = _with_zeros_offsets_index(store["0.0"])  # its trailer is read apart
    store.after, store.replacements = after, {"0.0": _with_zeros_offsets_index(
        newer.store["0.0"])}
    store.reset()
    sel = np.s_[700:720, 900:930]
    np.testing.assert_array_equal(z[sel], new[sel])  # read whole
    assert z.stats["ranged_reads"] == 0
    # replaced after its trailer's read: the check of the blocks' read sees it; before:
    # the old header with the new trailer may not open (then no blocks are read)
    assert len(store.calls) == 3 if after == 2 else len(store.calls) in (2, 3)


@pytest.mark.parametrize("cut", ["in half", "inside the trailer"])
def test_truncated_frames(read_trailer, cut):
    a = _field((2048, 2048), seed=15)
    store = zl.MemoryStore()
    z = _b2nd_array(store, a, a.shape)
    frame = store["0.0"]
    store["0.0"] = frame[: len(frame) // 2] if cut == "in half" else frame[:-10]
    intact = np.s_[10:20, 30:40]  # block 0: stored in the first half
    if read_trailer:  # the trailer's read shows the frame is shorter than it says
        with pytest.raises(zl.CodecError, match="0.0"):
            z[intact]
    else:  # the blocks read are whole: their values
        np.testing.assert_array_equal(z[intact], a[intact])
    if cut == "in half":  # blocks past the cut are never read right
        with pytest.raises(zl.CodecError, match="0.0"):
            z[2000:2010, 2000:2010]
    with pytest.raises(zl.CodecError, match="0.0"):
        z[...]


def test_blocks_inside_the_first_read_need_no_second(monkeypatch, read_trailer):
    monkeypatch.setattr(byteranges, "HEAD_SLACK_NBYTES", 32 * 1024)
    a = np.zeros((2048, 2048), "f4")
    a[-128:, -256:] = _field((128, 256), seed=16)  # the other blocks compress to nearly nothing
    store = RangeLoggingStore()
    z = _b2nd_array(store, a, a.shape)
    store.reset()
    np.testing.assert_array_equal(z[5:10, 300:310], a[5:10, 300:310])
    assert store.calls == ([1, 2] if read_trailer else [1])


def test_a_frame_header_whose_sizes_are_not_its_chunks_raises(read_trailer):
    a = _field((2048, 2048), seed=17)
    store = zl.MemoryStore()
    z = _b2nd_array(store, a, a.shape)
    frame = bytearray(store["0.0"])
    cbytes = int.from_bytes(frame[39:47], "big")
    frame[39:47] = (cbytes + 8).to_bytes(8, "big")  # the frame's stored size, off by 8
    store["0.0"] = bytes(frame)
    for read in (lambda: z[100:110, 100:110], lambda: z.vindex[[5, 1500], [7, 3]],
                 lambda: z[...]):
        with pytest.raises(zl.CodecError, match="0.0"):
            read()


@pytest.mark.parametrize(("compressor", "npoints"),
                         [(zl.B2ND(cname="lz4", blocks=(128, 128)), 100),
                          (Blosc(cname="lz4", blocksize=1 << 14), 24)],  # 64 blocks a chunk
                         ids=["b2nd", "blosc"])
def test_points_of_several_chunks_are_one_store_call_per_step(compressor, npoints,
                                                              read_trailer):
    a = _field((2048, 2048), seed=18)
    store = RangeLoggingStore()
    z = zl.array(a, chunks=(1024, 1024), store=store, compressor=compressor)
    z[0:2, 0:2]  # Blosc: learns the block size
    rng = np.random.default_rng(19)
    rows, cols = rng.integers(0, 2048, npoints), rng.integers(0, 2048, npoints)
    for threads in (1, 4):
        store.reset()
        with zl.config.set(threads=threads):
            np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
            np.testing.assert_array_equal(z.oindex[rows[:5], cols[:5]],
                                          a[np.ix_(rows[:5], cols[:5])])
        if threads == 1:  # heads of the 4 chunks, then their blocks: for each selection
            assert store.calls[::2] == [4, 4] and len(store.calls) == 4, store.calls
    assert z.stats["ranged_reads"] == 1 + 4 * 4


@pytest.mark.parametrize("order", ["C", "F"])
def test_directory_store_blosc_regions_read_from_the_file_in_one_call(tmp_path, order):
    """Plain Blosc chunks of a directory store: small regions come from one C call per
    chunk (header, block table, touched blocks, decode, copy); a missing chunk gives the
    fill value; a chunk with other blocks still reads right; a truncated one fails as a
    whole read does."""
    a = np.random.default_rng(6).random((700, 650)).astype("f8")
    blosc = zl.Blosc(cname="lz4", clevel=5, shuffle=zl.Blosc.SHUFFLE, blocksize=16384)
    z = zl.array(a, chunks=(512, 512), order=order, store=str(tmp_path / "z"),
                 compressor=blosc, fill_value=-1)
    rng = np.random.default_rng(2)
    for _ in range(40):
        r0, c0 = int(rng.integers(0, 700)), int(rng.integers(0, 650))
        h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        step = int(rng.choice([1, 1, 4, -3]))
        rows = slice(r0, r0 + h, step) if step > 0 else slice(r0 + h, r0, step)
        np.testing.assert_array_equal(z[rows, c0 : c0 + w], a[rows, c0 : c0 + w])
    assert z.stats["ranged_reads"] > 0
    os.remove(tmp_path / "z" / "1.1")
    np.testing.assert_array_equal(z[600:610, 600:610], np.full((10, 10), -1.0))
    other = zl.array(a, chunks=(512, 512), order=order, store=str(tmp_path / "o"),
                     compressor=zl.Blosc(cname="zstd", blocksize=4096), fill_value=-1)
    z.store["0.1"] = other.store["0.1"]
    np.testing.assert_array_equal(z[10:20, 520:530], a[10:20, 520:530])
    path = tmp_path / "z" / "0.0"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(zl.CodecError, match="0.0"):
        z[500:510, 0:10]


def test_directory_store_subclasses_that_read_their_own_way_are_not_bypassed(tmp_path):
    """The one-call file readers open a directory store's files themselves only when the
    store reads values as DirectoryStore does: a subclass counting what it reads sees
    every byte."""
    class Counting(zl.DirectoryStore):
        nbytes = 0

        def read_ranges_into(self, key, ranges, out):
            counts = super().read_ranges_into(key, ranges, out)
            Counting.nbytes += sum(counts or ())
            return counts

        def get_partial_values(self, key_ranges):
            values = super().get_partial_values(key_ranges)
            Counting.nbytes += sum(len(v) for v in values if v is not None)
            return values

    assert zl.DirectoryStore(tmp_path / "d").reads_files_directly()
    assert not Counting(tmp_path / "c").reads_files_directly()
    a = np.random.default_rng(3).random((1024, 1024)).astype("f4")
    z = zl.array(a, chunks=(1024, 1024), store=Counting(tmp_path / "c"),
                 compressor=zl.B2ND(blocks=(64, 64)))
    np.testing.assert_array_equal(z[10:20, 30:40], a[10:20, 30:40])
    assert z.stats["ranged_reads"] == 1 and Counting.nbytes > 0
