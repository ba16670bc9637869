"""Run zarr-python 2.18.7's own tests against zarrlite through a thin name shim.

Usage (from the repository root, in the dev venv)::

    python tools/zarr2_suite/run.py [--files core,indexing,...] [-k EXPR] [-n 2]
                                    [--report out.md] [--json out.jsonl] [--keep]

The zarr 2 venv of ``tests/zarr2_env.py`` is used (made if missing); pytest, pytest-xdist
and pytest-timeout are installed into it when absent. The chosen test modules are copied
from the venv's ``zarr/tests/`` into a temporary folder, beside ``shim_conftest.py`` (as
``conftest.py``), and pytest runs there with zarrlite of this checkout on ``PYTHONPATH``.
See README.md for what is measured.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_FILES = "indexing,core,hierarchy,creation,attrs,dim_separator"
SECOND_GROUP = "convenience,info"
#: Test runners, and what the test modules import at module level beyond zarr 2 itself
#: (test_core.py imports numcodecs.MsgPack, which needs msgpack).
TOOLS = ("pytest", "pytest-xdist", "pytest-timeout", "msgpack")
#: The only change made to test code: test_core.py imports one module relatively, which
#: cannot work from a copy outside the zarr package.
IMPORT_REWRITES = ((re.compile(r"^from \.\.(_storage\b)", re.M), r"from zarr.\1"),)


def _zarr2_env():
    sys.path.insert(0, str(REPO / "tests"))
    sys.path.insert(0, str(REPO))
    import zarr2_env  # tests/zarr2_env.py: makes/finds the venv and the zarrlite shim path

    return zarr2_env.get_zarr2_env()


def _ensure_tools(env) -> bool:
    """Install pytest (+ xdist, timeout) into the zarr 2 venv if missing; return has-xdist."""
    check = "import pytest, pytest_timeout, xdist, msgpack"
    if env.run(check, check=False).returncode != 0:
        print("installing", " ".join(TOOLS), "into", env.python.parent.parent, file=sys.stderr)
        subprocess.run(
            [str(env.python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *TOOLS],
            check=False,
            env=env.env,
        )
    return env.run("import xdist", check=False).returncode == 0


def _tests_dir(env) -> Path:
    out = env.run("import zarr.tests, os; print(os.path.dirname(zarr.tests.__file__))")
    return Path(out.stdout.strip())


def _prepare(workdir: Path, src: Path, names: list[str]) -> list[str]:
    shutil.copy(HERE / "shim_conftest.py", workdir / "conftest.py")
    (workdir / "pytest.ini").write_text("[pytest]\nconsole_output_style = classic\n")
    rewritten = []
    for name in names:
        text = (src / f"test_{name}.py").read_text()
        for pattern, repl in IMPORT_REWRITES:
            text, n = pattern.subn(repl, text)
            if n:
                rewritten.append(f"test_{name}.py: {pattern.pattern} -> {repl} ({n}x)")
        (workdir / f"test_{name}.py").write_text(text)
    return rewritten


def _normalize(message: str) -> str:
    """Message with the varying parts (numbers, quoted text, paths) blanked out."""
    m = re.sub(r"/tmp/\S+|/\S*/\S+", "<path>", message)
    m = re.sub(
        r"'[^']*'|\"[^\"]*\"",  # quoted identifiers (keywords, attributes) stay
        lambda q: q[0] if re.fullmatch(r".\w+.", q[0]) else "'…'",
        m,
    )
    m = re.sub(r"0x[0-9a-f]+", "0x…", m)
    m = re.sub(r"\d+", "N", m)
    return m[:140]


def cause_key(exc: dict) -> str:
    etype = exc.get("type", "?")
    zl = exc.get("zarrlite_frame")
    z2 = exc.get("zarr2_frame")
    test = exc.get("test_frame")
    if etype == "AssertionError" and not zl and test:  # a wrong result: key on the assert
        return f"AssertionError | {test['source'][:120]}"
    where = (
        f"zarrlite {zl['file']}:{zl['func']}"
        if zl
        else f"zarr2 {z2['file']}:{z2['func']}"
        if z2
        else f"test {test['source'][:80]}"
        if test
        else "-"
    )
    return f"{etype} | {_normalize(exc.get('message', ''))} | {where}"


def summarize(records: list[dict], manifest: dict, meta: dict) -> str:
    per_file: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    causes: dict[str, list[dict]] = collections.defaultdict(list)
    untouched_pass, fallback_pass = [], []
    for r in records:
        fname = r["nodeid"].split("::")[0]
        outcome = r["outcome"]
        if r["when"] in ("setup", "teardown", "collect") and outcome in ("failed", "error"):
            outcome = "error"
        per_file[fname][outcome] += 1
        if outcome in ("failed", "error"):
            causes[cause_key(r.get("exc", {}))].append(r)
        elif outcome == "passed":
            counts = r.get("counts", {})
            touched = any(
                counts.get(k) for k in ("zarrlite.Array", "zarrlite.Group", "zarrlite.Attributes")
            )
            if not touched:
                untouched_pass.append(r)
            if r.get("fallbacks") or counts.get("zarr2.Array") or counts.get("zarr2.Group"):
                fallback_pass.append(r)
    lines = ["# zarr 2.18.7 test suite against zarrlite", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items()]
    lines += [
        "",
        "| file | passed | failed | errors | skipped | total |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    total = collections.Counter()
    for fname in sorted(per_file):
        c = per_file[fname]
        total.update(c)
        lines.append(
            f"| {fname} | {c['passed']} | {c['failed']} | {c['error']} | "
            f"{c['skipped']} | {sum(c.values())} |"
        )
    lines.append(
        f"| **all** | {total['passed']} | {total['failed']} | {total['error']} | "
        f"{total['skipped']} | {sum(total.values())} |"
    )
    lines += [
        "",
        f"Passed without creating any zarrlite Array/Group/Attributes: "
        f"{len(untouched_pass)}; passed with a zarr 2 fallback or zarr 2 object "
        f"involved: {len(fallback_pass)} (listed at the end).",
        "",
        "## Failures by cause",
        "",
        "Key: exception type | normalized first message line | innermost zarrlite frame "
        "(else zarr 2 frame, else test line); AssertionError with no zarrlite frame is "
        "keyed on the failing assert.",
        "",
    ]
    for i, (key, rs) in enumerate(sorted(causes.items(), key=lambda kv: -len(kv[1])), 1):
        files = collections.Counter(r["nodeid"].split("::")[0] for r in rs)
        lines.append(f"{i}. **{len(rs)}** `{key}`")
        lines.append(f"   - files: {', '.join(f'{f} {n}' for f, n in files.most_common())}")
        ex = rs[0].get("exc", {})
        lines.append(f"   - e.g. `{rs[0]['nodeid']}`: {ex.get('message', '')[:200]!r}")
        if len(rs) > 1:
            lines.append(f"   - e.g. `{rs[-1]['nodeid']}`")
        tf = ex.get("test_frame")
        if tf:
            lines.append(f"   - test line: `{tf['source']}`")
    lines += [
        "",
        "## Shim",
        "",
        "Replaced by zarrlite: " + ", ".join(f"`{k}`" for k in manifest.get("replaced", {})),
        "",
        "Kept from zarr 2 (zarrlite lacks them; calls are counted): "
        + ", ".join(f"`{k}`" for k in manifest.get("fallback", {})),
        "",
    ]
    if manifest.get("lenient"):
        lines += ["Lenient: " + ", ".join(f"`{k}` {v}" for k, v in manifest["lenient"].items()), ""]
    if untouched_pass or fallback_pass:
        lines += ["## Passes to discount", ""]
        for r in untouched_pass:
            lines.append(f"- no zarrlite object: `{r['nodeid']}`")
        for r in fallback_pass:
            lines.append(
                f"- zarr 2 code involved {r.get('fallbacks')} "
                f"{ {k: v for k, v in r['counts'].items() if k.startswith('zarr2')} }: "
                f"`{r['nodeid']}`"
            )
    return "\n".join(lines) + "\n"


def _tree_state() -> str:
    """HEAD and whether zarrlite/ had uncommitted changes (others may edit it during a run)."""
    git = ["git", "-C", str(REPO)]
    head = subprocess.run(
        [*git, "log", "-1", "--format=%h %cd", "--date=iso"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "zarrlite"], capture_output=True, text=True
    ).stdout.splitlines()
    return f"{head or '?'}; {len(dirty)} uncommitted file(s) under zarrlite/ at the end"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--files",
        default=DEFAULT_FILES,
        help=f"comma list of test module names without test_ (default {DEFAULT_FILES}"
        f"; 'second' = {SECOND_GROUP}; 'all' = both)",
    )
    p.add_argument("-k", dest="keyword", help="pytest -k expression")
    p.add_argument("-n", dest="workers", type=int, default=2, help="xdist workers (0: none)")
    p.add_argument("--timeout", type=int, default=120, help="seconds per test")
    p.add_argument("--report", help="write the markdown summary here")
    p.add_argument("--json", help="write the per-test JSON lines here")
    p.add_argument(
        "--lenient",
        action="store_true",
        help="drop zarr 2 keywords that ask for nothing (zarr_version=2, "
        "chunk_store=None, cache_*...) before zarrlite sees them",
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = p.parse_args(argv)
    files = {"second": SECOND_GROUP, "all": f"{DEFAULT_FILES},{SECOND_GROUP}"}.get(
        args.files, args.files
    )
    names = [n.strip().removeprefix("test_").removesuffix(".py") for n in files.split(",")]

    env = _zarr2_env()
    has_xdist = _ensure_tools(env)
    workdir = Path(tempfile.mkdtemp(prefix="zarr2-suite-"))
    rewritten = _prepare(workdir, _tests_dir(env), names)
    results, manifest = workdir / "results.jsonl", workdir / "manifest.json"
    cmd = [
        str(env.python),
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rN",
        f"--timeout={args.timeout}",
        "--tb=no",
        *[f"test_{n}.py" for n in names],
    ]
    if args.workers and has_xdist:
        cmd += ["-n", str(args.workers)]
    if args.keyword:
        cmd += ["-k", args.keyword]
    cmd += args.pytest_args
    # numcodecs 0.15 (which zarr 2.18.7 runs with) refuses to unpickle unless told the data
    # is trusted, and so does zarrlite; the suite's Pickle tests assume an older numcodecs.
    # Both read this variable at import.
    run_env = dict(env.env, ZL2_SUITE_RESULTS=str(results), ZL2_SUITE_MANIFEST=str(manifest),
                   NUMCODECS_ALLOW_UNSAFE_PICKLE_DECODE="1")
    run_env.pop("ZARR_V3_EXPERIMENTAL_API", None)
    if args.lenient:
        run_env["ZL2_SUITE_LENIENT"] = "1"
    print("$", " ".join(cmd), f"(in {workdir})", file=sys.stderr)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=workdir, env=run_env, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    tail = (proc.stdout.strip().splitlines() or [""])[-1]
    records = (
        [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    )
    if not records:
        print(proc.stdout[-5000:], proc.stderr[-5000:], sep="\n", file=sys.stderr)
    meta = {
        "zarrlite tree": _tree_state(),
        "files": ", ".join(f"test_{n}.py" for n in names),
        "command": " ".join(cmd[1:]),
        "wall time": f"{elapsed:.0f} s (pytest exit {proc.returncode}: {tail})",
        "test code rewrites": "; ".join(rewritten) or "none",
        "mode": "lenient (zarr 2-only keywords dropped, see Shim)" if args.lenient else "strict",
    }
    report = summarize(records, json.loads(manifest.read_text()) if manifest.exists() else {}, meta)
    if args.json:
        shutil.copy(results, args.json)
    slow = sorted(records, key=lambda r: -r.get("duration", 0))[:10]
    report += "\n## Slowest tests\n\n" + "".join(
        f"- {r.get('duration', 0):.1f} s {r['outcome']} `{r['nodeid']}`\n" for r in slow
    )
    if args.report:
        Path(args.report).write_text(report)
    print(report)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("kept", workdir, file=sys.stderr)
    return 0 if records else 1


if __name__ == "__main__":
    sys.exit(main())
