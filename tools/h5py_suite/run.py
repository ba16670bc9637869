"""Run h5py 3.x's own high-level tests against zarrlite's h5py face through a name shim.

Usage (from the repository root, in the dev venv)::

    python tools/h5py_suite/run.py [--files group,dataset,...] [-k EXPR] [-n 2]
                                   [--report out.md] [--json out.jsonl] [--keep] [-- PYTEST_ARGS]

Copies the chosen ``h5py/tests/test_*.py`` (plus common.py, conftest.py, data_files/) into a
package in a temporary folder, puts ``shim_conftest.py`` above it as ``conftest.py``, runs
pytest there with this checkout's zarrlite first on ``PYTHONPATH`` and writes a markdown
summary of failures grouped by cause. See README.md.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_FILES = ("group,dataset,dataset_getitem,attrs,attrs_data,attribute_create,file,"
                 "slicing,dims_dimensionproxy,completions,base")
PKG = "h5tests"
#: Changes to test code: relative imports that point outside the copied package, and
#: ``Empty`` imported from h5py's internals (the shim replaces ``h5py.Empty``).
IMPORT_REWRITES = (
    (re.compile(r"^from \.\. import ", re.M), "from h5py import "),
    (re.compile(r"^from \.\.(\w+) import ", re.M), r"from h5py.\1 import "),
    (re.compile(r"^from h5py\._hl\.base import is_hdf5, Empty$", re.M),
     "from h5py._hl.base import is_hdf5\nfrom h5py import Empty"),
)

#: Heuristic: causes that docs/h5py.md documents as deliberate differences. Matched against
#: the cause key, the messages, test ids and failing test lines of the group.
DELIBERATE = (
    ("links", r"[Ll]ink\b|[Ll]inks\b|getlink|SoftLink|ExternalLink|HardLink"),
    ("references", r"[Rr]eference|ref_dtype|\bh5r\b|regionref|'ref'|\.ref\b"),
    ("Empty", r"\bEmpty\b|empty_dataspace|null dataspace|empty_create|test_empty_attr"),
    ("low-level .id/h5* objects", r"\.id\b|'id'|get_id|\bh5[adfgilopstz]\b|h5py\.h5|_objects"
     r"|\bphil\b|h5py\._hl|MultiBlockSlice|\bdcpl\b|\bdapl\b|_fast_reader|'_id'"),
    ("lzf/szip/HDF5 filters", r"lzf|szip|\bh5z\b|filter"),
    ("dimension scales", r"[Ss]cale\b(?!offset)|attach_scale|create_scale|make_scale"),
    ("named datatypes", r"Datatype|named datatype|committed|= dtype$"),
    ("track_order", r"track_order|creation order|[Tt]rackOrder"),
    ("drivers/locking/HDF5 file options", r"driver|locking|libver|userblock|fs_strategy"
     r"|page_buf|alignment|rdcc|mpio|fileobj|[Ff]ile[Oo]bj|swmr|SWMR|meta_block|FileObj"
     r"|is_hdf5|Backing|backing_store|in_memory|fs_persist|\bmpi|file-like|BytesIO"),
    ("HDF5 files / directory store", r"it is an HDF5 file|not a directory|Is a directory"),
    ("external storage", r"external= "),
    ("compound with vlen fields", r"variable-length \(object\) fields|with object fields"),
    ("repr wording", r"<HDF5 |<Closed HDF5 "),
    ("virtual datasets", r"[Vv]irtual|\bvds\b"),
)


def _h5py_tests_dir() -> Path:
    spec = importlib.util.find_spec("h5py")
    return Path(spec.origin).parent / "tests"


def _prepare(workdir: Path, src: Path, names: list[str]) -> list[str]:
    shutil.copy(HERE / "shim_conftest.py", workdir / "conftest.py")
    (workdir / "pytest.ini").write_text("[pytest]\nconsole_output_style = classic\n")
    pkg = workdir / PKG
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    shutil.copy(src / "common.py", pkg / "common.py")
    shutil.copy(src / "conftest.py", pkg / "conftest.py")
    shutil.copytree(src / "data_files", pkg / "data_files",
                    ignore=shutil.ignore_patterns("__pycache__"))
    rewritten = []
    for name in names:
        text = (src / f"test_{name}.py").read_text()
        for pattern, repl in IMPORT_REWRITES:
            text, n = pattern.subn(repl, text)
            if n:
                rewritten.append(f"test_{name}.py: `{pattern.pattern}` ({n}x)")
        (pkg / f"test_{name}.py").write_text(text)
    return rewritten


def _quoted(q: re.Match) -> str:
    """Keep quoted class and attribute names ('Dataset' object, attribute 'id'), blank the rest."""
    before, after = q.string[: q.start()], q.string[q.end() :]
    keep = re.fullmatch(r".\w+.", q[0]) and (
        after.startswith(" object") or re.search(r"(attribute|argument|dtype\() ?$", before)
    )
    return q[0] if keep else "'…'"


def _normalize(message: str) -> str:
    m = re.sub(r"/tmp/\S+|/\S*/\S+", "<path>", message)
    m = re.sub(r"'[^']*'|\"[^\"]*\"", _quoted, m)
    m = re.sub(r"0x[0-9a-f]+", "0x…", m)
    m = re.sub(r"\b\d+\b", "N", m)
    return m[:140]


def cause_key(exc: dict) -> str:
    etype = exc.get("type", "?")
    message = exc.get("message", "")
    test = exc.get("test_frame")
    if etype == "AssertionError" and not exc.get("zarrlite_frame") and test and (
        not message or message.startswith("assert ") or "\n" in message or len(message) > 100
        or re.match(r"^(False|True|None|.* != .*)", message)
    ):
        return f"AssertionError | {test['source'][:110]}"
    return f"{etype} | {_normalize(message)}"


def _where(r: dict) -> str:
    exc = r.get("exc", {})
    for key in ("zarrlite_frame", "h5py_frame"):
        f = exc.get(key)
        if f:
            return f"{f['file']}:{f['line']} {f['func']}"
    return "-"


def deliberate(key: str, rs: list[dict]) -> str:
    hay = " ".join(
        [key]
        + [r["nodeid"].split("::")[-1] for r in rs]
        + [(r.get("exc", {}).get("test_frame") or {}).get("source", "") for r in rs]
        + [r.get("exc", {}).get("message", "") for r in rs]
    )
    hits = [label for label, rx in DELIBERATE if re.search(rx, hay)]
    return ", ".join(hits)


def summarize(records: list[dict], meta: dict) -> str:
    per_file: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    causes: dict[str, list[dict]] = collections.defaultdict(list)
    for r in records:
        fname = r["nodeid"].split("::")[0].split("/")[-1]
        outcome = r["outcome"]
        if r.get("xfail"):
            outcome = "xfailed" if outcome == "skipped" else "xpassed"
        elif r["when"] in ("setup", "teardown", "collect") and outcome in ("failed", "error"):
            outcome = "error"
        per_file[fname][outcome] += 1
        if outcome in ("failed", "error"):
            causes[cause_key(r.get("exc", {}))].append(r)
    lines = ["# h5py test suite against zarrlite's h5py face", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items()]
    lines += ["", "| file | passed | failed | errors | skipped | xfail | total |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    total = collections.Counter()
    for fname in sorted(per_file):
        c = per_file[fname]
        total.update(c)
        lines.append(f"| {fname} | {c['passed']} | {c['failed']} | {c['error']} | "
                     f"{c['skipped']} | {c['xfailed'] + c['xpassed']} | {sum(c.values())} |")
    lines.append(f"| **all** | {total['passed']} | {total['failed']} | {total['error']} | "
                 f"{total['skipped']} | {total['xfailed'] + total['xpassed']} | "
                 f"{sum(total.values())} |")
    n_del = sum(len(rs) for k, rs in causes.items() if deliberate(k, rs))
    lines += ["", f"Failures+errors in causes matching a documented difference (heuristic, "
              f"see run.py DELIBERATE): {n_del} of {sum(len(v) for v in causes.values())}.",
              "", "## Failures by cause", "",
              "Key: exception type | normalized first message line (a bare AssertionError is "
              "keyed on the failing assert). `where` = innermost zarrlite frame, else h5py "
              "frame, most common in the group. [doc'd: ...] = matches a documented "
              "difference of docs/h5py.md; [gap?] = no match.", ""]
    for i, (key, rs) in enumerate(sorted(causes.items(), key=lambda kv: -len(kv[1])), 1):
        files = collections.Counter(r["nodeid"].split("::")[0].split("/")[-1] for r in rs)
        where = collections.Counter(_where(r) for r in rs).most_common(1)[0][0]
        tag = deliberate(key, rs)
        lines.append(f"{i}. **{len(rs)}** `{key}` " + (f"[doc'd: {tag}]" if tag else "[gap?]"))
        lines.append(f"   - files: {', '.join(f'{f} {n}' for f, n in files.most_common())}")
        lines.append(f"   - where: `{where}`")
        ex = rs[0].get("exc", {})
        lines.append(f"   - e.g. `{rs[0]['nodeid']}`: {ex.get('message', '')[:200]!r}")
        tf = ex.get("test_frame")
        if tf:
            lines.append(f"   - test line: `{tf['source']}`")
    return "\n".join(lines) + "\n"


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", default=DEFAULT_FILES,
                   help=f"comma list of test module names without test_ (default {DEFAULT_FILES})")
    p.add_argument("-k", dest="keyword", help="pytest -k expression")
    p.add_argument("-n", dest="workers", type=int, default=2, help="xdist workers (0: none)")
    p.add_argument("--timeout", type=int, default=120,
                   help="seconds per test (only if pytest-timeout is installed)")
    p.add_argument("--max-time", type=int, default=1800, help="seconds for the whole run")
    p.add_argument("--report", help="write the markdown summary here")
    p.add_argument("--json", help="write the per-test JSON lines here")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = p.parse_args(argv)
    names = [n.strip().removeprefix("test_").removesuffix(".py")
             for n in args.files.split(",") if n.strip()]

    workdir = Path(tempfile.mkdtemp(prefix="h5py-suite-"))
    rewritten = _prepare(workdir, _h5py_tests_dir(), names)
    results = workdir / "results.jsonl"
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rN", "--tb=no",
           *[f"{PKG}/test_{n}.py" for n in names]]
    if _has("pytest_timeout"):
        cmd.append(f"--timeout={args.timeout}")
    if args.workers and _has("xdist"):
        cmd += ["-n", str(args.workers)]
    if args.keyword:
        cmd += ["-k", args.keyword]
    cmd += args.pytest_args
    env = dict(os.environ, H5S_RESULTS=str(results),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    print("$", " ".join(cmd), f"(in {workdir})", file=sys.stderr)
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=args.max_time)
        tail = (proc.stdout.strip().splitlines() or [""])[-1]
        status = f"pytest exit {proc.returncode}: {tail}"
    except subprocess.TimeoutExpired as e:
        proc, status = None, f"stopped after --max-time {e.timeout} s"
    elapsed = time.monotonic() - start
    records = ([json.loads(line) for line in results.read_text().splitlines()]
               if results.exists() else [])
    if not records and proc is not None:
        print(proc.stdout[-5000:], proc.stderr[-5000:], sep="\n", file=sys.stderr)
    meta = {
        "files": ", ".join(f"test_{n}.py" for n in names),
        "command": " ".join(cmd[1:]),
        "per-test timeout": "yes" if _has("pytest_timeout") else "none (no pytest-timeout)",
        "wall time": f"{elapsed:.0f} s ({status})",
        "test code rewrites": "; ".join(rewritten) or "none",
    }
    report = summarize(records, meta)
    if args.json:
        shutil.copy(results, args.json)
    if args.report:
        Path(args.report).write_text(report)
    print(report)
    if args.keep:
        print("kept", workdir, file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if records else 1


if __name__ == "__main__":
    sys.exit(main())
