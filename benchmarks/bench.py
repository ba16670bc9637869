#!/usr/bin/env python
"""Time zarrlite against zarr-python 3, tensorstore and h5py on the same data in one run.

Usage::

    python benchmarks/bench.py [--quick] [--only NAME[,NAME...]] [--json out.json] [--repeat N]
                               [--engines zarrlite,zarr,tensorstore,h5py] [--tmpdir DIR]

Workloads (``--only`` takes these names, or a prefix such as ``A``):

    A_write       full write of A (8192x8192 float32, 1024x1024 chunks, 256 MiB)
    A_read        full read of A (plus zarrlite reading the store zarr-python wrote)
    A_decompress  reference: numcodecs Blosc decompressing A's stored chunks, no file I/O;
                  numcodecs compressing A's chunks; memcpy of A; reading A's chunk files
    B_write       full write of B (4096x4096 int32, 64x64 chunks: 4096 chunk files)
    B_read        full read of B
    B_files       reference: writing and reading B's 4096 chunk files with plain os calls
    C_open        open an existing array (metadata read + parse), per-call median
    window        64x64 window from a float32 array with 4096x4096 chunks
    column        one column z[:, 1234] of A
    points        10,000 random points of A (coordinate indexing)

Every engine uses Blosc lz4, clevel 5, byte shuffle, real files in a temporary directory (deleted
at the end) and 2 threads where it has threads. Each measurement is timed with
``time.perf_counter`` after one warm-up round; the reported figure is the median of ``--repeat``
rounds, with the engines interleaved inside each round. Every result is compared with the source
data outside the timed region. Reads come from the OS page cache (no cache dropping).
Ratios are peer time / zarrlite time: above 1 means zarrlite is faster.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)  # engines, report, harness; zarrlite is the installed one
import engines as eng  # noqa: E402
import floors  # noqa: E402
import report  # noqa: E402
from harness import Case, Dataset, Result, Wrong, check_equal, time_cases  # noqa: E402

WORKLOADS = (
    "A_write",
    "A_read",
    "A_decompress",
    "C_open",
    "column",
    "points",
    "window",
    "B_write",
    "B_read",
    "B_files",
)


@dataclass(frozen=True)
class Sizes:
    a_shape: tuple[int, int]
    a_chunks: tuple[int, int]
    b_shape: tuple[int, int]
    b_chunks: tuple[int, int]
    w_chunks: tuple[int, int]  # window array: A's data in big chunks
    window_start: tuple[int, int]
    window: int
    column: int
    npoints: int
    open_calls: int
    repeat: int


FULL = Sizes(
    a_shape=(8192, 8192), a_chunks=(1024, 1024), b_shape=(4096, 4096), b_chunks=(64, 64),
    w_chunks=(4096, 4096), window_start=(1000, 2000), window=64, column=1234, npoints=10_000,
    open_calls=2000, repeat=5,
)  # fmt: skip
QUICK = Sizes(
    a_shape=(2048, 2048), a_chunks=(256, 256), b_shape=(1024, 1024), b_chunks=(64, 64),
    w_chunks=(1024, 1024), window_start=(300, 500), window=64, column=1234, npoints=1000,
    open_calls=200, repeat=2,
)  # fmt: skip


class Bench:
    def __init__(self, sizes: Sizes, engines: list[eng.Engine], repeat: int, root: str) -> None:
        self.sizes, self.engines, self.repeat, self.root = sizes, engines, repeat, root
        self.results: dict[str, dict[str, Result]] = {}
        self.info: dict[str, Any] = {}
        self._data: dict[str, Dataset] = {}
        self._float: np.ndarray | None = None  # A's data, shared by the window array W

    def dataset(self, key: str) -> Dataset:
        if key not in self._data:
            s = self.sizes
            if key == "B":
                self._data[key] = Dataset(key, make_int_data(s.b_shape), s.b_chunks, self.root)
            else:
                if self._float is None:
                    self._float = make_float_data(s.a_shape)
                chunks = s.w_chunks if key == "W" else s.a_chunks
                self._data[key] = Dataset(key, self._float, chunks, self.root)
        return self._data[key]

    def record(self, workload: str, results: dict[str, Result]) -> None:
        self.results.setdefault(workload, {}).update(results)
        for name, res in results.items():
            med = res.median_s
            shown = report.fmt_time(med) if med is not None else f"{res.status}: {res.detail}"
            print(f"  {workload:13s} {name:28s} {shown}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ workloads
    def run_write(self, workload: str, key: str) -> None:
        ds = self.dataset(key)
        cases = {}
        for e in self.engines:
            cases[e.name] = Case(
                prepare=lambda e=e: ds.create(e),
                run=lambda h, e=e: e.write(h, ds.data),
                check=lambda h, _out, e=e: self._check_written(ds, e, h),
            )
        self.record(workload, time_cases(cases, self.repeat))
        for e in self.engines:
            if self.results[workload][e.name].status == "ok":
                ds.ready.add(e.name)
            else:
                ds.remove(e)
        self.info.setdefault("stored_nbytes", {})[key] = {
            e.name: e.stored_nbytes(ds.path(e)) for e in self.engines if e.name in ds.ready
        }

    def _check_written(self, ds: Dataset, e: eng.Engine, handle: Any) -> None:
        e.close(handle)
        reopened = e.open(ds.path(e))
        try:
            check_equal(e.read(reopened, Ellipsis), ds.data, "read-back after write")
        finally:
            e.close(reopened)

    def run_read(self, workload: str, key: str, selection: Any) -> None:
        ds = self.dataset(key)
        expected = ds.data[selection]
        cases = {}
        for e in self.engines:
            cases[e.name] = Case(
                run=lambda _c, e=e: e.read(ds.handle(e), selection),
                check=lambda _c, out: check_equal(out, expected, workload),
            )
            ds.handle(e)  # open before timing
        zl, zarr = self.engine("zarrlite"), self.engine("zarr")
        if workload == "A_read" and zl and zarr:
            # zarrlite reading the chunks zarr-python wrote (their Blosc block sizes may differ)
            ds.ensure(zarr)
            other = zl.open(ds.path(zarr))
            cases["zarrlite@zarr-store"] = Case(
                run=lambda _c: zl.read(other, selection),
                check=lambda _c, out: check_equal(out, expected, "zarrlite on zarr's store"),
            )
        self.record(workload, time_cases(cases, self.repeat))

    def run_points(self) -> None:
        ds = self.dataset("A")
        rng = np.random.default_rng(1234)
        rows = rng.integers(0, ds.data.shape[0], self.sizes.npoints)
        cols = rng.integers(0, ds.data.shape[1], self.sizes.npoints)
        expected = ds.data[rows, cols]
        cases = {
            e.name: Case(
                run=lambda _c, e=e: e.points(ds.handle(e), rows, cols),
                check=lambda _c, out: check_equal(out, expected, "points"),
            )
            for e in self.engines
        }
        self.record("points", time_cases(cases, self.repeat))

    def run_open(self) -> None:
        ds = self.dataset("A")
        for e in self.engines:
            ds.ensure(e)
        calls = self.sizes.open_calls
        rounds = max(1, self.repeat)
        results = {e.name: Result() for e in self.engines}
        for rnd in range(rounds + 1):  # round 0: warm-up of 20 calls
            for e in self.engines:
                res = results[e.name]
                if res.status != "ok":
                    continue
                n = 20 if rnd == 0 else -(-calls // rounds)
                try:
                    res.times_s += [t for t in self._time_opens(ds, e, n) if rnd]
                except Wrong as err:
                    res.status, res.detail = "wrong", str(err)
                except Exception as err:
                    res.status, res.detail = "error", f"{type(err).__name__}: {err}"
        self.record("C_open", results)

    def _time_opens(self, ds: Dataset, e: eng.Engine, n: int) -> list[float]:
        path, times = ds.path(e), []
        gc.collect()
        for _ in range(n):
            t0 = time.perf_counter()
            handle = e.open(path)
            times.append(time.perf_counter() - t0)
            shape, dtype = e.describe(handle)
            if shape != ds.data.shape or dtype != ds.data.dtype:
                raise Wrong(f"open: got {dtype}{shape}, expected {ds.data.dtype}{ds.data.shape}")
            e.close(handle)
        return times

    def engine(self, name: str) -> eng.Engine | None:
        return next((e for e in self.engines if e.name == name), None)

    def run(self, selected: list[str]) -> None:
        s = self.sizes
        window = tuple(slice(p, p + s.window) for p in s.window_start)
        steps = {
            "A_write": lambda: self.run_write("A_write", "A"),
            "A_read": lambda: self.run_read("A_read", "A", Ellipsis),
            "A_decompress": lambda: floors.run_decompress(self),
            "C_open": self.run_open,
            "column": lambda: self.run_read("column", "A", (slice(None), s.column)),
            "points": self.run_points,
            "window": lambda: self.run_read("window", "W", window),
            "B_write": lambda: self.run_write("B_write", "B"),
            "B_read": lambda: self.run_read("B_read", "B", Ellipsis),
            "B_files": lambda: floors.run_files(self),
        }
        last_use = {"A": "points", "W": "window", "B": "B_files"}
        for name in WORKLOADS:
            if name in selected:
                print(f"[{name}]", file=sys.stderr, flush=True)
                steps[name]()
            for key, last in last_use.items():  # free disk and handles early
                if key in self._data and WORKLOADS.index(name) >= WORKLOADS.index(last):
                    ds = self._data.pop(key)
                    for e in self.engines:
                        ds.remove(e)


def make_float_data(shape: tuple[int, int]) -> np.ndarray:
    """Smooth field plus small noise: compresses like measured data (not like zeros)."""
    rng = np.random.default_rng(42)
    y = np.linspace(0, 12 * np.pi, shape[0], dtype=np.float32)[:, None]
    x = np.linspace(0, 9 * np.pi, shape[1], dtype=np.float32)[None, :]
    a = 100 * np.sin(y) * np.cos(x)
    a += rng.standard_normal(shape, dtype=np.float32) * np.float32(0.01)
    return a


def make_int_data(shape: tuple[int, int]) -> np.ndarray:
    """Slowly varying integer counts with a little noise."""
    rng = np.random.default_rng(7)
    i = np.arange(shape[0], dtype=np.int32)[:, None] // 7
    j = np.arange(shape[1], dtype=np.int32)[None, :] // 11
    return ((i * 31 + j * 17) % 10_000 + rng.integers(0, 8, shape, dtype=np.int32)).astype(np.int32)


def select(only: str | None) -> list[str]:
    if not only:
        return list(WORKLOADS)
    chosen = []
    for token in (t.strip() for t in only.split(",") if t.strip()):
        hits = [w for w in WORKLOADS if w.startswith(token)]  # "A" -> A_write, A_read, ...
        if not hits:
            sys.exit(f"unknown workload {token!r}; choose from {', '.join(WORKLOADS)}")
        chosen += hits
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small arrays, 2 repeats (CI)")
    parser.add_argument("--only", help="comma-separated workload names or prefixes")
    parser.add_argument("--json", help="write results to this JSON file")
    parser.add_argument("--repeat", type=int, help="timed rounds per measurement (default 5)")
    parser.add_argument("--engines", default="zarrlite,zarr,tensorstore,h5py")
    parser.add_argument("--tmpdir", help="parent directory for the stores (default: system temp)")
    args = parser.parse_args(argv)

    sizes = QUICK if args.quick else FULL
    repeat = args.repeat or sizes.repeat
    wanted = [n.strip() for n in args.engines.split(",")]
    engines = [cls() for cls in eng.ENGINES if cls.name in wanted]
    for e in engines:
        e.setup()
    selected = select(args.only)
    root = tempfile.mkdtemp(prefix="zarrlite-bench-", dir=args.tmpdir)
    bench = Bench(sizes, engines, repeat, root)
    bench.info["loadavg_start"] = report.loadavg()
    bench.info["cpu_start"] = report.cpu_sample()
    try:
        bench.run(selected)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    doc = report.build(
        bench, sizes=asdict(sizes), repeat=repeat, quick=args.quick, selected=selected
    )
    print(report.render(doc))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
