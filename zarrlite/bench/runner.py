"""One benchmark run from parsed options: pick the engines, run, print, save, exit status."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict
from typing import Any

from zarrlite.bench.data import FULL, QUICK
from zarrlite.bench.engines import ENGINES, Engine
from zarrlite.bench.machine import cpu_sample, loadavg
from zarrlite.bench.options import WORKLOADS
from zarrlite.bench.render import render
from zarrlite.bench.report import build, failures
from zarrlite.bench.workloads import Bench

PROG = "zarrlite bench"


class UsageError(Exception):
    """A problem with the options that the user can fix (exit status 2)."""


def choose_engines(named: tuple[str, ...] | None) -> tuple[list[Engine], list[str]]:
    """Set up the engines to time.

    Parameters
    ----------
    named : tuple of str or None
        The engines named with ``--engines``; None for every one that is installed.

    Returns
    -------
    engines : list of Engine
        Set up, in table order.
    left_out : list of str
        Each engine left out because its library is missing, as ``"label: import error"``.

    Raises
    ------
    UsageError
        If an engine named in `named` is not installed.
    """
    engines, left_out = [], []
    for cls in ENGINES:
        if named is not None and cls.name not in named:
            continue
        engine = cls()
        try:
            engine.setup()
        except ImportError as err:
            if named is not None:
                raise UsageError(f"engine {cls.name!r} is not installed ({err})") from err
            left_out.append(f"{engine.label}: {err}")
            continue
        engines.append(engine)
    return engines, left_out


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
    bench = Bench(sizes, engines, repeat, root)
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
        selected=list(selected),
        engines=[e.name for e in engines],
        left_out=left_out,
    )


def run(args: argparse.Namespace) -> int:
    """Run the benchmark that `args` (from `zarrlite.bench.add_arguments`) describes.

    Parameters
    ----------
    args : argparse.Namespace
        ``quick``, ``only``, ``engines``, ``repeat``, ``json`` and ``tmpdir``.

    Returns
    -------
    int
        0 when every result matched the data written; 1 when one was wrong or raised; 2 for
        options the user can fix (an engine named but not installed, a missing directory),
        reported as one line on stderr.
    """
    try:
        _check_paths(args)
        engines, left_out = choose_engines(args.engines)
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
