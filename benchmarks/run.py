#!/usr/bin/env python
"""The whole benchmark as issue 16 defines it, results kept for comparison over time.

Usage::

    python benchmarks/run.py [--quick] [zarrlite bench options ...]

Runs ``zarrlite bench`` against every installed peer (``pip install ".[bench]"``) plus
zarr-python 2 (in a virtual environment of its own, made once with pip and kept in the
user's cache folder: zarr 2 needs numcodecs < 0.16, so it cannot share this environment),
each cell in a fresh process, and saves the JSON results as
``benchmarks/results/bench-YYYYMMDD-HHMMSS[-quick].json`` beside this script. Options after
the script name go to ``zarrlite bench`` (``--only``, ``--repeat``, ``--tmpdir`` ...);
``--json`` is set here. The stores go to ``/dev/shm`` (a tmpfs) when it exists and has
room for them, as the project's targets were set there: creating thousands of chunk files
on a disk measures the disk (``--tmpdir DIR`` picks another place). Without the zarr 2
environment (no package index, say) the run goes on without zarr-python 2 and says so.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from zarrlite.bench import main as bench_main

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: The stores of a full run take about 3 GiB at their peak.
TMPFS, TMPFS_NEEDED = "/dev/shm", 4 << 30


def zarr2_python() -> str | None:
    """An interpreter with zarr-python 2 (the test suite's zarr 2 venv, made if missing)."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    try:
        from zarr2_env import Zarr2EnvError, get_zarr2_env  # type: ignore[import-not-found]
    except ImportError as err:  # an install without the tests folder
        print(f"run.py: no zarr 2 environment ({err})", file=sys.stderr)
        return None
    finally:
        sys.path.pop(0)
    try:
        return str(get_zarr2_env().python)
    except Zarr2EnvError as err:
        print(f"run.py: no zarr 2 environment ({err})", file=sys.stderr)
        return None


def main(argv: list[str]) -> int:
    """Run the benchmark with `argv` passed on; the exit status of ``zarrlite bench``."""
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"bench-{stamp}{'-quick' if '--quick' in argv else ''}.json"
    args = [*argv, "--json", str(out)]
    if "--tmpdir" not in argv and os.path.isdir(TMPFS):
        if shutil.disk_usage(TMPFS).free > TMPFS_NEEDED:
            args += ["--tmpdir", TMPFS]
            print(f"run.py: stores on the tmpfs {TMPFS}", file=sys.stderr)
    if "--zarr2-python" not in argv:
        python = zarr2_python()
        if python:
            args += ["--zarr2-python", python]
    status = bench_main(args)
    if out.exists():
        print(f"results saved: {os.path.relpath(out)}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
