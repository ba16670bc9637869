"""ZipStore: what the shared store suite does not cover (tests/test_store_suite.py runs the
rest over the zip back end): archives made by ``zip``, duplicate members, the refusal to
delete and the engine working without deletes, zarr-python 3 both ways, byte-range reads,
threads, modes, flush, pickling and corrupt archives."""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
import threading
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numcodecs
import numpy as np
import pytest

import zarrlite as zl
from zarrlite.errors import ReadOnlyError
from zarrlite.stores import DirectoryStore, MemoryStore, getitems, read_ranges_into, rmdir
from zarrlite.stores.access import get_partial_values
from zarrlite.stores.zip import ZipStore

DATA = np.arange(40 * 50, dtype="f8").reshape(40, 50)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "data.zip")


def write_hierarchy(store):
    root = zl.group(store=store)
    root.attrs["title"] = "zip"
    a = root.create_dataset("sub/a", shape=DATA.shape, chunks=(16, 16), dtype="f8")
    a[:] = DATA
    root.create_dataset("b", data=np.arange(30, dtype="i2"), chunks=(7,))


def check_hierarchy(store):
    root = zl.open_group(store, mode="r")
    assert root.attrs["title"] == "zip"
    assert sorted(root) == ["b", "sub"]
    np.testing.assert_array_equal(root["sub/a"][:], DATA)
    np.testing.assert_array_equal(root["b"][:], np.arange(30, dtype="i2"))


# ------------------------------------------------------------- archives made elsewhere


def zip_folder_with_zipfile(folder, path):
    """What ``zip -r0 path .`` run in `folder` makes: directory entries and stored files."""
    with zipfile.ZipFile(path, "w") as zf:
        for dirpath, _dirnames, filenames in os.walk(folder):
            rel = os.path.relpath(dirpath, folder).replace(os.sep, "/")
            if rel != ".":
                zf.write(dirpath, rel + "/")
            for name in filenames:
                arcname = name if rel == "." else rel + "/" + name
                zf.write(os.path.join(dirpath, name), arcname)


def test_zip_of_a_directory_store_opens_as_is(tmp_path, path):
    # what `cd store.zarr && zip -r0 ../store.zip .` makes: directory entries, stored members
    folder = tmp_path / "store.zarr"
    write_hierarchy(DirectoryStore(folder))
    zip_folder_with_zipfile(folder, path)
    with zipfile.ZipFile(path) as zf:
        assert "sub/" in zf.namelist() and "sub/a/.zarray" in zf.namelist()
    with ZipStore(path, mode="r") as store:
        assert store.reads_byte_ranges  # zip -r0 stores members
        assert sorted(store) == sorted(DirectoryStore(folder))  # directory entries skipped
        assert store.listdir("") == [".zattrs", ".zgroup", "b", "sub"]
        assert store.listdir("sub") == [".zgroup", "a"]
        check_hierarchy(store)


def test_hostile_member_names_of_a_foreign_archive_are_invisible(path):
    with zipfile.ZipFile(path, "w") as zf:
        for name in ["../evil", "/abs", "a//b", "a\\b", "./x", "ok"]:
            zf.writestr(name, b"x")
    with ZipStore(path, mode="r") as store:
        assert list(store) == ["ok"]
        for name in ["../evil", "/abs", "a//b", "a\\b", "./x"]:
            assert name not in store
            with pytest.raises(KeyError):
                store[name]
        assert get_partial_values(store, [("../evil", 0, None)]) == [None]
        with pytest.raises(ValueError):
            store.listdir("..")


# ------------------------------------------------------------------ duplicates, deletes


def test_overwrite_appends_and_reads_the_newest(tmp_path, path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zipfile's "Duplicate name" warning would fail here
        with ZipStore(path, mode="w") as store:
            store["k"] = b"one"
            store["k"] = b"second"
            store.setitems({"k": b"third!", "j": b"j"})
            assert store["k"] == b"third!"
            assert len(store) == 2 and sorted(store) == ["j", "k"]
            assert store.getsize("k") == 6 and store.getsize("") == 7
        with zipfile.ZipFile(path) as zf:
            assert [i.filename for i in zf.infolist()] == ["k", "k", "k", "j"]  # the file grew
        with ZipStore(path, mode="r") as store:
            assert store["k"] == b"third!" and len(store) == 2
        with ZipStore(path, mode="a") as store:
            store["k"] = b"fourth"
        with ZipStore(path, mode="r") as store:
            assert store["k"] == b"fourth"

    compact = str(tmp_path / "compact.zip")
    with ZipStore(path, mode="r") as old, ZipStore(compact, mode="w-") as new:
        zl.copy_store(old, new)
    with zipfile.ZipFile(compact) as zf:
        assert sorted(zf.namelist()) == ["j", "k"]
    with ZipStore(compact, mode="r") as store:
        assert store["k"] == b"fourth"


def test_deletes_are_refused_with_what_to_do_instead(path):
    store = ZipStore(path, mode="w")
    store.setitems({"a/0": b"0", "a/1": b"1", "b": b"b"})
    assert store.supports_deletes is False
    for call in (
        lambda: store.__delitem__("a/0"),
        lambda: store.delitems(["zz", "a/1"]),
        lambda: rmdir(store, "a"),
        lambda: store.rename("a", "c"),
        store.clear,
        lambda: store.pop("b"),
    ):
        with pytest.raises(NotImplementedError, match="cannot remove members.*copy_store"):
            call()
    with pytest.raises(KeyError):
        del store["missing"]
    store.delitems(["missing"])  # nothing to remove: nothing to refuse
    store.rmdir("nothing/here")
    assert sorted(store) == ["a/0", "a/1", "b"]
    store.close()
    reader = ZipStore(path, mode="r")
    with pytest.raises(ReadOnlyError):
        del reader["a/0"]
    with pytest.raises(ReadOnlyError):
        reader.rename("a", "c")
    reader.close()


def test_engine_overwrites_instead_of_deleting(path):
    store = ZipStore(path, mode="w")
    z = zl.open_array(store, mode="w", shape=(30,), chunks=(10,), dtype="i4", fill_value=7)
    z[:] = np.arange(30)
    z[:10] = 7  # chunk 0 is all fill value: overwritten with an encoded fill chunk
    assert "0" in store
    np.testing.assert_array_equal(z[:10], np.full(10, 7))
    z[25:] = 7  # partly: rewritten, not emptied
    z.resize(12)  # chunks 2 (and 1's tail) are cut off ...
    z.resize(30)  # ... and must read as fill value when the array grows again
    expected = np.full(30, 7, dtype="i4")
    expected[10:12] = [10, 11]
    np.testing.assert_array_equal(z[:], expected)
    store.close()
    with ZipStore(path, mode="r") as reader:
        np.testing.assert_array_equal(zl.open_array(reader, mode="r")[:], expected)


# --------------------------------------------------------------------- zarr-python 3


def test_zarr3_reads_what_we_wrote(path):
    import zarr

    with ZipStore(path, mode="w") as store:
        write_hierarchy(store)
    zstore = zarr.storage.ZipStore(path, mode="r")
    root = zarr.open_group(zstore, mode="r", zarr_format=2)
    assert root.attrs["title"] == "zip"
    np.testing.assert_array_equal(root["sub/a"][:], DATA)
    np.testing.assert_array_equal(root["b"][:], np.arange(30, dtype="i2"))
    zstore.close()


@pytest.mark.filterwarnings("ignore::UserWarning")  # zarr 3's own duplicate-name warnings
def test_we_read_what_zarr3_wrote(path):
    import zarr

    zstore = zarr.storage.ZipStore(path, mode="w")
    root = zarr.open_group(zstore, mode="w", zarr_format=2)
    root.attrs["title"] = "zip"
    a = root.create_array(
        "sub/a", shape=DATA.shape, chunks=(16, 16), dtype="f8", compressors=numcodecs.Zlib(level=1)
    )
    a[:] = DATA
    b = root.create_array("b", shape=(30,), chunks=(7,), dtype="i2", compressors=None)
    b[:] = np.arange(30, dtype="i2")
    zstore.close()
    with ZipStore(path, mode="r") as store:
        check_hierarchy(store)


# ---------------------------------------------------------------------- byte ranges


def bytes_read_by_process():
    with open("/proc/self/io") as f:
        return int(next(line for line in f if line.startswith("rchar:")).split()[1])


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs Linux /proc/self/io")
def test_byte_ranges_read_only_the_range(path):
    value = np.random.default_rng(0).integers(0, 256, 32 << 20, dtype=np.uint8).tobytes()
    with ZipStore(path, mode="w") as store:
        store["big"] = value
    with ZipStore(path, mode="r") as store:
        assert store.reads_byte_ranges
        before = bytes_read_by_process()
        parts = get_partial_values(store, [("big", 1 << 24, 100), ("big", -10, None)])
        out = bytearray(50)
        counts = read_ranges_into(store, "big", [(12345, 50, 0)], out)
        spent = bytes_read_by_process() - before
        assert parts == [value[1 << 24 : (1 << 24) + 100], value[-10:]]
        assert counts == [50] and bytes(out) == value[12345:12395]
        assert spent < 1 << 16, f"{spent} bytes read for 160 bytes of a 32 MiB member"


def test_compressed_members_are_read_whole_and_sliced(path):
    value = bytes(range(256)) * 100
    with ZipStore(path, mode="w", compression=zipfile.ZIP_DEFLATED) as store:
        assert not store.reads_byte_ranges
        store["v"] = value
        assert get_partial_values(store, [("v", 10, 5), ("v", -3, None), ("x", 0, 1)]) == [
            value[10:15],
            value[-3:],
            None,
        ]
        out = bytearray(8)
        assert read_ranges_into(store, "v", [(0, 4, 0), (25598, 4, 4)], out) == [4, 2]
        assert bytes(out[:6]) == value[:4] + value[-2:]
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("v").compress_type == zipfile.ZIP_DEFLATED
        assert zf.getinfo("v").compress_size < len(value)
    with ZipStore(path, mode="a") as store:  # stores new members, but one is deflated
        assert not store.reads_byte_ranges
        store["v"] = b"stored now"
        assert store.reads_byte_ranges
        assert store["v"] == b"stored now"
    with pytest.raises(ValueError, match="compression"):
        ZipStore(path, compression=99)


# -------------------------------------------------------------------------- threads


def test_threads_read_while_another_writes(path):
    values = {f"k/{i}": os.urandom(1000 + 37 * i) for i in range(200)}
    with ZipStore(path, mode="w", compression=zipfile.ZIP_DEFLATED) as store:
        store["deflated"] = b"d" * 5000  # read through zipfile, under the lock
    store = ZipStore(path, mode="a")
    store.setitems(values)  # stored: read with pread, outside the lock
    errors = []
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            store[f"new/{i}"] = os.urandom(5000)
            store["k/0"] = values["k/0"]  # overwritten with itself meanwhile
            i += 1

    def reader(seed):
        rng = np.random.default_rng(seed)
        for _ in range(50):
            keys = [f"k/{i}" for i in rng.integers(0, 200, 20)] + ["deflated"]
            got = getitems(store, keys)
            if any(got[k] != values[k] for k in keys[:-1]) or got["deflated"] != b"d" * 5000:
                errors.append("getitems")
            k = keys[0]
            if get_partial_values(store, [(k, 10, 20)]) != [values[k][10:30]]:
                errors.append("range")
            store.listdir("new")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(reader, range(16)))
    finally:
        stop.set()
        thread.join()
    assert errors == []
    store.close()
    with ZipStore(path, mode="r") as again:
        assert {k: again[k] for k in values} == values


def test_close_waits_for_readers_and_later_use_names_the_path(path):
    store = ZipStore(path, mode="w")
    value = os.urandom(1 << 20)
    store["k"] = value
    outcomes = []

    def read_until_closed():
        while True:
            try:
                ok = store["k"] == value and store.get_partial_values([("k", 5, 5)]) == [
                    value[5:10]
                ]
            except ValueError as e:  # closed meanwhile: the only error allowed
                outcomes.append("closed" in str(e))
                return
            if not ok:
                outcomes.append(False)
                return

    threads = [threading.Thread(target=read_until_closed) for _ in range(4)]
    for thread in threads:
        thread.start()
    store.close()  # waits for reads under way, so none reads a closed file
    for thread in threads:
        thread.join()
    assert outcomes == [True] * 4
    store.close()  # again: nothing
    for call in (
        lambda: store["k"],
        lambda: store.__setitem__("k", b"w"),
        lambda: len(store),
        lambda: list(store),
        lambda: "k" in store,
        lambda: store.listdir(""),
        lambda: store.getitems(["k"]),
        lambda: store.get_partial_values([("k", 0, 1)]),
        store.flush,
        lambda: store.getsize(""),
    ):
        with pytest.raises(ValueError, match="data.zip.*closed"):
            call()
    assert "closed" in repr(store)


# ------------------------------------------------------------------------ modes, flush


def test_modes(tmp_path, path):
    with pytest.raises(FileNotFoundError):
        ZipStore(path, mode="r")
    with pytest.raises(FileNotFoundError):
        ZipStore(path, mode="r+")
    with ZipStore(path, mode="a") as store:  # created
        store["a"] = b"1"
    with ZipStore(path, mode="a") as store:  # appended
        store["b"] = b"2"
    with ZipStore(path, mode="r+") as store:
        assert sorted(store) == ["a", "b"]
    with pytest.raises(FileExistsError):
        ZipStore(path, mode="w-")
    with ZipStore(path, mode="r") as store:
        assert store.readonly
        with pytest.raises(ReadOnlyError):
            store["c"] = b"3"
        store.flush()  # nothing to write
    with ZipStore(path, mode="w") as store:  # emptied
        assert len(store) == 0
    with ZipStore(path, mode="r") as store:
        assert len(store) == 0
    with pytest.raises(ValueError, match="invalid mode"):
        ZipStore(path, mode="x")
    not_zip = tmp_path / "notes.txt"
    not_zip.write_bytes(b"not a zip archive")
    for mode in ("a", "r+"):
        with pytest.raises(ValueError, match="not a zip archive"):
            ZipStore(not_zip, mode=mode)
    with pytest.raises(ValueError, match="not a zip archive"):
        ZipStore(not_zip, mode="r")
    assert not_zip.read_bytes() == b"not a zip archive"  # nothing appended


def test_flush_makes_writes_visible_to_other_openers(path):
    store = ZipStore(path, mode="w")
    store["a"] = b"1"
    store.flush()
    with ZipStore(path, mode="r") as other:
        assert dict(other) == {"a": b"1"}
    store["b"] = b"2"  # writing goes on after a flush
    store.close()
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None and zf.namelist() == ["a", "b"]


def test_a_forgotten_store_still_writes_its_central_directory(path):
    store = ZipStore(path, mode="w")
    store["a"] = b"1"
    del store
    gc.collect()
    with ZipStore(path, mode="r") as other:
        assert other["a"] == b"1"


def test_only_read_only_zip_stores_pickle(path):
    store = ZipStore(path, mode="w")
    store["a"] = b"1"
    # a process unpickling a writable store would be a second writer: it corrupts the archive
    with pytest.raises(zl.ProcessLocalStoreError, match="a zip archive takes one writer"):
        pickle.dumps(store)
    store.close()
    with pytest.raises(zl.ProcessLocalStoreError):
        pickle.dumps(ZipStore(path, mode="a"))
    reader = ZipStore(path, mode="r")
    blob = pickle.dumps(reader)
    assert pickle.loads(blob) == reader and pickle.loads(blob).readonly
    code = "import pickle, sys; s = pickle.loads(sys.stdin.buffer.read()); print(sorted(s))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=blob,
        capture_output=True,
        check=True,
        cwd=os.path.dirname(__file__),  # not a source tree: the installed zarrlite
    )
    assert done.stdout.decode().strip() == "['a']"
    reader.close()
    with zipfile.ZipFile(path) as zf:  # still a sound archive
        assert zf.testzip() is None


# ------------------------------------------------------------------------ corruption


def test_corrupt_members_raise_value_error(path):
    with ZipStore(path, mode="w") as store:
        store["k"] = b"0123456789" * 10
        store["j"] = b"j"
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("k")
    raw = bytearray(open(path, "rb").read())
    data_at = raw.index(b"0123456789")
    raw[data_at + 50] ^= 0xFF  # one byte of the member's data
    open(path, "wb").write(bytes(raw))
    with ZipStore(path, mode="r") as store:
        with pytest.raises(ValueError, match="CRC"):
            store["k"]
        assert store.get_partial_values([("k", 0, 10)]) == [b"0123456789"]
        assert store["j"] == b"j"
    raw[info.header_offset + 30] = ord("x")  # the member's name in its local header
    open(path, "wb").write(bytes(raw))
    with ZipStore(path, mode="r") as store, pytest.raises(ValueError, match="local header"):
        store["k"]


def test_repr_and_identity(path):
    with ZipStore(path, mode="w") as store:
        assert repr(store) == f"ZipStore({os.path.abspath(path)!r}, mode='w')"
        assert "data.zip" in store.location_of("a/b")
        assert store.threadsafe and store.copies_values and not store.reads_in_batches
        assert store != MemoryStore()
    with ZipStore(path, mode="r") as reader:
        assert hash(reader) == hash(pickle.loads(pickle.dumps(reader)))


def test_reading_an_archive_its_writer_has_not_closed_says_so(tmp_path):
    path = tmp_path / "open.zip"
    writer = ZipStore(path, mode="w")
    writer["k"] = b"v"  # no close(): no member list in the file yet
    with pytest.raises(ValueError, match="writer never closed it"):
        ZipStore(path, mode="r")
    writer.close()
    assert ZipStore(path, mode="r")["k"] == b"v"
