"""``zarrlite fsck PATH``: report (and with ``--clean`` remove) what interrupted writes left
in a directory store."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from zarrlite.cli.errors import UserError
from zarrlite.stores import DirectoryStore

if TYPE_CHECKING:
    from zarrlite.cli.common import SubParsers


def add_parser(sub: SubParsers) -> None:
    """Add the ``fsck`` command to `sub`."""
    parser = sub.add_parser(
        "fsck",
        help="find (and remove) what interrupted writes left in a directory store",
        description="List the temporary files that writes killed midway left in a directory "
        "store (readers never see them); with --clean, remove them.",
    )
    parser.add_argument("path", metavar="PATH", help="the store's directory")
    parser.add_argument("--clean", action="store_true",
                        help="remove the stale temporary files")


def command(args: argparse.Namespace) -> int:
    """``zarrlite fsck PATH [--clean]``: `run` on ``args.path``."""
    run(args.path, args.clean)
    return 0


def run(path: str, clean: bool) -> None:
    """Check the directory store at `path`, printing one line per stale temporary file and
    a summary.

    Raises
    ------
    UserError
        If `path` is not a directory, or `clean` and it cannot be written.
    """
    if not os.path.isdir(path):
        raise UserError(f"{path!r} is not a directory (a directory store)")
    store = DirectoryStore(path, mode="a" if clean else "r")
    try:
        stale = store.repair(clean=clean)
    except PermissionError as exc:
        raise UserError(f"cannot clean {path!r}: {exc.strerror or exc}") from None
    for name in stale:
        print(f"{'removed' if clean else 'stale'}: {name}")
    what = "removed" if clean else "found (run with --clean to remove them)"
    print(f"{path}: {len(stale)} stale temporary file(s) of interrupted writes {what}"
          if stale else f"{path}: no stale temporary files")
