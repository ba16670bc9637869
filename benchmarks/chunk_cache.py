#!/usr/bin/env python
"""The decoded-chunk cache: reads with it on against off, and scalar reads against h5py.

Usage::

    python benchmarks/chunk_cache.py [--quick] [--repeat N] [--json out.json] [--tmpdir DIR]

Data: a smooth float32 field with a little noise (compresses about 1.5x with Blosc lz4
and shuffle), Blosc(lz4, clevel 5, shuffle) in both zarrlite and h5py (h5py through
hdf5plugin's Blosc filter), in a directory store and an .h5 file; reads come from the OS
page cache.

    window   a 256x256 window slid by 64 columns along one row of 1024x1024 chunks of an
             8192x8192 array (124 windows; each touches one or two chunks)
    scalar   10,000 scalar reads ``d[i, j]`` at seeded random places of a 4096x4096 array
             of 256x256 chunks: ``local`` inside one 512x512 corner (4 chunks, 1 MiB: what
             h5py's default 1 MiB chunk cache holds), ``spread`` over the whole array
             (256 chunks)

Readers: zarrlite with the cache off (the default), on (``zl.config.set(chunk_cache=
"256MiB")``), and with a 1 MiB cache of the array's own (``open_array(...,
chunk_cache="1MiB")``, h5py's default size); for scalars also h5py with its default
chunk cache (``rdcc_nbytes`` 8 MiB in HDF5 2.x, 1 MiB in 1.x), with 1 MiB and with
none. Each reader starts from an
empty cache in every round (a new array object; ``clear()`` for the shared cache): the
figure includes the misses that fill it (each a whole-chunk decode into new memory, whose
first touch costs as much as the decode); ``256MiB warm`` slides over the row again with
the cache still holding it (the steady state of repeated reads of one region).
The figure is the best of ``--repeat`` rounds (after one warm-up) per call, in µs; ratio
= cache-off (window) or h5py (scalar) µs / reader µs: above 1 means faster. Results
are checked against the source data.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

import zarrlite as zl
from zarrlite.chunkio import chunkcache


@dataclass(frozen=True)
class Sizes:
    window_shape: tuple[int, int]
    window_chunks: int
    window: int
    window_step: int
    scalar_side: int
    scalar_chunks: int
    scalar_calls: int
    repeat: int


FULL = Sizes((8192, 8192), 1024, 256, 64, 4096, 256, 10_000, 5)
QUICK = Sizes((1024, 4096), 1024, 256, 64, 1024, 256, 2_000, 2)


def field(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """A smooth float32 field with a little noise."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 20, shape[0], dtype=np.float32)[:, None]
    x = np.linspace(0, 30, shape[1], dtype=np.float32)[None, :]
    data = np.sin(y) * np.cos(x) + rng.normal(0, 0.01, shape).astype(np.float32)
    return data.astype(np.float32)


def best(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def zarr_readers(path: str) -> dict[str, Callable[[], Any]]:
    """Reader name -> a function opening a fresh array object with its cache empty."""

    def off() -> Any:
        return zl.open_array(path, mode="r")

    def shared() -> Any:
        cache = chunkcache.shared_cache()
        if cache is not None:
            cache.clear()
        return zl.open_array(path, mode="r")

    def own() -> Any:
        return zl.open_array(path, mode="r", chunk_cache="1MiB")

    return {"zarrlite off": off, "zarrlite 256MiB": shared, "zarrlite own 1MiB": own}


def bench_window(sizes: Sizes, root: str, repeat: int) -> dict[str, Any]:
    data = field(sizes.window_shape)
    path = os.path.join(root, "window.zarr")
    c = sizes.window_chunks
    z = zl.create(data.shape, chunks=(c, c), dtype="f4", store=path,
                  compressor=zl.Blosc("lz4", 5, zl.Blosc.SHUFFLE))
    z[...] = data
    r0, w = c // 2 - sizes.window // 2, sizes.window
    starts = list(range(0, data.shape[1] - w + 1, sizes.window_step))
    out: dict[str, Any] = {"windows": len(starts)}
    readers = zarr_readers(path)
    warm = readers["zarrlite 256MiB"]  # opened once: the cache holds the row after round 1
    with zl.config.set(chunk_cache="256MiB"):
        warm_array = warm()
    readers["zarrlite 256MiB warm"] = lambda: warm_array
    for name, opener in readers.items():
        with zl.config.set(chunk_cache="256MiB" if "256MiB" in name else 0):
            def run(opener: Callable[[], Any] = opener) -> None:
                a = opener()
                for s in starts:
                    a[r0 : r0 + w, s : s + w]
            seconds = best(run, repeat)
            a = opener()
            for s in starts[:: max(1, len(starts) // 8)]:
                if not np.array_equal(a[r0 : r0 + w, s : s + w], data[r0 : r0 + w, s : s + w]):
                    raise SystemExit(f"WRONG: {name} window at column {s}")
        out[name] = seconds / len(starts) * 1e6
    return out


def bench_scalar(sizes: Sizes, root: str, repeat: int) -> dict[str, Any]:
    import h5py
    import hdf5plugin

    n, c = sizes.scalar_side, sizes.scalar_chunks
    data = field((n, n), seed=1)
    zpath = os.path.join(root, "scalar.zarr")
    hpath = os.path.join(root, "scalar.h5")
    z = zl.create(data.shape, chunks=(c, c), dtype="f4", store=zpath,
                  compressor=zl.Blosc("lz4", 5, zl.Blosc.SHUFFLE))
    z[...] = data
    with h5py.File(hpath, "w") as f:
        f.create_dataset("data", data=data, chunks=(c, c),
                         **hdf5plugin.Blosc("lz4", 5, hdf5plugin.Blosc.SHUFFLE))
    rng = np.random.default_rng(7)
    places = {
        "local": rng.integers(0, min(n, 2 * c), (sizes.scalar_calls, 2)).tolist(),
        "spread": rng.integers(0, n, (sizes.scalar_calls, 2)).tolist(),
    }
    readers: dict[str, Callable[[], Any]] = dict(zarr_readers(zpath))
    # each h5py reader opens the file anew and closes it after its round: HDF5 shares one
    # chunk cache between opens of a dataset that is still open
    readers["h5py default"] = lambda: h5py.File(hpath, "r")
    readers["h5py 1MiB"] = lambda: h5py.File(hpath, "r", rdcc_nbytes=1 << 20)
    readers["h5py no cache"] = lambda: h5py.File(hpath, "r", rdcc_nbytes=0)
    out: dict[str, Any] = {}
    for pattern, ij in places.items():
        row: dict[str, float] = {}
        for name, opener in readers.items():
            with zl.config.set(chunk_cache="256MiB" if name == "zarrlite 256MiB" else 0):
                def run(opener: Callable[[], Any] = opener, ij: list[Any] = ij) -> None:
                    with _opened(opener()) as d:
                        for i, j in ij:
                            d[i, j]
                seconds = best(run, repeat)
                with _opened(opener()) as d:
                    for i, j in ij[:50]:
                        if d[i, j] != data[i, j]:
                            raise SystemExit(f"WRONG: {name} scalar at {(i, j)}")
            row[name] = seconds / len(ij) * 1e6
        out[pattern] = row
    return out


@contextlib.contextmanager
def _opened(obj: Any) -> Iterator[Any]:
    """The dataset of an h5py File (closed afterwards), or a zarrlite array as it is."""
    if isinstance(obj, zl.Array):
        yield obj
        return
    try:
        yield obj["data"]
    finally:
        obj.close()


def render(doc: dict[str, Any]) -> str:
    lines = []
    win = doc["results"]["window"]
    off = win["zarrlite off"]
    lines.append(f"window: 256² window slid along a chunk row ({win['windows']} windows), "
                 "µs per window; ratio = cache off / reader")
    lines.append(f"  {'reader':<20}{'µs':>10}{'ratio':>8}")
    for name in ("zarrlite off", "zarrlite 256MiB", "zarrlite 256MiB warm", "zarrlite own 1MiB"):
        lines.append(f"  {name:<20}{win[name]:>10.1f}{off / win[name]:>8.2f}")
    for pattern, row in doc["results"]["scalar"].items():
        ref = row["h5py default"]
        lines.append(f"scalar {pattern}: µs per d[i, j]; ratio = h5py default / reader")
        lines.append(f"  {'reader':<20}{'µs':>10}{'ratio':>8}")
        for name, us in row.items():
            lines.append(f"  {name:<20}{us:>10.2f}{ref / us:>8.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small arrays, 2 rounds")
    parser.add_argument("--repeat", type=int, help="timed rounds per measurement (default 5)")
    parser.add_argument("--json", help="write results to this JSON file")
    parser.add_argument("--tmpdir", help="parent directory for the files (default: system temp)")
    parser.add_argument("--threads", type=int, default=1,
                        help="zarrlite worker threads (default 1: per-call cost)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    repeat = args.repeat or sizes.repeat
    root = tempfile.mkdtemp(prefix="zarrlite-chunkcache-", dir=args.tmpdir)
    try:
        with zl.config.set(threads=args.threads):
            results = {"window": bench_window(sizes, root, repeat),
                       "scalar": bench_scalar(sizes, root, repeat)}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    doc = {"config": {"sizes": asdict(sizes), "repeat": repeat, "threads": args.threads,
                      "loadavg": os.getloadavg()},
           "results": results}
    print(render(doc))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
