"""The results document (a JSON-ready dict): timings, ratios, reference figures and targets."""

from __future__ import annotations

from typing import Any

from zarrlite.bench.machine import machine_info
from zarrlite.bench.options import PEERS

NOTES = [
    "ratio = peer median / zarrlite median; > 1: zarrlite faster",
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


def _target_rows(doc: dict[str, Any]) -> list[tuple[str, float | None, str, float]]:
    def ratio(workload: str, peer: str) -> float | None:
        return doc["ratios"].get(workload, {}).get(peer)

    zl_read = median(doc, "A_read", "zarrlite")
    bare = doc["reference"].get("bare_decompress_best_s")
    zl_open = median(doc, "C_open", "zarrlite")
    return [
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


def targets(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The project's speed targets with their measured values: PASS, MISS or n/a."""
    out = []
    for name, value, op, limit in _target_rows(doc):
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


def _reference(results: dict[str, Any]) -> dict[str, float | None]:
    """The floors and other reference figures, by name."""

    def med(workload: str, name: str) -> float | None:
        value: float | None = results.get(workload, {}).get(name, {}).get("median_s")
        return value

    pool = med("A_decompress", "decompress:threadpool")
    own = med("A_decompress", "decompress:blosc-threads")
    ref = {
        "bare_decompress_threadpool_s": pool,
        "bare_decompress_blosc_threads_s": own,
        "bare_decompress_best_s": min((t for t in (pool, own) if t), default=None),
        "memcpy_A_s": med("A_decompress", "memcpy"),
        "bare_compress_threadpool_s": med("A_decompress", "compress:threadpool"),
        "copy_A_to_new_array_s": med("A_decompress", "copy-to-new-array"),
        "read_A_chunk_files_s": med("A_decompress", "files:read"),
    }
    for name in ("files:write-1-thread", "files:write-2-threads", "files:read-1-thread"):
        ref["B_" + name.split(":")[1].replace("-", "_") + "_s"] = med("B_files", name)
    ref["zarrlite_read_zarr_store_s"] = med("A_read", "zarrlite@zarr-store")
    return ref


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
                "times_s": r.times_s,
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
        "reference": _reference(results),
        "stored_nbytes": bench.info.get("stored_nbytes", {}),
        "skipped": list(getattr(bench, "skipped", [])),
        "notes": NOTES,
    }
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
