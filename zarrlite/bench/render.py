"""The printed report: machine, the table of medians and ratios, reference figures, targets."""

from __future__ import annotations

from typing import Any

from zarrlite.bench.options import ENGINE_NAMES, LABELS
from zarrlite.bench.report import failures, fmt_time, median

Doc = dict[str, Any]


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


def _cell(doc: Doc, workload: str, name: str) -> str:
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


def _header(doc: Doc) -> list[str]:
    m, cfg = doc["machine"], doc["config"]
    quick = " (QUICK sizes: targets indicative only)" if cfg["quick"] else ""
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
    lines = ["", "median time (peer / zarrlite ratio; > 1 means zarrlite is faster)"]
    for k, row in enumerate(table):
        cells = (c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _reference(doc: Doc) -> list[str]:
    ref, lines = doc["reference"], ["", "reference"]
    if ref.get("bare_decompress_best_s"):
        zl = median(doc, "A_read", "zarrlite")
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
            f"  {t['status']:4s}  {t['target']:44s} {value}{unit if t['value'] else ''}"
            f" (need {t['op']} {t['threshold']:g})"
        )
    return lines


def render(doc: Doc) -> str:
    """The report of a results document (from `zarrlite.bench.report.build`), as text."""
    return "\n".join(_header(doc) + _table(doc) + _reference(doc) + _targets(doc))
