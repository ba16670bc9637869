#!/usr/bin/env python
"""``zarrlite convert`` of an HDF5 dataset against h5py reading it whole plus zarrlite
writing it whole, each in a fresh process.

Usage::

    python benchmarks/convert_hdf5.py [--size-mib 1024] [--quick] [--repeat 2]
                                      [--h5-compression none|gzip|lzf] [--tmpdir DIR] [--json F]

Writes one float32 HDF5 dataset (2-d, chunked 1024 x 1024, uncompressed by default; the data
of ``copy_hdf5.py``) in a temporary folder and reads it once into the page cache. Then, in
interleaved rounds:

- ``convert``: the command ``zarrlite convert big.h5 out.zarr --no-progress`` (the script
  next to this Python), timed from start to exit;
- ``read+write``: a fresh Python process that imports h5py and zarrlite, reads the dataset
  whole with h5py (``ds[...]``), then writes it whole into a zarrlite array with the same
  chunks and zarrlite's default compressor; timed from start to exit, and inside (the read,
  the write).

Target (issue 15): the command within 1.3x of read + write. Both are whole processes, so
both pay Python's start and the imports; the inner times (the command's own "in N s", the
read and the write) are printed too.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # copy_hdf5.py: the same data as that benchmark

import numpy as np  # noqa: E402
from copy_hdf5 import CHUNK_SIDE, dataset_shape, write_hdf5  # noqa: E402

#: The target: the command's time over the time of reading whole and writing whole.
TARGET_RATIO = 1.3
METHODS = ("convert", "read+write")


def zarrlite_command() -> list[str]:
    """The ``zarrlite`` script installed next to this Python, else ``python -m zarrlite``."""
    script = Path(sys.executable).with_name("zarrlite")
    return [str(script)] if script.exists() else [sys.executable, "-m", "zarrlite"]


def read_then_write(h5_path: str, zarr_path: str) -> dict:
    """In this (fresh) process: h5py reads the dataset whole, zarrlite writes it whole."""
    import h5py

    import zarrlite as zl

    started = time.perf_counter()
    with h5py.File(h5_path, "r") as f:
        ds = f["data"]
        data = ds[...]
        read = time.perf_counter() - started
        z = zl.create(ds.shape, chunks=ds.chunks, dtype=ds.dtype, store=zarr_path)
        z[...] = data
        z.attrs.update({k: np.asarray(v).tolist() for k, v in ds.attrs.items()})
    return {"read_s": read, "write_s": time.perf_counter() - started - read}


def timed(command: list[str]) -> tuple[float, str]:
    """Run `command`; (seconds from start to exit, its stdout)."""
    started = time.perf_counter()
    child = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, child.stdout


def one_round(method: str, h5_path: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    if method == "convert":
        seconds, stdout = timed([*zarrlite_command(), "convert", str(h5_path), str(out),
                                 "--no-progress"])
        inner = float(stdout.rsplit(" in ", 1)[1].split(" s", 1)[0])  # "... in 1.2 s (...)"
        result = {"seconds": seconds, "inner_s": inner}
    else:
        seconds, stdout = timed([sys.executable, __file__, "--run-baseline", str(h5_path),
                                 str(out)])
        inner = json.loads(stdout.strip().splitlines()[-1])
        result = {"seconds": seconds, "inner_s": inner["read_s"] + inner["write_s"], **inner}
    check(h5_path, out)
    result["stored_mib"] = sum(p.stat().st_size for p in out.rglob("*")) / 2**20
    return result


def check(h5_path: Path, out: Path) -> None:
    """The copy equals the HDF5 dataset, one row of chunks at a time."""
    import h5py

    import zarrlite as zl

    with h5py.File(h5_path, "r") as f:
        ds = f["data"]
        z = zl.open_array(str(out / "data") if (out / "data").exists() else str(out),
                          mode="r")
        assert z.chunks == ds.chunks, (z.chunks, ds.chunks)
        for start in range(0, ds.shape[0], ds.chunks[0]):
            rows = slice(start, start + ds.chunks[0])
            assert np.array_equal(z[rows], ds[rows]), f"{out}: rows {rows} differ"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="dataset size (1024)")
    parser.add_argument("--quick", action="store_true", help="256 MiB, one repeat")
    parser.add_argument("--repeat", type=int, default=2, help="timed rounds per method")
    parser.add_argument("--h5-compression", default="none", choices=["none", "gzip", "lzf"])
    parser.add_argument("--tmpdir", default=None, help="where the files go")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--run-baseline", nargs=2, metavar=("H5", "ZARR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_baseline:
        print(json.dumps(read_then_write(*args.run_baseline)))
        return
    if args.quick:
        args.size_mib, args.repeat = 256, 1
    shape = dataset_shape(args.size_mib)
    tmp = Path(tempfile.mkdtemp(prefix="zl-convert-hdf5-", dir=args.tmpdir))
    try:
        h5_path = tmp / "big.h5"
        compression = None if args.h5_compression == "none" else args.h5_compression
        write_hdf5(h5_path, shape, compression)
        print(f"HDF5 source: {shape} float32 = {np.prod(shape) * 4 / 2**20:.0f} MiB, chunks "
              f"{CHUNK_SIDE}x{CHUNK_SIDE}, compression {args.h5_compression}, "
              f"{h5_path.stat().st_size / 2**20:.0f} MiB on disk; {os.cpu_count()} CPUs")
        with open(h5_path, "rb") as f:  # into the page cache for both methods
            while f.read(64 << 20):
                pass
        results: dict[str, list[dict]] = {m: [] for m in METHODS}
        for _ in range(args.repeat):
            for method in METHODS:  # interleaved rounds
                results[method].append(one_round(method, h5_path, tmp / f"{method}.zarr"))
        report(results, args, shape)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(results: dict[str, list[dict]], args: argparse.Namespace,
           shape: tuple[int, int]) -> None:
    nbytes = int(np.prod(shape)) * 4
    print(f"{'method':12} {'best s':>8} {'median s':>9} {'GiB/s':>7} {'inner s':>8} "
          f"{'stored MiB':>11}")
    best = {}
    for method, runs in results.items():
        fastest = min(runs, key=lambda r: r["seconds"])
        best[method] = fastest
        median = statistics.median(r["seconds"] for r in runs)
        extra = (f"   (read {fastest['read_s']:.2f} s + write {fastest['write_s']:.2f} s)"
                 if "read_s" in fastest else "")
        print(f"{method:12} {fastest['seconds']:8.3f} {median:9.3f} "
              f"{nbytes / 2**30 / fastest['seconds']:7.2f} {fastest['inner_s']:8.3f} "
              f"{fastest['stored_mib']:11.0f}{extra}")
    ratio = best["convert"]["seconds"] / best["read+write"]["seconds"]
    inner = best["convert"]["inner_s"] / best["read+write"]["inner_s"]
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"target: convert within {TARGET_RATIO}x of h5py read + zarrlite write, whole "
          f"processes: {ratio:.2f}x: {verdict} (inner times: {inner:.2f}x)")
    if args.json:
        Path(args.json).write_text(json.dumps({"shape": shape, "results": results,
                                               "ratio": ratio, "inner_ratio": inner},
                                              indent=2))


if __name__ == "__main__":
    main()
