"""The printed report: machine, the table of medians and ratios, reference figures, targets."""

from __future__ import annotations

from typing import Any

from zarrlite.bench.options import ENGINE_NAMES, LABELS
from zarrlite.bench.report import failures, fmt_time

Doc = dict[str, Any]


def _rows(sz: dict[str, Any]) -> list[tuple[str, str]]:
    def grid(shape: Any) -> str:
        return "×".join(str(n) for n in shape)

    a = f"{grid(sz['a_shape'])} f32, {grid(sz['a_chunks'])} chunks"
    b = f"{grid(sz['b_shape'])} i32, {grid(sz['b_chunks'])} chunks"
    w = f"{grid(sz['w_chunks'])} chunks"
    return [
        ("A_write", f"write {a}"),
        ("A_read", f"read  {a}"),
        ("B_write", f"write {b}"),
        ("B_read", f"read  {b}"),
        ("C_open", "open an array (per call)"),
        ("window", f"{sz['window']}² window, {w}"),
        ("window_b2nd", f"{sz['window']}² window, {w}, two-level"),
        ("column", f"column, {w}"),
        ("band", f"{sz['band_rows']}-row band, {w}"),
        ("points", f"{sz['npoints']:,} random points of A"),
        ("points_sparse", f"{sz['sparse_points']} random points, {w}, two-level"),
        ("scalar", f"d[i, j], {sz['scalar_region']}² of {grid(sz['s_chunks'])} chunks (per call)"),
        ("sliding", f"{sz['slide_window']}² window slid along a chunk row of A (per window)"),
    ]


def _cell(doc: Doc, workload: str, name: str) -> str:
    res = doc["results"].get(workload, {}).get(name)
    if res is None:
        return "-"
    if res["status"] != "ok":
        return {"unsupported": "n/a (unsupported)"}.get(res["status"], res["status"].upper())
    text = fmt_time(res["median_s"])
    if res.get("max_s") and res["median_s"]:
        text += f" ±{50 * (res['max_s'] - res['min_s']) / res['median_s']:.0f}%"
    if name != "zarrlite":
        r = doc["ratios"].get(workload, {}).get(name)
        text += f" ({r:.2f}×)" if r else ""
    return text


def _header(doc: Doc) -> list[str]:
    m, cfg = doc["machine"], doc["config"]
    quick = " (QUICK sizes: targets indicative only)" if cfg["quick"] else ""
    if cfg.get("jobs", 1) > 1:
        quick += f"; {cfg['jobs']} cells timed at a time (they compete for the CPUs)"
    lines = [
        f"machine: {m['cpu']}; {m['cpu_count']} cores ({m['usable_cpus']} usable); {m['platform']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"zarrlite commit: {m['zarrlite_commit'] or 'none (installed package)'}; repeat "
        f"{cfg['repeat']}{quick}; Blosc lz4 clevel 5 shuffle; 2 threads (h5py 1); reads from "
        "the OS page cache",
    ]
    if cfg.get("left_out"):
        lines.append("left out (not installed): " + "; ".join(cfg["left_out"]))
    others = m.get("other_cores_busy")
    lines += [
        "",
        f"load average (1 min) at start {(m.get('loadavg_start') or ['?'])[0]}; other "
        f"processes kept {'?' if others is None else f'{others:.2f}'} of "
        f"{m['cpu_count']} CPUs busy on average during the run",
    ]
    if others is not None and others > 0.2:
        lines.append("WARNING: other processes were using the CPUs; times are inflated and noisy")
    return lines


def _table(doc: Doc) -> list[str]:
    names = [n for n in ENGINE_NAMES if n in doc["config"].get("engines", ENGINE_NAMES)]
    table = [["workload"] + [LABELS[n] for n in names]]
    for wl, title in _rows(doc["config"]["sizes"]):
        if wl in doc["results"]:
            table.append([title] + [_cell(doc, wl, n) for n in names])
    if len(table) == 1:
        return []
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        "",
        "median time ±half the min-max spread, each cell in a fresh process "
        "(peer / zarrlite ratio; > 1 means zarrlite is faster)",
    ]
    for k, row in enumerate(table):
        cells = (c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


#: The limit cases, as shown.
LIMIT_TITLES = {
    "decompress:c-blosc2-pool": "bare decompression of A's chunks, C-Blosc2, 2-worker pool",
    "decompress:c-blosc2-threads": "bare decompression of A's chunks, C-Blosc2, 2 threads",
    "decompress:c-blosc1-pool": "bare decompression of A's chunks, C-Blosc1, 2-worker pool",
    "decompress:c-blosc1-threads": "bare decompression of A's chunks, C-Blosc1, 2 threads",
    "compress:c-blosc1-pool": "bare compression of A's chunks, C-Blosc1, 2-worker pool",
    "compress:c-blosc1-threads": "bare compression of A's chunks, C-Blosc1, 2 threads",
    "memcpy": "memcpy of A into a preallocated array",
    "copy-to-new-array": "copy of A into a new array",
    "files:read-A": "reading A's chunk files, 1 thread",
    "files:write-1-thread": "creating + writing B's chunk files, 1 thread",
    "files:write-2-threads": "creating + writing B's chunk files, 2 threads",
    "files:read-1-thread": "reading B's chunk files, 1 thread",
    "files:read-2-threads": "reading B's chunk files, 2 threads",
}
#: zarrlite variants, as shown.
VARIANT_TITLES = {
    ("A_read", "zarrlite@zarr-store"): "zarrlite reading the A store zarr-python 3 wrote",
    ("sliding", "zarrlite:cache-off"): "sliding window, chunk cache off (per window)",
    ("sliding", "zarrlite:cache-cold"): "sliding window, chunk cache emptied before each pass",
    ("scalar", "zarrlite:cache-off"): "scalar reads, chunk cache off (per call)",
}


def _limits(doc: Doc) -> list[str]:
    lines = ["", "physical limits and zarrlite variants (median ±half the spread)"]
    for wl in ("A_limits", "B_files"):
        for name in doc["results"].get(wl, {}):
            lines.append(f"  {LIMIT_TITLES.get(name, name):58s} {_cell(doc, wl, name)}")
    for (wl, name), title in VARIANT_TITLES.items():
        if name in doc["results"].get(wl, {}):
            lines.append(f"  {title:58s} {_cell(doc, wl, name)}")
    return lines


def _reference(doc: Doc) -> list[str]:
    lines = []
    mem = doc.get("memory", {})
    if mem.get("A_read_peak_extra_bytes"):
        lines += ["", "memory", f"  zarrlite full read of A: peak resident memory "
                  f"{mem['A_read_peak_extra_bytes'] / 2**20:.0f} MiB above the level before "
                  f"it, for a {mem['A_read_output_bytes'] / 2**20:.0f} MiB result (allowance: "
                  f"result + one chunk per thread = "
                  f"{mem['A_read_allowance_bytes'] / 2**20:.0f} MiB)"]  # fmt: skip
    lines.append("")
    for key, sizes in doc["stored_nbytes"].items():
        lines.append(
            f"  stored size of {key}: "
            + ", ".join(f"{LABELS[n]} {b / 2**20:.1f} MiB" for n, b in sizes.items())
        )
    lines += [f"  skipped {s}" for s in doc.get("skipped", [])]
    lines += [f"  !! {problem}" for problem in failures(doc)]
    for wl, rs in doc["results"].items():
        lines += [f"  skipped {wl} {n}: {r['detail']}" for n, r in rs.items()
                  if r["status"] == "unsupported"]  # fmt: skip
    return lines


def _targets(doc: Doc) -> list[str]:
    lines = ["", "targets"]
    for t in doc["targets"]:
        value = "-" if t["value"] is None else f"{t['value']:.2f}"
        unit = " µs" if "µs" in t["target"] else "×"
        lines.append(
            f"  {t['status']:4s}  {t['target']:50s} {value}{unit if t['value'] else ''}"
            f" (need {t['op']} {t['threshold']:g})"
        )
    return lines


def render(doc: Doc) -> str:
    """The report of a results document (from `zarrlite.bench.report.build`), as text."""
    return "\n".join(_header(doc) + _table(doc) + _limits(doc) + _reference(doc) + _targets(doc))
