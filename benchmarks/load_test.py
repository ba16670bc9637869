"""Longer load runs: threads and processes writing and reading one directory-store array.

Runs the load of ``tests/test_load.py`` (see its docstring for what is checked: no lost
update, no torn read, no exception, memory flat) for longer, and prints the operations
done and each process's resident set size at the start and end of the steady phase and
its peak.

    python benchmarks/load_test.py --seconds 60
    python benchmarks/load_test.py --seconds 300 --json load.json

Not collected by pytest. Linux only (RSS is read from /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(_ROOT, "tests"))  # the load lives with the test

import test_load  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run (60)")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds before the steady phase starts (5)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--tmpdir", default=None, help="where the store goes (the system's)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.warmup >= args.seconds:
        parser.error("--warmup must be shorter than --seconds")

    print(f"8 threads and 4 processes for {args.seconds:g} s "
          f"(steady after {args.warmup:g} s), seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="zl-load-", dir=args.tmpdir) as root:
        try:
            result = test_load.run_load(os.path.join(root, "a"), args.seconds, args.warmup,
                                        seed=args.seed)
        except AssertionError as e:
            print(f"FAILED: {e}")
            return 1
    print(result.summary())
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(f"peak RSS (getrusage): this process {peak_self / 2**20:.1f} MiB, largest worker "
          f"process {peak_children / 2**20:.1f} MiB")
    growth = max(w["rss_end"] - w["rss_start"] for w in result.workers)
    print(f"largest steady-phase growth: {growth / 2**20:.1f} MiB "
          f"(the test's bound: {test_load.RSS_GROWTH_BOUND / 2**20:.0f} MiB)")
    if result.errors:
        print(f"FAILED: {len(result.errors)} worker errors, the first:\n{result.errors[0]}")
    if args.json:
        doc = {"seconds": result.seconds, "seed": args.seed, "counts": dict(result.counts),
               "workers": result.workers, "errors": result.errors,
               "peak_rss_self": peak_self, "peak_rss_children": peak_children,
               "when": time.strftime("%Y-%m-%d %H:%M")}
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 1 if result.errors or growth >= test_load.RSS_GROWTH_BOUND else 0


if __name__ == "__main__":
    sys.exit(main())
