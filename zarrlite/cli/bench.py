"""``zarrlite bench``: the benchmark suite (`zarrlite.bench`), timing zarrlite against
zarr-python, tensorstore and h5py on the same data."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import zarrlite.bench  # light: its options only; the suite is imported when it runs

if TYPE_CHECKING:
    from zarrlite.cli.common import SubParsers


def add_parser(sub: SubParsers) -> None:
    """Add the ``bench`` command to `sub`, with the suite's own options."""
    parser = sub.add_parser(
        "bench", help="time zarrlite against zarr-python, tensorstore and h5py "
        "('zarrlite bench --quick': a smoke test of seconds)",
        description="Time zarrlite against zarr-python 3, tensorstore and h5py on the same "
        "data in one run (the engines installed), and check the project's speed targets. "
        "--quick runs small arrays, 2 repeats.")
    zarrlite.bench.add_arguments(parser)


def command(args: argparse.Namespace) -> int:
    """Run the suite; its exit status (1 when a result was wrong)."""
    return zarrlite.bench.run(args)
