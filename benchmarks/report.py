"""Results document (JSON-ready dict), targets and the printed table for ``bench.py``."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from typing import Any

import numpy as np

PEERS = ("zarr", "tensorstore", "h5py")
LABELS = {
    "zarrlite": "zarrlite",
    "zarr": "zarr-python 3",
    "tensorstore": "tensorstore",
    "h5py": "h5py+Blosc",
}


def _rows(sz: dict[str, Any]) -> list[tuple[str, str]]:
    def grid(shape: Any) -> str:
        return "×".join(str(n) for n in shape)

    a = f"{grid(sz['a_shape'])} f32, {grid(sz['a_chunks'])} chunks"
    b = f"{grid(sz['b_shape'])} i32, {grid(sz['b_chunks'])} chunks"
    return [
        ("A_write", f"A write {a}"),
        ("A_read", f"A read  {a}"),
        ("B_write", f"B write {b}"),
        ("B_read", f"B read  {b}"),
        ("C_open", "C open array (per call)"),
        ("window", f"{sz['window']}×{sz['window']} window, {grid(sz['w_chunks'])} chunks"),
        ("column", f"column z[:, {sz['column']}] of A"),
        ("points", f"{sz['npoints']:,} random points of A"),
    ]


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def machine_info(bench: Any) -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    versions = {"python": sys.version.split()[0], "numpy": np.__version__}
    for e in bench.engines:
        versions.update(e.versions())
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(
            ["git", "-C", repo, "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "usable_cpus": affinity,
        "versions": versions,
        "zarrlite_commit": commit,
        "loadavg_start": bench.info.get("loadavg_start"),
        "loadavg_end": loadavg(),
        "other_cores_busy": other_cores(bench.info.get("cpu_start"), cpu_sample()),
    }


def loadavg() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def cpu_sample() -> tuple[float, float, float] | None:
    """(wall s, busy CPU s of the whole machine, CPU s of this process) for `other_cores`."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait
    own = os.times()
    return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


def other_cores(start: Any, end: Any) -> float | None:
    """Average number of CPUs that other processes (and the kernel) kept busy in between."""
    if not start or not end or end[0] <= start[0]:
        return None
    return max(0.0, ((end[1] - start[1]) - (end[2] - start[2])) / (end[0] - start[0]))


def _median(doc: dict, workload: str, name: str) -> float | None:
    return doc["results"].get(workload, {}).get(name, {}).get("median_s")


def _targets(doc: dict) -> list[dict[str, Any]]:
    def ratio(workload: str, peer: str) -> float | None:
        return doc["ratios"].get(workload, {}).get(peer)

    zl_read = _median(doc, "A_read", "zarrlite")
    bare = doc["reference"].get("bare_decompress_best_s")
    zl_open = _median(doc, "C_open", "zarrlite")
    rows = [
        ("A write ≥2× faster than zarr-python 3", ratio("A_write", "zarr"), ">=", 2.0),
        ("A write no slower than tensorstore", ratio("A_write", "tensorstore"), ">=", 1.0),
        ("A read ≥2× faster than zarr-python 3", ratio("A_read", "zarr"), ">=", 2.0),
        (
            "A read within 1.5× of bare decompression",
            zl_read / bare if zl_read and bare else None,
            "<=",
            1.5,
        ),
        ("B write ≥20× faster than zarr-python 3", ratio("B_write", "zarr"), ">=", 20.0),
        ("B write no slower than h5py", ratio("B_write", "h5py"), ">=", 1.0),
        ("B read ≥20× faster than zarr-python 3", ratio("B_read", "zarr"), ">=", 20.0),
        ("B read no slower than h5py", ratio("B_read", "h5py"), ">=", 1.0),
        ("C open ≤ 50 µs", zl_open * 1e6 if zl_open else None, "<=", 50.0),
        ("points ≥3× faster than zarr-python 3 vindex", ratio("points", "zarr"), ">=", 3.0),
    ]
    out = []
    for name, value, op, limit in rows:
        passed = value is not None and (value >= limit if op == ">=" else value <= limit)
        out.append(
            {
                "target": name,
                "value": value,
                "op": op,
                "threshold": limit,
                "status": "PASS" if passed else ("MISS" if value is not None else "n/a"),
            }
        )
    return out


def build(bench: Any, **config: Any) -> dict[str, Any]:
    results = {
        wl: {
            name: {
                "status": r.status,
                "detail": r.detail,
                "median_s": r.median_s,
                "times_s": r.times_s,
            }
            for name, r in rs.items()
        }
        for wl, rs in bench.results.items()
    }
    doc: dict[str, Any] = {
        "machine": machine_info(bench),
        "config": config,
        "results": results,
        "ratios": {},
        "reference": {},
        "stored_nbytes": bench.info.get("stored_nbytes", {}),
        "notes": [
            "ratio = peer median / zarrlite median; > 1: zarrlite faster",
            "reads are served from the OS page cache (no cache dropping)",
            "writes: array creation untimed; h5py's time includes flush()",
        ],
    }
    for wl, rs in results.items():
        zl = rs.get("zarrlite", {}).get("median_s")
        doc["ratios"][wl] = {
            p: rs[p]["median_s"] / zl for p in PEERS if zl and rs.get(p, {}).get("median_s")
        }
    dec = results.get("A_decompress", {})
    pool = dec.get("decompress:threadpool", {}).get("median_s")
    own = dec.get("decompress:blosc-threads", {}).get("median_s")
    ref = doc["reference"]
    ref["bare_decompress_threadpool_s"] = pool
    ref["bare_decompress_blosc_threads_s"] = own
    ref["bare_decompress_best_s"] = min((t for t in (pool, own) if t), default=None)
    ref["memcpy_A_s"] = dec.get("memcpy", {}).get("median_s")
    ref["bare_compress_threadpool_s"] = dec.get("compress:threadpool", {}).get("median_s")
    ref["copy_A_to_new_array_s"] = dec.get("copy-to-new-array", {}).get("median_s")
    ref["read_A_chunk_files_s"] = dec.get("files:read", {}).get("median_s")
    files = results.get("B_files", {})
    for name in ("files:write-1-thread", "files:write-2-threads", "files:read-1-thread"):
        ref["B_" + name.split(":")[1].replace("-", "_") + "_s"] = files.get(name, {}).get(
            "median_s"
        )
    ref["zarrlite_read_zarr_store_s"] = _median(doc, "A_read", "zarrlite@zarr-store")
    doc["targets"] = _targets(doc)
    return doc


def _cell(doc: dict, workload: str, name: str) -> str:
    res = doc["results"].get(workload, {}).get(name)
    if res is None:
        return "-"
    if res["status"] != "ok":
        return {"unsupported": "n/a (unsupported)"}.get(res["status"], res["status"].upper())
    text = fmt_time(res["median_s"])
    if name != "zarrlite":
        r = doc["ratios"].get(workload, {}).get(name)
        text += f" ({r:.2f}×)" if r else ""
    return text


def render(doc: dict) -> str:
    m, cfg = doc["machine"], doc["config"]
    lines = [
        f"machine: {m['cpu']}; {m['cpu_count']} cores ({m['usable_cpus']} usable); {m['platform']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"zarrlite commit: {m['zarrlite_commit'] or '?'}; repeat {cfg['repeat']}"
        f"{' (QUICK sizes: targets indicative only)' if cfg['quick'] else ''}; "
        "Blosc lz4 clevel 5 shuffle; 2 threads (h5py 1); reads from the OS page cache",
        "",
    ]
    others = m.get("other_cores_busy")
    lines.append(
        f"load average (1 min) at start {(m.get('loadavg_start') or ['?'])[0]}; other "
        f"processes kept {'?' if others is None else f'{others:.2f}'} of "
        f"{m['cpu_count']} CPUs busy on average during the run"
    )
    if others is not None and others > 0.2:
        lines.append("WARNING: other processes were using the CPUs; times are inflated and noisy")
    lines += ["", "median time (peer / zarrlite ratio; > 1 means zarrlite is faster)"]
    header = ["workload"] + [LABELS[n] for n in ("zarrlite",) + PEERS]
    table = [header]
    for wl, title in _rows(cfg["sizes"]):
        if wl in doc["results"]:
            table.append([title] + [_cell(doc, wl, n) for n in ("zarrlite",) + PEERS])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table if len(table) > 1 else []):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))
            )
        )
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", "reference"]
    ref = doc["reference"]
    if ref.get("bare_decompress_best_s"):
        zl = _median(doc, "A_read", "zarrlite")
        lines.append(
            f"  bare decompression of A's chunks (numcodecs, no I/O): threadpool "
            f"{fmt_time(ref['bare_decompress_threadpool_s'])}, blosc threads "
            f"{fmt_time(ref['bare_decompress_blosc_threads_s'])}"
            + (f"; zarrlite read / best = {zl / ref['bare_decompress_best_s']:.2f}" if zl else "")
        )
    if ref.get("bare_compress_threadpool_s"):
        lines.append(
            f"  bare compression of A's chunks (numcodecs, 2-worker pool, no I/O): "
            f"{fmt_time(ref['bare_compress_threadpool_s'])}"
        )
    if ref.get("memcpy_A_s"):
        lines.append(
            f"  memcpy of A into a preallocated array: {fmt_time(ref['memcpy_A_s'])}; "
            f"into a new array: {fmt_time(ref['copy_A_to_new_array_s'])}; reading A's "
            f"chunk files (1 thread): {fmt_time(ref['read_A_chunk_files_s'])}"
        )
    if ref.get("B_write_1_thread_s"):
        lines.append(
            f"  B's chunk files with plain os calls: create+write 1 thread "
            f"{fmt_time(ref['B_write_1_thread_s'])}, 2 threads "
            f"{fmt_time(ref['B_write_2_threads_s'])}; read 1 thread "
            f"{fmt_time(ref['B_read_1_thread_s'])}"
        )
    if ref.get("zarrlite_read_zarr_store_s"):
        lines.append(
            f"  zarrlite reading the A store zarr-python wrote: "
            f"{fmt_time(ref['zarrlite_read_zarr_store_s'])}"
        )
    for key, sizes in doc["stored_nbytes"].items():
        lines.append(
            f"  stored size of {key}: "
            + ", ".join(f"{LABELS[n]} {b / 2**20:.1f} MiB" for n, b in sizes.items())
        )
    problems = [
        (wl, n, r)
        for wl, rs in doc["results"].items()
        for n, r in rs.items()
        if r["status"] not in ("ok", "unsupported")
    ]
    unsupported = [
        (wl, n, r)
        for wl, rs in doc["results"].items()
        for n, r in rs.items()
        if r["status"] == "unsupported"
    ]
    for wl, n, r in problems:
        lines.append(f"  !! {wl} {n}: {r['status'].upper()}: {r['detail']}")
    for wl, n, r in unsupported:
        lines.append(f"  skipped {wl} {n}: {r['detail']}")
    lines += ["", "targets"]
    for t in doc["targets"]:
        value = "-" if t["value"] is None else f"{t['value']:.2f}"
        unit = " µs" if "µs" in t["target"] else "×"
        lines.append(
            f"  {t['status']:4s}  {t['target']:44s} {value}{unit if t['value'] else ''}"
            f" (need {t['op']} {t['threshold']:g})"
        )
    return "\n".join(lines)
