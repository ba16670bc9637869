"""FSStore beyond the shared store suite: one file-system call per batch, errors that name
the key, servers that are down or never answer, glob characters in keys, pickling (local
paths made absolute), secrets kept out of messages, threads and forks, URLs in
``normalize_store``; and HTTP: the entry points' modes, query strings, existence checks
with HEAD, and servers that ignore ``Range``."""

from __future__ import annotations

import itertools
import os
import pickle
import socket
import threading
import time
import uuid

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.errors import ReadOnlyError
from zarrlite.stores import DirectoryStore, MemoryStore
from zarrlite.stores._util import slice_value
from zarrlite.stores.access import normalize_store, read_ranges_into
from zarrlite.stores.fsspec import FSStore

GLOB_KEYS = {"a[1]/x*y": b"star", "a[1]/q?": b"question", "b*": b"top"}


@pytest.fixture(params=["fsspec_memory", "fsspec_local", "http", "s3"])
def backend(request):
    return request.getfixturevalue(f"{request.param}_backend")


def _count_cat_ranges(monkeypatch, store):
    calls = []
    fs = store.fs
    original = fs.cat_ranges

    def counting(paths, starts, ends, **kwargs):
        calls.append(len(paths))
        return original(paths, starts, ends, **kwargs)

    monkeypatch.setattr(fs, "cat_ranges", counting)
    return calls


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_each_batch_is_one_file_system_call(backend, monkeypatch):
    values = {f"c/{i}.0": bytes([i]) * (i + 1) for i in range(20)}
    writer = backend.open("a")
    writer.setitems(values)
    writer.close()
    store = backend.open("r")
    calls = _count_cat_ranges(monkeypatch, store)
    assert store.getitems([*values, "c/missing"]) == values
    assert store.get_partial_values([(k, 1, 2) for k in values] + [("c/missing", 0, 1)]) == [
        v[1:3] for v in values.values()] + [None]
    buf = bytearray(8)
    assert read_ranges_into(store, "c/19.0", [(0, 3, 0), (18, 5, 3), (4, 0, 8)], buf) == [3, 2, 0]
    assert bytes(buf[:5]) == bytes([19]) * 5
    assert read_ranges_into(store, "c/missing", [(0, 1, 0)], buf) is None
    assert calls == [21, 21, 3, 1]
    assert store.reads_in_batches and store.reads_byte_ranges


def test_errors_other_than_a_missing_value_name_the_key(http_backend, http_server):
    writer = http_backend.open("a")
    writer.setitems({"good": b"1", "broken": b"2"})
    store = http_backend.open("r")
    path = "/" + http_backend.url.split("/", 3)[3] + "/broken"
    http_server.failing.add(path)
    try:
        with pytest.raises(OSError, match="'broken'.*500"):
            store.getitems(["good", "broken", "missing"])
        with pytest.raises(OSError, match="'broken'"):
            store.get_partial_values([("broken", 0, 1)])
        with pytest.raises(OSError, match="'broken'"):
            store["broken"]
        assert store.getitems(["good", "missing"]) == {"good": b"1"}
    finally:
        http_server.failing.discard(path)


@pytest.mark.parametrize("scheme", ["http", "s3"])
def test_a_server_that_is_down_fails_with_a_clear_error(scheme):
    port = _free_port()  # nothing listens there
    endpoint = f"http://127.0.0.1:{port}"
    store = (FSStore(f"{endpoint}/data.zarr", mode="r") if scheme == "http" else
             FSStore("s3://bucket/data.zarr", mode="r", key="k", secret="s",
                     client_kwargs={"endpoint_url": endpoint}))
    start = time.monotonic()
    with pytest.raises(OSError,
                       match=r"cannot (read|look up) key '\.zgroup' of <FSStore '.*'") as info:
        zl.open_group(store, mode="r")[...]  # noqa: B018
    assert "connect" in str(info.value).lower()
    assert time.monotonic() - start < 60  # default timeouts and retries (s3: about 10 s)


def test_a_server_that_never_answers_times_out():
    import aiohttp

    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        store = FSStore(f"http://127.0.0.1:{port}/x", mode="r",
                        client_kwargs={"timeout": aiohttp.ClientTimeout(sock_read=0.5)})
        start = time.monotonic()
        with pytest.raises(OSError, match="'k'.*[Tt]imeout"):
            store["k"]
        assert time.monotonic() - start < 10


@pytest.mark.parametrize("name", ["fsspec_memory", "fsspec_local", "s3"])
def test_keys_with_glob_characters_are_names(request, name):
    backend = request.getfixturevalue(f"{name}_backend")
    store = backend.open("a")
    store.setitems({**GLOB_KEYS, "a1/x": b"other", "bb": b"kept"})
    assert store.getitems(list(GLOB_KEYS)) == GLOB_KEYS
    assert store.listdir("a[1]") == ["q?", "x*y"]
    store.delitems(["b*"])
    assert "bb" in store and "b*" not in store
    del store["a[1]/q?"]
    assert store.listdir("a[1]") == ["x*y"]
    store.rmdir("a[1]")
    assert sorted(store) == ["a1/x", "bb"]


def test_pickles_as_what_reopens_it(s3_server, tmp_path):
    url = f"memory://pickle-{uuid.uuid4().hex}"
    store = FSStore(url, mode="a", key_separator="/")
    store["k"] = b"v"
    with pytest.raises(zl.ProcessLocalStoreError, match="cannot pickle a FSStore 'memory://"):
        pickle.dumps(store)  # memory:// is this process's: another would see another store
    local = FSStore(f"file://{tmp_path}/p.zarr", mode="a", key_separator="/")
    local["k"] = b"v"
    again = pickle.loads(pickle.dumps(local))
    assert again is not local and again["k"] == b"v"
    assert (again.url, again.mode, again.dimension_separator) == (local.url, "a", "/")
    s3 = FSStore(f"s3://{s3_server.bucket}/{uuid.uuid4().hex}", mode="r",
                 **s3_server.storage_options)
    assert pickle.loads(pickle.dumps(s3)).storage_options == s3_server.storage_options


def test_messages_keep_secrets_out():
    store = FSStore("https://user:hunter2@127.0.0.1:1/data.zarr?X-Amz-Signature=abc#frag",
                    mode="r", headers={"Authorization": "Bearer hunter2"})
    for text in (repr(store), store.location_of("a/b")):
        assert "hunter2" not in text and "Signature" not in text and "frag" not in text
    assert repr(store) == "<FSStore 'https://127.0.0.1:1/data.zarr', mode='r'>"
    assert store.location_of("a/b") == "https://127.0.0.1:1/data.zarr/a/b"


def test_bad_arguments_are_refused_clearly():
    for mode in ("w", "w-"):
        with pytest.raises(ValueError, match=f"read-only, and mode '{mode}' would create"):
            FSStore("http://127.0.0.1:1/x?token=SECRET", mode=mode)
    with pytest.raises(ValueError, match="invalid mode"):
        FSStore("memory://x", mode="rw")
    with pytest.raises(ValueError, match="key_separator"):
        FSStore("memory://x", key_separator="-")
    with pytest.raises(TypeError, match="str URL"):
        FSStore(b"memory://x")  # type: ignore[arg-type]
    with pytest.raises(ImportError, match=r"pip install \"zarrlite\[fsspec\]\""):
        FSStore("gs://bucket/x")  # gcsfs is not a test dependency
    with pytest.raises(ValueError, match="invalid store key"):
        FSStore("memory://x", mode="a")["../up"] = b"1"


def test_the_key_separator_is_the_default_for_new_arrays():
    store = FSStore(f"memory://sep-{uuid.uuid4().hex}", mode="w", key_separator="/")
    z = zl.open_array(store, mode="w", shape=(4, 4), chunks=(2, 2), dtype="u1")
    z[:] = 1
    assert sorted(k for k in store if not k.startswith(".")) == ["0/0", "0/1", "1/0", "1/1"]
    store.rmdir()


@pytest.mark.parametrize("name", ["http", "s3"])
def test_threads_share_one_store(request, name):
    backend = request.getfixturevalue(f"{name}_backend")
    values = {f"k{i}": os.urandom(1000 + i) for i in range(30)}
    backend.open("a").setitems(values)
    store = backend.open("r")
    assert store.threadsafe
    results, errors = [], []

    def read():
        try:
            for _ in range(3):
                results.append(store.getitems(list(values)) == values)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and results == [True] * 24


def test_a_forked_child_reads_through_a_file_system_of_its_own(http_backend):
    http_backend.open("a")["k"] = b"parent"
    store = http_backend.open("r")
    assert store["k"] == b"parent"  # the parent's event loop and session now exist
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            ok = store["k"] == b"parent"
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


def test_normalize_store_opens_urls_and_zip_paths(tmp_path, s3_server):
    url = f"memory://normalize-{uuid.uuid4().hex}"
    store = normalize_store(url, "w")
    assert isinstance(store, FSStore) and not store.readonly
    assert normalize_store(url, "r").readonly
    local = normalize_store((tmp_path / "d").as_uri(), "a")
    assert isinstance(local, FSStore) and local.root == str(tmp_path / "d")
    assert isinstance(normalize_store(str(tmp_path / "plain"), "a"), DirectoryStore)
    s3 = normalize_store(f"s3://{s3_server.bucket}/n", "a",
                         storage_options=s3_server.storage_options)
    s3["k"] = b"v"
    assert s3.storage_options == s3_server.storage_options and s3["k"] == b"v"
    for not_a_url in (str(tmp_path / "x"), None, MemoryStore(), {}):
        with pytest.raises(ValueError, match="storage_options apply to URLs"):
            normalize_store(not_a_url, "a", storage_options={"anon": True})
    archive = normalize_store(str(tmp_path / "x.zip"), "w")
    assert isinstance(archive, zl.ZipStore)
    archive["k"] = b"v"
    archive.close()
    reread = normalize_store(tmp_path / "x.zip", "r")
    assert isinstance(reread, zl.ZipStore) and reread["k"] == b"v"
    reread.close()


def test_arrays_read_and_write_through_every_fsspec_back_end(backend):
    a = np.arange(30 * 40, dtype="<i4").reshape(30, 40)
    zl.array(a, chunks=(8, 16), store=backend.open("a"))
    z = zl.open_array(backend.url, mode="r")
    np.testing.assert_array_equal(z[...], a)
    np.testing.assert_array_equal(z[3:29:5, ::-7], a[3:29:5, ::-7])


# ------------------------------------------------------------------ local paths


def test_relative_local_paths_pickle_as_absolute(tmp_path, monkeypatch):
    """A store made from a relative path (or file:// URL) reopens the same folder when
    unpickled with another working directory."""
    (tmp_path / "here").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    plain = FSStore("rel_fs.zarr", mode="w")
    url = FSStore("file://rel_url.zarr", mode="w")
    plain["k"], url["k"] = b"plain", b"url"
    assert plain.url == str(tmp_path / "here" / "rel_fs.zarr")
    assert url.url == f"file://{tmp_path / 'here' / 'rel_url.zarr'}"
    pickles = pickle.dumps(plain), pickle.dumps(url)
    monkeypatch.chdir(tmp_path / "elsewhere")
    again = [pickle.loads(data) for data in pickles]
    assert [store["k"] for store in again] == [b"plain", b"url"]
    assert [store.root for store in again] == [plain.root, url.root]
    assert not any((tmp_path / "elsewhere").iterdir())


# ------------------------------------------------------------------------- HTTP


def _hierarchy(backend):
    """A group with an array 'x' (and consolidated metadata), written through `backend`;
    returns the array's values."""
    a = np.arange(60, dtype="<i2").reshape(6, 10)
    root = zl.group(backend.open("a"))
    root.attrs["by"] = "test"
    root.array("x", a, chunks=(4, 4))
    zl.consolidate_metadata(backend.open("a"))
    return a


def test_http_opens_read_only_with_the_entry_points_default_modes(http_backend):
    a = _hierarchy(http_backend)
    url = http_backend.url
    opened = [zl.open(url), zl.open_group(url), zl.open_consolidated(url),
              zl.open_group(url, mode="r+"), zl.open_array(f"{url}/x"), zl.open(f"{url}/x")]
    for node in opened:
        x = node if isinstance(node, zl.Array) else node["x"]
        np.testing.assert_array_equal(x[...], a)
        with pytest.raises(ReadOnlyError, match=f"'{url}(/x)?', mode='r'> is read-only: HTTP"):
            x[0, 0] = 7
    with pytest.raises(ReadOnlyError, match=f"'{url}'"):
        opened[0].attrs["by"] = "someone else"
    for mode in ("r", "r+", "a"):
        assert FSStore(url, mode=mode).readonly
    for mode in ("w", "w-"):
        with pytest.raises(ValueError, match=f"mode '{mode}' would create"):
            zl.open_group(url, mode=mode)
        with pytest.raises(ValueError, match=f"mode '{mode}' would create"):
            zl.open(url, mode=mode, shape=(2,))
    assert zl.open_group(url, mode="r").attrs["by"] == "test"
    store = FSStore(url, mode="a")
    assert pickle.loads(pickle.dumps(store)).readonly


def test_query_strings_stay_after_the_key(http_backend, http_server):
    """A token in the root URL goes at the end of every key's URL (and of every listing's),
    and never into messages."""
    a = _hierarchy(http_backend)
    url = f"{http_backend.url}?token=SECRET#part"
    path = "/" + http_backend.url.split("/", 3)[3]
    http_server.traffic.reset()
    np.testing.assert_array_equal(zl.open(f"{http_backend.url}/x?token=SECRET")[...], a)
    group = zl.open(url, mode="r")
    np.testing.assert_array_equal(group["x"][1:5, 2:9], a[1:5, 2:9])
    assert group.attrs["by"] == "test" and sorted(group.array_keys()) == ["x"]
    store = FSStore(url)
    assert store.listdir("x")[:3] == [".zarray", "0.0", "0.1"] and ".zgroup" in store
    assert store.getsize("x/.zarray") > 0 and len(store) == len(list(store)) == 10
    targets = http_server.traffic.targets
    assert targets and all(t.startswith(path + "/") and t.endswith("?token=SECRET")
                           for t in targets), targets
    assert f"{path}/x/.zarray?token=SECRET" in targets and f"{path}/?token=SECRET" in targets
    http_server.failing.add(f"{path}/x/0.0")
    try:
        for failing in (lambda: store["x/0.0"], lambda: "x/0.0" in store):
            with pytest.raises(OSError, match="500") as info:
                failing()
            assert "SECRET" not in str(info.value) and "#part" not in str(info.value)
            assert info.value.__cause__ is None  # its text holds the token
    finally:
        http_server.failing.discard(f"{path}/x/0.0")
    assert "SECRET" not in repr(store) + store.location_of("x")


@pytest.fixture(scope="module")
def no_range_server(tmp_path_factory):
    """An HTTP server that ignores Range headers, as ``python -m http.server`` does."""
    from http_s3_servers import HTTPServer

    with HTTPServer(tmp_path_factory.mktemp("no-ranges"), ranges=False) as server:
        yield server


@pytest.fixture(params=["ranges", "no ranges"])
def any_http(request, http_server, no_range_server):
    """(server, folder served, its URL) on a server that answers ranges, then one that
    ignores them."""
    server = http_server if request.param == "ranges" else no_range_server
    name = f"store-{uuid.uuid4().hex}.zarr"
    yield server, DirectoryStore(f"{server.directory}/{name}", mode="w"), f"{server.url}/{name}"
    DirectoryStore(f"{server.directory}/{name}").rmdir()


def test_byte_ranges_whether_or_not_the_server_honours_them(any_http):
    server, folder, url = any_http
    value = bytes(range(256))
    folder["v"] = value
    starts = [0, 1, 5, 255, 256, 1000, -1, -3, -256, -1000]
    lengths = [None, 0, 1, 4, 255, 256, 2000]
    for start, length in itertools.product(starts, lengths):
        fresh = FSStore(url)  # each range form as a store's first request
        assert fresh.get_partial_values([("v", start, length)]) == [
            slice_value(value, start, length)], (start, length)
    store = FSStore(url)
    ranges = [("v", start, length) for start, length in itertools.product(starts, lengths)]
    expected = [slice_value(value, start, length) for _, start, length in ranges]
    assert store.get_partial_values(ranges + [("missing", 5, None)]) == expected + [None]
    assert store.reads_byte_ranges == server.ranges
    server.traffic.reset()
    assert store.get_partial_values(ranges) == expected  # once a server is known ...
    assert server.traffic.requests == (len(ranges) if server.ranges else 1)  # ... one GET


def test_a_window_of_a_b2nd_chunk_over_a_server_without_ranges(any_http):
    server, folder, url = any_http
    a = np.random.default_rng(3).normal(size=(1024, 1024)).astype("f4")
    zl.array(a, chunks=(1024, 1024), store=folder, compressor=zl.B2ND(blocks=(128, 128)))
    store = FSStore(url)
    z = zl.open_array(store, mode="r")
    np.testing.assert_array_equal(z[10:40, 500:560], a[10:40, 500:560])
    assert store.reads_byte_ranges == server.ranges
    z = zl.open_array(store, mode="r")  # opened again: the engine now reads chunks whole
    server.traffic.reset()
    np.testing.assert_array_equal(z[700:720, 3:9], a[700:720, 3:9])
    if not server.ranges:
        assert server.traffic.requests == 1 and z.stats["ranged_reads"] == 0


def test_key_in_store_asks_with_head(any_http):
    server, folder, url = any_http
    folder["big"] = os.urandom(1 << 20)
    store = FSStore(url)
    server.traffic.reset()
    assert "big" in store
    assert server.traffic.methods == {"HEAD": 1} and server.traffic.bytes_sent == 0
    assert "missing" not in store and "big/child" not in store
    assert server.traffic.bytes_sent < 1000  # (404 pages)
    path = "/" + url.split("/", 3)[3] + "/big"
    server.failing.add(path)
    try:
        with pytest.raises(OSError, match="'big'.*500"):
            "big" in store  # noqa: B015
    finally:
        server.failing.discard(path)
