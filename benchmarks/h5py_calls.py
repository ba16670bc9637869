#!/usr/bin/env python
"""Per-call cost of h5py-style reads: zarrlite's h5py face against h5py, in one run.

Usage::

    python benchmarks/h5py_calls.py [--quick] [--repeat N] [--json out.json]
                                    [--compression none,gzip] [--tmpdir DIR]

One 4096x4096 float32 dataset of random numbers in 256x256 chunks, written by h5py (an .h5
file) and by zarrlite (``zarrlite.File(...).create_dataset``), once without compression and
once with gzip level 1 (``compression="gzip", compression_opts=1`` in both). Each reader
reads every chunk once (untimed: warm page cache, and h5py's chunk cache as far as it
holds), then, with the same seeded random indices for all:

    a  10,000 scalar reads ``d[i, j]``
    b  10,000 reads of one 64-element row segment inside a chunk, ``d[i, j0:j0 + 64]``
    c  1,000 ``d.read_direct(buf, np.s_[r:r + 64, c:c + 64])`` into one preallocated
       (64, 64) float32 buffer (windows anywhere: some span two or four chunks)

Readers: zarrlite's h5py face (``zarrlite.File(path, "r")["data"]``); the same array through
zarrlite's zarr face (``zarrlite.open_array``; ``get_basic_selection(sel, out=buf)`` for c),
which shows what the h5py face costs on top; h5py with its default chunk cache (1 MiB in
HDF5 1.x, 8 MiB in 2.x), with a chunk cache that holds every chunk, and with none
(``rdcc_nbytes=0``). zarrlite keeps no decoded chunks: each call reads and decodes its chunks.

The figure is the best of ``--repeat`` rounds (after one warm-up round; readers take turns
inside each round) divided by the number of calls. Ratios are h5py / zarrlite (h5py face):
above 1 means zarrlite is faster. Results are checked against the source data outside the
timed region.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)  # harness, report
import report  # noqa: E402
from harness import Case, Result, Wrong, check_equal, time_cases  # noqa: E402

import zarrlite as zl  # noqa: E402

WORKLOADS = ("scalar", "row", "read_direct")
COMPRESSIONS: dict[str, dict[str, Any]] = {
    "none": {},
    "gzip": {"compression": "gzip", "compression_opts": 1},
}
#: Readers, in table order; the first is the one every ratio is taken against.
READERS = ("zarrlite", "zarrlite zarr face", "h5py", "h5py all cached", "h5py no cache")
LABELS = {
    "zarrlite": "zarrlite h5py face",
    "zarrlite zarr face": "zarrlite zarr face",
    "h5py": "h5py (default cache)",
    "h5py all cached": "h5py (all chunks cached)",
    "h5py no cache": "h5py (no chunk cache)",
}


@dataclass(frozen=True)
class Sizes:
    side: int  # the dataset is side x side float32
    chunk: int
    scalars: int  # calls of workload a
    rows: int  # calls of workload b
    directs: int  # calls of workload c
    width: int  # row segment length (b) and window side (c)
    repeat: int


FULL = Sizes(side=4096, chunk=256, scalars=10_000, rows=10_000, directs=1000, width=64, repeat=5)
QUICK = Sizes(side=1024, chunk=256, scalars=1000, rows=1000, directs=100, width=64, repeat=2)


@dataclass(frozen=True)
class Indices:
    """The seeded random positions every reader reads (Python ints, as h5py code has them)."""

    scalar: tuple[list[int], list[int]]
    row: tuple[list[int], list[int]]
    window: tuple[list[int], list[int]]

    @classmethod
    def draw(cls, s: Sizes, seed: int = 1234) -> Indices:
        rng = np.random.default_rng(seed)
        n, c, w = s.side, s.chunk, s.width
        scalar = (rng.integers(0, n, s.scalars).tolist(), rng.integers(0, n, s.scalars).tolist())
        row_starts = rng.integers(0, n // c, s.rows) * c + rng.integers(0, c - w + 1, s.rows)
        row = (rng.integers(0, n, s.rows).tolist(), row_starts.tolist())
        window = (
            rng.integers(0, n - w + 1, s.directs).tolist(),
            rng.integers(0, n - w + 1, s.directs).tolist(),
        )
        return cls(scalar, row, window)


# ---------------------------------------------------------------------- the timed loops
def read_scalars(d: Any, rows: list[int], cols: list[int]) -> list[Any]:
    return [d[i, j] for i, j in zip(rows, cols)]


def read_rows(d: Any, rows: list[int], starts: list[int], width: int) -> list[Any]:
    return [d[i, j : j + width] for i, j in zip(rows, starts)]


def read_direct(d: Any, buf: np.ndarray, rows: list[int], cols: list[int], width: int) -> None:
    for r, c in zip(rows, cols):
        d.read_direct(buf, np.s_[r : r + width, c : c + width])


def read_into(z: Any, buf: np.ndarray, rows: list[int], cols: list[int], width: int) -> None:
    """What ``read_direct`` does, through the zarr face."""
    for r, c in zip(rows, cols):
        z.get_basic_selection(np.s_[r : r + width, c : c + width], out=buf)


# ---------------------------------------------------------------------- data and readers
def write_both(root: str, data: np.ndarray, chunk: int, kwargs: dict[str, Any]) -> tuple[str, str]:
    """The dataset "data" written by h5py (a file) and by zarrlite (a directory)."""
    import h5py

    h5_path, zl_path = os.path.join(root, "data.h5"), os.path.join(root, "data.zarr")
    with h5py.File(h5_path, "w") as f:
        f.create_dataset("data", data=data, chunks=(chunk, chunk), **kwargs)
    with zl.File(zl_path, "w") as f:
        f.create_dataset("data", data=data, chunks=(chunk, chunk), **kwargs)
    return h5_path, zl_path


def open_readers(h5_path: str, zl_path: str, nbytes: int) -> tuple[dict[str, Any], list[Any]]:
    """Every reader's dataset handle, and the files to close at the end.

    Each h5py reader opens its own copy of the file: HDF5 shares one open file, and one
    open dataset with its chunk cache, between all opens of the same file.
    """
    import h5py

    copies = [h5_path]
    for suffix in ("all-cached", "no-cache"):
        copies.append(h5_path.replace(".h5", f"-{suffix}.h5"))
        shutil.copyfile(h5_path, copies[-1])
    files = [
        zl.File(zl_path, "r"),
        h5py.File(copies[0], "r"),
        h5py.File(copies[1], "r", rdcc_nbytes=nbytes + 2**20, rdcc_nslots=10007),
        h5py.File(copies[2], "r", rdcc_nbytes=0),
    ]
    handles = {
        "zarrlite": files[0]["data"],
        "zarrlite zarr face": zl.open_array(os.path.join(zl_path, "data"), mode="r"),
        "h5py": files[1]["data"],
        "h5py all cached": files[2]["data"],
        "h5py no cache": files[3]["data"],
    }
    return handles, files


def warm(d: Any, side: int, chunk: int) -> None:
    """Read every chunk once: the OS page cache, and h5py's chunk cache as far as it holds."""
    for r in range(0, side, chunk):
        for c in range(0, side, chunk):
            d[r : r + chunk, c : c + chunk]


def stored_nbytes(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(
        os.path.getsize(os.path.join(top, name))
        for top, _, names in os.walk(path)
        for name in names
    )


# ---------------------------------------------------------------------- one compression
def cases_for(
    workload: str, handles: dict[str, Any], data: np.ndarray, ix: Indices, s: Sizes
) -> tuple[dict[str, Case], int]:
    """The timed cases of one workload, one per reader, and its number of calls."""
    w = s.width
    cases: dict[str, Case] = {}
    if workload == "scalar":
        rows, cols = ix.scalar
        expected = data[rows, cols]
        for name, d in handles.items():
            cases[name] = Case(
                run=lambda _c, d=d: read_scalars(d, rows, cols),
                check=lambda _c, out: check_equal(np.array(out), expected, "d[i, j]"),
            )
        return cases, len(rows)
    if workload == "row":
        rows, starts = ix.row
        expected = data[np.array(rows)[:, None], np.array(starts)[:, None] + np.arange(w)]
        for name, d in handles.items():
            cases[name] = Case(
                run=lambda _c, d=d: read_rows(d, rows, starts, w),
                check=lambda _c, out: check_equal(np.stack(out), expected, "d[i, j:j+64]"),
            )
        return cases, len(rows)
    rows, cols = ix.window
    last = data[rows[-1] : rows[-1] + w, cols[-1] : cols[-1] + w]
    for name, d in handles.items():
        loop: Callable[..., None] = read_into if name == "zarrlite zarr face" else read_direct
        buf = np.zeros((w, w), dtype=data.dtype)
        check_windows(loop, d, buf, data, rows[:20], cols[:20], w)
        cases[name] = Case(
            run=lambda _c, d=d, buf=buf, loop=loop: loop(d, buf, rows, cols, w),
            check=lambda _c, _out, buf=buf: check_equal(buf, last, "read_direct"),
        )
    return cases, len(rows)


def check_windows(
    loop: Callable[..., None],
    d: Any,
    buf: np.ndarray,
    data: np.ndarray,
    rows: list[int],
    cols: list[int],
    w: int,
) -> None:
    """Untimed: the first windows, one call each, read right (the timed check sees the last)."""
    for r, c in zip(rows, cols):
        buf[...] = -1
        loop(d, buf, [r], [c], w)
        check_equal(buf, data[r : r + w, c : c + w], "read_direct")


def run_compression(
    label: str,
    kwargs: dict[str, Any],
    data: np.ndarray,
    ix: Indices,
    s: Sizes,
    repeat: int,
    root: str,
) -> dict[str, Any]:
    where = tempfile.mkdtemp(prefix=f"{label}-", dir=root)
    try:
        h5_path, zl_path = write_both(where, data, s.chunk, kwargs)
        handles, files = open_readers(h5_path, zl_path, data.nbytes)
        try:
            for d in handles.values():
                warm(d, s.side, s.chunk)
            out: dict[str, Any] = {
                "stored_nbytes": {
                    "h5py": stored_nbytes(h5_path),
                    "zarrlite": stored_nbytes(zl_path),
                },
                "workloads": {},
            }
            for workload in WORKLOADS:
                cases, calls = cases_for(workload, handles, data, ix, s)
                print(f"[{label} {workload}] {calls:,} calls", file=sys.stderr, flush=True)
                results = time_cases(cases, repeat)
                out["workloads"][workload] = summarize(results, calls)
            return out
        finally:
            for f in files:
                f.close()
    finally:
        shutil.rmtree(where, ignore_errors=True)


def summarize(results: dict[str, Result], calls: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"calls": calls, "readers": {}}
    for name, res in results.items():
        best = min(res.times_s) if res.status == "ok" and res.times_s else None
        doc["readers"][name] = {
            "status": res.status,
            "detail": res.detail,
            "times_s": res.times_s,
            "best_us_per_call": None if best is None else best / calls * 1e6,
        }
        shown = f"{best / calls * 1e6:9.1f} µs/call" if best else f"{res.status}: {res.detail}"
        print(f"  {name:20s} {shown}", file=sys.stderr, flush=True)
    zl_us = doc["readers"]["zarrlite"]["best_us_per_call"]
    doc["ratios"] = {
        name: r["best_us_per_call"] / zl_us
        for name, r in doc["readers"].items()
        if name != "zarrlite" and zl_us and r["best_us_per_call"]
    }
    return doc


# ---------------------------------------------------------------------- report
def title(workload: str, s: Sizes, calls: int) -> str:
    w = s.width
    return {
        "scalar": f"a  d[i, j]  ×{calls:,}",
        "row": f"b  d[i, j0:j0+{w}]  ×{calls:,}",
        "read_direct": f"c  read_direct {w}×{w}  ×{calls:,}",
    }[workload]


def cell(doc: dict[str, Any], name: str) -> str:
    r = doc["readers"][name]
    if r["best_us_per_call"] is None:
        return r["status"].upper()
    text = f"{r['best_us_per_call']:.1f} µs"
    zl_us = doc["readers"]["zarrlite"]["best_us_per_call"]
    if name == "zarrlite zarr face" and zl_us:
        text += f" (h5 face {zl_us - r['best_us_per_call']:+.1f})"
    elif name != "zarrlite" and name in doc["ratios"]:
        text += f" ({doc['ratios'][name]:.2f}×)"
    return text


def render(doc: dict[str, Any], s: Sizes) -> str:
    m = doc["machine"]
    lines = [
        f"machine: {m['cpu']}; {m['cpu_count']} cores ({m['usable_cpus']} usable); {m['platform']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"zarrlite commit: {m['zarrlite_commit'] or '?'}; best of {doc['config']['repeat']} "
        f"rounds{' (QUICK sizes)' if doc['config']['quick'] else ''}; load average (1 min) at "
        f"start {(m.get('loadavg_start') or ['?'])[0]}; other processes kept "
        f"{'?' if m['other_cores_busy'] is None else format(m['other_cores_busy'], '.2f')} of "
        f"{m['cpu_count']} CPUs busy",
    ]
    if (m.get("other_cores_busy") or 0) > 0.2:
        lines.append("WARNING: other processes were using the CPUs; times are inflated and noisy")
    for label, res in doc["results"].items():
        sizes = res["stored_nbytes"]
        lines += [
            "",
            f"{s.side}×{s.side} float32, {s.chunk}×{s.chunk} chunks, compression {label}; stored: "
            f"h5py {sizes['h5py'] / 2**20:.1f} MiB, zarrlite {sizes['zarrlite'] / 2**20:.1f} MiB",
            "µs per call, best round (h5py / zarrlite h5py face; > 1 means zarrlite is faster)",
        ]
        table = [["workload"] + [LABELS[n] for n in READERS]]
        for workload, wdoc in res["workloads"].items():
            table.append([title(workload, s, wdoc["calls"])] + [cell(wdoc, n) for n in READERS])
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        for k, row in enumerate(table):
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths))
                )
            )
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        for workload, wdoc in res["workloads"].items():
            for name, r in wdoc["readers"].items():
                if r["status"] != "ok":
                    lines.append(f"  !! {workload} {name}: {r['status'].upper()}: {r['detail']}")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    import h5py

    return {"zarrlite": zl.__version__, "h5py": h5py.__version__, "HDF5": h5py.version.hdf5_version}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1024² array, fewer calls, 2 rounds")
    parser.add_argument("--repeat", type=int, help="timed rounds per measurement (default 5)")
    parser.add_argument("--json", help="write results to this JSON file")
    parser.add_argument("--compression", default="none,gzip", help="none, gzip or both (default)")
    parser.add_argument("--tmpdir", help="parent directory for the files (default: system temp)")
    args = parser.parse_args(argv)

    sizes = QUICK if args.quick else FULL
    repeat = args.repeat or sizes.repeat
    chosen = [c.strip() for c in args.compression.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in COMPRESSIONS]
    if unknown:
        sys.exit(f"unknown compression {unknown[0]!r}; choose from {', '.join(COMPRESSIONS)}")
    data = np.random.default_rng(42).random((sizes.side, sizes.side), dtype=np.float32)
    ix = Indices.draw(sizes)
    bench = SimpleNamespace(engines=[SimpleNamespace(versions=versions)], info={})
    bench.info["loadavg_start"] = report.loadavg()
    bench.info["cpu_start"] = report.cpu_sample()
    root = tempfile.mkdtemp(prefix="zarrlite-h5calls-", dir=args.tmpdir)
    results = {}
    try:
        for label in chosen:
            name = "gzip 1" if label == "gzip" else label
            results[name] = run_compression(
                name, COMPRESSIONS[label], data, ix, sizes, repeat, root
            )
    except Wrong as err:
        sys.exit(f"WRONG: {err}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    doc = {
        "machine": report.machine_info(bench),
        "config": {"sizes": asdict(sizes), "repeat": repeat, "quick": args.quick},
        "results": results,
        "notes": [
            "figure: best round / calls, in µs",
            "ratio = h5py (or zarr face) µs / zarrlite h5py face µs; > 1: zarrlite faster",
            "reads come from the OS page cache; zarrlite keeps no decoded chunks",
        ],
    }
    print(render(doc, sizes))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
