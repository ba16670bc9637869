"""Reading arrays from real servers (HTTP and S3 on 127.0.0.1, tests/http_s3_servers.py)
through FSStore, with the cost counted at the server: requests answered and bytes sent.

Each test writes with zarrlite through the back end's writable store (a directory the HTTP
server serves; S3 itself) and reads through a read-only FSStore, or by URL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from http_s3_servers import Traffic

import zarrlite as zl
from zarrlite.chunkio import byteranges
from zarrlite.stores import getsize


def _field(shape, seed=0):
    """Smooth values with noise, like measurements: they compress, but not to nothing."""
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype("f4")
    a = (np.sin(x / 50) * np.cos(y / 70) * 100).astype("f4")
    return a + np.random.default_rng(seed).normal(0, 1, shape).astype("f4")


@dataclass
class Remote:
    name: str
    backend: object
    traffic: Traffic

    def writer(self):
        return self.backend.open("a")

    def reader(self):
        return self.backend.open("r")


@pytest.fixture(params=["http", "s3"])
def remote(request):
    backend = request.getfixturevalue(f"{request.param}_backend")
    server = request.getfixturevalue(f"{request.param}_server")
    return Remote(request.param, backend, server.traffic)


def _with_zeros_offsets_index(frame: bytes) -> bytes:
    """The same frame with its offsets index stored as a Blosc2 chunk of zeros (32 bytes, a
    special value), as C-Blosc2 may write it: a valid frame whose trailer (67 bytes, not
    75) cannot be laid in place."""
    header_len = int.from_bytes(frame[11:15], "big")
    cbytes = int.from_bytes(frame[header_len + 12 : header_len + 16], "little")
    index = bytearray(frame[header_len + cbytes : header_len + cbytes + 32])
    index[2], index[12:16], index[31] = 0x05, (32).to_bytes(4, "little"), 0x10
    out = bytearray(frame[: header_len + cbytes] + bytes(index)
                    + frame[header_len + cbytes + 40 :])
    out[16:24] = len(out).to_bytes(8, "big")
    return bytes(out)


def _count_cat_ranges(monkeypatch, store):
    """Record the number of ranges of each ``cat_ranges`` call of the store's file system."""
    calls = []
    fs = store.fs
    original = fs.cat_ranges

    def counting(paths, starts, ends, **kwargs):
        calls.append(len(paths))
        return original(paths, starts, ends, **kwargs)

    monkeypatch.setattr(fs, "cat_ranges", counting)
    return calls


def test_open_consolidated_is_one_metadata_request(remote):
    writer = remote.writer()
    g = zl.group(writer)
    g.attrs["title"] = "survey"
    for i in range(5):
        sub = g.create_group(f"site{i}")
        sub.attrs["index"] = i
        sub.zeros("temperature", shape=(100, 100), chunks=(50, 50), dtype="f4")
        sub.array("depth", np.arange(10.0) * i, chunks=5)
    zl.consolidate_metadata(writer)
    writer.close()

    remote.traffic.reset()
    root = zl.open_consolidated(remote.backend.url, mode="r")
    assert root.attrs["title"] == "survey"
    assert sorted(root) == [f"site{i}" for i in range(5)]
    for i in range(5):
        assert root[f"site{i}"].attrs["index"] == i
        assert root[f"site{i}/temperature"].shape == (100, 100)
        assert sorted(root[f"site{i}"].array_keys()) == ["depth", "temperature"]
    assert remote.traffic.requests == 1
    np.testing.assert_array_equal(root["site3/depth"][:], np.arange(10.0) * 3)


@pytest.fixture(params=[True, False], ids=["trailer-read", "trailer-laid-in"])
def read_trailer(request, monkeypatch):
    """Both ways of a frame's trailer: read with the blocks (the default: a truncated chunk
    then fails even where the blocks read are intact), or only laid in place."""
    monkeypatch.setattr(byteranges, "READ_TRAILER", request.param)
    return request.param


@pytest.mark.parametrize("window", [(1024, 2048), (1000, 2000)], ids=["aligned", "unaligned"])
def test_window_of_a_two_level_chunk_fetches_only_its_blocks(remote, window, read_trailer):
    a = _field((4096, 4096))
    writer = remote.writer()
    # 128 x 128 blocks: 64 KiB each, 1024 to a chunk; a 64 x 64 window touches 1 to 4
    zl.array(a, chunks=a.shape, store=writer, compressor=zl.B2ND(cname="lz4", blocks=(128, 128)))
    stored = getsize(writer, "0.0")
    writer.close()
    z = zl.open_array(remote.reader(), mode="r")
    sel = np.s_[window[0] : window[0] + 64, window[1] : window[1] + 64]

    remote.traffic.reset()
    np.testing.assert_array_equal(z[sel], a[sel])
    requests, nbytes = remote.traffic.snapshot()
    assert z.stats["ranged_reads"] == 1
    # first read: the frame's head (header, block table; the trailer C-Blosc2 writes is
    # laid in place); second: one range per row of touched blocks, plus the header and
    # table again (to check that the chunk was not replaced between the two reads), and
    # the trailer when it is read
    block_rows = len({window[0] // 128, (window[0] + 63) // 128})
    assert requests == 1 + block_rows + 1 + read_trailer, requests
    assert nbytes <= 0.03 * stored, (nbytes, stored)


def test_a_frame_whose_trailer_is_needed_costs_one_more_request(remote, read_trailer):
    a = _field((2048, 2048), seed=6)
    writer = remote.writer()
    zl.array(a, chunks=a.shape, store=writer, compressor=zl.B2ND(cname="lz4", blocks=(128, 128)))
    writer["0.0"] = _with_zeros_offsets_index(writer["0.0"])  # a 67-byte trailer
    writer.close()
    z = zl.open_array(remote.reader(), mode="r")
    remote.traffic.reset()
    np.testing.assert_array_equal(z[1030:1060, 700:750], a[1030:1060, 700:750])
    # the head; the trailer (read once); the row's blocks and the check
    assert remote.traffic.snapshot()[0] == 4 and z.stats["ranged_reads"] == 1


def test_a_read_of_many_chunks_is_one_store_call_per_phase(remote, monkeypatch):
    a = _field((2048, 2048), seed=1)
    writer = remote.writer()
    zl.array(a, chunks=(512, 512), store=writer, compressor=zl.B2ND(cname="lz4", blocks=(64, 64)))
    writer.close()
    reader = remote.reader()
    z = zl.open_array(reader, mode="r")
    calls = _count_cat_ranges(monkeypatch, reader)
    with zl.config.set(threads=1):
        for read_trailer in (True, False):
            monkeypatch.setattr(byteranges, "READ_TRAILER", read_trailer)
            calls.clear()
            np.testing.assert_array_equal(z[500:524, :], a[500:524, :])  # 12 rows of 8 chunks
            # the heads of 8 chunks; then, in one call, each chunk's row of blocks (8
            # ranges), its header and table again (4 more: the other 4 chunks' row is their
            # first, next to the table, read with it) and its trailer when it is read (4
            # more: the other 4 chunks' row is their last, right before it)
            assert calls == [8, 8 + 4 + 4 * read_trailer]
        assert z.stats["ranged_reads"] == 16
        calls.clear()
        np.testing.assert_array_equal(z[:1024, :], a[:1024, :])  # 8 chunks, whole
        assert calls == [8]


def test_points_of_many_chunks_are_one_store_call_per_phase(remote, monkeypatch):
    a = _field((2048, 2048), seed=7)
    writer = remote.writer()
    zl.array(a, chunks=(1024, 1024), store=writer,
             compressor=zl.B2ND(cname="lz4", blocks=(128, 128)))
    writer.close()
    reader = remote.reader()
    z = zl.open_array(reader, mode="r")
    calls = _count_cat_ranges(monkeypatch, reader)
    rows, cols = np.random.default_rng(8).integers(0, 2048, (2, 100))
    remote.traffic.reset()
    with zl.config.set(threads=1):
        np.testing.assert_array_equal(z.vindex[rows, cols], a[rows, cols])
    assert len(calls) == 2 and calls[0] == 4 and z.stats["ranged_reads"] == 4
    assert remote.traffic.snapshot()[0] == sum(calls)


def test_missing_chunks_read_as_the_fill_value(remote):
    a = _field((2048, 2048), seed=2)
    writer = remote.writer()
    z = zl.open_array(writer, mode="a", shape=a.shape, chunks=(1024, 1024), dtype="f4",
                      fill_value=-1.0, compressor=zl.B2ND(cname="lz4", blocks=(128, 128)))
    z[:1024, :1024] = a[:1024, :1024]  # one chunk of four
    writer.close()
    expected = np.full(a.shape, -1.0, dtype="f4")
    expected[:1024, :1024] = a[:1024, :1024]
    r = zl.open_array(remote.reader(), mode="r")
    np.testing.assert_array_equal(r[10:20, 1500:1510], expected[10:20, 1500:1510])  # by ranges
    np.testing.assert_array_equal(r[1000:1030, 1000:1030], expected[1000:1030, 1000:1030])
    np.testing.assert_array_equal(r[:], expected)
    np.testing.assert_array_equal(r.vindex[[5, 2000], [5, 2000]], [a[5, 5], -1.0])


def test_a_hierarchy_zarrlite_wrote_reads_back_through_http(http_backend, http_server):
    rng = np.random.default_rng(3)
    arrays = {
        "f8": rng.standard_normal((70, 90)),
        "nested/deeper/i2": rng.integers(-300, 300, (33, 17, 5)).astype(">i2"),
        "bool": rng.random((40, 40)) > 0.5,
        "strings": np.array([b"alpha", b"be", b"gamma"] * 7, dtype="S5"),
        "b2nd": rng.integers(0, 1000, (300, 200)).astype("u4"),
    }
    writer = http_backend.open("a")
    root = zl.group(writer)
    root.attrs["about"] = {"units": "m", "n": 5}
    root.array("f8", arrays["f8"], chunks=(16, 32), compressor=zl.codecs.Blosc("zstd", 3))
    root.array("nested/deeper/i2", arrays["nested/deeper/i2"], chunks=(8, 8, 5), order="F")
    root.array("bool", arrays["bool"], chunks=(16, 16), dimension_separator="/")
    root.array("strings", arrays["strings"], chunks=5, fill_value=b"")
    root.array("b2nd", arrays["b2nd"], chunks=(128, 128), compressor=zl.B2ND(blocks=(32, 32)))
    zl.consolidate_metadata(writer)
    writer.close()

    for opened in (zl.open_group(http_backend.url, mode="r"),
                   zl.open_consolidated(http_backend.url, mode="r")):
        assert opened.attrs["about"] == {"units": "m", "n": 5}
        assert sorted(opened) == ["b2nd", "bool", "f8", "nested", "strings"]
        for path, expected in arrays.items():
            got = opened[path]
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got[...], expected)
        np.testing.assert_array_equal(opened["b2nd"][100:140, 3:9], arrays["b2nd"][100:140, 3:9])
        np.testing.assert_array_equal(opened["f8"].oindex[[3, 60], [0, 89]],
                                      arrays["f8"][np.ix_([3, 60], [0, 89])])
    with pytest.raises(zl.errors.ReadOnlyError):
        opened["f8"][0, 0] = 1.0
    assert http_server.traffic.methods.get("PUT", 0) == 0


class ReplacingStore:
    """Makes an FSStore replace its chunks with new versions right after the first byte-range
    call of a read (between the two reads of a ranged read)."""

    def __init__(self, store, replacements):
        self.store, self.replacements, self.calls = store, replacements, 0
        self.original = store.get_partial_values

    def __call__(self, key_ranges):
        parts = self.original(key_ranges)
        self.calls += 1
        if self.calls == 1:
            self.store.setitems(self.replacements)
        return parts


@pytest.mark.parametrize("nchunks", [1, 4])
def test_a_chunk_replaced_between_the_two_reads_is_read_whole(nchunks, monkeypatch,
                                                               read_trailer):
    from zarrlite.stores.fsspec import FSStore

    old, new = _field((2048, 2048), seed=4), _field((2048, 2048), seed=5)
    url = f"memory://replaced-{nchunks}-{np.random.default_rng().integers(1 << 60)}"
    store = FSStore(url, mode="w")
    z = zl.array(old, chunks=(1024, 1024), store=store,
                 compressor=zl.B2ND(cname="lz4", blocks=(128, 128)))
    newer = zl.array(new, chunks=(1024, 1024), compressor=zl.B2ND(cname="lz4", blocks=(128, 128)))
    keys = ["0.0", "0.1", "1.0", "1.1"][:nchunks]
    replacing = ReplacingStore(store, {k: newer.store[k] for k in keys})
    monkeypatch.setattr(store, "get_partial_values", replacing)
    sel = np.s_[1000:1048, 1000:1048] if nchunks == 4 else np.s_[10:40, 10:40]
    with zl.config.set(threads=1):
        got = z[sel]
    # the blocks' read saw a new header and block table: the chunks were read again whole
    np.testing.assert_array_equal(got, new[sel])
    assert replacing.calls == 3 and z.stats["ranged_reads"] == 0
    store.rmdir()
