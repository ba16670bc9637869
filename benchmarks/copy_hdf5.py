#!/usr/bin/env python
"""HDF5 → Zarr copy: ``zl.from_array(h5py_dataset, store)`` against reading the whole
dataset with h5py and writing it whole with zarrlite.

Usage::

    python benchmarks/copy_hdf5.py [--size-mib 1024] [--quick] [--repeat 2] [--threads 2]
                                   [--h5-compression none|gzip|lzf] [--tmpdir DIR] [--json F]

Writes one float32 HDF5 dataset (2-d, chunked 1024 x 1024, uncompressed by default) in a
temporary folder, then copies it into a zarrlite DirectoryStore (default compressor, the
same chunks) both ways. Each copy runs in a fresh child process; the memory figure is
its peak resident memory during the copy (``VmHWM``, reset just before) minus its
resident memory just before. The HDF5 file is read once before timing, so both ways read
it from the page cache. Targets (issue 14): from_array no slower than read-whole +
write-whole, and its memory bounded (a few units of the copy, not the dataset).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import zarrlite as zl  # noqa: E402
from zarrlite.convenience.from_array import from_array  # noqa: E402

CHUNK_SIDE = 1024
METHODS = ("from_array", "read_whole_write_whole")


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def reset_peak_rss() -> None:
    """Start the peak (VmHWM) afresh from the current resident memory. (``ru_maxrss``
    would not do: it survives ``exec``, so a child reports its parent's peak.)"""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def dataset_shape(size_mib: int) -> tuple[int, int]:
    """A 2-d float32 shape of `size_mib` MiB: 16384 columns from 1 GiB up, else 4096."""
    cols = 16384 if size_mib >= 1024 else 4096
    rows = max(1, size_mib * 2**20 // 4 // cols)
    return rows, cols


def write_hdf5(path: Path, shape: tuple[int, int], compression: str | None) -> None:
    """Smooth data with a little noise (compresses, but not to nothing), written in
    slabs of one row of chunks."""
    rng = np.random.default_rng(0)
    cols = np.arange(shape[1], dtype=np.float32)
    chunks = (min(CHUNK_SIDE, shape[0]), min(CHUNK_SIDE, shape[1]))
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("data", shape=shape, dtype="f4", chunks=chunks,
                              compression=compression)
        ds.attrs["units"] = "K"
        ds.attrs["scale"] = np.float32(0.5)
        for start in range(0, shape[0], chunks[0]):
            rows = np.arange(start, min(start + chunks[0], shape[0]), dtype=np.float32)
            slab = np.sin(rows[:, None] * 1e-3) * np.cos(cols * 2e-3) * 100
            slab += rng.integers(0, 16, slab.shape).astype(np.float32) * 0.01
            ds[start : start + len(rows)] = slab


def run_one(method: str, h5_path: str, zarr_path: str, threads: int) -> dict:
    """One copy in this (fresh) process: seconds, and peak memory above the start."""
    zl.config.set(threads=threads)
    shutil.rmtree(zarr_path, ignore_errors=True)
    with h5py.File(h5_path, "r") as f:
        ds = f["data"]
        reset_peak_rss()
        before = rss_mib()
        started = time.perf_counter()
        if method == "from_array":
            z = from_array(ds, zarr_path)
        else:
            data = ds[...]
            z = zl.create(ds.shape, chunks=ds.chunks, dtype=ds.dtype, store=zarr_path)
            z[...] = data
            z.attrs.update({k: np.asarray(v).tolist() for k, v in ds.attrs.items()})
            del data
        seconds = time.perf_counter() - started
        peak = peak_rss_mib()
        # correctness: every row of chunks equal
        for start in range(0, ds.shape[0], ds.chunks[0]):
            rows = slice(start, start + ds.chunks[0])
            assert np.array_equal(z[rows], ds[rows]), f"{method}: rows {rows} differ"
        assert z.chunks == ds.chunks and z.attrs["units"] == "K"
    return {"method": method, "seconds": seconds, "peak_above_start_mib": peak - before,
            "stored_mib": sum(p.stat().st_size for p in Path(zarr_path).rglob("*")) / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="dataset size (1024)")
    parser.add_argument("--quick", action="store_true", help="256 MiB, one repeat")
    parser.add_argument("--repeat", type=int, default=2, help="timed rounds per method")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--h5-compression", default="none", choices=["none", "gzip", "lzf"])
    parser.add_argument("--tmpdir", default=None, help="where the files go")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--run-one", nargs=3, metavar=("METHOD", "H5", "ZARR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(run_one(*args.run_one, threads=args.threads)))
        return
    if args.quick:
        args.size_mib, args.repeat = 256, 1
    shape = dataset_shape(args.size_mib)
    tmp = Path(tempfile.mkdtemp(prefix="zl-copy-hdf5-", dir=args.tmpdir))
    try:
        h5_path = tmp / "source.h5"
        started = time.perf_counter()
        compression = None if args.h5_compression == "none" else args.h5_compression
        write_hdf5(h5_path, shape, compression)
        print(f"HDF5 source: {shape} float32 = {np.prod(shape) * 4 / 2**20:.0f} MiB, chunks "
              f"{CHUNK_SIDE}x{CHUNK_SIDE}, compression {args.h5_compression}, "
              f"{h5_path.stat().st_size / 2**20:.0f} MiB on disk "
              f"(written in {time.perf_counter() - started:.1f} s); threads {args.threads}")
        with open(h5_path, "rb") as f:  # into the page cache for both methods
            while f.read(64 << 20):
                pass
        results: dict[str, list[dict]] = {m: [] for m in METHODS}
        for _ in range(args.repeat):
            for method in METHODS:  # interleaved rounds
                child = subprocess.run(
                    [sys.executable, __file__, "--threads", str(args.threads), "--run-one",
                     method, str(h5_path), str(tmp / f"{method}.zarr")],
                    check=True, capture_output=True, text=True)
                results[method].append(json.loads(child.stdout.strip().splitlines()[-1]))
        report(results, args, shape)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(results: dict[str, list[dict]], args: argparse.Namespace,
           shape: tuple[int, int]) -> None:
    summary = {}
    print(f"{'method':26} {'best s':>8} {'median s':>9} {'GiB/s':>7} {'peak MiB':>9} "
          f"{'stored MiB':>11}")
    nbytes = int(np.prod(shape)) * 4
    for method, runs in results.items():
        best = min(r["seconds"] for r in runs)
        median = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_above_start_mib"] for r in runs)
        summary[method] = {"best_s": best, "median_s": median, "peak_mib": peak,
                           "stored_mib": runs[0]["stored_mib"]}
        print(f"{method:26} {best:8.3f} {median:9.3f} {nbytes / 2**30 / best:7.2f} "
              f"{peak:9.0f} {runs[0]['stored_mib']:11.0f}   rounds: "
              + ", ".join(f"{r['seconds']:.2f} s / {r['peak_above_start_mib']:.0f} MiB"
                          for r in runs))
    ours, theirs = summary["from_array"], summary["read_whole_write_whole"]
    speed_ok = ours["best_s"] <= theirs["best_s"] * 1.05
    memory_ok = ours["peak_mib"] <= max(0.25 * nbytes / 2**20, 300)
    print(f"target: from_array no slower ({ours['best_s']:.3f} s vs {theirs['best_s']:.3f} s, "
          f"{theirs['best_s'] / ours['best_s']:.2f}x): {'met' if speed_ok else 'NOT met'}")
    print(f"target: bounded memory ({ours['peak_mib']:.0f} MiB vs {theirs['peak_mib']:.0f} MiB "
          f"for the whole-array way, dataset {nbytes / 2**20:.0f} MiB): "
          f"{'met' if memory_ok else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps({"shape": shape, "threads": args.threads,
                                               "h5_compression": args.h5_compression,
                                               "results": results, "summary": summary},
                                              indent=2))


if __name__ == "__main__":
    main()
