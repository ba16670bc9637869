"""One cell of the benchmark, timed in a fresh process.

The parent (`zarrlite.bench.runner`) writes a JSON spec to this process's stdin::

    {"workload": "A_read", "cell": "zarrlite", "engine": "zarrlite", "root": "/tmp/...",
     "sizes": {...}, "repeat": 5}

and reads back one JSON line from its stdout: the `Result` of the cell (status, detail,
times in seconds, peak resident memory above the level before the timed rounds). The
datasets the cell reads are on disk already; only the engine the cell times is imported.

The parent never imports a peer library (their thread pools would compete with the cells):
the same module also writes an engine's copy of a dataset (cell ``"@prepare"``) and, with
``{"probe": [engine names]}``, sets up each engine and reports whether it is installed and
its versions.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

from zarrlite.bench.data import Sizes
from zarrlite.bench.harness import Result, time_cases
from zarrlite.bench.options import PREPARE

#: Marks the result line among anything else a library prints on stdout.
RESULT_PREFIX = "zarrlite-bench-cell-result "


def probe(names: list[str]) -> dict[str, Any]:
    """Set up each engine named: {name: {"error": str or None, "versions": {...}}}."""
    from zarrlite.bench.engines import ENGINES

    out: dict[str, Any] = {}
    for cls in ENGINES:
        if cls.name not in names:
            continue
        engine = cls()
        try:
            engine.setup()
        except ImportError as err:
            out[cls.name] = {"error": str(err), "versions": {}}
        else:
            out[cls.name] = {"error": None, "versions": engine.versions()}
    return out


def run_cell(spec: dict[str, Any]) -> Result:
    """Set up the cell's engine, build its case and time it."""
    from zarrlite.bench.engines import ENGINES
    from zarrlite.bench.workloads import Bench

    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in spec["sizes"].items()}  # fmt: skip
    sizes = Sizes(**fields)
    engine = next(cls() for cls in ENGINES if cls.name == spec["engine"])
    try:
        engine.setup()
        bench = Bench(sizes, [engine], spec["repeat"], spec["root"])
        if spec["cell"] == PREPARE:
            bench.write_copy(spec["workload"], engine)
            return Result()
        case = bench.case(spec["workload"], spec["cell"])
    except NotImplementedError as err:
        return Result(status="unsupported", detail=str(err))
    except Exception as err:
        return Result(status="error", detail=f"setting up: {type(err).__name__}: {err}")
    try:
        return time_cases({spec["cell"]: case}, spec["repeat"])[spec["cell"]]
    finally:
        bench.close()


def main() -> int:
    """Read the spec from stdin, print the result line; exit status 0 unless the spec is bad."""
    spec = json.load(sys.stdin)
    if "probe" in spec:
        print(RESULT_PREFIX + json.dumps(probe(spec["probe"])), flush=True)
        return 0
    result = run_cell(spec)
    print(RESULT_PREFIX + json.dumps(asdict(result)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
