#!/usr/bin/env python
"""Scaling curves (issue 16): the cost of reads and writes grows with the work, not the dataset.

Usage::

    python benchmarks/scaling.py [--quick] [--outdir DIR] [--tmpdir DIR] [--repeat N]
                                 [--threads 1,2]

Three curves, each point at each thread count (``zl.config.set(threads=N)``):

    full      ``z[...]`` (read), ``z.get_basic_selection(..., out=out)`` into one
              preallocated, already touched array (read_out: the same work without faulting
              in new memory for the output) and ``z[...] = data`` into a new array (write)
              of float32 arrays of 64 MiB, 256 MiB, 1 GiB and 4 GiB (square, 1024x1024
              chunks, Blosc lz4 5 shuffle); in MB/s of decoded bytes (10^6 bytes/s), flat
              when cost grows with work. Also the child's peak resident memory (VmHWM) and
              its resident memory before the first call: a read adds the output plus a few
              chunks, a read into out or a write a few chunks.
    grid      ``zl.open_array(path, mode="r")`` alone, open plus one 64x64 window read, and
              ``z.nchunks_initialized`` (which lists the stored chunks) for arrays of
              64x64 chunks whose grid has 64, 4,096 and 1,048,576 chunks, of which 14 are
              stored (the 4 the window touches and 10 others): the metadata cost must not
              grow with the grid; then the biggest grid with 1 and 4 whole rows of chunks
              stored too: ``nchunks_initialized`` grows with the stored chunks only.
    window    a 64x64 window read in the middle of an array that is one square float32
              chunk of 1, 4, 16, 64 and 256 MiB, stored as plain Blosc (zarrlite decodes only
              the Blosc blocks the window's rows cross, which grow with the chunk's width) and
              as two-level ``zl.B2ND`` (N-d blocks of about 256 KiB: flat).

``--quick`` uses small sizes (16 and 64 MiB; 64, 4,096 and 65,536 chunks; 1 to 16 MiB
chunks) and 3 rounds: under a minute. The full run takes several minutes on 2 cores and
about 9 GiB of memory at its peak (a 4 GiB array, its output or store, and the store's
files when ``--tmpdir`` is a tmpfs such as /dev/shm, which takes the disk out of it).

Data: a smooth field plus a little noise (stored at about 0.6 of its decoded size), written
to directory stores in a temporary folder under ``--tmpdir`` that is removed at the end;
reads come from the OS page cache. Every point runs in a fresh Python process (this script,
run again with a hidden ``--point`` argument, prints one JSON line), so that the memory and
caches of one point do not leak into the next. Each figure is the median, min and max of
``--repeat`` rounds after one warm-up; a round of the full curve is one call, a round of the
grid and window curves the mean of as many calls as fill about 0.1 s (0.02 s with
``--quick``). Every result is
checked against the data outside the timed region: a wrong one prints WRONG and the exit
status is 1.

Output: a table on stdout, ``scaling-YYYYMMDD-HHMMSS.json`` in ``--outdir`` (default
``results/`` beside this script) and, when matplotlib is installed (``pip install
"zarrlite[plot]"``), ``scaling-YYYYMMDD-HHMMSS.png`` with one plot per curve (with
``--quick``, ``...-quick.json`` and ``...-quick.png``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import zarrlite as zl

MiB = 1 << 20
#: Chunk side of the full read/write arrays.
FULL_CHUNK_SIDE = 1024
#: Chunk side of the grid curve's arrays.
GRID_CHUNK_SIDE = 64
#: Side of the window read in the grid and window curves.
WINDOW_SIDE = 64
#: Chunks stored in each grid array besides the four the window touches.
GRID_OTHER_CHUNKS = 10
#: Whole rows of chunks also stored in the biggest grid (rows 0 to k-1), to show that
#: ``nchunks_initialized`` grows with the stored chunks.
GRID_BAND_ROWS = (1, 4)
#: Noise values drawn once per process; every row takes a slice at a seeded offset.
NOISE_POOL_SIZE = 1 << 22
#: The operations of the full curve (see measure_full_read, _read_out and _write).
FULL_OPS = ("read", "read_out", "write")
#: Longest a child process may run.
POINT_TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class Sizes:
    """The points of each curve."""

    full_mib: tuple[int, ...]
    grid_nchunks: tuple[int, ...]
    window_chunk_mib: tuple[int, ...]
    repeat: int
    #: Length of a round of the grid and window curves (calls are repeated to fill it).
    round_seconds: float


FULL = Sizes((64, 256, 1024, 4096), (64, 4096, 1 << 20), (1, 4, 16, 64, 256), 5, 0.1)
QUICK = Sizes((16, 64), (64, 4096, 1 << 16), (1, 4, 16), 3, 0.02)


# ---------------------------------------------------------------------------------------
# data


_noise_pool: np.ndarray | None = None


def noise_pool() -> np.ndarray:
    """Gaussian noise (standard deviation 0.01, float32), drawn once per process."""
    global _noise_pool
    if _noise_pool is None:
        rng = np.random.default_rng(16)
        _noise_pool = (rng.standard_normal(NOISE_POOL_SIZE, dtype=np.float32)
                       * np.float32(0.01))
    return _noise_pool


def field_tile(row0: int, col0: int, nrows: int, ncols: int) -> np.ndarray:
    """Rows ``row0:row0+nrows``, columns ``col0:col0+ncols`` of the data: a smooth field
    ``100 sin(y) cos(x)`` plus noise whose rows are slices of `noise_pool` at offsets seeded
    by the tile's origin (the same tile always has the same values)."""
    y = (np.arange(row0, row0 + nrows, dtype=np.float64) * 0.003)
    x = (np.arange(col0, col0 + ncols, dtype=np.float64) * 0.002)
    tile = np.multiply((100 * np.sin(y)).astype(np.float32)[:, None],
                       np.cos(x).astype(np.float32)[None, :])
    pool = noise_pool()
    offsets = np.random.default_rng([row0, col0]).integers(0, pool.size - ncols, nrows)
    tile += np.lib.stride_tricks.sliding_window_view(pool, ncols)[offsets]
    return tile


def field_region(rows: slice, cols: slice, tile_shape: tuple[int, int]) -> np.ndarray:
    """The data in ``[rows, cols]`` of an array written tile by tile (tiles of
    `tile_shape`, aligned to multiples of it), assembled from the tiles it overlaps."""
    r0, r1, c0, c1 = rows.start, rows.stop, cols.start, cols.stop
    th, tw = tile_shape
    out = np.empty((r1 - r0, c1 - c0), dtype=np.float32)
    for tr in range(r0 // th * th, r1, th):
        for tc in range(c0 // tw * tw, c1, tw):
            tile = field_tile(tr, tc, th, tw)
            a0, a1 = max(r0, tr), min(r1, tr + th)
            b0, b1 = max(c0, tc), min(c1, tc + tw)
            out[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0] = tile[a0 - tr : a1 - tr, b0 - tc : b1 - tc]
    return out


def full_data(side: int) -> np.ndarray:
    """The `side` x `side` array of the full curve, generated row block by row block."""
    data = np.empty((side, side), dtype=np.float32)
    for r0 in range(0, side, FULL_CHUNK_SIDE):
        data[r0 : r0 + FULL_CHUNK_SIDE] = field_tile(r0, 0, FULL_CHUNK_SIDE, side)
    return data


def blosc() -> zl.Blosc:
    """The compressor of the full and grid curves and of the window curve's Blosc layout."""
    return zl.Blosc(cname="lz4", clevel=5, shuffle=zl.Blosc.SHUFFLE)


def side_of_mib(mib: int) -> int:
    """Side of a square float32 array of `mib` MiB (a power of 4 MiB, or 1 MiB: 512)."""
    side = math.isqrt(mib * MiB // 4)
    if side * side * 4 != mib * MiB:
        raise ValueError(f"{mib} MiB is not a square float32 array")
    return side


# ---------------------------------------------------------------------------------------
# measurement (in the child process)


def proc_status_bytes(field: str) -> int | None:
    """A memory figure (``VmHWM``, ``VmRSS``) of this process in bytes; None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def summary(seconds: list[float]) -> dict[str, Any]:
    """Median, min and max of per-call times, with the rounds themselves."""
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
            "rounds": seconds}


def time_calls(call: Callable[[], Any], repeat: int,
               min_round_seconds: float = 0.0) -> dict[str, Any]:
    """Seconds per call of `call`: one warm-up call, then `repeat` rounds, each of as many
    calls as fill `min_round_seconds` (at least one; the count is set by timing one call
    after the warm-up, when `min_round_seconds` is given)."""
    call()
    calls = 1
    if min_round_seconds > 0:
        start = time.perf_counter()
        call()
        once = time.perf_counter() - start
        calls = max(1, math.ceil(min_round_seconds / once)) if once > 0 else 1
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        rounds.append((time.perf_counter() - start) / calls)
    return {**summary(rounds), "calls_per_round": calls}


def wrong(message: str) -> SystemExit:
    """The exit of a child whose result did not match the data."""
    return SystemExit(f"WRONG: {message}")


def prepare_full(spec: dict[str, Any]) -> dict[str, Any]:
    """Write the array the full-read points read."""
    side = spec["side"]
    data = full_data(side)
    z = zl.create(data.shape, chunks=(FULL_CHUNK_SIDE,) * 2, dtype="f4", store=spec["path"],
                  compressor=blosc(), overwrite=True)
    z[...] = data
    return {"stored_ratio": z.nbytes_stored / z.nbytes}


def check_full(z: zl.Array, side: int, data: np.ndarray | None = None) -> None:
    """Compare `z` with the data row block by row block (regenerated unless given)."""
    for r0 in range(0, side, FULL_CHUNK_SIDE):
        rows = slice(r0, r0 + FULL_CHUNK_SIDE)
        expected = data[rows] if data is not None else field_tile(r0, 0, FULL_CHUNK_SIDE, side)
        if not np.array_equal(z[rows], expected):
            raise wrong(f"full array of side {side}, rows {r0}:{r0 + FULL_CHUNK_SIDE}")


def measure_full_read(spec: dict[str, Any]) -> dict[str, Any]:
    """``z[...]`` of the prepared array: one call per round, each into new memory."""
    side = spec["side"]
    z = zl.open_array(spec["path"], mode="r")
    rss_before = proc_status_bytes("VmRSS")

    def read() -> None:
        out = z[...]
        del out

    timing = time_calls(read, spec["repeat"])
    peak = proc_status_bytes("VmHWM")
    out = z[...]
    for r0 in range(0, side, FULL_CHUNK_SIDE):
        if not np.array_equal(out[r0 : r0 + FULL_CHUNK_SIDE],
                              field_tile(r0, 0, FULL_CHUNK_SIDE, side)):
            raise wrong(f"full read of side {side}, rows {r0}:{r0 + FULL_CHUNK_SIDE}")
    return {**timing, "nbytes": z.nbytes, "rss_before": rss_before, "peak_rss": peak}


def measure_full_read_out(spec: dict[str, Any]) -> dict[str, Any]:
    """``z.get_basic_selection(..., out=out)`` of the prepared array into one preallocated
    array, touched before the first call: the read without the cost of faulting in new
    memory, which `measure_full_read` pays in every call."""
    side = spec["side"]
    z = zl.open_array(spec["path"], mode="r")
    out = np.zeros(z.shape, dtype=z.dtype)
    rss_before = proc_status_bytes("VmRSS")
    timing = time_calls(lambda: z.get_basic_selection(Ellipsis, out=out), spec["repeat"])
    peak = proc_status_bytes("VmHWM")
    out.fill(np.nan)
    z.get_basic_selection(Ellipsis, out=out)
    for r0 in range(0, side, FULL_CHUNK_SIDE):
        if not np.array_equal(out[r0 : r0 + FULL_CHUNK_SIDE],
                              field_tile(r0, 0, FULL_CHUNK_SIDE, side)):
            raise wrong(f"full read into out of side {side}, rows {r0}:{r0 + FULL_CHUNK_SIDE}")
    return {**timing, "nbytes": z.nbytes, "rss_before": rss_before, "peak_rss": peak}


def measure_full_write(spec: dict[str, Any]) -> dict[str, Any]:
    """``z[...] = data`` into a newly created array in each round (created and, after the
    round, deleted outside the timed region)."""
    side = spec["side"]
    data = full_data(side)
    rss_before = proc_status_bytes("VmRSS")
    seconds = []
    path = ""
    for round_index in range(spec["repeat"] + 1):  # round 0 is the warm-up
        path = f"{spec['path']}-{round_index}"
        z = zl.create(data.shape, chunks=(FULL_CHUNK_SIDE,) * 2, dtype="f4", store=path,
                      compressor=blosc(), overwrite=True)
        start = time.perf_counter()
        z[...] = data
        elapsed = time.perf_counter() - start
        if round_index:
            seconds.append(elapsed)
        if round_index < spec["repeat"]:
            shutil.rmtree(path)
    peak = proc_status_bytes("VmHWM")
    try:
        check_full(zl.open_array(path, mode="r"), side, data)
    finally:
        shutil.rmtree(path, ignore_errors=True)
    return {**summary(seconds), "calls_per_round": 1, "nbytes": data.nbytes,
            "rss_before": rss_before, "peak_rss": peak}


def grid_layout(nchunks: int) -> tuple[int, tuple[slice, slice]]:
    """(chunks per side, window) of the grid array of `nchunks` chunks: the window sits
    half a chunk off the chunk grid in the middle, so it touches 2x2 chunks."""
    per_side = math.isqrt(nchunks)
    if per_side * per_side != nchunks or per_side < 4:
        raise ValueError(f"{nchunks} chunks is not a square grid of at least 4x4")
    start = per_side // 2 * GRID_CHUNK_SIDE + GRID_CHUNK_SIDE // 2
    window = slice(start, start + WINDOW_SIDE)
    return per_side, (window, window)


def prepare_grid(spec: dict[str, Any]) -> dict[str, Any]:
    """Create the sparse grid array and store only the chunks the window touches plus
    `GRID_OTHER_CHUNKS` others at seeded places, each written as one chunk-sized region,
    and the first ``band_rows`` rows of chunks (written as one region)."""
    per_side, window = grid_layout(spec["nchunks"])
    c = GRID_CHUNK_SIDE
    z = zl.create((per_side * c,) * 2, chunks=(c, c), dtype="f4", store=spec["path"],
                  compressor=blosc(), overwrite=True)
    first = window[0].start // c
    stored = {(i, j) for i in (first, first + 1) for j in (first, first + 1)}
    rng = np.random.default_rng(spec["nchunks"])
    while len(stored) < 4 + GRID_OTHER_CHUNKS:
        stored.add((int(rng.integers(per_side)), int(rng.integers(per_side))))
    for i, j in sorted(stored):
        z[i * c : (i + 1) * c, j * c : (j + 1) * c] = field_tile(i * c, j * c, c, c)
    band_rows = spec.get("band_rows", 0)
    if band_rows:
        if band_rows > first:
            raise ValueError(f"{band_rows} rows of chunks would overwrite the window")
        z[: band_rows * c] = field_tile(0, 0, band_rows * c, per_side * c)
        stored |= {(i, j) for i in range(band_rows) for j in range(per_side)}
    return {"stored_chunks": len(stored)}


def measure_grid(spec: dict[str, Any]) -> dict[str, Any]:
    """Open alone, open plus the window read, and ``nchunks_initialized`` of an open array."""
    path, repeat = spec["path"], spec["repeat"]
    _, window = grid_layout(spec["nchunks"])

    def open_only() -> None:
        zl.open_array(path, mode="r")

    def open_and_read() -> None:
        zl.open_array(path, mode="r")[window]

    z = zl.open_array(path, mode="r")
    if z.nchunks != spec["nchunks"]:
        raise wrong(f"grid of {z.nchunks} chunks, expected {spec['nchunks']}")
    result = {
        "open": time_calls(open_only, repeat, spec["round_seconds"]),
        "open_window": time_calls(open_and_read, repeat, spec["round_seconds"]),
        "nchunks_initialized": time_calls(lambda: z.nchunks_initialized, repeat,
                                          spec["round_seconds"]),
        "initialized": z.nchunks_initialized,
        "peak_rss": proc_status_bytes("VmHWM"),
    }
    tile = (GRID_CHUNK_SIDE, GRID_CHUNK_SIDE)
    if not np.array_equal(zl.open_array(path, mode="r")[window], field_region(*window, tile)):
        raise wrong(f"window of the grid of {spec['nchunks']} chunks")
    return result


def window_compressor(layout: str) -> zl.Codec:
    """The compressor of a window-curve layout: ``blosc`` or ``b2nd``."""
    return blosc() if layout == "blosc" else zl.B2ND(cname="lz4", clevel=5)


def window_tile_shape(side: int) -> tuple[int, int]:
    """Tiles the window-curve array of side `side` is written in: full-width row blocks."""
    return min(side, FULL_CHUNK_SIDE), side


def window_of(side: int) -> tuple[slice, slice]:
    """The 64x64 window in the middle of a square chunk of side `side`."""
    start = side // 2 - WINDOW_SIDE // 2
    return slice(start, start + WINDOW_SIDE), slice(start, start + WINDOW_SIDE)


def prepare_window(spec: dict[str, Any]) -> dict[str, Any]:
    """Write the one-chunk array of the window curve, row block by row block."""
    side = spec["side"]
    z = zl.create((side, side), chunks=(side, side), dtype="f4", store=spec["path"],
                  compressor=window_compressor(spec["layout"]), overwrite=True)
    data = np.empty((side, side), dtype=np.float32)
    th, tw = window_tile_shape(side)
    for r0 in range(0, side, th):
        data[r0 : r0 + th] = field_tile(r0, 0, th, tw)
    z[...] = data
    return {"stored_ratio": z.nbytes_stored / z.nbytes}


def measure_window(spec: dict[str, Any]) -> dict[str, Any]:
    """The window read of an open one-chunk array."""
    side = spec["side"]
    window = window_of(side)
    z = zl.open_array(spec["path"], mode="r")
    before = z.stats
    got = z[window]
    after = z.stats
    work = {k: after[k] - before[k] for k in ("chunks_decoded", "partial_decodes",
                                              "blocks_decoded")}
    if not np.array_equal(got, field_region(*window, window_tile_shape(side))):
        raise wrong(f"window of the {spec['layout']} chunk of side {side}")
    timing = time_calls(lambda: z[window], spec["repeat"], spec["round_seconds"])
    return {**timing, "work": work, "peak_rss": proc_status_bytes("VmHWM")}


POINT_KINDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "prepare_full": prepare_full,
    "full_read": measure_full_read,
    "full_read_out": measure_full_read_out,
    "full_write": measure_full_write,
    "prepare_grid": prepare_grid,
    "grid": measure_grid,
    "prepare_window": prepare_window,
    "window": measure_window,
}


def run_point(spec: dict[str, Any]) -> None:
    """Child process: run one point with its thread count and print its result as JSON."""
    with zl.config.set(threads=spec.get("threads")):
        result = POINT_KINDS[spec["kind"]](spec)
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------
# the run (in the parent process)


class Runner:
    """Runs points in child processes, prints progress on stderr and remembers failures."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.failures: list[str] = []

    def run(self, spec: dict[str, Any], label: str) -> dict[str, Any] | None:
        """The child's result for `spec`, or None (noted in `failures`) if it failed."""
        self.done += 1
        print(f"[{self.done}/{self.total}] {label} ...", end="", file=sys.stderr, flush=True)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--point", json.dumps(spec)],
            capture_output=True, text=True, timeout=POINT_TIMEOUT_SECONDS,
        )
        print(f" {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines:
            message = proc.stderr.strip().splitlines()
            status = "WRONG" if any("WRONG" in ln for ln in message) else "ERROR"
            detail = message[-1].removeprefix("WRONG: ") if message else (
                f"exit status {proc.returncode}")
            self.failures.append(f"{status}: {label}: {detail}")
            print(self.failures[-1], file=sys.stderr)
            return None
        result: dict[str, Any] = json.loads(lines[-1])
        return result


def count_points(sizes: Sizes, threads: list[int]) -> int:
    """Child processes a run starts."""
    nthreads = len(threads)
    return (len(sizes.full_mib) * (1 + len(FULL_OPS) * nthreads)
            + (len(sizes.grid_nchunks) + len(GRID_BAND_ROWS)) * (1 + nthreads)
            + len(sizes.window_chunk_mib) * 2 * (1 + nthreads))


def run_full_curve(runner: Runner, sizes: Sizes, threads: list[int], repeat: int,
                   root: str) -> list[dict[str, Any]]:
    """Full reads and writes at every size and thread count."""
    rows = []
    for mib in sizes.full_mib:
        side = side_of_mib(mib)
        path = os.path.join(root, f"full-{mib}.zarr")
        try:
            prepared = runner.run({"kind": "prepare_full", "side": side, "path": path},
                                  f"write the {mib} MiB array")
            for op in FULL_OPS:
                for nthreads in threads:
                    spec = {"kind": f"full_{op}", "side": side, "threads": nthreads,
                            "repeat": repeat,
                            "path": path if op != "write" else os.path.join(root, "write.zarr")}
                    if op != "write" and prepared is None:
                        result = None
                    else:
                        result = runner.run(spec, f"full {op} {mib} MiB, {nthreads} threads")
                    rows.append({"op": op, "mib": mib, "side": side, "threads": nthreads,
                                 "stored_ratio": prepared and prepared["stored_ratio"],
                                 "result": result})
        finally:
            shutil.rmtree(path, ignore_errors=True)
    return rows


def run_grid_curve(runner: Runner, sizes: Sizes, threads: list[int], repeat: int,
                   root: str) -> list[dict[str, Any]]:
    """Open, open plus window and nchunks_initialized at every grid size (14 chunks
    stored), then in the biggest grid with `GRID_BAND_ROWS` rows of chunks stored too."""
    rows = []
    cases = [(n, 0) for n in sizes.grid_nchunks]
    cases += [(sizes.grid_nchunks[-1], band) for band in GRID_BAND_ROWS]
    for nchunks, band_rows in cases:
        path = os.path.join(root, f"grid-{nchunks}-{band_rows}.zarr")
        try:
            prepared = runner.run({"kind": "prepare_grid", "nchunks": nchunks, "path": path,
                                   "band_rows": band_rows},
                                  f"store chunks of a grid of {nchunks:,} ({band_rows} rows)")
            for nthreads in threads:
                spec = {"kind": "grid", "nchunks": nchunks, "threads": nthreads,
                        "repeat": repeat, "round_seconds": sizes.round_seconds, "path": path}
                label = f"open + window, {nchunks:,} chunks, {nthreads} threads"
                result = None if prepared is None else runner.run(spec, label)
                if result and prepared and result["initialized"] != prepared["stored_chunks"]:
                    runner.failures.append(
                        f"WRONG: {label}: nchunks_initialized {result['initialized']}, "
                        f"{prepared['stored_chunks']} stored")
                    result = None
                rows.append({"nchunks": nchunks, "band_rows": band_rows, "threads": nthreads,
                             "stored_chunks": prepared and prepared["stored_chunks"],
                             "result": result})
        finally:
            shutil.rmtree(path, ignore_errors=True)
    return rows


def run_window_curve(runner: Runner, sizes: Sizes, threads: list[int], repeat: int,
                     root: str) -> list[dict[str, Any]]:
    """The window read at every chunk size, layout and thread count."""
    rows = []
    for mib in sizes.window_chunk_mib:
        side = side_of_mib(mib)
        for layout in ("blosc", "b2nd"):
            path = os.path.join(root, f"window-{mib}-{layout}.zarr")
            try:
                prepared = runner.run(
                    {"kind": "prepare_window", "side": side, "layout": layout, "path": path},
                    f"write a {mib} MiB {layout} chunk")
                for nthreads in threads:
                    spec = {"kind": "window", "side": side, "layout": layout,
                            "threads": nthreads, "repeat": repeat,
                            "round_seconds": sizes.round_seconds, "path": path}
                    result = None if prepared is None else runner.run(
                        spec, f"window in a {mib} MiB {layout} chunk, {nthreads} threads")
                    rows.append({"chunk_mib": mib, "side": side, "layout": layout,
                                 "threads": nthreads,
                                 "stored_ratio": prepared and prepared["stored_ratio"],
                                 "result": result})
            finally:
                shutil.rmtree(path, ignore_errors=True)
    return rows


def source_commit() -> str:
    """``git describe --always --dirty`` of the clone zarrlite is imported from ("" when it
    is not a clone's working tree, or git is missing)."""
    root = Path(zl.__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return ""
    try:
        return subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info() -> dict[str, Any]:
    """CPU, versions and how busy the machine was at the start."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(affinity(0)) if affinity else os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "zarrlite": zl.__version__,
        "zarrlite_commit": source_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "loadavg_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


# ---------------------------------------------------------------------------------------
# table and plot


def fmt_range(timing: dict[str, Any], scale: float, digits: int) -> str:
    """``min–max`` of a timing, scaled (1e3 for ms, 1e6 for µs)."""
    return f"{timing['min'] * scale:.{digits}f}–{timing['max'] * scale:.{digits}f}"


def mib_text(nbytes: int | None) -> str:
    """Bytes as MiB, or ``-`` when unknown."""
    return "-" if nbytes is None else f"{nbytes / MiB:.0f}"


def render_full(rows: list[dict[str, Any]]) -> list[str]:
    """The table section of the full curve."""
    ratio = next((r["stored_ratio"] for r in rows if r["stored_ratio"]), None)
    lines = [
        f"1. full read and write: square float32 arrays, "
        f"{FULL_CHUNK_SIDE}x{FULL_CHUNK_SIDE} chunks, Blosc lz4 5 shuffle"
        + (f" (stored {ratio:.2f} of decoded)" if ratio else ""),
        "   read: out = z[...] (new memory each call); read_out: z.get_basic_selection(..., "
        "out=out) into one preallocated array; write: z[...] = data into a new array",
        "   MB/s = decoded 10^6 bytes/s of the median; RSS in MiB: before the first call, "
        "peak (VmHWM), peak - before",
        f"   {'op':<9}{'array MiB':>10}{'threads':>8}{'median s':>10}{'min–max s':>16}"
        f"{'MB/s':>8}{'RSS before':>12}{'peak RSS':>10}{'added':>8}",
    ]
    for row in rows:
        head = f"   {row['op']:<9}{row['mib']:>10}{row['threads']:>8}"
        res = row["result"]
        if res is None:
            lines.append(head + "   WRONG/ERROR")
            continue
        before, peak = res["rss_before"], res["peak_rss"]
        added = peak - before if peak is not None and before is not None else None
        lines.append(head + f"{res['median']:>10.3f}{fmt_range(res, 1, 3):>16}"
                     f"{res['nbytes'] / res['median'] / 1e6:>8.0f}{mib_text(before):>12}"
                     f"{mib_text(peak):>10}{mib_text(added):>8}")
    return lines


def render_grid(rows: list[dict[str, Any]]) -> list[str]:
    """The table section of the grid curve."""
    lines = [
        f"2. open + one {WINDOW_SIDE}x{WINDOW_SIDE} window read by chunk-grid size: "
        f"{GRID_CHUNK_SIDE}x{GRID_CHUNK_SIDE} float32 chunks, "
        f"{4 + GRID_OTHER_CHUNKS} stored (the window touches 4), then whole rows of chunks "
        "too; ms per call",
        "   stored = what nchunks_initialized returned (it lists the stored chunks)",
        f"   {'chunks':>10}{'stored':>8}{'threads':>8}{'open':>8}{'open+window':>13}"
        f"{'min–max':>14}{'nchunks_initialized':>21}",
    ]
    for row in rows:
        res = row["result"]
        stored = "-" if res is None else f"{res['initialized']:,}"
        head = f"   {row['nchunks']:>10,}{stored:>8}{row['threads']:>8}"
        res = row["result"]
        if res is None:
            lines.append(head + "   WRONG/ERROR")
            continue
        ow = res["open_window"]
        lines.append(head + f"{res['open']['median'] * 1e3:>8.3f}{ow['median'] * 1e3:>13.3f}"
                     f"{fmt_range(ow, 1e3, 3):>14}"
                     f"{res['nchunks_initialized']['median'] * 1e3:>21.3f}")
    return lines


def render_window(rows: list[dict[str, Any]]) -> list[str]:
    """The table section of the window curve."""
    lines = [
        f"3. {WINDOW_SIDE}x{WINDOW_SIDE} window read in the middle of one square float32 "
        "chunk, by chunk size; µs per call",
        "   blosc: Blosc lz4 5 shuffle (only the Blosc blocks the window's rows cross are "
        "decoded); b2nd: zl.B2ND(lz4, 5) two-level",
        f"   {'chunk MiB':>10}{'side':>6}  {'layout':<7}{'threads':>8}{'median µs':>11}"
        f"{'min–max µs':>16}  work per read",
    ]
    for row in rows:
        head = (f"   {row['chunk_mib']:>10}{row['side']:>6}  {row['layout']:<7}"
                f"{row['threads']:>8}")
        res = row["result"]
        if res is None:
            lines.append(head + "   WRONG/ERROR")
            continue
        work = res["work"]
        done = (f"{work['blocks_decoded']} b2nd blocks" if work["blocks_decoded"]
                else f"{work['chunks_decoded']} chunk"
                + (", partial" if work["partial_decodes"] else ", whole"))
        lines.append(head + f"{res['median'] * 1e6:>11.1f}{fmt_range(res, 1e6, 1):>16}  {done}")
    return lines


def render(doc: dict[str, Any]) -> str:
    """The printed table: a header line and one section per curve."""
    m = doc["machine"]
    header = (f"zarrlite {m['zarrlite']} {m['zarrlite_commit']}".rstrip()
              + f", Python {m['python']}, {m['cpu_count']} CPUs ({m['cpu']}), {m['date']}, "
              f"median of {doc['config']['repeat']} rounds after a warm-up")
    curves = doc["curves"]
    sections = [render_full(curves["full"]), render_grid(curves["grid"]),
                render_window(curves["window"])]
    return "\n\n".join([header] + ["\n".join(s) for s in sections])


def plot(doc: dict[str, Any], path: str) -> bool:
    """Write the three curves as one PNG; False when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = doc["curves"]
    threads = doc["config"]["threads"]
    styles = {t: s for t, s in zip(threads, ["-", "--", ":", "-."] * 4)}
    fig, (ax_full, ax_grid, ax_window) = plt.subplots(1, 3, figsize=(17, 5.2))

    for op, color in (("read", "tab:blue"), ("read_out", "tab:green"),
                      ("write", "tab:orange")):
        for t in threads:
            pts = [r for r in curves["full"]
                   if r["op"] == op and r["threads"] == t and r["result"]]
            x = [r["mib"] for r in pts]
            mbs = [r["result"]["nbytes"] / r["result"]["median"] / 1e6 for r in pts]
            low = [m - r["result"]["nbytes"] / r["result"]["max"] / 1e6 for m, r in zip(mbs, pts)]
            high = [r["result"]["nbytes"] / r["result"]["min"] / 1e6 - m for m, r in zip(mbs, pts)]
            ax_full.errorbar(x, mbs, yerr=[low, high], color=color, linestyle=styles[t],
                             marker="o", capsize=3, label=f"{op}, {t} thread(s)")
    ax_full.set_xscale("log", base=2)
    full_mibs = sorted({r["mib"] for r in curves["full"]})
    ax_full.set_xticks(full_mibs, [f"{m} MiB" for m in full_mibs])
    ax_full.set_ylim(bottom=0)
    ax_full.set_xlabel("array size (float32, 1024² chunks, Blosc lz4)")
    ax_full.set_ylabel("MB/s (decoded bytes, median; bars: min–max)")
    ax_full.set_title("full read / write (flat: cost grows with work)")

    for key, label, color in (("open_window", "open + 64² window", "tab:green"),
                              ("open", "open alone", "tab:gray"),
                              ("nchunks_initialized", "nchunks_initialized", "tab:purple")):
        for t in threads:
            pts = [r for r in curves["grid"]
                   if r["threads"] == t and r["result"] and not r["band_rows"]]
            ax_grid.plot([r["nchunks"] for r in pts],
                         [r["result"][key]["median"] * 1e3 for r in pts],
                         color=color, linestyle=styles[t], marker="o",
                         label=f"{label}, {t} thread(s)")
    ax_grid.set_xscale("log")
    ax_grid.set_ylim(bottom=0)
    ax_grid.set_xlabel(f"chunks in the grid ({4 + GRID_OTHER_CHUNKS} stored)")
    ax_grid.set_ylabel("ms per call (median)")
    ax_grid.set_title("open + window vs chunk count (expected: flat)")

    for layout, color in (("blosc", "tab:red"), ("b2nd", "tab:blue")):
        for t in threads:
            pts = [r for r in curves["window"]
                   if r["layout"] == layout and r["threads"] == t and r["result"]]
            ax_window.plot([r["chunk_mib"] for r in pts],
                           [r["result"]["median"] * 1e6 for r in pts],
                           color=color, linestyle=styles[t], marker="o",
                           label=f"{layout}, {t} thread(s)")
    mibs = sorted({r["chunk_mib"] for r in curves["window"]})
    ax_window.set_xscale("log", base=2)
    ax_window.set_ylim(bottom=0)
    ax_window.set_xticks(mibs, [f"{m} MiB" for m in mibs])
    ax_window.set_xlabel("chunk size (one square float32 chunk)")
    ax_window.set_ylabel("µs per 64² window read (median)")
    ax_window.set_title("window read vs chunk size (expected: b2nd flat)")

    for ax in (ax_full, ax_grid, ax_window):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    m = doc["machine"]
    fig.suptitle(f"zarrlite {m['zarrlite']} scaling curves: {m['cpu_count']} CPUs, "
                 f"Python {m['python']}, {m['date']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------------------------
# command line


def thread_counts(text: str) -> list[int]:
    """``"1,2"`` -> [1, 2] (positive integers)."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected thread counts such as 1,2, got {text!r}")
    return counts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command-line options."""
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and 3 rounds: under a minute")
    parser.add_argument("--outdir", default=os.path.join(here, "results"),
                        help="folder of the JSON and PNG (default: results/ beside this script)")
    parser.add_argument("--tmpdir", default=None,
                        help="parent folder of the stores (default: the system temp folder)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed rounds per point (default 5, with --quick 3)")
    parser.add_argument("--threads", type=thread_counts, default=[1, 2],
                        help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--point", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.point:
        run_point(json.loads(args.point))
        return 0
    sizes = QUICK if args.quick else FULL
    repeat = args.repeat or sizes.repeat
    threads: list[int] = args.threads
    doc: dict[str, Any] = {
        "machine": machine_info(),
        "config": {"quick": args.quick, "repeat": repeat, "threads": threads,
                   "sizes": asdict(sizes), "tmpdir": args.tmpdir or tempfile.gettempdir(),
                   "full_chunk_side": FULL_CHUNK_SIDE, "grid_chunk_side": GRID_CHUNK_SIDE,
                   "window_side": WINDOW_SIDE},
    }
    runner = Runner(count_points(sizes, threads))
    start = time.perf_counter()
    root = tempfile.mkdtemp(prefix="zarrlite-scaling-", dir=args.tmpdir)
    try:
        doc["curves"] = {
            "full": run_full_curve(runner, sizes, threads, repeat, root),
            "grid": run_grid_curve(runner, sizes, threads, repeat, root),
            "window": run_window_curve(runner, sizes, threads, repeat, root),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    doc["machine"]["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    doc["seconds"] = time.perf_counter() - start
    doc["failures"] = runner.failures

    print(render(doc))
    for failure in runner.failures:
        print(failure)
    os.makedirs(args.outdir, exist_ok=True)
    stem = os.path.join(args.outdir, time.strftime("scaling-%Y%m%d-%H%M%S"))
    if args.quick:
        stem += "-quick"  # benchmarks/results/.gitignore leaves these smoke tests out
    with open(stem + ".json", "w") as f:
        json.dump(doc, f, indent=2)
    print(f"\nwrote {stem}.json")
    if plot(doc, stem + ".png"):
        print(f"wrote {stem}.png")
    else:
        print('plot skipped: matplotlib is not installed (pip install "zarrlite[plot]")')
    print(f"{doc['seconds']:.0f} s", file=sys.stderr)
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main())
