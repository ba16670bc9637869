#!/usr/bin/env python
"""Chunked reductions (``zarrlite.chunked.reductions``) against dask and read-whole + numpy.

Usage::

    python benchmarks/reductions.py [--quick] [--repeat N] [--threads N] [--tmpdir DIR]
                                    [--json out.json]

The array: 8192x8192 float32 (256 MiB) in 1024x1024 chunks, Blosc lz4 clevel 5 with byte
shuffle, on a DirectoryStore in a temporary directory (``--quick``: 2048x2048 in 256x256
chunks). For ``sum`` and ``mean`` over axis 0, three ways:

    zarrlite    zarrlite.chunked.reductions.sum(z, axis=0): chunk by chunk on the worker
                pool plus the calling thread
    dask        da.from_array(z, chunks=z.chunks).sum(axis=0).compute() with the threaded
                scheduler and the same number of workers (what dask.array.from_zarr does)
    numpy       np.sum(z[...], axis=0): read the whole array (zarrlite, threaded), then numpy

Each is timed with ``time.perf_counter`` after one warm-up round; the figure is the median of
``--repeat`` rounds, the three interleaved inside each round. Peak memory is measured apart,
in one untimed run each under ``tracemalloc`` (numpy's buffers are traced). Results are
compared with each other outside the timed region. Reads come from the OS page cache.

Targets (issue 14): zarrlite at least as fast as dask; within 1.3x of read-whole + numpy;
peak memory a few chunks, not the array.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import zarrlite as zl  # noqa: E402
from zarrlite.chunked import reductions  # noqa: E402

try:
    import dask
    import dask.array as da
except ImportError:  # dask is in the test extra; without it that column is left out
    dask = da = None


def make_data(shape: tuple[int, int]) -> np.ndarray:
    """Smooth field plus small noise (as benchmarks/bench.py): compresses like measured data."""
    rng = np.random.default_rng(42)
    y = np.linspace(0, 12 * np.pi, shape[0], dtype=np.float32)[:, None]
    x = np.linspace(0, 9 * np.pi, shape[1], dtype=np.float32)[None, :]
    a = 100 * np.sin(y) * np.cos(x)
    a += rng.standard_normal(shape, dtype=np.float32) * np.float32(0.01)
    return a


def ways(z: Any, name: str, threads: int) -> dict[str, Callable[[], np.ndarray]]:
    numpy_function = getattr(np, name)
    chunked_function = getattr(reductions, name)
    found: dict[str, Callable[[], np.ndarray]] = {
        "zarrlite": lambda: chunked_function(z, axis=0),
        "numpy": lambda: numpy_function(z[...], axis=0),
    }
    if da is not None:
        def with_dask() -> np.ndarray:
            lazy = getattr(da.from_array(z, chunks=z.chunks), name)(axis=0)
            return lazy.compute(scheduler="threads", num_workers=threads)
        found["dask"] = with_dask
    return found


def peak_mib(run: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def check(results: dict[str, np.ndarray], reference: np.ndarray, atol: float) -> None:
    """Every result within `atol` of the float64 `reference` (float32 sums of 8192 terms
    of either sign are only that accurate, numpy's own included)."""
    for key, got in results.items():
        np.testing.assert_allclose(got, reference, rtol=0, atol=atol, err_msg=key)


def bench(z: Any, name: str, threads: int, repeat: int, reference: np.ndarray,
          atol: float) -> dict[str, dict[str, float]]:
    cases = ways(z, name, threads)
    check({key: run() for key, run in cases.items()}, reference, atol)  # and warm up
    times: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(repeat):
        for key, run in cases.items():
            start = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - start)
    return {key: {"median_s": statistics.median(times[key]), "peak_mib": peak_mib(cases[key])}
            for key in cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2048x2048 in 256x256 chunks")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tmpdir", default=None, help="where the array is written")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    shape, chunks = ((2048, 2048), (256, 256)) if args.quick else ((8192, 8192), (1024, 1024))
    zl.config.set(threads=args.threads)
    if dask is not None:
        dask.config.set(scheduler="threads", num_workers=args.threads)
    root = tempfile.mkdtemp(prefix="zl-reductions-", dir=args.tmpdir)
    try:
        z = zl.open_array(os.path.join(root, "a.zarr"), mode="w", shape=shape, chunks=chunks,
                          dtype="f4", compressor=zl.Blosc(cname="lz4", clevel=5, shuffle=1))
        data = make_data(shape)
        z[...] = data
        sums = data.sum(axis=0, dtype=np.float64)
        # float32 rounding: up to about eps32 * rows * largest value in a sum of rows
        atol = 16 * float(np.finfo(np.float32).eps) * shape[0] * float(np.abs(data).max())
        references = {"sum": (sums, atol), "mean": (sums / shape[0], atol / shape[0])}
        del data
        chunk_mib = np.prod(chunks) * 4 / 2**20
        array_mib = np.prod(shape) * 4 / 2**20
        print(f"array {shape} float32 ({array_mib:.0f} MiB), chunks {chunks} "
              f"({chunk_mib:.2f} MiB), {args.threads} threads, median of {args.repeat}")
        report: dict[str, Any] = {"shape": shape, "chunks": chunks, "threads": args.threads,
                                  "repeat": args.repeat, "results": {}}
        for name in ("sum", "mean"):
            figures = bench(z, name, args.threads, args.repeat, *references[name])
            report["results"][name] = figures
            base = figures["zarrlite"]["median_s"]
            for key, fig in figures.items():
                ratio = "" if key == "zarrlite" else f"  {fig['median_s'] / base:5.2f}x zarrlite"
                print(f"  {name}(axis=0) {key:9s} {fig['median_s'] * 1e3:8.1f} ms  "
                      f"peak {fig['peak_mib']:7.1f} MiB ({fig['peak_mib'] / chunk_mib:5.1f} "
                      f"chunks){ratio}")
            vs_numpy = base / figures["numpy"]["median_s"]
            verdicts = [f"zarrlite / read-whole+numpy = {vs_numpy:.2f} (target <= 1.3)"]
            if "dask" in figures:
                vs_dask = base / figures["dask"]["median_s"]
                verdicts.append(f"zarrlite / dask = {vs_dask:.2f} (target <= 1.0)")
            print("   ", "; ".join(verdicts))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=2)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
