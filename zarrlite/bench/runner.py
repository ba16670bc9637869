"""One benchmark run from parsed options: pick the engines, run, print, save, exit status."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from typing import Any

from zarrlite.bench.cell import RESULT_PREFIX
from zarrlite.bench.data import FULL, QUICK
from zarrlite.bench.engines import ENGINES, Engine
from zarrlite.bench.harness import Result
from zarrlite.bench.machine import cpu_sample, loadavg
from zarrlite.bench.options import WORKLOADS
from zarrlite.bench.render import render
from zarrlite.bench.report import build, failures
from zarrlite.bench.workloads import Bench

PROG = "zarrlite bench"
#: Seconds one cell may take before it is stopped (and shown as an error).
CELL_TIMEOUT = 1200


class UsageError(Exception):
    """A problem with the options that the user can fix (exit status 2)."""


def probe_engines(names: list[str], python: str | None = None) -> dict[str, Any]:
    """Set up the engines `names` in a child process (``python``, default this one), so
    that this process imports no peer library: {name: {"error", "versions"}}."""
    with tempfile.TemporaryDirectory(prefix="zarrlite-bench-probe-") as tmp:
        command, env = [sys.executable, "-m", "zarrlite.bench.cell"], dict(os.environ)
        if python is not None:
            command, env = CellRunner.zarr2_command(python, tmp)
        proc = subprocess.run(command, input=json.dumps({"probe": names}), capture_output=True,
                              text=True, env=env, cwd=tmp, timeout=CELL_TIMEOUT)  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"could not set up the engines ({last})")
    found: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX):])
    return found


def choose_engines(
    named: tuple[str, ...] | None, zarr2_python: str | None = None
) -> tuple[list[Engine], list[str]]:
    """The engines to time, found installed by setting them up in a child process.

    Parameters
    ----------
    named : tuple of str or None
        The engines named with ``--engines``; None for every one that is installed.
    zarr2_python : str or None
        An interpreter with zarr-python 2 (``--zarr2-python``), checked already; the zarr2
        engine takes part only with one.

    Returns
    -------
    engines : list of Engine
        In table order, not set up here (each cell sets up its own), with their versions
        in ``found_versions``.
    left_out : list of str
        Each engine left out because its library is missing, as ``"label: import error"``.

    Raises
    ------
    UsageError
        If an engine named in `named` is not installed.
    """
    wanted = [cls for cls in ENGINES if named is None or cls.name in named]
    found = probe_engines([cls.name for cls in wanted if cls.name != "zarr2"])
    if zarr2_python is not None and any(cls.name == "zarr2" for cls in wanted):
        found.update(probe_engines(["zarr2"], zarr2_python))
    engines, left_out = [], []
    for cls in wanted:
        engine = cls()
        if engine.name == "zarr2" and zarr2_python is None:
            if named is not None:
                raise UsageError("engine 'zarr2' needs --zarr2-python")
            left_out.append(f"{engine.label}: no --zarr2-python interpreter given")
            continue
        error = found[engine.name]["error"]
        if error is not None:
            if named is not None:
                raise UsageError(f"engine {cls.name!r} is not installed ({error})")
            left_out.append(f"{engine.label}: {error}")
            continue
        engine.found_versions = found[engine.name]["versions"]
        engines.append(engine)
    return engines, left_out


class CellRunner:
    """Times cells in fresh processes: ``python -m zarrlite.bench.cell`` (the zarr2 engine's
    under ``--zarr2-python``, importing this zarrlite through a folder on PYTHONPATH)."""

    def __init__(self, root: str, sizes: dict[str, Any], repeat: int,
                 zarr2_python: str | None) -> None:  # fmt: skip
        self.root, self.sizes, self.repeat = root, sizes, repeat
        self.zarr2_python = zarr2_python
        self._zarr2: tuple[list[str], dict[str, str]] | None = None

    @staticmethod
    def zarr2_command(python: str, root: str) -> tuple[list[str], dict[str, str]]:
        """The cell command under a zarr-python 2 interpreter, which imports this zarrlite
        through a folder (in `root`) holding only a link to it."""
        import zarrlite

        env = dict(os.environ)
        link_dir = tempfile.mkdtemp(prefix="zarrlite-bench-path-", dir=root)
        os.symlink(os.path.dirname(zarrlite.__file__), os.path.join(link_dir, "zarrlite"))
        env.pop("VIRTUAL_ENV", None)
        env["PYTHONPATH"] = link_dir
        return [python, "-m", "zarrlite.bench.cell"], env

    def _command(self, engine: str) -> tuple[list[str], dict[str, str]]:
        if engine != "zarr2" or self.zarr2_python is None:
            return [sys.executable, "-m", "zarrlite.bench.cell"], dict(os.environ)
        if self._zarr2 is None:
            self._zarr2 = self.zarr2_command(self.zarr2_python, self.root)
        return self._zarr2

    def __call__(self, workload: str, cell: str, engine: str) -> Result:
        spec = {"workload": workload, "cell": cell, "engine": engine, "root": self.root,
                "sizes": self.sizes, "repeat": self.repeat}  # fmt: skip
        command, env = self._command(engine)
        try:
            proc = subprocess.run(command, input=json.dumps(spec), capture_output=True,
                                  text=True, env=env, cwd=self.root,
                                  timeout=CELL_TIMEOUT)  # fmt: skip
        except subprocess.TimeoutExpired:
            return Result(status="error", detail=f"no result after {CELL_TIMEOUT} s")
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
        if proc.returncode != 0 or not lines:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return Result(status="error",
                          detail=f"cell process exited with {proc.returncode}: {last}")  # fmt: skip
        return Result(**json.loads(lines[-1][len(RESULT_PREFIX) :]))


def check_zarr2_python(path: str) -> str:
    """`path` if it runs and imports zarr-python 2.

    Raises
    ------
    UsageError
        If it does not.
    """
    code = "import zarr, numcodecs; assert zarr.__version__.startswith('2.'), zarr.__version__"
    try:
        proc = subprocess.run([path, "-c", code], capture_output=True, text=True, timeout=120)
    except OSError as err:
        raise UsageError(f"--zarr2-python {path!r}: {err.strerror or err}") from err
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise UsageError(f"--zarr2-python {path!r} has no zarr-python 2 ({last})")
    return path


def _check_paths(args: argparse.Namespace) -> None:
    if args.tmpdir is not None and not os.path.isdir(args.tmpdir):
        raise UsageError(f"--tmpdir {args.tmpdir!r} is not a directory")
    if args.json is not None:
        parent = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(parent):
            raise UsageError(f"--json {args.json!r}: directory {parent!r} does not exist")


def _execute(
    args: argparse.Namespace, engines: list[Engine], left_out: list[str]
) -> dict[str, Any]:
    """Run the chosen workloads in a fresh temporary directory; the results document."""
    sizes = QUICK if args.quick else FULL
    repeat = args.repeat or sizes.repeat
    selected = tuple(args.only or WORKLOADS)
    root = tempfile.mkdtemp(prefix="zarrlite-bench-", dir=args.tmpdir)
    runner = CellRunner(root, asdict(sizes), repeat, args.zarr2_python)
    jobs = args.jobs or (2 if args.quick else 1)
    bench = Bench(sizes, engines, repeat, root, spawn=runner, jobs=jobs)
    bench.info["loadavg_start"] = loadavg()
    bench.info["cpu_start"] = cpu_sample()
    try:
        try:
            bench.run(selected)
        finally:
            bench.close()  # the open files first
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return build(
        bench,
        sizes=asdict(sizes),
        repeat=repeat,
        quick=bool(args.quick),
        jobs=bench.jobs,
        selected=list(selected),
        engines=[e.name for e in engines],
        left_out=left_out,
    )


def run(args: argparse.Namespace) -> int:
    """Run the benchmark that `args` (from `zarrlite.bench.add_arguments`) describes.

    Parameters
    ----------
    args : argparse.Namespace
        ``quick``, ``only``, ``engines``, ``repeat``, ``json``, ``tmpdir`` and
        ``zarr2_python``.

    Returns
    -------
    int
        0 when every result matched the data written; 1 when one was wrong or raised; 2 for
        options the user can fix (an engine named but not installed, a missing directory),
        reported as one line on stderr.
    """
    try:
        _check_paths(args)
        if args.zarr2_python:
            check_zarr2_python(args.zarr2_python)
        engines, left_out = choose_engines(args.engines, args.zarr2_python)
    except UsageError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    for line in left_out:
        print(f"{PROG}: not installed, left out: {line}", file=sys.stderr)
    doc = _execute(args, engines, left_out)
    print(render(doc), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
    bad = failures(doc)
    if bad:
        print(f"{PROG}: {len(bad)} result(s) WRONG or ERROR, first: {bad[0]}", file=sys.stderr)
        return 1
    return 0
