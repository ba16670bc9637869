"""Kill-9 crash trials of directory-store writers, in larger numbers than the test suite.

Runs the trials of ``tests/test_crash.py`` (see its docstring for what each one checks):
a forked writer runs random chunk, region, attribute, resize and append operations on a
small array, is killed with SIGKILL at a moment drawn uniformly over its run, and the store
is then opened and checked. Stops at the first store that reads wrongly, printing the
trial, its operations and what was found.

    python benchmarks/crash_trials.py --trials 2000 --seed 1
    python benchmarks/crash_trials.py --trials 500 --json crash.json

Not collected by pytest. Linux (or any system with ``os.fork``) only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(_ROOT, "tests"))  # the trials live with the test

import test_crash  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=2000, help="kill-9 trials (2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--max-ops", type=int, default=test_crash.MAX_OPS,
                        help=f"operations per trial, at most ({test_crash.MAX_OPS})")
    parser.add_argument("--tmpdir", default=None, help="where the stores go (the system's)")
    parser.add_argument("--json", default=None, help="also write the counts to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.max_ops <= test_crash.MAX_OPS:
        parser.error(f"--max-ops must be 1..{test_crash.MAX_OPS} (generations fit every dtype)")

    step = max(1, args.trials // 10)

    def progress(done: int, stats: test_crash.Stats) -> None:
        if done % step == 0 or done == args.trials:
            print(f"  {done} trials, {stats.moment['partial']} killed mid-operation, "
                  f"{stats.temp_files} temporary files", flush=True)

    print(f"{args.trials} kill-9 trials, seed {args.seed}, up to {args.max_ops} operations each")
    with tempfile.TemporaryDirectory(prefix="zl-crash-", dir=args.tmpdir) as root:
        try:
            stats = test_crash.run_trials(Path(root), args.trials, args.seed, args.max_ops,
                                          progress)
        except AssertionError as e:
            print(f"FAILED: {e}")
            return 1
    print(stats.summary())
    if args.json:
        doc = {f.name: getattr(stats, f.name) for f in dataclasses.fields(stats)}
        doc = {k: dict(v) if isinstance(v, dict) else v for k, v in doc.items()}
        doc.update(seed=args.seed, max_ops=args.max_ops, when=time.strftime("%Y-%m-%d %H:%M"))
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
