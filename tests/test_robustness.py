"""Robustness: corrupt chunks, NaN fill values, odd keys and files, stores that read arrays."""

import struct
import time

import numcodecs
import numpy as np
import pytest

import zarrlite as zl


def _chunk_with_negative_stream_length(cname: str, shuffle: int, blocksize: int):
    """A valid Blosc1-format (version 2) chunk whose block 1 start now points at a stream
    with a negative length (a C-Blosc2-only "run" encoding, invalid in format version 2)."""
    store: dict = {}
    z = zl.create(
        shape=(4096,),
        chunks=(4096,),
        dtype="f8",
        store=store,
        compressor=zl.Blosc(cname=cname, shuffle=shuffle, blocksize=blocksize),
    )
    ref = np.sin(np.arange(4096)).round(2)
    z[:] = ref
    b = bytearray(store["0"])
    assert b[0] == 2  # format version 2, as numcodecs writes
    pos = len(b)
    b += struct.pack("<i", -65) + b"\x01" * 64  # length -65, then a "run" token
    struct.pack_into("<i", b, 12, len(b))  # cbytes stays consistent with the buffer
    struct.pack_into("<i", b, 16 + 4, pos)  # bstarts[1]
    store["0"] = bytes(b)
    return z, ref, bytes(b)


@pytest.mark.parametrize(
    "cname, shuffle, blocksize", [("lz4", 0, 512), ("blosclz", 2, 512), ("zstd", 0, 4096)]
)
@pytest.mark.parametrize("sel", ["all", "reversed", "part of block 1"])
def test_corrupt_v2_chunk_with_negative_stream_length_raises(cname, shuffle, blocksize, sel):
    # C-Blosc 1 (numcodecs, zarr-python, tensorstore) rejects this chunk; zarrlite hands it
    # to C-Blosc2, which accepts negative split lengths in any format version, and returns a
    # run of byte 65 (0x41) in place of block 1: silently wrong data.
    z, ref, cdata = _chunk_with_negative_stream_length(cname, shuffle, blocksize)
    first = blocksize // 8  # first item of block 1
    sel = {
        "all": np.s_[:],
        "reversed": np.s_[::-1],
        "part of block 1": np.s_[first + 3 : first + 9],
    }[sel]
    with pytest.raises(RuntimeError):
        numcodecs.Blosc().decode(cdata)
    with pytest.raises(zl.CodecError):
        z[sel]


@pytest.mark.parametrize("compressor", [zl.Blosc(), zl.Zstd()])
def test_all_nan_chunks_not_stored_whatever_the_nan_bits(compressor):
    # 0/0 gives a NaN with the sign bit set (0xfff8...), np.nan is 0x7ff8...; both are the
    # NaN fill value. zarr-python (2 and 3) drop such chunks; zarrlite compares bytes.
    store: dict = {}
    z = zl.create(
        shape=(10,), chunks=(5,), dtype="f8", fill_value=np.nan, store=store, compressor=compressor
    )
    with np.errstate(invalid="ignore"):
        z[:] = np.zeros(10) / 0
    assert z.nchunks_initialized == 0


def test_directory_store_batch_methods_reject_nul_in_key(tmp_path):
    # The per-key methods raise ValueError("embedded null byte"); the C batch paths cut the
    # path at the NUL and read or write a different key.
    store = zl.DirectoryStore(tmp_path)
    store["a"] = b"secret"
    with pytest.raises(ValueError):
        store["a\x00b"] = b"x"
    with pytest.raises(ValueError):
        store.getitems_into(["a\x00zz"])
    with pytest.raises(ValueError):
        store.setitems({"q\x00r": b"zz"})
    assert "q" not in store


def test_fifo_named_like_a_chunk_raises_instead_of_hanging(tmp_path):
    import os

    z = zl.zeros((4,), chunks=(2,), dtype="i4", store=str(tmp_path))
    os.mkfifo(tmp_path / "0")
    with pytest.raises(OSError, match="0"):
        z[:]


class _ArrayBackedStore(dict):
    """A store whose reads go through another zarrlite array (a 'virtual' store)."""

    def __init__(self, source):
        super().__init__()
        self.source = source

    def getitems(self, keys):
        self.source[...]  # a nested multi-chunk read, possibly from a worker thread
        return {k: self[k] for k in keys if k in self}


def test_store_that_reads_another_array_does_not_deadlock():
    source = zl.array(np.arange(64), chunks=(4,))
    store = _ArrayBackedStore(source)
    z = zl.array(np.arange(100.0), chunks=(5,), store=store)
    with zl.config.set(threads=2):
        np.testing.assert_array_equal(z[...], np.arange(100.0))


def test_wrapper_store_never_keeps_views_of_reused_buffers():
    class CachingWrapper(dict):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def __getattr__(self, name):  # forwards the rest, copies_values included
            return getattr(self.inner, name)

        def getitems(self, keys):
            return {k: self[k] for k in keys if k in self}

        def setitems(self, mapping):
            self.update(mapping)  # keeps whatever it is given

        def delitems(self, keys):
            for k in keys:
                self.pop(k, None)

    store = CachingWrapper(zl.MemoryStore())
    z = zl.zeros((8,), chunks=(2,), dtype="i8", store=store)
    z[...] = np.arange(8)
    z[...] = np.arange(8) * 10  # would overwrite views kept from the first write
    np.testing.assert_array_equal(z[...], np.arange(8) * 10)
    assert all(isinstance(v, bytes) for k, v in store.items() if not k.startswith("."))


@pytest.mark.parametrize("name", [".zattrs", ".zarray", "0", "sub/.zgroup"])
def test_fifo_in_a_directory_store_raises_instead_of_hanging(tmp_path, name):
    # in a child process with a timeout: a blocked open() could not be interrupted here
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import os, zarrlite as zl
        root = {str(tmp_path)!r}
        z = zl.zeros((4,), chunks=(2,), dtype="i4", store=root)
        path = os.path.join(root, {name!r})
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.remove(path)
        os.mkfifo(path)
        store = zl.DirectoryStore(root)
        for read in (lambda: store[{name!r}], lambda: z.attrs.asdict(),
                     lambda: zl.open_array(root, mode="r")[:]):
            try:
                read()
            except (OSError, KeyError, ValueError) as exc:
                print(type(exc).__name__)
    """)
    # run from tmp_path: from the source tree, python -c would import the unbuilt package
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OSError" in result.stdout  # the FIFO is refused, not read


def test_store_reading_another_array_on_a_helper_thread_does_not_deadlock(tmp_path):
    # the store's reads wait for a helper thread that itself reads a zarrlite array: the
    # pool's workers are all busy in the store, so the helper's batches must not wait for
    # them (they run on the helper's own thread)
    import collections
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import collections
        from concurrent.futures import ThreadPoolExecutor
        import numpy as np, zarrlite as zl
        zl.config.set(threads=2)
        inner = zl.array(np.arange(10000).reshape(100, 100), chunks=(10, 10))
        helper = ThreadPoolExecutor(1)

        class Virtual(collections.UserDict):
            def __getitem__(self, key):
                value = super().__getitem__(key)
                helper.submit(lambda: int(inner[:].sum())).result()
                return value

        z = zl.zeros((100, 100), chunks=(10, 10), dtype="i8", store=Virtual())
        z[:] = 1
        print(int(z[:].sum()))
    """)
    assert collections  # the script's own import
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10000"


def test_per_thread_scratch_is_bounded_and_released():
    from zarrlite.chunkio import buffers

    limit = 8 << 20
    with zl.config.set(threads=1, max_kept_scratch_nbytes=limit):
        for side in (32, 256, 1024, 2048, 4096):  # chunks of 4 KiB to 64 MiB (float32)
            a = np.ones((side, side), dtype="f4")
            z = zl.array(a, chunks=a.shape, store=zl.MemoryStore())
            assert float(z[...].sum()) == side * side
            z[: side // 2] = 2  # a partial write: decode, patch, encode
            assert buffers.kept_nbytes() <= limit
        zl.config.release_buffers()
        assert buffers.kept_nbytes() == 0


def test_kept_scratch_shrinks_when_smaller_arrays_are_read_later(tmp_path):
    """A thread that read big chunks (fetch, frame and decode buffers of tens of MiB) and
    then reads only small ones gives the big buffers back; one that alternates keeps them."""
    from zarrlite.chunkio import buffers

    with zl.config.set(threads=1):
        big = zl.array(np.random.default_rng(0).standard_normal((4096, 4096), dtype="f4"),
                       chunks=(2048, 2048), store=str(tmp_path / "big"))  # fmt: skip
        small = zl.array(np.ones((256, 256), "f4"), chunks=(64, 64),
                         store=str(tmp_path / "small"))  # fmt: skip
        zl.config.release_buffers()
        assert big[...].shape == (4096, 4096) and big[5:10, 5:3000].shape == (5, 2995)
        assert buffers.kept_nbytes() > 32 << 20
        for _ in range(3):  # alternating: the big buffers stay
            big[...], small[...]
        assert buffers.kept_nbytes() > 32 << 20
        for _ in range(40):
            assert small[...].sum() == 256 * 256 and small[3:70, 3:70].sum() == 67 * 67
        assert buffers.kept_nbytes() < 2 << 20, {k: v.nbytes for k, v in buffers._kept().items()}
        assert (big[...] == zl.open_array(str(tmp_path / "big"))[...]).all()


def _read_on_workers(side=512, chunk=128):
    a = np.ones((side, side), dtype="f4")
    z = zl.array(a, chunks=(chunk, chunk), store=zl.MemoryStore())
    z[: side // 2 + 1] = 2  # partial writes of the cut chunks: scratch on the workers
    assert float(z[...].sum()) == side * side + (side // 2 + 1) * side


def test_release_buffers_frees_every_threads_scratch_at_once():
    from zarrlite.chunkio import buffers

    with zl.config.set(threads=2, idle_buffer_seconds=None):
        _read_on_workers()
        assert buffers.all_kept_nbytes() > 0  # the worker threads keep theirs
        zl.config.release_buffers()  # without waiting for each thread's next call
        assert buffers.all_kept_nbytes() == 0


def test_idle_threads_scratch_is_freed_and_the_janitor_stops():
    from zarrlite.chunkio import buffers

    with zl.config.set(threads=2, idle_buffer_seconds=0.2):
        _read_on_workers()
        assert buffers.all_kept_nbytes() > 0
        deadline = time.monotonic() + 10
        while buffers.all_kept_nbytes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert buffers.all_kept_nbytes() == 0
        while buffers._janitor_running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not buffers._janitor_running  # no thread left behind with nothing to do
        _read_on_workers()  # buffers are kept again, and released again
        assert buffers.all_kept_nbytes() > 0 and buffers._janitor_running


def test_idle_buffer_seconds_is_checked():
    with pytest.raises(ValueError, match="idle_buffer_seconds"):
        zl.config.set(idle_buffer_seconds=0)
    with pytest.raises(ValueError, match="idle_buffer_seconds"):
        zl.config.set(idle_buffer_seconds="10")


@pytest.fixture
def store_with_links(tmp_path):
    """A directory store whose root holds a link to an outside directory (holding a
    'secret' file) and a link to an outside file."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"do not touch")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "filelink").symlink_to(outside / "secret")
    return zl.DirectoryStore(str(root)), outside


def test_directory_store_never_follows_links_out_of_its_root(store_with_links):
    store, outside = store_with_links
    for call in (lambda: store["link/secret"], lambda: store.getitems(["link/secret"]),
                 lambda: store.listdir("link"), lambda: store.getsize("link"),
                 lambda: store.get_partial_values([("link/secret", 0, 4)])):
        with pytest.raises(PermissionError, match="outside the store"):
            call()
    with pytest.raises(OSError):  # a link as the last component is not read either
        store["filelink"]
    assert "link/secret" not in store and "filelink" not in store
    assert sorted(store) == [] and store.listdir() == []  # links are not listed
    for call in (lambda: store.__setitem__("link/new", b"x"),
                 lambda: store.setitems({"link/new": b"x"}),
                 lambda: store.__delitem__("link/secret"), lambda: store.rmdir("link")):
        with pytest.raises(PermissionError, match="outside the store"):
            call()
    group = zl.group(store)
    with pytest.raises(PermissionError):
        group.create_dataset("link/arr", shape=3)
    store.rmdir("")  # emptying the root removes the links, not what they point to
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_bytes() == b"do not touch"


def test_chunk_reads_through_a_linked_directory_are_refused(tmp_path):
    outside = tmp_path / "outside"
    zl.array(np.arange(8), chunks=4, store=str(outside / "arr"))
    root = tmp_path / "root"
    root.mkdir()
    zl.group(str(root))
    (root / "arr").symlink_to(outside / "arr", target_is_directory=True)
    with pytest.raises(KeyError):  # what lies behind the link is not in the store
        zl.open_group(str(root))["arr"]
    with pytest.raises(PermissionError, match="outside the store"):
        zl.open_array(str(root), path="arr", mode="r")
    store = zl.DirectoryStore(str(root))
    with pytest.raises(PermissionError, match="outside the store"):
        store.getitems_into(["arr/0", "arr/1"])  # the C batch reader


def test_a_directory_swapped_for_a_link_after_use_is_refused(tmp_path):
    # the cheap check (no link on the way) runs on every key, not once per directory: a
    # directory moved out of the store and replaced by a link to it is caught at once
    root = tmp_path / "root.zarr"
    z = zl.group(str(root)).zeros("g/a", shape=4, chunks=2)
    z[:] = 1
    assert z[0] == 1
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "g").rename(outside / "g")
    (root / "g").symlink_to(outside / "g", target_is_directory=True)
    with pytest.raises(PermissionError, match="outside the store"):
        z[0] = 5
    with pytest.raises(PermissionError, match="outside the store"):
        z[0]
    assert (outside / "g" / "a" / "0").stat().st_size > 0
    assert zl.open_array(str(outside / "g" / "a"))[0] == 1  # untouched
    inside = tmp_path / "inside.zarr"  # a link that stays inside the root is followed
    w = zl.group(str(inside)).zeros("real/a", shape=2, chunks=2)
    w[:] = 3
    (inside / "alias").symlink_to(inside / "real", target_is_directory=True)
    assert zl.open_group(str(inside))["alias/a"][1] == 3


def test_arrays_and_their_stores_are_freed_without_waiting_for_the_garbage_collector(tmp_path):
    # No reference cycle through an array: dropping the last reference frees it, its
    # store and the store's data at once (a cycle held big memory stores until a full
    # collection, and a loop over many arrays grew to several times its working set).
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        for make_store in (zl.MemoryStore, lambda: zl.DirectoryStore(tmp_path / "a.zarr")):
            store = make_store()
            expected = np.arange(100.0).reshape(10, 10)
            z = zl.array(expected, chunks=(4, 4), store=store)
            z.resize(12, 10)
            expected = np.concatenate([expected, np.zeros((2, 10))])
            z.attrs["a"] = 1
            z[2:5, 1] = expected[2:5, 1] = -1
            assert np.array_equal(z[...], expected)
            z.oindex[[1, 7], :], z.vindex[[1, 7], [2, 3]]
            array_ref, store_ref = weakref.ref(z), weakref.ref(store)
            del z, store
            deadline = time.monotonic() + 5  # (a worker may still hold a finished batch)
            while store_ref() is not None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert array_ref() is None and store_ref() is None
    finally:
        gc.enable()


#: A C-Blosc2 chunk (format version 5, extended header) of 1000 float64 held as a special
#: value, no data: byte 31 bits 4-6 say which (1 zeros, 4 "uninitialized").
_SPECIAL_VALUE_CHUNK = bytes.fromhex(
    "05018508401f0000401f00002000000000000000000105000000000000000010")


def test_uninitialized_special_value_chunks_are_refused():
    # found by fuzz/: C-Blosc2 "decodes" such a chunk by writing nothing, so zarrlite
    # returned whatever memory the output buffer held (stale data of other chunks)
    zeros = _SPECIAL_VALUE_CHUNK
    uninit = zeros[:31] + bytes([0x40])
    assert zl.Blosc().decode(zeros).view("f8").tolist() == [0.0] * 1000
    with pytest.raises(zl.CodecError, match="cannot decode"):
        zl.Blosc().decode(uninit)
    store: dict = {}
    z = zl.create(shape=(1000,), chunks=(1000,), dtype="f8", store=store,
                  compressor=zl.Blosc())
    store["0"] = uninit
    with pytest.raises(zl.CodecError):
        z[:]
    with pytest.raises(zl.CodecError):
        z[10:20]
