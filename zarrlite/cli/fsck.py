"""``zarrlite fsck PATH``: report (and with ``--clean`` remove) what interrupted writes left
in a directory store."""

from __future__ import annotations

import os

from zarrlite.cli.errors import UserError
from zarrlite.stores import DirectoryStore


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
