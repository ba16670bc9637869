"""Remote reads from an S3-compatible server on loopback (moto): requests, bytes and time,
zarrlite against zarr-python 3 and tensorstore, on the same objects.

The server counts every request it answers and every body byte it sends (the middleware of
``tests/http_s3_servers.py``), so the numbers are the server's, not the clients'. It runs
in a child process, so that its Python work does not compete with the clients' for this
process's interpreter lock. Cases:

- ``window``: a 64×64 window of one 4096×4096 float32 chunk (a smooth field plus noise),
  from S3 and from a static HTTP server (``tests/http_s3_servers.py``, which reads only the
  bytes asked for, where moto reads the whole object for every ranged GET).
  zarrlite reads two-level chunks (``zarrlite.b2nd``, 128×128 blocks) and plain Blosc chunks
  by byte ranges; zarr-python 3 (``FsspecStore``, ``zarr_format=2``) and tensorstore (its
  ``s3`` kvstore with ``endpoint``) fetch whole chunks. tensorstore does not know the
  ``zarrlite.b2nd`` codec, so it reads only the Blosc copy.
- ``full``: a whole 4096×4096 float32 array in 64 chunks of 512×512 (Blosc lz4).
- ``open``: open a consolidated hierarchy of 200 arrays and read every array's metadata.

Times on loopback measure the clients and moto (a Python server), not a network: requests and
bytes are what carry over to a real bucket, where each round trip costs tens of ms.

    python benchmarks/remote.py [--repeat N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the counting servers of the tests

from http_s3_servers import HTTPServer, S3Server  # noqa: E402

import zarrlite as zl  # noqa: E402
from zarrlite.stores import DirectoryStore  # noqa: E402
from zarrlite.stores.fsspec import FSStore  # noqa: E402

SIDE = 4096
WINDOW = np.s_[1000:1064, 2000:2064]
BLOSC = zl.codecs.Blosc(cname="lz4", clevel=5, shuffle=zl.codecs.Blosc.SHUFFLE)
B2ND = zl.B2ND(cname="lz4", clevel=5, blocks=(128, 128))


@dataclass
class Row:
    case: str
    engine: str
    layout: str
    requests: float
    nbytes: float
    seconds: float | None
    note: str = ""


class ServerProcess:
    """A counting server in a child process, driven through a pipe: moto's S3 (``kind``
    "s3") or the range-answering HTTP server over `directory` ("http"). ``url(prefix)`` is
    where a store under `prefix` is; ``traffic.reset()`` and ``traffic.snapshot()`` are
    asked of the child."""

    def __init__(self, kind: str, directory: str | None = None) -> None:
        self.kind, self.directory = kind, directory
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, kind, directory),
                                        daemon=True)
        self._process.start()
        info = self._conn.recv()
        self.base_url: str = info["base_url"]
        self.endpoint_url: str = info["endpoint_url"]
        self.bucket: str = info["bucket"]
        self.storage_options: dict[str, Any] = info["storage_options"]
        self.environment: dict[str, str] = info["environment"]
        self.traffic = self

    def url(self, prefix: str) -> str:
        return f"{self.base_url}/{prefix}"

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    def reset(self) -> None:
        self._ask("reset")

    def snapshot(self) -> tuple[int, int]:
        return self._ask("snapshot")

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=self.storage_options["key"],
                            aws_secret_access_key=self.storage_options["secret"])

    def stop(self) -> None:
        self._ask("stop")
        self._process.join(timeout=30)


def _serve(conn: Any, kind: str, directory: str | None) -> None:
    if kind == "s3":
        server: Any = S3Server()
        info = {"base_url": f"s3://{server.bucket}", "endpoint_url": server.endpoint_url,
                "bucket": server.bucket, "storage_options": server.storage_options,
                "environment": server.environment}
    else:
        server = HTTPServer(directory or ".")
        info = {"base_url": server.url, "endpoint_url": server.url, "bucket": "",
                "storage_options": {}, "environment": {}}
    with server:
        conn.send(info)
        while True:
            command = conn.recv()
            if command == "reset":
                server.traffic.reset()
                conn.send(None)
            elif command == "snapshot":
                conn.send(server.traffic.snapshot())
            else:
                conn.send(None)
                return


def field(shape: tuple[int, int]) -> np.ndarray:
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype("f4")
    a = (100 * np.sin(x / 300) * np.cos(y / 200)).astype("f4")
    return a + np.random.default_rng(0).normal(0, 0.1, shape).astype("f4")


def measure(server: ServerProcess, case: str, engine: str, layout: str, run: Callable[[], Any],
            expected: np.ndarray | None, repeat: int) -> Row:
    """Requests and bytes of one `run()` (counted at the server), then its median time."""
    try:
        server.traffic.reset()
        got = run()
        requests, nbytes = server.traffic.snapshot()
        if expected is not None and not np.array_equal(np.asarray(got), expected):
            return Row(case, engine, layout, requests, nbytes, None, "WRONG RESULT")
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return Row(case, engine, layout, requests, nbytes, statistics.median(times))
    except Exception as err:  # report and go on with the other engines
        return Row(case, engine, layout, 0, 0, None, f"{type(err).__name__}: {err}"[:120])


class Engines:
    """Opening the same array (under a prefix of the server) in each library."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server

    def zarrlite(self, prefix: str) -> Any:
        store = FSStore(self.server.url(prefix), mode="r", **self.server.storage_options)
        return zl.open_array(store, mode="r")

    def zarr(self, prefix: str) -> Any:
        import zarr

        store = zarr.storage.FsspecStore.from_url(
            self.server.url(prefix), read_only=True,
            storage_options=self.server.storage_options)
        return zarr.open_array(store, mode="r", zarr_format=2)

    def tensorstore(self, prefix: str) -> Any:
        import tensorstore as ts

        if self.server.kind == "s3":
            kvstore = {"driver": "s3", "bucket": self.server.bucket, "path": prefix + "/",
                       "endpoint": self.server.endpoint_url, "aws_region": "us-east-1",
                       "aws_credentials": {"type": "environment"}}
        else:
            kvstore = {"driver": "http", "base_url": self.server.url(prefix)}
        array = ts.open({"driver": "zarr", "kvstore": kvstore}, read=True).result()
        return _TensorstoreReader(array)


class _TensorstoreReader:
    def __init__(self, array: Any) -> None:
        self.array = array

    def __getitem__(self, sel: Any) -> np.ndarray:
        return self.array[sel].read().result()


def write(server: ServerProcess, prefix: str, data: np.ndarray, chunks: tuple[int, int],
          compressor: Any) -> int:
    """Write `data` with zarrlite under `prefix` (over HTTP: into the folder the server
    serves); the stored bytes of its first chunk."""
    store: Any
    if server.kind == "s3":
        store = FSStore(server.url(prefix), mode="w", **server.storage_options)
    else:
        store = DirectoryStore(os.path.join(server.directory or ".", prefix))
    zl.array(data, chunks=chunks, store=store, compressor=compressor)
    return store.getsize("0.0")


def window_case(server: ServerProcess, data: np.ndarray, repeat: int
                ) -> tuple[list[Row], dict]:
    engines = Engines(server)
    case = f"window ({server.kind})"
    stored = {"b2nd": write(server, "window-b2nd", data, (SIDE, SIDE), B2ND),
              "blosc": write(server, "window-blosc", data, (SIDE, SIDE), BLOSC)}
    expected = data[WINDOW]
    rows = []
    for engine, layout in [("zarrlite", "b2nd"), ("zarrlite", "blosc"), ("zarr", "b2nd"),
                           ("zarr", "blosc"), ("tensorstore", "blosc")]:
        try:
            array = getattr(engines, engine)(f"window-{layout}")
        except Exception as err:
            rows.append(Row(case, engine, layout, 0, 0, None,
                            f"cannot open: {type(err).__name__}: {err}"[:120]))
            continue
        rows.append(measure(server, case, engine, layout, lambda a=array: a[WINDOW],
                            expected, repeat))
    return rows, stored


def full_case(server: ServerProcess, data: np.ndarray, repeat: int) -> list[Row]:
    engines = Engines(server)
    write(server, "full-blosc", data, (512, 512), BLOSC)
    rows = []
    for engine in ("zarrlite", "zarr", "tensorstore"):
        array = getattr(engines, engine)("full-blosc")
        rows.append(measure(server, "full (64 chunks)", engine, "blosc",
                            lambda a=array: a[...], data, repeat))
    return rows


def open_case(server: ServerProcess, repeat: int, narrays: int = 200) -> list[Row]:
    url = server.url("hierarchy")
    options = server.storage_options
    root = zl.group(FSStore(url, mode="w", **options))
    for i in range(narrays):
        root.zeros(f"group{i // 10}/array{i % 10}", shape=(100, 100), chunks=(50, 50), dtype="f4")
    zl.consolidate_metadata(FSStore(url, mode="a", **options))
    paths = [f"group{i // 10}/array{i % 10}" for i in range(narrays)]

    def zarrlite_consolidated() -> int:
        g = zl.open_consolidated(FSStore(url, mode="r", **options), mode="r")
        return sum(g[p].shape[0] for p in paths)

    def zarrlite_listing() -> int:
        g = zl.open_group(FSStore(url, mode="r", **options), mode="r")
        return sum(g[p].shape[0] for p in paths)

    def zarr_consolidated() -> int:
        import zarr

        store = zarr.storage.FsspecStore.from_url(url, read_only=True,
                                                  storage_options=options)
        g = zarr.open_consolidated(store, mode="r", zarr_format=2)
        return sum(g[p].shape[0] for p in paths)

    expected = np.asarray(100 * narrays)
    return [measure(server, f"open ({narrays} arrays)", engine, layout, run, expected, repeat)
            for engine, layout, run in [
                ("zarrlite", "consolidated", zarrlite_consolidated),
                ("zarr", "consolidated", zarr_consolidated),
                ("zarrlite", "not consolidated", zarrlite_listing)]]


def server_floor(server: ServerProcess, prefix: str) -> float:
    """Median seconds of one ranged GET of 100 bytes of `prefix`'s chunk, straight from
    boto3: what moto takes per request, whatever the range (it reads the whole object)."""
    client = server.client()
    times = []
    for _ in range(7):
        start = time.perf_counter()
        client.get_object(Bucket=server.bucket, Key=f"{prefix}/0.0",
                          Range="bytes=100-199")["Body"].read()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_table(rows: list[Row]) -> None:
    print(f"{'case':<18} {'engine':<12} {'layout':<17} {'requests':>8} {'MiB':>9} {'ms':>9}"
          f" {'×req':>6} {'×bytes':>7} {'×time':>6}")
    base: dict[str, Row] = {}
    for row in rows:
        if row.engine == "zarrlite" and row.case not in base:
            base[row.case] = row
        ref = base.get(row.case)
        ms = f"{row.seconds * 1e3:9.1f}" if row.seconds is not None else f"{'-':>9}"

        def ratio(a: float | None, b: float | None) -> str:
            return f"{a / b:6.1f}" if a is not None and b else f"{'-':>6}"

        print(f"{row.case:<18} {row.engine:<12} {row.layout:<17} {row.requests:>8} "
              f"{row.nbytes / 2**20:9.3f} {ms} "
              f"{ratio(row.requests, ref.requests if ref else None)} "
              f"{ratio(row.nbytes, ref.nbytes if ref else None):>7} "
              f"{ratio(row.seconds, ref.seconds if ref else None)}"
              + (f"  {row.note}" if row.note else ""))
    print("ratios: the engine's count or time over zarrlite's first row of the same case")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds per measurement")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    data = field((SIDE, SIDE))
    s3 = ServerProcess("s3")
    folder = tempfile.mkdtemp(prefix="zl-remote-")
    http = ServerProcess("http", folder)
    try:
        os.environ.update(s3.environment)  # tensorstore finds the keys there
        os.environ.setdefault("AWS_CONFIG_FILE", os.devnull)  # no profile files to look for
        os.environ.setdefault("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        rows, stored = window_case(s3, data, args.repeat)
        floor = server_floor(s3, "window-b2nd")
        http_rows, _ = window_case(http, data, args.repeat)
        rows += http_rows
        rows += full_case(s3, data, args.repeat)
        rows += open_case(s3, args.repeat)
    finally:
        s3.stop()
        http.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"window: one {SIDE}x{SIDE} float32 chunk, stored as {stored['b2nd'] / 2**20:.1f} MiB "
          f"(b2nd, 128x128 blocks) and {stored['blosc'] / 2**20:.1f} MiB (Blosc); "
          f"zarrlite fetched {rows[0].nbytes / stored['b2nd']:.2%} of the b2nd chunk")
    print(f"moto answers a ranged GET of 100 bytes of that chunk in {floor * 1e3:.1f} ms (it "
          "reads the whole object each time), so its window times are mostly moto's; the HTTP "
          "server reads only the range asked for")
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"stored_chunk_nbytes": stored, "moto_ranged_get_s": floor,
                       "rows": [asdict(r) for r in rows]}, f, indent=1)


if __name__ == "__main__":
    main()
