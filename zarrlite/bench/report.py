"""The results document (a JSON-ready dict): timings, ratios, reference figures and targets."""

from __future__ import annotations

from typing import Any

from zarrlite.bench.machine import machine_info
from zarrlite.bench.options import PEERS

NOTES = [
    "ratio = peer median / zarrlite median; > 1: zarrlite faster",
    "each cell (workload x engine or limit case) is timed in a fresh process: a warm-up "
    "round, then the timed rounds; median, min and max",
    "reads are served from the OS page cache (no cache dropping)",
    "writes: array creation untimed; h5py's time includes flush()",
]


def fmt_time(seconds: float | None) -> str:
    """A time in µs, ms or s.

    Examples
    --------
    >>> fmt_time(0.0123), fmt_time(2.5e-5), fmt_time(None)
    ('12.3 ms', '25.0 µs', '-')
    """
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def median(doc: dict[str, Any], workload: str, name: str) -> float | None:
    """The median time of `name` in `workload`, if it has one."""
    return doc["results"].get(workload, {}).get(name, {}).get("median_s")


#: The targets of issue 16: (what, how the value is computed, comparison, threshold).
#: Values: "ratio W P" = P's median / zarrlite's in workload W (> 1: zarrlite faster);
#: "limit W L" = zarrlite's median in W / the best of the limit cases L (A_limits/B_files);
#: "cells W X Y" = X's median / Y's median in W; "us W" = zarrlite's median in µs;
#: "memory" = zarrlite's peak extra memory in A_read / (output + one chunk per thread).
TARGETS = (
    ("full read ≤ 1.6× bare C-Blosc2 decompression", "limit A_read decompress:c-blosc2-",
     "<=", 1.6),
    ("full read ≥ 2.5× faster than zarr-python 3", "ratio A_read zarr", ">=", 2.5),
    ("full read peak memory ≤ output + 1 chunk/thread", "memory", "<=", 1.0),
    ("full write ≤ 1.0× bare C-Blosc1 compression", "limit A_write compress:c-blosc1-",
     "<=", 1.0),
    ("full write ≥ 1.1× faster than tensorstore", "ratio A_write tensorstore", ">=", 1.1),
    ("two-level 64² window ≤ 1.3× python-blosc2", "inverse window_b2nd blosc2", "<=", 1.3),
    ("two-level 64² window ≥ 150× zarr-python 3", "ratio window_b2nd zarr", ">=", 150.0),
    ("column no slower than python-blosc2", "ratio column blosc2", ">=", 1.0),
    ("column no slower than zarr 2 partial decompress", "ratio column zarr2", ">=", 1.0),
    ("16-row band no slower than python-blosc2", "ratio band blosc2", ">=", 1.0),
    ("16-row band no slower than zarr 2 partial decomp.", "ratio band zarr2", ">=", 1.0),
    ("4096 small chunks read ≤ 1.3× plain files", "limit B_read files:read-", "<=", 1.3),
    ("4096 small chunks write ≤ 1.4× plain files", "limit B_write files:write-", "<=", 1.4),
    ("4096 small chunks read faster than h5py", "ratio B_read h5py", ">=", 1.0),
    ("4096 small chunks write faster than h5py", "ratio B_write h5py", ">=", 1.0),
    ("random points ≤ 1.3× bare decompression", "limit points decompress:", "<=", 1.3),
    ("random points ≥ 1.1× faster than tensorstore", "ratio points tensorstore", ">=", 1.1),
    ("100 sparse points ≥ 25× zarr-python 3", "ratio points_sparse zarr", ">=", 25.0),
    ("100 sparse points ≥ 25× tensorstore", "ratio points_sparse tensorstore", ">=", 25.0),
    ("open + metadata ≤ 25 µs", "us C_open", "<=", 25.0),
    ("open ≥ 2× faster than zarr-python 2", "ratio C_open zarr2", ">=", 2.0),
    ("sliding window: cache on ≥ 5× cache off", "cells sliding zarrlite:cache-off zarrlite",
     ">=", 5.0),
    ("scalar reads (cache on) no slower than h5py", "ratio scalar h5py", ">=", 1.0),
)  # fmt: skip


def _limit(doc: dict[str, Any], prefix: str) -> float | None:
    """The best median among the limit cases whose names start with `prefix`."""
    times = [r["median_s"] for wl in ("A_limits", "B_files")
             for name, r in doc["results"].get(wl, {}).items()
             if name.startswith(prefix) and r.get("median_s")]  # fmt: skip
    return min(times, default=None)


def target_value(doc: dict[str, Any], how: str) -> float | None:
    """The measured value of one target (see `TARGETS`), or None if not measured."""
    kind, *args = how.split()
    if kind == "ratio":
        value: float | None = doc["ratios"].get(args[0], {}).get(args[1])
        return value
    if kind == "inverse":
        ratio = doc["ratios"].get(args[0], {}).get(args[1])
        return 1 / ratio if ratio else None
    if kind == "us":
        zl = median(doc, args[0], "zarrlite")
        return zl * 1e6 if zl else None
    if kind == "cells":
        a, b = median(doc, args[0], args[1]), median(doc, args[0], args[2])
        return a / b if a and b else None
    if kind == "limit":
        zl, limit = median(doc, args[0], "zarrlite"), _limit(doc, args[1])
        return zl / limit if zl and limit else None
    if kind == "memory":
        mem = doc.get("memory", {})
        peak, allowance = mem.get("A_read_peak_extra_bytes"), mem.get("A_read_allowance_bytes")
        return peak / allowance if peak and allowance else None
    raise ValueError(f"unknown target kind {kind!r}")


def targets(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The speed and memory targets with their measured values: PASS, MISS or n/a."""
    out = []
    for name, how, op, limit in TARGETS:
        value = target_value(doc, how)
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


def _reference(doc: dict[str, Any]) -> dict[str, float | None]:
    """The limits that the targets compare with, by name."""
    return {
        "bare_decompress_c_blosc2_s": _limit(doc, "decompress:c-blosc2-"),
        "bare_decompress_c_blosc1_s": _limit(doc, "decompress:c-blosc1-"),
        "bare_compress_c_blosc1_s": _limit(doc, "compress:c-blosc1-"),
        "memcpy_A_s": _limit(doc, "memcpy"),
        "copy_A_to_new_array_s": _limit(doc, "copy-to-new-array"),
        "read_A_chunk_files_s": _limit(doc, "files:read-A"),
        "B_files_write_s": _limit(doc, "files:write-"),
        "B_files_read_s": _limit(doc, "files:read-"),
    }


def _memory(doc: dict[str, Any], sizes: dict[str, Any]) -> dict[str, Any]:
    """Peak memory of zarrlite's full read against its allowance: the output plus one
    decoded chunk per thread."""
    res = doc["results"].get("A_read", {}).get("zarrlite", {})
    rows, cols = sizes["a_shape"]
    crow, ccol = sizes["a_chunks"]
    output, chunk = rows * cols * 4, crow * ccol * 4
    return {
        "A_read_peak_extra_bytes": res.get("peak_extra_bytes"),
        "A_read_output_bytes": output,
        "A_read_allowance_bytes": output + 2 * chunk,
        "peak_extra_bytes": {
            wl: {name: r.get("peak_extra_bytes") for name, r in rs.items()}
            for wl, rs in doc["results"].items()
        },
    }


def build(bench: Any, **config: Any) -> dict[str, Any]:
    """The results document of a finished run.

    Parameters
    ----------
    bench : zarrlite.bench.workloads.Bench
        The run (its results, engines and info).
    **config
        Recorded as the document's ``config`` (sizes, repeat, quick, the workloads chosen).

    Returns
    -------
    dict
        ``machine``, ``config``, ``results`` (workload -> engine or case -> status, detail,
        median_s, times_s), ``ratios`` (workload -> peer -> peer median / zarrlite median),
        ``reference``, ``stored_nbytes``, ``skipped``, ``notes`` and ``targets``.
    """
    results = {
        wl: {
            name: {
                "status": r.status,
                "detail": r.detail,
                "median_s": r.median_s,
                "min_s": min(r.times_s) if r.median_s else None,
                "max_s": max(r.times_s) if r.median_s else None,
                "times_s": r.times_s,
                "peak_extra_bytes": r.peak_extra_bytes,
                "loops": r.loops,
            }
            for name, r in rs.items()
        }
        for wl, rs in bench.results.items()
    }
    ratios = {}
    for wl, rs in results.items():
        zl = rs.get("zarrlite", {}).get("median_s")
        ratios[wl] = {
            p: rs[p]["median_s"] / zl for p in PEERS if zl and rs.get(p, {}).get("median_s")
        }
    doc: dict[str, Any] = {
        "machine": machine_info(bench),
        "config": config,
        "results": results,
        "ratios": ratios,
        "stored_nbytes": bench.info.get("stored_nbytes", {}),
        "skipped": list(getattr(bench, "skipped", [])),
        "notes": NOTES,
    }
    doc["reference"] = _reference(doc)
    doc["memory"] = _memory(doc, config["sizes"])
    doc["targets"] = targets(doc)
    return doc


def failures(doc: dict[str, Any]) -> list[str]:
    """Every result that is wrong or raised, as ``"workload engine: STATUS: detail"``.

    Examples
    --------
    >>> failures({"results": {"points": {"h5py": {"status": "wrong", "detail": "3 differ"}}}})
    ['points h5py: WRONG: 3 differ']
    """
    return [
        f"{wl} {name}: {r['status'].upper()}: {r['detail']}"
        for wl, rs in doc["results"].items()
        for name, r in rs.items()
        if r["status"] not in ("ok", "unsupported")
    ]
