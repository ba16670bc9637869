#!/usr/bin/env python
"""Resident memory after reading many arrays of different chunk sizes, and after idle.

Usage::

    python benchmarks/memory_release.py [--arrays 200] [--threads 2] [--idle 2] [--memory]

Writes and reads `--arrays` arrays whose chunks range from 4 KiB to 32 MiB (float32, in
directory stores in a temporary folder, or in memory with ``--memory``), deletes them, and
prints the process's resident memory (RSS, from /proc) at four moments: before, right after
the reads, after ``zl.config.release_buffers()`` would not yet have run but the threads have
been idle for ``idle_buffer_seconds`` (set to `--idle`), and after an explicit release.
What stays after release is the interpreter, numpy and zarrlite's modules, not buffers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

import numpy as np

import zarrlite as zl
from zarrlite.chunkio import buffers


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrays", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--idle", type=float, default=2.0)
    parser.add_argument("--memory", action="store_true", help="MemoryStore, not directories")
    args = parser.parse_args()

    zl.config.set(threads=args.threads, idle_buffer_seconds=args.idle)
    rng = np.random.default_rng(0)
    sides = [32, 64, 128, 256, 512, 1024, 2048, 2896]  # chunk bytes: 4 KiB .. 32 MiB
    tmp = tempfile.mkdtemp(prefix="zl-memory-")
    print(f"start:                  {rss_mib():7.1f} MiB")
    try:
        peak = 0.0
        for i in range(args.arrays):
            side = sides[i % len(sides)]
            data = rng.random((side * 2, side * 2), dtype=np.float32)
            store = zl.MemoryStore() if args.memory else zl.DirectoryStore(f"{tmp}/{i}.zarr")
            z = zl.array(data, chunks=(side, side), store=store)
            assert np.array_equal(z[...], data)
            peak = max(peak, rss_mib())
            del z, store, data
            if not args.memory:
                shutil.rmtree(f"{tmp}/{i}.zarr")
        print(f"peak while reading:     {peak:7.1f} MiB")
        print(f"right after the reads:  {rss_mib():7.1f} MiB "
              f"(kept scratch {buffers.all_kept_nbytes() / 2**20:.1f} MiB)")
        time.sleep(args.idle * 2 + 0.5)
        print(f"after {args.idle * 2 + 0.5:.1f} s idle:        {rss_mib():7.1f} MiB "
              f"(kept scratch {buffers.all_kept_nbytes() / 2**20:.1f} MiB)")
        zl.config.release_buffers()
        print(f"after release_buffers:  {rss_mib():7.1f} MiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
