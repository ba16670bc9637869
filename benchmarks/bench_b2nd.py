"""Two-level chunks (issue 4 workloads), all engines on the same data in one run.

8192×8192 float32 (a smooth field plus noise), chunks 4096×4096:
- zarrlite with `zarrlite.b2nd` (lz4 5, byte shuffle, blocks chosen: 256×256);
- zarrlite and zarr-python 3 with plain Blosc lz4 (the classic Zarr layout);
- python-blosc2's own NDArray with the same chunks and blocks, in memory.

Prints medians and the issue's targets:
64×64 window ≥50× faster than zarr-python 3 on plain Blosc and within 2× of python-blosc2;
one column ≥5× faster than zarr-python 3; full read of b2nd ≤1.2× full read of plain Blosc.

    python benchmarks/bench_b2nd.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable

import blosc2
import numcodecs
import numpy as np
import zarr

import zarrlite as zl

SHAPE, CHUNKS = (8192, 8192), (4096, 4096)
WINDOW = np.s_[1000:1064, 2000:2064]
COLUMN = np.s_[:, 1234]


def median_time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    zl.config.set(threads=2)
    numcodecs.blosc.set_nthreads(2)
    y, x = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]].astype("f4")
    data = (100 * np.sin(x / 300) * np.cos(y / 200)).astype("f4")
    data += np.random.default_rng(0).normal(0, 0.01, SHAPE).astype("f4")
    del x, y
    tmp = tempfile.mkdtemp(prefix="zl-b2nd-")
    try:
        zb = zl.array(data, chunks=CHUNKS, store=os.path.join(tmp, "b2nd"),
                      compressor=zl.B2ND(cname="lz4", clevel=5))
        zp = zl.array(data, chunks=CHUNKS, store=os.path.join(tmp, "blosc"),
                      compressor=zl.Blosc(cname="lz4", clevel=5, shuffle=1))
        za = zarr.open_array(os.path.join(tmp, "blosc"), mode="r", zarr_format=2)
        blocks = blosc2.ndarray_from_cframe(zb.store["0.0"]).blocks
        nd = blosc2.asarray(data, chunks=CHUNKS, blocks=blocks,
                            cparams={"codec": blosc2.Codec.LZ4, "clevel": 5, "nthreads": 2})
        zb = zl.open_array(os.path.join(tmp, "b2nd"), mode="r")
        zp = zl.open_array(os.path.join(tmp, "blosc"), mode="r")
        for name, sel in [("window", WINDOW), ("column", COLUMN)]:
            for engine, arr in [("zarrlite b2nd", zb), ("zarrlite blosc", zp),
                                ("zarr-python 3 blosc", za), ("python-blosc2 NDArray", nd)]:
                assert np.array_equal(np.asarray(arr[sel]), data[sel]), (engine, name)
        r = {}
        for name, sel in [("window", WINDOW), ("column", COLUMN), ("full", np.s_[...])]:
            r[name, "b2nd"] = median_time(lambda s=sel: zb[s], args.repeat)
            r[name, "blosc"] = median_time(lambda s=sel: zp[s], args.repeat)
            if name != "full":
                r[name, "zarr"] = median_time(lambda s=sel: za[s], args.repeat)
                r[name, "blosc2"] = median_time(lambda s=sel: nd[s], args.repeat)
        print(f"{'workload':8} {'zl b2nd':>10} {'zl blosc':>10} {'zarr blosc':>11} "
              f"{'blosc2 ND':>10}")
        for name in ("window", "column", "full"):
            cells = [r.get((name, k)) for k in ("b2nd", "blosc", "zarr", "blosc2")]
            print(f"{name:8} " + " ".join(
                f"{c * 1e3:9.2f}ms" if c is not None else f"{'-':>10}" for c in cells))
        targets = [
            ("window ≥50× faster than zarr-python 3 (plain blosc)",
             r["window", "zarr"] / r["window", "b2nd"], ">=", 50),
            ("window within 2× of python-blosc2", r["window", "b2nd"] / r["window", "blosc2"],
             "<=", 2),
            ("column ≥5× faster than zarr-python 3", r["column", "zarr"] / r["column", "b2nd"],
             ">=", 5),
            ("full read b2nd ≤1.2× plain blosc", r["full", "b2nd"] / r["full", "blosc"], "<=",
             1.2),
        ]
        print("\ntargets")
        for label, value, op, limit in targets:
            ok = value >= limit if op == ">=" else value <= limit
            print(f"  {'PASS' if ok else 'MISS'}  {label:55} {value:7.2f} (need {op} {limit})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
